/**
 * Policy and RBAC documents as plan compares them: canonical JSON (key order and layout do not count) and the
 * differences between two values at their JSON paths, as `plan` lists them under an update (review cq, 4). Its own
 * module so that apply.ts and the kinds it registers (kube-apply.ts) share it without importing each other.
 */

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (path: string, key: string | number): string => (typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`);

/** One difference inside a policy document: a value added (`+`), removed (`-`) or replaced (`~`) at a JSON path of the spec. */
export interface DocumentChange {
  readonly op: '+' | '-' | '~';
  /** Within the spec: `document.Statement[1].Action`, `inlinePolicies.s3-read`. */
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

/** JSON with object keys sorted: two documents that differ only in key order or layout compare equal. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (isObj(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/**
 * The value of a stored or given JSON text: a policy document, a stored key's value. Text that is not JSON (edited by
 * hand; a policy then fails closed) is its text: no difference is listed inside it, and an audit record or an API
 * answer shows it as it is.
 */
export function documentValue(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** The items of a set-valued field (a workspace's members) in the stable order a plan lists them in: by canonical JSON. */
export const inSetOrder = <T>(items: readonly T[]): T[] => [...items].sort((a, b) => (canonicalJson(a) < canonicalJson(b) ? -1 : canonicalJson(a) > canonicalJson(b) ? 1 : 0));

/**
 * The differences between two JSON values, by path. Maps compare key by key; a list keeps the items equal at its start
 * and end and compares the ones between pairwise, so a statement added or removed in a policy is one line, not a
 * change of every statement after it.
 */
export function documentChanges(before: unknown, after: unknown, path: string, out: DocumentChange[] = []): DocumentChange[] {
  if (canonicalJson(before) === canonicalJson(after)) return out;
  if (isObj(before) && isObj(after)) {
    for (const k of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
      const p = join(path, k);
      if (!Object.hasOwn(after, k)) out.push({ op: '-', path: p, before: before[k] });
      else if (!Object.hasOwn(before, k)) out.push({ op: '+', path: p, after: after[k] });
      else documentChanges(before[k], after[k], p, out);
    }
  } else if (Array.isArray(before) && Array.isArray(after)) {
    const same = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);
    let start = 0;
    while (start < before.length && start < after.length && same(before[start], after[start])) start++;
    let end = 0;
    while (end < before.length - start && end < after.length - start && same(before[before.length - 1 - end], after[after.length - 1 - end])) end++;
    const removed = before.slice(start, before.length - end);
    const added = after.slice(start, after.length - end);
    const paired = Math.min(removed.length, added.length);
    for (let i = 0; i < paired; i++) documentChanges(removed[i], added[i], join(path, start + i), out);
    for (let i = paired; i < removed.length; i++) out.push({ op: '-', path: join(path, start + i), before: removed[i] });
    for (let i = paired; i < added.length; i++) out.push({ op: '+', path: join(path, start + i), after: added[i] });
  } else out.push({ op: '~', path, before, after });
  return out;
}
