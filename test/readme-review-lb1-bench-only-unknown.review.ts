/**
 * Review `readme`, lb1: `npm run bench -- --only NAMES` (docs/benchmarks.md) ran the benches named and quietly skipped
 * every name that is no bench. A slip (`http_sts`, `iam-mem` or `cedr` for a name) ran nothing, printed an
 * empty table and exited 0, `--strict` or not: a CI gate on a target passed without measuring anything, and a stop's
 * "rerun `--only iam`" looked done. `--only` with no name (`--only=`) did the same. docs/benchmarks.md also gave the
 * names as "iam, cedar, iam-memory, sigv4", while every module of `bench/` is one (`sts`, `http-sts`, `agent`, `rbac`…,
 * as its own later sections use them). Now a name that is no bench is refused before any bench runs: exit 2, naming
 * it and listing the benches; the doc says the names are those of `bench/`'s files. The last test runs the runner with
 * every `--only` name docs/benchmarks.md and README.md show, plus one that is none, and checks that only that one is
 * refused, so a name the docs give that stops being a bench fails here (nothing is measured: the refusal comes first).
 * Before the fix 3 of 3 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { COMPILE_CACHE, run } from './support/processes.ts';

const ROOT = join(import.meta.dirname, '..');
const RUNNER = join(ROOT, 'bench', 'run.ts');
const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...COMPILE_CACHE };

const bench = (args: readonly string[]) => run(process.execPath, [RUNNER, ...args], env, { cwd: ROOT, timeoutMs: 20_000 });

test('lb1: --only naming no bench is refused, exit 2, before anything runs, with the names it takes', async () => {
  const r = await bench(['--only', 'iam,cedr', '--strict']);
  assert.equal(r.code, 2, `exit status; stdout: ${r.stdout}; stderr: ${r.stderr}`);
  assert.match(r.stderr, /`cedr`/, r.stderr);
  for (const name of ['iam', 'cedar', 'iam-memory', 'sts', 'http-sts', 'agent', 'sigv4']) assert.match(r.stderr, new RegExp(`\\b${name}\\b`), `${name} listed: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /running /, 'no bench ran');
  assert.equal(r.stdout, '', 'no table');
});

test('lb1: --only with no name is refused too', async () => {
  const r = await bench(['--only=']);
  assert.equal(r.code, 2, `exit status; stdout: ${r.stdout}; stderr: ${r.stderr}`);
  assert.match(r.stderr, /--only/, r.stderr);
  assert.equal(r.stdout, '');
});

test('lb1: every --only name the docs give is a bench the runner takes', async () => {
  const names = new Set<string>();
  for (const page of ['docs/benchmarks.md', 'README.md']) {
    const text = await readFile(join(ROOT, page), 'utf8');
    for (const m of text.matchAll(/--only[ =]([a-z0-9,-]+)/g)) for (const n of (m[1] as string).split(',')) if (n !== '') names.add(n);
  }
  assert.ok(names.has('iam') && names.has('http-sts'), `the docs' names were read: ${[...names].join(',')}`);
  const r = await bench(['--only', [...names, 'zz-no-such-bench'].join(',')]);
  assert.equal(r.code, 2, `exit status; stderr: ${r.stderr}`);
  const refused = /no such bench(?:es)?: (.*?)(?:;|$)/m.exec(r.stderr)?.[1] ?? '';
  assert.equal(refused, '`zz-no-such-bench`', `only the made-up name is refused: ${r.stderr}`);
});
