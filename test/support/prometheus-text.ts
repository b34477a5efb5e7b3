/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for the tests of `/metrics`: what Prometheus's own
 * parser (textparse) refuses, and what the format's description says must hold, throws, naming the line. No client
 * library for Node reads the format (prom-client only writes it), so the rules are written here, from
 * https://prometheus.io/docs/instrumenting/exposition_formats/ ("Text format details"):
 *
 *   - lines end with `\n`, the last one too; empty lines and `#` comments other than HELP and TYPE are ignored;
 *   - `# HELP name text` (`\\` and `\n` escaped) and `# TYPE name type` at most once per name, TYPE before the
 *     first sample of that name; a type is counter, gauge, histogram, summary or untyped;
 *   - a sample is `name{label="value",…} value [timestamp]`, names `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names
 *     `[a-zA-Z_][a-zA-Z0-9_]*` (not `__…`), each once; a label value escapes `\\`, `\"` and `\n` and nothing else;
 *     the value a Go float (`NaN`, `+Inf`, `-Inf` too), the timestamp an integer;
 *   - all the lines of one metric (its HELP, TYPE and samples) are one group; no two samples have the same name and
 *     labels;
 *   - a histogram `x` has `x_bucket{le=…}` (cumulative, `le` ascending, one `+Inf` equal to `x_count`), `x_sum` and
 *     `x_count` for each of its label sets; a summary `x` has `x{quantile=…}`, `x_sum` and `x_count`.
 *
 * And the conventions a linter (`promtool check metrics`) holds an exposition to: a counter's name ends in `_total`,
 * no other type's does (`lintExposition`).
 */

export interface Sample {
  /** The sample's own name (`x_bucket`, `x_sum` for a histogram `x`). */
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Its line, from 1. */
  readonly line: number;
}

export interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  readonly help: string | undefined;
  readonly samples: readonly Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
/** Go's strconv.ParseFloat as textparse calls it (decimal floats; `Inf`, `Infinity` and `NaN` in any case, signed or not). */
const GO_FLOAT = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)$/i;

class ExpositionError extends Error {}

function fail(line: number, text: string, why: string): never {
  throw new ExpositionError(`line ${line}: ${why}: ${JSON.stringify(text.length > 200 ? `${text.slice(0, 200)}…` : text)}`);
}

function parseFloatGo(s: string, line: number, text: string): number {
  if (!GO_FLOAT.test(s)) fail(line, text, `\`${s}\` is not a float`);
  if (/inf/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/nan/i.test(s)) return NaN;
  return Number(s);
}

/** The label set `{…}` of a sample from `at` (just past `{`): its labels and where the text after `}` starts. */
function readLabels(text: string, at: number, line: number): { labels: Record<string, string>; next: number } {
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  let i = at;
  const skipBlanks = (): void => {
    while (text[i] === ' ' || text[i] === '\t') i++;
  };
  for (;;) {
    skipBlanks();
    if (text[i] === '}') return { labels, next: i + 1 };
    const start = i;
    while (i < text.length && /[a-zA-Z0-9_]/.test(text[i] ?? '')) i++;
    const name = text.slice(start, i);
    if (!LABEL_NAME.test(name)) fail(line, text, `label name \`${name}\` is not one`);
    if (name.startsWith('__')) fail(line, text, `label name \`${name}\` is reserved (\`__\`)`);
    if (name in labels) fail(line, text, `label \`${name}\` is given twice`);
    skipBlanks();
    if (text[i] !== '=') fail(line, text, `\`=\` expected after label \`${name}\``);
    i++;
    skipBlanks();
    if (text[i] !== '"') fail(line, text, `a quoted value expected for label \`${name}\``);
    i++;
    let value = '';
    for (;;) {
      const c = text[i];
      if (c === undefined) fail(line, text, `the value of label \`${name}\` is not closed`);
      if (c === '"') break;
      if (c === '\\') {
        const e = text[i + 1];
        if (e === '\\') value += '\\';
        else if (e === '"') value += '"';
        else if (e === 'n') value += '\n';
        else fail(line, text, `\`\\${e ?? ''}\` is no escape in a label value (only \\\\, \\" and \\n are)`);
        i += 2;
        continue;
      }
      value += c;
      i++;
    }
    i++;
    labels[name] = value;
    skipBlanks();
    if (text[i] === ',') {
      i++;
      continue;
    }
    if (text[i] === '}') return { labels, next: i + 1 };
    fail(line, text, `\`,\` or \`}\` expected after label \`${name}\``);
  }
}

function unescapeHelp(s: string, line: number, text: string): string {
  return s.replace(/\\(.?)/g, (_, e: string) => {
    if (e === '\\') return '\\';
    if (e === 'n') return '\n';
    // textparse keeps other backslashes as they are; the format says only these two are escaped.
    return fail(line, text, `\`\\${e}\` is no escape in HELP text (only \\\\ and \\n are)`);
  });
}

/** The family a sample named `name` belongs to, given the types declared so far. */
function familyOf(name: string, types: ReadonlyMap<string, string>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const t = types.get(base);
    if (t === 'histogram' || (t === 'summary' && suffix !== '_bucket')) return base;
  }
  return name;
}

/** Reads a whole exposition; throws on anything the format does not allow, naming the line. */
export function parseExposition(body: string): Family[] {
  if (body !== '' && !body.endsWith('\n')) throw new ExpositionError('the last line does not end with a line feed');
  const lines = body.split('\n');
  lines.pop();
  const types = new Map<string, string>();
  const helps = new Map<string, string>();
  const samples = new Map<string, Sample[]>();
  const order: string[] = [];
  const closed = new Set<string>();
  const seen = new Set<string>();
  let current: string | undefined;
  const enter = (family: string, n: number, text: string): void => {
    if (current === family) return;
    if (closed.has(family)) fail(n, text, `metric \`${family}\` is not one group: its lines are split by another metric's`);
    if (current !== undefined) closed.add(current);
    current = family;
    if (!order.includes(family)) order.push(family);
  };
  lines.forEach((raw, index) => {
    const n = index + 1;
    const text = raw.replace(/^[ \t]+/, '');
    if (text.trim() === '') return;
    if (text.startsWith('#')) {
      const m = /^#[ \t]+(HELP|TYPE)[ \t]+([^ \t]+)(?:[ \t]+(.*))?$/.exec(text);
      if (m === null) return;
      const [, kind, name = '', rest = ''] = m;
      if (!METRIC_NAME.test(name)) fail(n, raw, `\`${name}\` is no metric name`);
      if (kind === 'HELP') {
        if (helps.has(name)) fail(n, raw, `a second HELP for \`${name}\``);
        helps.set(name, unescapeHelp(rest, n, raw));
      } else {
        const t = rest.trim();
        if (!TYPES.has(t)) fail(n, raw, `\`${t}\` is no type`);
        if (types.has(name)) fail(n, raw, `a second TYPE for \`${name}\``);
        if (samples.has(name) || seen.has(name)) fail(n, raw, `TYPE for \`${name}\` after its first sample`);
        types.set(name, t);
      }
      enter(name, n, raw);
      return;
    }
    const nameEnd = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(text);
    if (nameEnd === null) fail(n, raw, 'a sample line must start with a metric name');
    const name = nameEnd[0];
    let i = name.length;
    let labels: Record<string, string> = Object.create(null) as Record<string, string>;
    let j = i;
    while (text[j] === ' ' || text[j] === '\t') j++;
    if (text[j] === '{') {
      const l = readLabels(text, j + 1, n);
      labels = l.labels;
      i = l.next;
    }
    const fields = text.slice(i).trim().split(/[ \t]+/);
    if (fields.length < 1 || fields.length > 2 || fields[0] === '' || (i < text.length && !/[ \t]/.test(text[i] ?? ''))) fail(n, raw, 'a sample is `name{labels} value [timestamp]`');
    const value = parseFloatGo(fields[0] ?? '', n, raw);
    if (fields[1] !== undefined && !/^-?\d+$/.test(fields[1])) fail(n, raw, `\`${fields[1]}\` is no timestamp (milliseconds, an integer)`);
    const family = familyOf(name, types);
    enter(family, n, raw);
    const key = `${name}\u0000${Object.keys(labels).sort().map((k) => `${k}=${labels[k] ?? ''}`).join('\u0000')}`;
    if (seen.has(key)) fail(n, raw, `a second sample of \`${name}\` with the same labels`);
    seen.add(key);
    seen.add(name);
    const list = samples.get(family) ?? [];
    list.push({ name, labels: { ...labels }, value, line: n });
    samples.set(family, list);
  });
  const families = order.map((name): Family => ({ name, type: (types.get(name) ?? 'untyped') as Family['type'], help: helps.get(name), samples: samples.get(name) ?? [] }));
  for (const f of families) checkFamily(f);
  return families;
}

const keyWithout = (labels: Readonly<Record<string, string>>, drop: string): string =>
  JSON.stringify(Object.keys(labels).filter((k) => k !== drop).sort().map((k) => [k, labels[k]]));

function checkFamily(f: Family): void {
  const at: (s: Sample | undefined, why: string) => never = (s, why) => {
    throw new ExpositionError(`${s !== undefined ? `line ${s.line}: ` : ''}${f.type} \`${f.name}\`: ${why}`);
  };
  if (f.type === 'counter' || f.type === 'gauge' || f.type === 'untyped') {
    for (const s of f.samples) {
      if (s.name !== f.name) at(s, `sample \`${s.name}\` is not named as its metric`);
      if (f.type === 'counter' && !(s.value >= 0)) at(s, `a counter's value is ${s.value}`);
    }
    return;
  }
  const sets = new Map<string, { buckets: Sample[]; sum?: Sample; count?: Sample; other: Sample[] }>();
  for (const s of f.samples) {
    const suffix = s.name.slice(f.name.length);
    const drop = suffix === '_bucket' ? 'le' : suffix === '' ? 'quantile' : '';
    if (f.type === 'histogram' && 'le' in s.labels && suffix !== '_bucket') at(s, '`le` is for the buckets only');
    const key = keyWithout(s.labels, drop);
    const set = sets.get(key) ?? { buckets: [], other: [] };
    sets.set(key, set);
    if (suffix === '_sum') set.sum = s;
    else if (suffix === '_count') set.count = s;
    else if (f.type === 'histogram' && suffix === '_bucket') set.buckets.push(s);
    else if (f.type === 'summary' && suffix === '') set.other.push(s);
    else at(s, `sample \`${s.name}\` is not one of a ${f.type}'s`);
  }
  for (const set of sets.values()) {
    if (set.count === undefined) at(set.buckets[0] ?? set.other[0] ?? set.sum, `a label set without \`${f.name}_count\``);
    if (set.sum === undefined) at(set.count, `a label set without \`${f.name}_sum\``);
    if (f.type === 'summary') {
      for (const q of set.other) if (!('quantile' in q.labels)) at(q, 'a summary\'s sample without `quantile`');
      continue;
    }
    let previousLe = -Infinity;
    let previousValue = 0;
    for (const b of set.buckets) {
      const le = b.labels['le'];
      if (le === undefined) at(b, 'a bucket without `le`');
      const bound = parseFloatGo(le, b.line, `le="${le}"`);
      if (!(bound > previousLe)) at(b, `\`le\` ${le} does not ascend (after ${previousLe})`);
      if (b.value < previousValue) at(b, `bucket ${le} holds ${b.value}, fewer than the one before (${previousValue}): buckets are cumulative`);
      previousLe = bound;
      previousValue = b.value;
    }
    const inf = set.buckets[set.buckets.length - 1];
    if (inf === undefined || previousLe !== Infinity) at(inf ?? set.count, 'no `le="+Inf"` bucket');
    if (inf.value !== set.count?.value) at(inf, `the +Inf bucket (${inf.value}) is not \`${f.name}_count\` (${set.count?.value})`);
  }
}

/** What `promtool check metrics` would say of the names: a counter ends in `_total`, nothing else does. */
export function lintExposition(families: readonly Family[]): string[] {
  const problems: string[] = [];
  for (const f of families) {
    if (f.help === undefined) problems.push(`${f.name}: no HELP`);
    if (f.type === 'counter' && !f.name.endsWith('_total')) problems.push(`${f.name}: a counter whose name does not end in _total`);
    if (f.type !== 'counter' && f.name.endsWith('_total')) problems.push(`${f.name}: a ${f.type} whose name ends in _total (a counter's suffix)`);
  }
  return problems;
}

/** One sample's value: the family `name`'s sample named `sample` (the family's name by default) with these labels exactly. */
export function sampleValue(families: readonly Family[], name: string, labels: Readonly<Record<string, string>> = {}, sample = name): number | undefined {
  const want = JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
  for (const s of families.find((f) => f.name === name)?.samples ?? []) {
    if (s.name === sample && JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : 1))) === want) return s.value;
  }
  return undefined;
}
