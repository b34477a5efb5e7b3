/**
 * The `yaml` package, loaded when a command first reads or writes YAML: about 70 modules, which every other command
 * (a `whoami`, a `jobs list`) would otherwise load at start. The package's Node entry is CommonJS, so `require`
 * gives the same module an `import` would, and the callers stay synchronous.
 */
import { createRequire } from 'node:module';
import type { Document, LineCounter, ParsedNode, Scalar } from 'yaml';
import { readJson } from '../../core/iam/json.ts';

type Yaml = typeof import('yaml');

let loaded: Yaml | undefined;

export const yaml = (): Yaml => (loaded ??= createRequire(import.meta.url)('yaml') as Yaml);

/**
 * How every command reads a YAML or JSON file (`apply`, `plan`, `policy`, `iam`, `iam-policy`, `authorize`), so that a
 * file means the same to each: YAML 1.2's core schema (`2012-10-17` stays a string), a key given twice refused, and merge
 * keys (`<<: *common`) merged as kubectl's YAML reader and YAML 1.1 read them (review cj, 1), where the `yaml` package
 * otherwise reads `<<` as a key of its own (review cq, 3). JSON has no merge keys: there `<<` stays a key.
 */
const readOptions = (json: boolean) => ({ uniqueKeys: sameKey, prettyErrors: false, merge: !json, logLevel: 'error' }) as const;

/**
 * Whether two keys of a map are one: the same node or value, as the `yaml` package compares them, or the same name once
 * the document is JSON, where every key is text. `2024` and `"2024"`, `true` and `"true"` were two keys to YAML and one in
 * the JSON sent, which kept the last without a word (review pf, 2). A merge key (`<<`, a symbol) compares as before.
 */
function sameKey(a: ParsedNode, b: ParsedNode): boolean {
  if (a === b) return true;
  const Y = yaml();
  if (!Y.isScalar(a) || !Y.isScalar(b)) return false;
  if (a.value === b.value) return true;
  const name = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' ? String(v) : undefined);
  const x = name(a.value);
  return x !== undefined && x === name(b.value);
}

/** Every document of a YAML stream (`---`), read as `readOptions` says, with the line counter that places their nodes. */
export function parseYamlDocuments(text: string, json: boolean): { readonly documents: Document.Parsed[]; readonly lineCounter: LineCounter } {
  const lineCounter = new (yaml().LineCounter)();
  const parsed = yaml().parseAllDocuments(text, { ...readOptions(json), lineCounter });
  return { documents: Array.isArray(parsed) ? parsed : [], lineCounter };
}

/** A file that holds one document (a policy), read as `readOptions` says; a second document is an error of the file. */
export function parseYamlDocument(text: string, json: boolean): { readonly document: Document.Parsed; readonly lineCounter: LineCounter } {
  const lineCounter = new (yaml().LineCounter)();
  return { document: yaml().parseDocument(text, { ...readOptions(json), lineCounter }), lineCounter };
}

/**
 * How many times one anchor may be expanded by aliases, the anchors inside it multiplied in (the `yaml` package's
 * `maxAliasCount`): a bound on a billion laughs that a large configuration stays under. At 100, a ClusterRole of 101
 * rules sharing `verbs: &rw [...]` was refused as "a resource exhaustion attack", where kubectl reads it (review fd, 9).
 */
export const MAX_ALIAS_EXPANSION = 10_000;
/** The most JSON one document may be with its aliases written out: what the server reads of a whole apply. */
export const MAX_EXPANDED_CHARS = 32 << 20;

/**
 * Whether `value` (a YAML document's, whose aliased nodes are shared) is more than `limit` characters of JSON, about:
 * strings and keys by their length, every other value and separator a few. Stops as soon as it is: the walk costs at
 * most `limit` steps however many times a node is shared.
 */
export function expandsPast(value: unknown, limit: number): boolean {
  let size = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'string') size += v.length + 2;
    else if (Array.isArray(v)) {
      size += 2 + v.length;
      for (const x of v) stack.push(x);
    } else if (typeof v === 'object' && v !== null) {
      for (const [k, x] of Object.entries(v)) {
        size += k.length + 4;
        stack.push(x);
      }
      size += 2;
    } else size += 5;
    if (size > limit) return true;
  }
  return false;
}

/**
 * The value of a document read without errors, or why it has none, with the offset of the node at fault where one is
 * found: the library's error has no position. An alias whose anchor is not in this document (anchors do not cross
 * `---`), a merge key whose value is no map (`<<: 5`), more aliases than `maxAliasCount` (a billion laughs), a value
 * that is more JSON than the server reads once its aliases are written out.
 */
export function yamlValue(doc: Document.Parsed): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string; readonly offset?: number } {
  try {
    const value: unknown = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
    // Aliases are shared in the value, copied in the JSON sent: bounded before it is written (RangeError past V8's
    // longest string, exit 70, from a 245 KB file: review fd, 9).
    if (expandsPast(value, MAX_EXPANDED_CHARS)) return { ok: false, message: `the document is more than ${MAX_EXPANDED_CHARS >> 20} MiB of JSON once its aliases are written out, more than the server reads; use fewer aliases of large values` };
    return { ok: true, value };
  } catch (e) {
    const Y = yaml();
    if (e instanceof Error && /^Excessive alias count/.test(e.message)) {
      // Where: the anchor aliased most (the library names none), and what to do.
      const uses = new Map<string, number>();
      Y.visit(doc, {
        Alias(_, node) {
          uses.set(node.source, (uses.get(node.source) ?? 0) + 1);
        },
      });
      const [name] = [...uses.entries()].reduce((a, b) => (b[1] > a[1] ? b : a), ['', 0]);
      let at: number | undefined;
      Y.visit(doc, (_, node) => {
        if (Y.isNode(node) && node.anchor === name) {
          at = node.range?.[0];
          return Y.visit.BREAK;
        }
        return undefined;
      });
      const message = `aliases expand its anchors more than ${MAX_ALIAS_EXPANSION} times over, refused as a billion laughs would be (\`&${name}\`, here, is aliased most: ${uses.get(name) ?? 0} times); write some of the values out`;
      return at !== undefined ? { ok: false, message, offset: at } : { ok: false, message };
    }
    let at: number | undefined;
    let alias = false;
    Y.visit(doc, {
      Alias(_, node) {
        if (node.resolve(doc) !== undefined) return undefined;
        at = node.range?.[0];
        alias = true;
        return Y.visit.BREAK;
      },
      Pair(_, pair) {
        if (!Y.isScalar(pair.key) || typeof pair.key.value !== 'symbol') return undefined;
        const v = pair.value;
        const aMap = (n: unknown): boolean => Y.isMap(n) || (Y.isAlias(n) && Y.isMap(n.resolve(doc)));
        if (aMap(v) || (Y.isSeq(v) && v.items.every(aMap))) return undefined;
        at = (Y.isNode(v) ? v.range?.[0] : undefined) ?? pair.key.range?.[0];
        return Y.visit.BREAK;
      },
    });
    const message = `${yamlMessage(e instanceof Error ? e.message : String(e))}${alias ? '; an anchor holds only within its own document' : ''}`;
    return at !== undefined ? { ok: false, message, offset: at } : { ok: false, message };
  }
}

/** The yaml package's messages are sentences; Gatehouse's are lowercase without a trailing period. */
export function yamlMessage(m: string): string {
  // The package's advice to its programmer (`please use YAML.parseAllDocuments()`), which the user cannot take: said of
  // the file read as one policy document (policy validate/evaluate, iam-policy files; review qx, 6).
  if (m.startsWith('Source contains multiple documents')) return 'the file holds more than one YAML document (a `---` line starts another): a policy file holds one policy document; put each in its own file';
  const first = m.split('\n')[0] ?? m;
  return (first.charAt(0).toLowerCase() + first.slice(1)).replace(/\.$/, '').replace(/ at line \d+, column \d+:?$/, '');
}

/** A plain scalar YAML reads as something else than its text says (`012345678901` as the number 12345678901). */
export interface LossyScalar {
  /** Offset of the scalar in the source. */
  readonly offset: number;
  /** JSON path of the value (or of the key's map) within the node walked. */
  readonly path: string;
  readonly message: string;
}

/**
 * Whether the numbers of `file` are read by JSON's rules (lossyScalars' `json`): a `.json` file, or JSON on standard
 * input (`-`, which has no name; as `kubectl get -o json` prints it).
 */
export function readAsJson(file: string, text: string): boolean {
  if (/\.json$/i.test(file)) return true;
  if (file !== '-' || !/^\s*[[{]/.test(text)) return false;
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * The first syntax error of `text` read as JSON, by the reader policy documents are read with (`policy validate` words
 * its errors so): where it is in `text` (offset, and line and column) and what is wrong there. A `.json` file went to the YAML reader
 * alone, JSON being YAML's flow style: it took what JSON refuses (a trailing comma, 'single quotes', a comment) and
 * worded a slip in its own terms, often twice (`unexpected double-quoted-scalar token`, then `block collections are not
 * allowed within flow collections` elsewhere; review iv, 1). Undefined for JSON, and for a value nested deeper than a
 * policy may be, which is the YAML reader's to bound, and for a number with a leading zero, which lossyScalars names.
 */
export function jsonSyntaxError(text: string): { readonly offset: number; readonly line: number; readonly column: number; readonly message: string } | undefined {
  const error = readJson(text, false).errors.find((e) => e.code === 'POLICY_JSON_SYNTAX');
  if (error === undefined || error.line === undefined) return undefined;
  const message = error.message.replace(/ at line \d+, column \d+$/, '');
  if (message === 'document nested too deeply') return undefined;
  const column = error.column ?? 1;
  let offset = 0;
  for (let line = 1; line < error.line; line++) offset = text.indexOf('\n', offset) + 1;
  offset += column - 1;
  // A number with a leading zero (`012345678901`, an account id unquoted): lossyScalars says what it is, with its path.
  if (/\d/.test(text.charAt(offset)) && /(?:^|[^\w.+-])-?0$/.test(text.slice(Math.max(0, offset - 3), offset))) return undefined;
  return { offset, line: error.line, column, message };
}

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const UNSUPPORTED_COLLECTIONS: ReadonlySet<string> = new Set(['tag:yaml.org,2002:set', 'tag:yaml.org,2002:omap', 'tag:yaml.org,2002:pairs']);
/**
 * The tags the reader resolves (YAML 1.2's core schema, and the YAML 1.1 types the `yaml` package knows, which the checks
 * below refuse by their value), and the non-specific `!`. Any other (`!Sub`, `!Ref`, `!!python/object`) the package only
 * warns of, and reads the node as if it had no tag: YAML 1.2 (§3.3.2, §3.3.3) gives such a node only a partial
 * representation, which cannot be loaded as data.
 */
const RESOLVED_TAGS: ReadonlySet<string> = new Set([
  '!',
  ...['str', 'int', 'float', 'bool', 'null', 'map', 'seq', 'merge', 'binary', 'timestamp', 'set', 'omap', 'pairs'].map((t) => `tag:yaml.org,2002:${t}`),
]);

/**
 * The scalars under `node` whose value is not what their text says, so that sending the value would silently change
 * the document: a number YAML reads from text it does not print back (`012345678901` → 12345678901, losing the leading
 * zero of an account id; `0x10`, `1e3`, `1.0`, `+1`, `.inf`, an integer past 2^53), a YAML 1.1 boolean (`yes`, `on`,
 * under a `%YAML 1.1` directive), a timestamp or binary value, a `!!set`/`!!omap`. In a `json` file, numbers are read as
 * JSON reads them, so only what JSON would refuse or round (`012`, `1e400`, 2^53 and up) counts. Keys are checked too.
 * Each message says what YAML read and to quote the text. Aliases are checked where their anchor is.
 */
export function lossyScalars(node: unknown, json: boolean, path = '', max = 20): LossyScalar[] {
  const Y = yaml();
  const out: LossyScalar[] = [];
  const at = (n: { range?: readonly number[] | null | undefined }): number => n.range?.[0] ?? 0;
  const join = (p: string, key: string | number): string => (typeof key === 'number' ? `${p}[${key}]` : p === '' ? key : `${p}.${key}`);
  const problem = (s: Scalar, where: string, isKey = false): void => {
    const v: unknown = s.value;
    const text = s.source ?? String(v);
    // A key YAML reads as null (`~`, `null`, `? ` with nothing) became the empty string: refused, as kubectl refuses
    // a key JSON cannot hold (review fd, 7).
    if (isKey && v === null) {
      out.push({ offset: at(s), path: where, message: `the key ${text === '' ? 'is empty, which' : `\`${text}\` is read by YAML as null, which`} JSON cannot hold as a key; ${text === '' ? 'write a name' : `quote it ('${text.replace(/'/g, "''")}') to keep the text`}` });
      return;
    }
    if (typeof v === 'string' || v === null || v === undefined) return;
    // A merge key (`<<`, read with the `merge` option) is read as the symbol `<<`: its pairs are merged, not sent.
    if (isKey && typeof v === 'symbol' && v.description === '<<') return;
    let why: string | undefined;
    // A decimal YAML reads other than as written (`7200.0`, `1e3`): the number's own spelling is offered too, since
    // quoted it is text, which a numeric field refuses. Not for leading zeros or hex (`0777`, an account id): text.
    let asNumber: string | undefined;
    if (typeof v === 'number') {
      if (json) {
        if (!JSON_NUMBER.test(text)) why = `\`${text}\` is not a JSON number`;
        else if (!Number.isFinite(v)) why = `\`${text}\` is too large a number`;
        else if (/^-?\d+$/.test(text) && !Number.isSafeInteger(v)) why = `\`${text}\` is too large an integer to keep exactly (it is read as ${String(v)})`;
      } else if (JSON.stringify(v) !== text) {
        why = Number.isFinite(v) ? `\`${text}\` is read by YAML as the number ${String(v)}, not as written` : `\`${text}\` is read by YAML as ${String(v)}, which JSON cannot hold`;
        if (Number.isFinite(v) && !isKey && /^[-+]?(0|[1-9]\d*)(\.\d*)?([eE][-+]?\d+)?$/.test(text) && Number.isSafeInteger(v)) asNumber = JSON.stringify(v);
      }
    } else if (typeof v === 'boolean') {
      if (text.toLowerCase() !== String(v)) why = `\`${text}\` is read by YAML as the boolean ${String(v)} (YAML 1.1)`;
    } else if (typeof v === 'bigint') why = `\`${text}\` is too large an integer to keep exactly`;
    else why = `\`${text}\` is read by YAML as ${v instanceof Date ? 'a timestamp' : v instanceof Uint8Array ? 'binary data' : 'a value JSON cannot hold'}`;
    if (why !== undefined) out.push({ offset: at(s), path: where, message: `${isKey ? 'the key ' : ''}${why}; ${asNumber !== undefined ? `write ${asNumber} for the number, or ` : ''}quote it (${json ? JSON.stringify(text) : `'${text.replace(/'/g, "''")}'`}) to keep the text` });
  };
  // A tag the reader does not resolve: its node read as if untagged (`Resource: !Sub "arn:…${Bucket}…"` applied as that
  // text, a Deny that never matches; review pf, 1). Refused, as PyYAML's safe loader refuses it.
  const unknownTag = (n: { tag?: string | undefined; range?: readonly number[] | null | undefined }, where: string, isKey = false): boolean => {
    if (typeof n.tag !== 'string' || RESOLVED_TAGS.has(n.tag)) return false;
    const tag = n.tag.startsWith('tag:yaml.org,2002:') ? `!!${n.tag.slice('tag:yaml.org,2002:'.length)}` : n.tag;
    out.push({ offset: at(n), path: where, message: `${isKey ? 'on a key, ' : ''}the tag \`${tag}\` is not one YAML or Gatehouse knows, and would be dropped, its value read as if it had none; Gatehouse runs no template functions (CloudFormation's !Sub, !Ref, !GetAtt): write the value itself` });
    return true;
  };
  // The anchors met so far, in document order (an alias follows its anchor; a later anchor of the same name wins), so
  // that an alias used as a key is known for what it stands for.
  const anchors = new Map<string, unknown>();
  const anchor = (n: unknown): void => {
    if (Y.isNode(n) && typeof n.anchor === 'string') anchors.set(n.anchor, n);
  };
  const walk = (n: unknown, p: string): void => {
    if (out.length >= max) return;
    anchor(n);
    if ((Y.isScalar(n) || Y.isMap(n) || Y.isSeq(n)) && unknownTag(n, p)) return;
    if (Y.isScalar(n)) return problem(n, p);
    if (Y.isMap(n) || Y.isSeq(n)) {
      if (typeof n.tag === 'string' && UNSUPPORTED_COLLECTIONS.has(n.tag)) {
        out.push({ offset: at(n), path: p, message: `\`${n.tag.replace('tag:yaml.org,2002:', '!!')}\` is not a JSON value; write a map or a list` });
        return;
      }
    }
    if (Y.isMap(n)) {
      for (const pair of n.items) {
        anchor(pair.key);
        const key = Y.isScalar(pair.key) ? pair.key : undefined;
        const aliased = Y.isAlias(pair.key) ? anchors.get(pair.key.source) : undefined;
        if (key !== undefined) {
          if (!unknownTag(key, p, true)) problem(key, p, true);
        }
        else if (Y.isAlias(pair.key) && (Y.isMap(aliased) || Y.isSeq(aliased))) {
          // Read as the alias's own text (`*m`), a key the file does not hold, without a word (review pn, 1).
          out.push({ offset: at(pair.key), path: p, message: `an alias of a ${Y.isMap(aliased) ? 'map' : 'list'} (\`*${pair.key.source}\`) is used as a key, which JSON cannot hold; keys are names` });
          if (out.length >= max) return;
        }
        else if (Y.isMap(pair.key) || Y.isSeq(pair.key)) {
          // Read as its YAML text (`[ x, y ]`), with a warning on stderr naming no file or line (review fd, 7).
          out.push({ offset: at(pair.key), path: p, message: `a ${Y.isMap(pair.key) ? 'map' : 'list'} is used as a key, which JSON cannot hold; keys are names` });
          if (out.length >= max) return;
        }
        const scalar = key ?? (Y.isScalar(aliased) ? aliased : undefined);
        walk(pair.value, join(p, scalar !== undefined ? String(scalar.value) : '?'));
      }
    } else if (Y.isSeq(n)) n.items.forEach((item, i) => walk(item, join(p, i)));
  };
  walk(node, path);
  return out.slice(0, max);
}
