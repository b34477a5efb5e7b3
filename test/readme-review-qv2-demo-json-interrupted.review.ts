/**
 * Review `readme`, qv2: `gatehouse demo --json` ("print the step results as one JSON document, for scripts")
 * interrupted by a signal (SIGTERM from a CI runner's timeout, Ctrl-C) printed nothing on stdout: the script reading
 * the report (`gatehouse demo --json | jq .ok`) got no document at all, where a demo that cannot start prints one
 * with its `error` (review ca, 4). Now an interrupted `--json` run prints the report of the steps so far, `ok: false`,
 * its `error` naming the signal, the cleanup step's result and `removed`, then exits 128 + the signal's number.
 *
 * Before the fix 1 of 1 tests failed. The demo as a user runs it (`bin/gatehouse.js demo --json`), SIGTERM once its
 * directory exists.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = new URL('../bin/gatehouse.js', import.meta.url).pathname;

test('qv2: demo --json interrupted prints one JSON report saying it was interrupted', { timeout: 60_000 }, async () => {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AWS_|ALIBABA_CLOUD_|GATEHOUSE_|NODE_TEST_CONTEXT)/.test(k)) env[k] = v;
  // A TMPDIR of its own: the run's directory is the only one there, whatever else runs a demo meanwhile.
  const tmp = await mkdtemp(join(tmpdir(), 'qv2-tmp-'));
  Object.assign(env, { TMPDIR: tmp, NODE_COMPILE_CACHE: process.env['NODE_COMPILE_CACHE'] ?? join(tmpdir(), 'node-compile-cache') });
  const child = spawn(process.execPath, [BIN, 'demo', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => void (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => void (err += d));
  const done = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  try {
    // --json narrates nothing: the run's directory appearing says it has started.
    const dir = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const mine = readdirSync(tmp).find((n) => n.startsWith('gatehouse-demo-') && existsSync(join(tmp, n, 'data')));
        if (mine !== undefined) {
          clearInterval(timer);
          resolve(join(tmp, mine));
        }
      }, 20);
      void done.then(() => {
        clearInterval(timer);
        reject(new Error(`the demo ended before it was interrupted:\n${out}\n${err}`));
      });
    });
    child.kill('SIGTERM');
    const code = await done;
    assert.equal(code, 143, err);
    let report: { ok: boolean; dir: string; removed: boolean; error?: string; steps: { id: string; ok: boolean }[] };
    try {
      report = JSON.parse(out) as typeof report;
    } catch {
      assert.fail(`not one JSON document on stdout:\n${out}\nstderr:\n${err}`);
    }
    assert.equal(report.ok, false);
    assert.equal(report.dir, dir);
    assert.equal(report.removed, true);
    assert.match(report.error ?? '', /interrupted by SIGTERM/);
    assert.equal(report.steps.find((s) => s.id === 'cleanup')?.ok, true);
    assert.equal(existsSync(dir), false);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await rm(tmp, { recursive: true, force: true });
  }
});
