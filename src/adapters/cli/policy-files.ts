/**
 * Policy documents from files. JSON is the policy format and goes to the engine as written, so its errors carry
 * the engine's line and column. A `.yaml`/`.yml` file is read with the `yaml` package (YAML 1.2 core schema, so
 * `2012-10-17` stays a string) and the engine sees the resulting value; line and column are then found again by
 * walking the YAML document along each error's JSON path.
 */
import type { Document, LineCounter, Node } from 'yaml';
import { lossyScalars, parseYamlDocument, yaml, yamlMessage, yamlValue } from './yaml.ts';
import type { GatehouseError } from '../../core/errors.ts';

export type PolicyFormat = 'json' | 'yaml';

export interface LoadedPolicy {
  readonly format: PolicyFormat;
  /** What to hand to the engine: the JSON text, or the value read from YAML. */
  readonly input: string | unknown;
  /** Errors found before the engine could see the document (YAML syntax, duplicate YAML keys, file too large). */
  readonly errors: readonly GatehouseError[];
  /** Gives an engine error the line and column of its path in this file, where they can be found. */
  readonly locate: (e: GatehouseError) => GatehouseError;
}

/** Far above any policy size limit (20,480 characters for resource policies), and bounds the YAML parser's work. */
export const MAX_POLICY_FILE_CHARS = 1024 * 1024;

export function formatOf(fileName: string): PolicyFormat {
  return /\.ya?ml$/i.test(fileName) ? 'yaml' : 'json';
}

/**
 * Standard input (`-`) has no name to tell its format: JSON when its text starts with `{`, as every policy document in
 * JSON does, else YAML. It was always JSON, and README §1's YAML example piped in was refused at its first `#` as a
 * JSON syntax error, while `apply -f -` reads YAML (review gy, 2).
 */
export function formatOfStdin(text: string): PolicyFormat {
  return /^\s*\{/.test(text) ? 'json' : 'yaml';
}

export function loadPolicy(fileName: string, text: string): LoadedPolicy {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const format = fileName === '-' ? formatOfStdin(source) : formatOf(fileName);
  if (source.length > MAX_POLICY_FILE_CHARS) {
    const tooLarge: GatehouseError = { code: 'POLICY_TOO_LARGE', path: '', message: `file is ${source.length} characters; a policy file may have at most ${MAX_POLICY_FILE_CHARS}` };
    return { format, input: undefined, errors: [tooLarge], locate: (e) => e };
  }
  const loaded = format === 'yaml' ? loadYaml(source) : loadJson(source);
  // An empty file, a YAML file of comments only, `-` with nothing piped in: sent as read (`''`, null), the server's
  // `document is required` (exit 8) named neither the file nor the option (review hm, 1). Refused here as the file's.
  const nothing = loaded.errors.length === 0 && (format === 'json' ? source.trim() === '' : loaded.input === null);
  if (!nothing) return loaded;
  const what = fileName === '-' ? 'standard input' : 'the file';
  const empty: GatehouseError = { code: 'POLICY_INVALID_TYPE', path: '', message: `${what} holds no policy document (it is empty or only comments): a policy document is a JSON object, {"Version": "2012-10-17", "Statement": [...]}` };
  return { format, input: undefined, errors: [empty], locate: (e) => e };
}

function loadJson(text: string): LoadedPolicy {
  // The engine positions nearly every error itself; an error on a missing element has no position of its own,
  // and gets that of its nearest enclosing element. JSON is YAML 1.2, so the YAML reader can find it.
  let located: Located | undefined | null = null;
  const locate = (e: GatehouseError): GatehouseError => {
    if (e.line !== undefined) return e;
    if (located === null) {
      const lineCounter = new (yaml().LineCounter)();
      const doc = yaml().parseDocument(text, { lineCounter, uniqueKeys: false });
      located = doc.errors.length === 0 ? { doc, lineCounter } : undefined;
    }
    return located === undefined ? e : withPosition(e, located);
  };
  return { format: 'json', input: text, errors: [], locate };
}

function loadYaml(text: string): LoadedPolicy {
  // Read as `gatehouse apply` reads its files (yaml.ts): merge keys merged, a key given twice refused.
  const { document: doc, lineCounter } = parseYamlDocument(text, false);
  const at = (offset: number): { line: number; column: number } => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if (doc.errors.length > 0) {
    const errors = doc.errors.map(
      (e): GatehouseError => ({
        code: e.code === 'DUPLICATE_KEY' ? 'POLICY_DUPLICATE_KEY' : 'POLICY_JSON_SYNTAX',
        path: '',
        message: `yaml: ${yamlMessage(e.message)}`,
        ...at(e.pos[0]),
      }),
    );
    return { format: 'yaml', input: undefined, errors, locate: (e) => e };
  }
  const read = yamlValue(doc);
  if (!read.ok) {
    const error: GatehouseError = { code: 'POLICY_JSON_SYNTAX', path: '', message: `yaml: ${read.message}`, ...(read.offset !== undefined ? at(read.offset) : {}) };
    return { format: 'yaml', input: undefined, errors: [error], locate: (x) => x };
  }
  const value = read.value;
  // `012345678901` read as the number 12345678901 (an account id in a Deny's condition that then never matches): refused
  // where it is, as `gatehouse apply` refuses it (review ak, 1).
  const lossy = lossyScalars(doc.contents, false);
  if (lossy.length > 0) {
    return { format: 'yaml', input: undefined, errors: lossy.map((l): GatehouseError => ({ code: 'POLICY_JSON_SYNTAX', path: l.path, message: l.message, ...at(l.offset) })), locate: (e) => e };
  }
  // Positions the engine found refer to its own rendering of the value, not to this file: always replace them.
  const located: Located = { doc, lineCounter };
  const locate = (e: GatehouseError): GatehouseError => {
    const { line: _l, column: _c, ...rest } = e;
    return withPosition(rest, located);
  };
  return { format: 'yaml', input: value ?? null, errors: [], locate };
}

interface Located {
  readonly doc: Document.Parsed;
  readonly lineCounter: LineCounter;
}

function withPosition(e: GatehouseError, { doc, lineCounter }: Located): GatehouseError {
  const offset = offsetOf(doc, e.path);
  if (offset === undefined) return e;
  const p = lineCounter.linePos(offset);
  return { ...e, line: p.line, column: p.col };
}

/**
 * Where the element at a JSON path (`Statement[2].Condition.StringEquals.aws:username`) starts: the key of a
 * map entry, the item of a list. A path that goes beyond the document (a missing element) stops at the deepest
 * element that exists. A key that itself contains dots is found by trying the longest run of segments first.
 */
export function offsetOf(doc: Document.Parsed, path: string): number | undefined {
  const segments = splitPath(path.replace(/#dup$/, ''));
  let node: Node | null | undefined = doc.contents;
  let offset = node?.range?.[0];
  let i = 0;
  while (i < segments.length && node) {
    const seg = segments[i];
    if (typeof seg === 'number') {
      // A statement given as one object is addressed as `Statement` or `Statement[0]`.
      if (yaml().isSeq(node)) {
        const item: unknown = node.items[seg];
        if (!isNodeLike(item)) break;
        node = item;
        offset = item.range?.[0] ?? offset;
      } else if (!(yaml().isMap(node) && seg === 0)) break;
      i++;
      continue;
    }
    if (!yaml().isMap(node)) break;
    const map = node;
    let matched = false;
    for (let n = runOfNames(segments, i); n >= 1 && !matched; n--) {
      const key = segments.slice(i, i + n).join('.');
      const pair = map.items.find((p) => yaml().isScalar(p.key) && String(p.key.value) === key);
      if (pair) {
        const keyNode: unknown = pair.key;
        offset = (isNodeLike(keyNode) ? keyNode.range?.[0] : undefined) ?? offset;
        const value: unknown = pair.value;
        node = isNodeLike(value) ? value : null;
        i += n;
        matched = true;
      }
    }
    if (!matched) break;
  }
  return offset;
}

function splitPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/\[(\d+)\]|([^.[\]]+)/g)) {
    if (m[1] !== undefined) out.push(Number(m[1]));
    else if (m[2] !== undefined) out.push(m[2]);
  }
  return out;
}

function runOfNames(segments: readonly (string | number)[], from: number): number {
  let n = 0;
  while (typeof segments[from + n] === 'string') n++;
  return n;
}

function isNodeLike(x: unknown): x is Node {
  return typeof x === 'object' && x !== null && 'range' in x;
}
