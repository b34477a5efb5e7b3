/**
 * A strict JSON reader for policy documents. `JSON.parse` silently keeps the last of two equal keys; IAM
 * rejects a statement that repeats a key (reference §A.1.1), so this reader reports duplicates, and records
 * the line and column of every element so errors can point into the source text. Objects come back with a
 * null prototype (untrusted input: no `__proto__` surprises).
 */
import type { GatehouseError } from '../errors.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface Position {
  readonly line: number;
  readonly column: number;
}

export interface JsonReadResult {
  readonly value: JsonValue | undefined;
  /** JSON path (`Statement[0].Effect`) → where the element starts in the text. */
  readonly positions: ReadonlyMap<string, Position>;
  readonly errors: GatehouseError[];
  /**
   * Whether some number literal holds a decimal that its double does not (`9007199254740993` reads as 2^53, `0.1…01` as
   * 0.1); `exactNumbers` then gives, by JSON path (recorded with positions only), each such literal as its plain decimal
   * (`plainDecimal`), which a condition value compares as written (review lq, 2).
   */
  readonly inexactNumbers: boolean;
  readonly exactNumbers: ReadonlyMap<string, string>;
}

/** How long a literal's plain decimal may grow (`1e400` is 401 digits); past it the literal reads as its double alone. */
const MAX_PLAIN_DIGITS = 1024;

/**
 * A JSON number literal (or `String` of a double, `1e+21`) as a plain decimal: no exponent, no leading zeros but the one
 * of `0.5`, no trailing zeros in the fraction, no point without a fraction, `0` for zero whatever its sign. Undefined
 * when that would be longer than `MAX_PLAIN_DIGITS`, or for text that is no such number.
 */
export function plainDecimal(literal: string): string | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(literal);
  if (!m) return undefined;
  const [, sign, int, frac = '', exp = '0'] = m as unknown as [string, string, string, string | undefined, string | undefined];
  const shift = Number(exp);
  if (Math.abs(shift) > MAX_PLAIN_DIGITS || int.length + frac.length + Math.abs(shift) > MAX_PLAIN_DIGITS) return undefined;
  let digits = int + frac;
  let point = int.length + shift;
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  } else if (point > digits.length) digits += '0'.repeat(point - digits.length);
  let whole = digits.slice(0, point).replace(/^0+/, '');
  let fraction = digits.slice(point);
  let j = fraction.length;
  while (j > 0 && fraction.charCodeAt(j - 1) === 0x30) j--;
  fraction = fraction.slice(0, j);
  if (whole === '') whole = '0';
  if (whole === '0' && fraction === '') return '0';
  return `${sign}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}

export function childPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/**
 * A value's errors in the order of the elements they are at, as its keys and items come (the order a YAML or JSON file
 * wrote them in, which the value read from it keeps). An error at an element the value lacks (a statement's missing
 * `Resource`, a rule's `apiGroups`) comes after those within the nearest element it has, as a text's unplaced errors
 * come after its placed ones (src/core/errors.ts `inFileOrder`). Stable: errors at one element keep the order found.
 * The policy parser orders a document given as a value so (`parsePolicy`), and `gatehouse apply` a document's errors.
 */
export function inValueOrder<E extends { readonly path: string }>(input: unknown, errors: readonly E[]): E[] {
  if (errors.length < 2) return [...errors];
  // Each element's place on entering it and on leaving it, in a walk of the value in its order; 64 levels deep at most
  // (an element deeper is ranked at its ancestor there), so a value nested without end costs no more.
  const enter = new Map<string, number>();
  const leave = new Map<string, number>();
  let n = 0;
  const walk = (v: unknown, path: string, depth: number): void => {
    enter.set(path, n++);
    if (depth < MAX_DEPTH && typeof v === 'object' && v !== null) {
      if (Array.isArray(v)) v.forEach((x, i) => walk(x, childPath(path, i), depth + 1));
      else for (const [k, x] of Object.entries(v)) walk(x, childPath(path, k), depth + 1);
    }
    leave.set(path, n++);
  };
  walk(input, '', 0);
  const rank = (path: string): number => {
    const at = enter.get(path);
    if (at !== undefined) return at;
    for (let p = path; p !== ''; ) {
      const up = p.replace(/(?:\.[^.[\]]*|\[\d+\])$|^[^.[\]]*$/, '');
      p = up === p ? '' : up;
      const end = leave.get(p);
      if (end !== undefined) return end;
    }
    return n;
  };
  return errors
    .map((e, i) => ({ e, i, at: rank(e.path) }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map((x) => x.e);
}

const MAX_DEPTH = 64;

export function readJson(text: string, withPositions = true): JsonReadResult {
  const positions = new Map<string, Position>();
  const errors: GatehouseError[] = [];
  const exactNumbers = new Map<string, string>();
  let inexactNumbers = false;
  let i = 0;
  let line = 1;
  let lineStart = 0;

  const pos = (): Position => ({ line, column: i - lineStart + 1 });
  const syntax = (message: string): never => {
    const p = pos();
    throw new JsonSyntaxError({ code: 'POLICY_JSON_SYNTAX', message: `${message} at line ${p.line}, column ${p.column}`, path: '', line: p.line, column: p.column });
  };

  const skipWs = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0d) i++;
      else if (c === 0x0a) {
        i++;
        line++;
        lineStart = i;
      } else return;
    }
  };

  const parseString = (): string => {
    // text[i] === '"'
    i++;
    let out = '';
    let start = i;
    for (;;) {
      if (i >= text.length) syntax('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) syntax('control character in string');
      if (c === 0x5c) {
        out += text.slice(start, i);
        const e = text[i + 1];
        i += 2;
        switch (e) {
          case '"': out += '"'; break;
          case '\\': out += '\\'; break;
          case '/': out += '/'; break;
          case 'b': out += '\b'; break;
          case 'f': out += '\f'; break;
          case 'n': out += '\n'; break;
          case 'r': out += '\r'; break;
          case 't': out += '\t'; break;
          case 'u': {
            const hex = text.slice(i, i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) syntax('bad unicode escape');
            out += String.fromCharCode(parseInt(hex, 16));
            i += 4;
            break;
          }
          default:
            i -= 1;
            syntax('bad escape in string');
        }
        start = i;
        continue;
      }
      i++;
    }
  };

  const parseValue = (path: string, depth: number): JsonValue => {
    skipWs();
    if (depth > MAX_DEPTH) syntax('document nested too deeply');
    if (withPositions) positions.set(path, pos());
    const c = text[i];
    if (c === '{') {
      i++;
      const obj: { [key: string]: JsonValue } = Object.create(null);
      skipWs();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        skipWs();
        if (text[i] !== '"') syntax('expected a string key');
        const keyPos = pos();
        const key = parseString();
        skipWs();
        if (text[i] !== ':') syntax('expected `:`');
        i++;
        const p = withPositions ? childPath(path, key) : '';
        if (Object.prototype.hasOwnProperty.call(obj, key)) {
          errors.push({ code: 'POLICY_DUPLICATE_KEY', message: `key \`${key}\` appears more than once; a policy element may not repeat a key`, path: withPositions ? p : childPath(path, key), line: keyPos.line, column: keyPos.column });
          parseValue(`${p}#dup`, depth + 1);
        } else {
          obj[key] = parseValue(p, depth + 1);
          if (withPositions) positions.set(p, keyPos);
        }
        skipWs();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        syntax('expected `,` or `}`');
      }
    }
    if (c === '[') {
      i++;
      const arr: JsonValue[] = [];
      skipWs();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue(withPositions ? childPath(path, arr.length) : '', depth + 1));
        skipWs();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        syntax('expected `,` or `]`');
      }
    }
    if (c === '"') return parseString();
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m && m[0].length > 0) {
      i += m[0].length;
      const n = Number(m[0]);
      // Most literals are short and exact: only one of 16 characters or more, or with an exponent, may not be.
      if (m[0].length > 15 || /[eE]/.test(m[0])) {
        const exact = plainDecimal(m[0]);
        if (exact !== undefined && exact !== plainDecimal(String(n))) {
          inexactNumbers = true;
          if (withPositions) exactNumbers.set(path, exact);
        }
      }
      return n;
    }
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    return syntax(i >= text.length ? 'unexpected end of document' : `unexpected character \`${text[i]}\``);
  };

  try {
    const value = parseValue('', 0);
    skipWs();
    if (i < text.length) syntax('unexpected text after the document');
    return { value, positions, errors, inexactNumbers, exactNumbers };
  } catch (e) {
    if (e instanceof JsonSyntaxError) return { value: undefined, positions, errors: [e.error], inexactNumbers, exactNumbers };
    throw e;
  }
}

class JsonSyntaxError extends Error {
  readonly error: GatehouseError;
  constructor(error: GatehouseError) {
    super(error.message);
    this.error = error;
  }
}
