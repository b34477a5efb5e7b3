/**
 * Policy variables (reference §A.1.6): `${key}`, `${key, 'default'}`, and the escapes `${*}`, `${?}`, `${$}`.
 * Honoured only under `Version: 2012-10-17`; elsewhere `${…}` is literal text. Substituted values and escapes
 * are literal characters, never wildcards, so they come out marked (see glob.ts).
 */
import { LITERAL_DOLLAR, LITERAL_QMARK, LITERAL_STAR } from './glob.ts';

export type KeyLookup = (lowerKey: string) => readonly string[] | undefined;

type Part = string | { readonly key: string; readonly fallback: string | undefined };

export interface Template {
  readonly parts: readonly Part[];
}

const VAR_RE = /\$\{([^}]*)\}/g;
const KEY_RE = /^\s*([^\s,'}]+)\s*(?:,\s*'([^']*)'\s*)?$/;

/**
 * Splits `text` into literal parts and variables. `from` is where variables start to count (the resource part
 * of an ARN); returns undefined when there is no variable, so plain patterns take the fast path.
 */
export function parseTemplate(text: string, from = 0): Template | undefined {
  if (!text.includes('${', from)) return undefined;
  const parts: Part[] = [];
  let last = 0;
  let sawVariable = false;
  VAR_RE.lastIndex = from;
  for (let m = VAR_RE.exec(text); m; m = VAR_RE.exec(text)) {
    const body = m[1] ?? '';
    let part: Part | undefined;
    if (body === '*') part = LITERAL_STAR;
    else if (body === '?') part = LITERAL_QMARK;
    else if (body === '$') part = LITERAL_DOLLAR;
    else {
      const k = KEY_RE.exec(body);
      if (k && k[1]) part = { key: k[1].toLowerCase(), fallback: k[2] };
    }
    if (part === undefined) continue;
    sawVariable = true;
    if (m.index > last) parts.push(text.slice(last, m.index));
    parts.push(part);
    last = m.index + m[0].length;
  }
  if (!sawVariable) return undefined;
  if (last < text.length) parts.push(text.slice(last));
  return { parts };
}

function markLiteral(v: string): string {
  return v.replaceAll('*', LITERAL_STAR).replaceAll('?', LITERAL_QMARK).replaceAll('$', LITERAL_DOLLAR);
}

/** Substitutes every variable; undefined when one has no value (absent or multi-valued) and no default. */
export function resolveTemplate(t: Template, lookup: KeyLookup): string | undefined {
  let out = '';
  for (const p of t.parts) {
    if (typeof p === 'string') {
      out += p;
      continue;
    }
    const v = lookup(p.key);
    if (v !== undefined && v.length === 1) out += markLiteral(v[0] as string);
    else if (p.fallback !== undefined) out += markLiteral(p.fallback);
    else return undefined;
  }
  return out;
}

/** A small bounded memo from resolved pattern text to its compiled matcher. */
export class MatcherCache<M> {
  private readonly map = new Map<string, M>();
  private readonly build: (s: string) => M;
  private readonly max: number;
  constructor(build: (s: string) => M, max = 256) {
    this.build = build;
    this.max = max;
  }
  get(s: string): M {
    let m = this.map.get(s);
    if (m === undefined) {
      if (this.map.size >= this.max) this.map.clear();
      m = this.build(s);
      this.map.set(s, m);
    }
    return m;
  }
}
