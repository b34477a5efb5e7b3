/**
 * `npm run bench [-- --quick] [--json] [--strict] [--only iam,cedar,…]` (`--only`: the names of bench/'s files, and `sigv4`)
 *
 * Runs every bench: each exported function named `bench…` of the modules in `bench/`, then
 * `src/adapters/sigv4/bench.ts` if that file exists. Prints a table (progress on stderr), or with `--json`
 * one JSON object `{ machine, quick, rows }` on stdout. Exits 1 if a bench threw; a missed target is
 * reported in the table (`MISSED`) but does not fail the run unless `--strict` is given. Exits 2, running nothing, when
 * `--only` names no bench.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { table, toRows, type BenchOptions, type BenchRow } from './report.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);

/** Benches run in this order first (throughput before anything that grows the heap), then the others. */
const FIRST = ['iam.ts', 'cedar.ts', 'iam-memory.ts'];
const NOT_BENCHES = new Set(['run.ts', 'report.ts', 'workload.ts']);

function parseArgs(argv: readonly string[]): { quick: boolean; json: boolean; strict: boolean; only: Set<string> | undefined } {
  let only: Set<string> | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--only') only = new Set((argv[++i] ?? '').split(',').filter((s) => s !== ''));
    else if (a?.startsWith('--only=')) only = new Set(a.slice(7).split(',').filter((s) => s !== ''));
    else if (a !== '--quick' && a !== '--json' && a !== '--strict') {
      throw new Error(`unknown option \`${a}\`; use --quick, --json, --strict, --only a,b`);
    }
  }
  return { quick: argv.includes('--quick'), json: argv.includes('--json'), strict: argv.includes('--strict'), only };
}

function machine(): Record<string, string | number> {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1] !== undefined) cpu = m[1].trim();
  } catch {
    // not Linux: keep os.cpus()
  }
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu,
    cores: os.availableParallelism(),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

interface Module {
  readonly name: string;
  readonly url: string;
}

function modules(): Module[] {
  const files = readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !NOT_BENCHES.has(f));
  files.sort((a, b) => {
    const ia = FIRST.indexOf(a);
    const ib = FIRST.indexOf(b);
    return (ia < 0 ? FIRST.length : ia) - (ib < 0 ? FIRST.length : ib) || a.localeCompare(b);
  });
  const out = files.map((f) => ({ name: f.slice(0, -3), url: pathToFileURL(join(here, f)).href }));
  const sigv4 = join(root, 'src/adapters/sigv4/bench.ts');
  if (existsSync(sigv4)) out.push({ name: 'sigv4', url: pathToFileURL(sigv4).href });
  return out;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const log = (m: string): void => {
    process.stderr.write(`${m}\n`);
  };
  const all = modules();
  // A name that is no bench is refused before anything runs: skipped, a slip (`--only http_sts`) measured nothing and
  // passed, `--strict` or not (review lb, 1).
  if (args.only !== undefined) {
    const names = all.map((m) => m.name);
    const unknown = [...args.only].filter((n) => !names.includes(n));
    if (args.only.size === 0 || unknown.length > 0) {
      const what = unknown.length > 0 ? `no such bench${unknown.length > 1 ? 'es' : ''}: ${unknown.map((n) => `\`${n}\``).join(', ')}` : '--only names no bench';
      log(`bench/run.ts: ${what}; --only takes bench names separated by commas, those of bench/'s files: ${names.join(', ')}`);
      return 2;
    }
  }
  const opts: BenchOptions = { quick: args.quick, log };
  const rows: BenchRow[] = [];
  let failed = false;
  let missed = false;
  for (const mod of all) {
    if (args.only !== undefined && !args.only.has(mod.name)) continue;
    let exports: Record<string, unknown>;
    try {
      exports = (await import(mod.url)) as Record<string, unknown>;
    } catch (e) {
      failed = true;
      rows.push({ bench: mod.name, metric: 'error', value: `cannot load: ${(e as Error).message}`, unit: '', pass: false });
      continue;
    }
    for (const [name, fn] of Object.entries(exports)) {
      if (!/^bench[A-Z0-9]/.test(name) || typeof fn !== 'function') continue;
      const bench = name.slice(5).replace(/[A-Z]/g, (c, i: number) => (i === 0 ? c : `-${c}`)).toLowerCase();
      log(`running ${mod.name}.${name}${args.quick ? ' (quick)' : ''}…`);
      try {
        const result = (await (fn as (o: BenchOptions) => unknown)(opts)) as unknown;
        const got = toRows(bench, result);
        if (got.some((r) => r.pass === false)) missed = true;
        rows.push(...got);
      } catch (e) {
        failed = true;
        rows.push({ bench, metric: 'error', value: (e as Error).message.split('\n')[0] ?? '', unit: '', pass: false });
      }
    }
  }
  const m = machine();
  if (args.json) {
    process.stdout.write(`${JSON.stringify({ machine: m, quick: args.quick, rows }, null, 2)}\n`);
  } else {
    process.stdout.write(`${m.date}  node ${m.node}  ${m.cpu}  ${m.cores} cores${args.quick ? '  (quick)' : ''}\n\n`);
    process.stdout.write(`${table(rows)}\n`);
  }
  return failed || (args.strict && missed) ? 1 : 0;
}

process.exitCode = await main();
