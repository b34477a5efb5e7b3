/**
 * Review `readme`, lb2: docs/benchmarks.md gives `npm run -s bench -- --json` as "one JSON object { machine, quick,
 * rows } on stdout". bench/run.ts imports every module of `bench/` to find its `bench…` functions, and
 * bench/audit-time-range.ts (review ed4's standalone measurement, which exports none) ran at import: it made a temporary
 * directory, built a SQLite store of 300,000 audit records and printed its timings with console.log. So every full
 * `npm run bench` spent that time on a measurement it does not report, and with `--json` its stdout began with lines of
 * text before the JSON: `npm run -s bench -- --json | jq` failed. Now it runs only as the main module (as soak.ts and
 * policy-cache-heap.ts do). The first test imports each standalone module the runner imports (none exports a bench), as
 * it does, and checks that none writes to stdout; the second that the runner's `--json` stdout is JSON.
 * Before the fix 2 of 2 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { COMPILE_CACHE, run } from './support/processes.ts';

const ROOT = join(import.meta.dirname, '..');
const BENCH = join(ROOT, 'bench');
const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...COMPILE_CACHE };

test('lb2: no module the bench runner imports does anything on import (nothing on stdout)', async () => {
  // The modules bench/run.ts imports: bench/*.ts but itself, report.ts and workload.ts (its NOT_BENCHES).
  // Of those, the standalone measurements (no `bench…` export): a module of bench functions only declares them.
  const files = readdirSync(BENCH)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !['run.ts', 'report.ts', 'workload.ts'].includes(f))
    .filter((f) => !/export (?:async )?function bench[A-Z0-9]/.test(readFileSync(join(BENCH, f), 'utf8')));
  assert.ok(files.includes('audit-time-range.ts') && files.includes('soak.ts'), files.join(','));
  const script = `for (const u of ${JSON.stringify(files.map((f) => pathToFileURL(join(BENCH, f)).href))}) await import(u);`;
  // `--records 50`: what the measurement would build, were it run, is small, so the test stays quick either way.
  const r = await run(process.execPath, ['--input-type=module', '-e', script, '--', '--records', '50'], env, { cwd: ROOT, timeoutMs: 30_000 });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '', 'a module wrote to stdout on import');
});

test('lb2: the runner with --json prints one JSON object on stdout', async () => {
  const r = await run(process.execPath, [join(BENCH, 'run.ts'), '--json', '--only', 'audit-time-range'], env, { cwd: ROOT, timeoutMs: 20_000 });
  assert.equal(r.code, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { machine: unknown; rows: unknown[] };
  assert.ok(out.machine !== undefined && Array.isArray(out.rows), r.stdout);
});
