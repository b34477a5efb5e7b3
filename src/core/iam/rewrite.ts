/**
 * Rewriting the principals a stored policy document names, as IAM does when a user or role named in a trust
 * policy is deleted (reference §A.1.5: "IAM stores user and role ARNs in trust policies as unique IDs, so a
 * deleted and re-created user/role no longer matches"; GetRole then shows the old id in place of the ARN).
 * Only the string values of `Principal` / `NotPrincipal` under `AWS` (and `RAM`, the acs dialect) are replaced;
 * every other byte of the text — conditions, resources, spacing — stays as written.
 */
import { childPath, readJson, type JsonValue } from './json.ts';

const PRINCIPAL_ELEMENTS = ['Principal', 'NotPrincipal'] as const;
const ARN_KEYS = ['AWS', 'RAM'] as const;

type Obj = { readonly [key: string]: JsonValue };
const isObj = (v: JsonValue | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `text` with every principal value `v` for which `replace(v)` answers a string replaced by it, or undefined when
 * nothing is replaced (or `text` is not a JSON object).
 */
export function replacePrincipals(text: string, replace: (value: string) => string | undefined): string | undefined {
  const read = readJson(text, true);
  if (!isObj(read.value) || read.errors.length > 0) return undefined;
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const offsetOf = (path: string): number | undefined => {
    const p = read.positions.get(path);
    const start = p === undefined ? undefined : lineStarts[p.line - 1];
    return start === undefined || p === undefined ? undefined : start + p.column - 1;
  };
  const edits: { start: number; end: number; value: string }[] = [];
  // `at` is the offset of a string token (array elements), or of the key whose value it is (object members:
  // readJson records a member at its key).
  const edit = (at: number | undefined, member: boolean, value: string): void => {
    if (at === undefined) return;
    let i = at;
    if (member) {
      i = stringEnd(text, i);
      while (/\s/.test(text[i] ?? '')) i++;
      if (text[i] !== ':') return;
      i++;
      while (/\s/.test(text[i] ?? '')) i++;
    }
    if (text[i] !== '"') return;
    edits.push({ start: i, end: stringEnd(text, i), value });
  };

  const statements = read.value['Statement'];
  const list: { st: JsonValue; path: string }[] = Array.isArray(statements) ? statements.map((st, i) => ({ st, path: childPath('Statement', i) })) : [{ st: statements ?? null, path: 'Statement' }];
  for (const { st, path } of list) {
    if (!isObj(st)) continue;
    for (const element of PRINCIPAL_ELEMENTS) {
      const raw = st[element];
      // An OSS bucket policy's plain list of principals holds the values of `RAM` (src/core/iam/parse.ts).
      const spec: Obj | undefined = Array.isArray(raw) ? { RAM: raw } : isObj(raw) ? raw : undefined;
      if (spec === undefined) continue;
      for (const key of ARN_KEYS) {
        const v = spec[key];
        const keyPath = Array.isArray(raw) ? childPath(path, element) : childPath(childPath(path, element), key);
        if (typeof v === 'string') {
          const to = replace(v);
          if (to !== undefined && to !== v) edit(offsetOf(keyPath), true, to);
        } else if (Array.isArray(v)) {
          v.forEach((x, j) => {
            if (typeof x !== 'string') return;
            const to = replace(x);
            if (to !== undefined && to !== x) edit(offsetOf(childPath(keyPath, j)), false, to);
          });
        }
      }
    }
  }
  if (edits.length === 0) return undefined;
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = `${out.slice(0, e.start)}${JSON.stringify(e.value)}${out.slice(e.end)}`;
  return out;
}

/** The offset just past the JSON string token that starts at `start` (a `"`). */
function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') i += 2;
    else if (c === '"') return i + 1;
    else i++;
  }
  return text.length;
}
