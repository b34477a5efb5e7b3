/**
 * Policy documents from files. JSON is the policy format and goes to the engine as written, so its errors carry
 * the engine's line and column. A `.yaml`/`.yml` file is read with the `yaml` package (YAML 1.2 core schema, so
 * `2012-10-17` stays a string) and the engine sees the resulting value; line and column are then found again by
 * walking the YAML document along each error's JSON path.
 */
import type { Document, LineCounter, Node, Scalar } from 'yaml';
import { lossyScalars, parseYamlDocument, yaml, yamlMessage, yamlValue } from './yaml.ts';
import type { GatehouseError } from '../../core/errors.ts';
import { readJson } from '../../core/iam/json.ts';

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
  return walkPath(doc, path).offset;
}

/** `offsetOf`'s walk: where it stopped (the deepest element of `path` that exists), and the part of `path` beyond it. */
function walkPath(doc: Document.Parsed, path: string): { readonly offset: number | undefined; readonly node: Node | null | undefined; readonly rest: string } {
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
  const rest = segments.slice(i).reduce<string>((p, seg) => (typeof seg === 'number' ? `${p}[${seg}]` : p === '' ? seg : `${p}.${seg}`), '');
  return { offset, node, rest };
}

/**
 * Where in `source` (the text `doc` was read from) the element at `path` is, when `path` runs into a policy written as
 * its JSON text (`document: |` followed by the JSON, or `'{"Version": …}'` on one line), which docs/documents.md allows:
 * the element's place in that text (readJson's positions; for `path` ending at the text itself, its first syntax error),
 * carried over to the file. The server's errors give the path alone, and were placed at the `document:` key, a syntax
 * error's message saying `at line 4, column 24` of a text whose line 4 is not the file's (review iv, 2). Undefined for
 * anything else: a document written as YAML (`offsetOf` places it), a folded (`>`) or escaped text whose lines or
 * columns are not the file's, an explicit indentation indicator.
 */
export function offsetInPolicyText(doc: Document.Parsed, source: string, path: string): number | undefined {
  const { node, rest } = walkPath(doc, path);
  if (!yaml().isScalar(node) || typeof node.value !== 'string' || !node.value.trimStart().startsWith('{') || !node.range) return undefined;
  const text = node.value;
  const read = readJson(text, true);
  let at: { readonly line: number; readonly column: number } | undefined;
  if (rest === '') at = read.errors.find((e) => e.code === 'POLICY_JSON_SYNTAX' && e.line !== undefined) as { line: number; column: number } | undefined;
  // A missing element is placed at its nearest enclosing one, as offsetOf places it.
  for (let p = rest; at === undefined && p !== ''; p = p.replace(/(?:\.[^.[\]]*|\[\d+\])$|^[^.[\]]*$/, '')) at = read.positions.get(p);
  if (at === undefined && rest !== '') at = read.positions.get('');
  if (at === undefined) return undefined;
  return offsetInScalar(node, source, at);
}

/**
 * Where in `source` the element at `path` is when it is a text (a binding's condition expression) and the server's
 * error gave its line and column in that text (`at`): carried over to the file as `offsetInPolicyText` carries a JSON
 * text's (review rj, 2), for a literal block or a text on one line without escapes; undefined otherwise.
 */
export function offsetInText(doc: Document.Parsed, source: string, path: string, at: { readonly line: number; readonly column: number }): number | undefined {
  const { node, rest } = walkPath(doc, path);
  if (rest !== '' || !yaml().isScalar(node) || typeof node.value !== 'string') return undefined;
  return offsetInScalar(node, source, at);
}

/** `at` (1-based line and column in the string `node` holds) as an offset in `source`, when the file lays the text out as it reads. */
function offsetInScalar(node: Scalar, source: string, at: { readonly line: number; readonly column: number }): number | undefined {
  const text = node.value;
  if (typeof text !== 'string' || !node.range) return undefined;
  const lines = text.split('\n');
  const start = node.range[0];
  if (node.type === 'BLOCK_LITERAL') {
    const header = source.slice(start, source.indexOf('\n', start) === -1 ? source.length : source.indexOf('\n', start));
    if (/\d/.test(header)) return undefined;
    const firstLine = source.indexOf('\n', start) + 1;
    const contentLines = source.slice(firstLine).split('\n');
    const indent = /^ */.exec(contentLines.find((l) => l.trim() !== '') ?? '')?.[0].length ?? 0;
    // Each line of the text is its line in the file without the block's indentation; else the text is not laid out so.
    // A CRLF file's lines end in `\r`, which YAML reads as part of the line break, not of the text: compared with it, every
    // line of a file saved with Windows line ends differed, and its errors fell back to the key (review wf, 2).
    if (lines.some((l, i) => l !== '' && contentLines[i]?.slice(indent).replace(/\r$/, '') !== l)) return undefined;
    return firstLine + contentLines.slice(0, at.line - 1).reduce((n, l) => n + l.length + 1, 0) + indent + at.column - 1;
  }
  if (node.type === 'PLAIN' || node.type === 'QUOTE_SINGLE' || node.type === 'QUOTE_DOUBLE') {
    const first = start + (node.type === 'PLAIN' ? 0 : 1);
    // Only a text written as it reads: on one line, with no escape or doubled quote before its end.
    if (source.slice(first, first + text.length) !== text || at.line !== 1) return undefined;
    return first + at.column - 1;
  }
  return undefined;
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
