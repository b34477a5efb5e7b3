/**
 * What a bench returns and how the runner prints it. A bench is any exported function whose name starts with
 * `bench` in a module of `bench/` (or `src/adapters/sigv4/bench.ts`); it receives `BenchOptions` and returns
 * rows (or a plain object of figures, which the runner turns into rows).
 */

export interface BenchRow {
  /** Which bench, e.g. `iam`, `cedar`, `iam-memory`. */
  readonly bench: string;
  readonly metric: string;
  readonly value: number | string;
  readonly unit: string;
  /** The target as text, e.g. `≥ 1000000`. */
  readonly target?: string;
  /** Whether the target was met; absent when the row has no target. */
  readonly pass?: boolean;
}

export interface BenchOptions {
  /** Short run: fewer rounds and smaller samples, for development and CI smoke checks. */
  readonly quick: boolean;
  /** Progress messages (stderr), so `--json` keeps stdout clean. */
  readonly log: (message: string) => void;
}

export function row(
  bench: string,
  metric: string,
  value: number | string,
  unit: string,
  target?: { readonly text: string; readonly pass: boolean },
): BenchRow {
  return target === undefined
    ? { bench, metric, value, unit }
    : { bench, metric, value, unit, target: target.text, pass: target.pass };
}

/** Turns whatever a bench returned into rows; an unknown shape becomes one row per scalar field. */
export function toRows(bench: string, result: unknown): BenchRow[] {
  if (Array.isArray(result)) {
    return result.flatMap((r): BenchRow[] => (isRow(r) ? [r] : toRows(bench, r)));
  }
  if (isRow(result)) return [result];
  if (result !== null && typeof result === 'object') {
    // `{ name, opsPerSec, … }`: one row per numeric figure, named after `name`.
    const label = (result as { name?: unknown }).name;
    if (typeof label === 'string') {
      const figures = Object.entries(result).filter((e): e is [string, number] => typeof e[1] === 'number');
      return figures.map(([k, v]) => ({ bench, metric: figures.length === 1 ? label : `${label} (${k})`, value: v, unit: unitOf(k) }));
    }
    return Object.entries(result).flatMap(([k, v]): BenchRow[] =>
      typeof v === 'number' || typeof v === 'string'
        ? [{ bench, metric: k, value: v, unit: '' }]
        : v !== null && typeof v === 'object'
          ? toRows(bench, v).map((r) => ({ ...r, metric: `${k}.${r.metric}` }))
          : [],
    );
  }
  return result === undefined ? [] : [{ bench, metric: 'result', value: String(result), unit: '' }];
}

/** A unit guessed from a figure's field name (`opsPerSec` → `ops/s`, `p99Us` → `µs`), else the name. */
function unitOf(key: string): string {
  if (/PerSec(ond)?$/i.test(key)) return `${key.replace(/PerSec(ond)?$/i, '')}/s`;
  if (/Us$/.test(key)) return 'µs';
  if (/Ns$/.test(key)) return 'ns';
  if (/Ms$/.test(key)) return 'ms';
  if (/Mb$|MB$/.test(key)) return 'MB';
  return key;
}

function isRow(x: unknown): x is BenchRow {
  return (
    x !== null &&
    typeof x === 'object' &&
    typeof (x as { metric?: unknown }).metric === 'string' &&
    (typeof (x as { value?: unknown }).value === 'number' || typeof (x as { value?: unknown }).value === 'string') &&
    typeof (x as { bench?: unknown }).bench === 'string'
  );
}

function formatValue(v: number | string): string {
  if (typeof v === 'string') return v;
  if (Number.isInteger(v)) return v.toLocaleString('en-US');
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3);
}

export function table(rows: readonly BenchRow[]): string {
  const head = ['bench', 'metric', 'value', 'unit', 'target', ''];
  const body = rows.map((r) => [
    r.bench,
    r.metric,
    formatValue(r.value),
    r.unit,
    r.target ?? '',
    r.pass === undefined ? '' : r.pass ? 'ok' : r.metric === 'error' ? 'ERROR' : 'MISSED',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 2 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** Percentile of an ascending-sorted array (nearest rank). */
/** The median of unsorted numbers (the upper one of an even count, as `percentile`). */
export const median = (xs: readonly number[]): number => percentile(Float64Array.from(xs).sort(), 50);

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}
