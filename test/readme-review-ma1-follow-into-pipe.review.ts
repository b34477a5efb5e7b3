/**
 * Review `readme`, ma1: README §4 says `gatehouse jobs events ID --follow` prints a job's events, then new ones, until
 * the job has ended, and exits 0, "as `kubectl logs -f` ends with its pod" (`--json`: one event a line, for a pipe).
 * Run as a user runs it into a pipe (`… --follow | tail -1`, `| jq`, a log shipper), it printed no event:
 * `gatehouse: internal error: TypeError: SignatureV4 is not a constructor … please report this`, exit 70 (an internal error's
 * status), whatever the job. The cause: `--follow` first asks whether stdout is a pipe (src/main/cli.ts
 * `watchOutput`, so that `| head -1` ends it), with `fstatSync(1)`, before its first request; on Node.js 24.9, a
 * plain (number) fstat of a pipe leaves the next CommonJS module that `import()` loads with its named exports
 * undefined (its `default` is whole), and the first request's lazy `import('@smithy/signature-v4')` (client.ts
 * `signerModules`) was that module. To a terminal or a file there is no fstat of a pipe, which is why the tour's own
 * run did not show it; `audit query --follow` sends its first request before asking. Now the question is asked with
 * a bigint fstat, which leaves the loader alone, and the signer takes the module's `default` export should a named
 * one be missing. The real binary in its own process, its stdout a pipe, against a real server on 127.0.0.1.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { ROLE_ARN, startJobsWorld, type JobsWorld } from './support/jobs-world.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN, run } from './support/processes.ts';

let world: JobsWorld;
let env: NodeJS.ProcessEnv;

before(async () => {
  world = await startJobsWorld('gh-review-ma1-');
  env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: world.home, ...COMPILE_CACHE, AWS_ACCESS_KEY_ID: world.adminKeys.accessKeyId, AWS_SECRET_ACCESS_KEY: world.adminKeys.secretAccessKey, GATEHOUSE_ENDPOINT: world.admin.endpoint.origin };
});
after(async () => world.close());

/** `gatehouse ARGS` in its own process, stdout and stderr pipes (execFile's), as `gatehouse … | jq` runs it. */
const gatehouse = (args: string[]) => run(process.execPath, [GATEHOUSE_BIN, ...args], env, { timeoutMs: 30_000 });

test('ma1: jobs events ID --follow into a pipe prints the ended job\'s events and exits 0', async () => {
  const alice: Connection = { ...world.admin, credentials: world.alice };
  const submitted = await call<{ job: { id: string } }>(alice, 'POST', ['jobs'], { body: { workspace: 'vision', role: ROLE_ARN } });
  assert.ok(submitted.ok, JSON.stringify(submitted));
  const id = submitted.value.job.id;
  const stopped = await call(world.admin, 'POST', ['jobs', id, 'stop']);
  assert.ok(stopped.ok, JSON.stringify(stopped));

  const r = await gatehouse(['jobs', 'events', id, '--follow', '--interval', '100', '--json']);
  assert.doesNotMatch(r.stderr, /internal error/);
  assert.equal(r.code, 0, r.stderr);
  const types = r.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type);
  assert.equal(types[0], 'submitted', r.stdout);
  assert.equal(types.at(-1), 'ended', r.stdout);
});

test('ma1: jobs events --follow into a pipe of a job that does not exist says so (exit 6), not an internal error', async () => {
  const r = await gatehouse(['jobs', 'events', 'nosuchjob000', '--follow']);
  assert.doesNotMatch(r.stderr, /internal error|SignatureV4/);
  assert.equal(r.code, 6, r.stderr);
  assert.match(r.stderr, /NoSuchEntity|does not exist/);
});
