/**
 * test/support/test-context.ts (what `npm test` preloads into each file's process) changes how node:test finds the
 * test a piece of code runs for, not what it finds: the same fixture (test/fixtures/test-context/tests.mjs) run with
 * and without it reports the same tests in the same places, the same two failures charged to the same tests, the
 * same diagnostic for activity after a test's end. And the preload is in effect: the promises the fixture awaits cost
 * a fraction of what they cost under node:test's async hook (a Node whose node:test no longer takes `createHook` and
 * `executionAsyncId` from node:async_hooks as it loads would leave the hook on, and this says so).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { run } from './support/processes.ts';

const FIXTURE = join(import.meta.dirname, 'fixtures', 'test-context', 'tests.mjs');
const PRELOAD = join(import.meta.dirname, 'support', 'test-context.ts');

/** The fixture's report, less what differs from run to run (durations, stack frames) and the promises' CPU, apart. */
async function report(execArgv: readonly string[]): Promise<{ code: number; lines: string[]; promisesMs: number }> {
  const r = await run(process.execPath, [...execArgv, FIXTURE], { PATH: process.env['PATH'] ?? '' });
  const promisesMs = Number(/promises: (\d+) ms/.exec(r.stdout)?.[1] ?? NaN);
  const lines = r.stdout
    .split('\n')
    .filter((l) => !/^\s+at |promises: \d+ ms|duration_ms/.test(l))
    .map((l) => l.replace(/ \([\d.]+ms\)$/, ''));
  return { code: r.code, lines, promisesMs };
}

test('node:test reports the same with the preload as without it, and the preload is in effect', async () => {
  const [without, withPreload] = await Promise.all([report([]), report(['--import', PRELOAD])]);
  assert.equal(without.code, 1, 'the fixture fails two tests on purpose');
  assert.ok(without.lines.some((l) => l.includes('✖ uncaught in a timer fails this test')), without.lines.join('\n'));
  assert.ok(without.lines.some((l) => l.includes('generated asynchronous activity after the test ended')), without.lines.join('\n'));
  assert.deepEqual({ code: withPreload.code, lines: withPreload.lines }, { code: without.code, lines: without.lines });
  assert.ok(withPreload.promisesMs * 3 < without.promisesMs, `100,000 awaited promises took ${withPreload.promisesMs} ms of CPU with the preload and ${without.promisesMs} ms without: is node:test's async hook still on?`);
});
