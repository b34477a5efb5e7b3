/**
 * Review gt, 1: a group file (test/support/suites.ts) imported all its files side by side, each from its own suite,
 * and node:test makes what a module declares the child of the async context it runs in. A module's body does not run
 * in the context of the `import()` that asked for it but in that of whatever settled the last thing it waited on: a
 * file importing a support module with a top-level `await` (test/support/resource-server.ts has one, under
 * `if (import.meta.main …)`, which makes it an async module even when it does not run) whose evaluation an earlier
 * file had begun ran in that earlier file's context, and its `describe` landed in the earlier file's suite. Silently
 * when that suite had not begun: in the instances group s29-frozen-decisions' and s29-stop-spools-first's suites ran
 * inside eh4's, reported under it. Fatally when the declaration came after a top-level `await pgSkip()` and the
 * adoptive suite had begun: never started ("test could not be started because its parent finished"), its test
 * cancelled at exit ("Promise resolution is still pending but the event loop has already resolved"). That was the
 * stall of 9688462 (gm 6's and gm 8's setup moved into test/support/pg-outage-jobs.ts): their changed module graphs
 * reached resource-server.ts while eh4's import was evaluating it, and both landed in eh4's suite; nothing in the
 * server was waiting, their tests were never started. Now a group imports its files one after another, each in its own
 * suite's async context, so what a file declares is its own suite's.
 *
 * A group of three files in a temporary directory run by a real `node --test` process: each imports a support module
 * with a top-level `await` as resource-server.ts's, the second awaits before declaring; each test writes where it ran.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { run } from './support/processes.ts';

const SUITES = pathToFileURL(join(import.meta.dirname, 'support', 'suites.ts')).href;

/** A group's member: imports `shared.mjs`, awaits first or not (as `await pgSkip()`), declares a suite of one test. */
const member = (name: string, awaitFirst: boolean): string => `
import { describe, it } from 'node:test';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { shared } from './shared.mjs';
${awaitFirst ? 'await new Promise((r) => setTimeout(r, 200));' : ''}
describe('${name}', () => {
  it('runs', (t) => appendFileSync(join(import.meta.dirname, 'ran.txt'), t.fullName + '\\n'));
});
void shared;
`;

describe('review gt1: a group file\'s member declares its suites in its own suite', () => {
  it('whatever support modules it shares with an earlier member and whatever it awaits first', { timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gh-gt1-'));
    try {
      // A top-level `await` that does not run, as test/support/resource-server.ts's: an async module all the same.
      await writeFile(join(dir, 'shared.mjs'), 'export const shared = 1;\nif (import.meta.main) await 0;\n');
      await writeFile(join(dir, 'a.mjs'), member('a', false));
      await writeFile(join(dir, 'b.mjs'), member('b', true));
      await writeFile(join(dir, 'c.mjs'), member('c', false));
      await writeFile(join(dir, 'group.test.mjs'), `import { runAsSuites } from ${JSON.stringify(SUITES)};\nrunAsSuites('g', ['a.mjs', 'b.mjs', 'c.mjs'], () => ['g'], ${JSON.stringify(dir)});\n`);
      const env: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) if (!/^(NODE_TEST_CONTEXT|NODE_OPTIONS)$/.test(k)) env[k] = v;
      const r = await run(process.execPath, ['--test', '--test-reporter=spec', join(dir, 'group.test.mjs')], env, { cwd: dir, timeoutMs: 50_000 });
      const ran = (await readFile(join(dir, 'ran.txt'), 'utf8').catch(() => '')).split('\n').filter(Boolean).sort();
      assert.deepEqual(ran, ['a.mjs > a > runs', 'b.mjs > b > runs', 'c.mjs > c > runs'], `each test in its own file's suite:\n${r.stdout}\n${r.stderr}`);
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
