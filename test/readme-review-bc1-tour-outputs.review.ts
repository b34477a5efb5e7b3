/**
 * Review `bc` (a new user's tour of the README), 1: outputs the tour shows were not what its commands print.
 *
 * - §4 showed `jobs run … --role arn:aws:iam::000000000000:role/other` answered `role … does not exist in account
 *   000000000000`. Since review ag 4 a submission decides PassRole before whether the role exists (AWS's order:
 *   AccessDenied before NoSuchEntity), so alice, who may pass the `training-*` roles only, is told she may not pass
 *   it: a reader comparing the two saw a different refusal and no word on why. Now the README shows that refusal,
 *   and a role she may pass that does not exist (`training-missing`) for the "does not exist" answer, and says why.
 * - §7's `audit query --role …training-default` showed only the job's records, though `--role` finds the changes to
 *   the role too (the apply of §2 created it), which the sentence above it says.
 * - §8's `gatehouse authorize` showed three of its five lines.
 *
 * Against a real server (startTestServer, SQLite in a temporary dir) with the tour's organisation applied from
 * examples/, the CLI run in process as alice and as admin; each output compared with the README's block.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { runCli } from '../src/adapters/cli/program.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

let s: TestServer;
let alice: Credentials;
let readme: string;

before(async () => {
  readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  s = await startTestServer();
  const applied = await cli(['apply', '-f', 'examples/config', 'examples/demo']);
  assert.equal(applied.status, 0, applied.err);
  const key = await cli(['iam', 'access-keys', 'create', '--user', 'alice', '--json']);
  assert.equal(key.status, 0, key.err);
  const k = JSON.parse(key.out) as { accessKeyId: string; secretAccessKey: string };
  alice = { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey };
});

after(async () => {
  await s?.stop();
});

/** `npx gatehouse ARGS` in the repository, in process, with the key given (the admin's by default). */
async function cli(args: string[], credentials: Credentials = s.admin): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await runCli(args, {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    readFile: (path) => readFile(path, 'utf8'),
    readDir: async (path) => (await readdir(path, { withFileTypes: true })).map((e) => ({ name: e.name, directory: e.isDirectory() })),
    now: () => Date.now(),
    version: 'test',
    env: { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, GATEHOUSE_ENDPOINT: s.url },
  });
  return { status, out, err };
}

/** The lines the README shows after `$ <command>` in a console block, up to the next `$ ` line or the block's end. */
function shownAfter(command: string): string[] {
  const lines = readme.split('\n');
  const at = lines.findIndex((l) => l === `$ ${command}`);
  assert.ok(at >= 0, `the README shows \`$ ${command}\``);
  const out: string[] = [];
  for (const l of lines.slice(at + 1)) {
    if (l.startsWith('$ ') || l.startsWith('```')) break;
    out.push(l);
  }
  return out;
}

test('bc1: §4, a role alice may not pass is refused for PassRole (exists or not), as the README shows', async () => {
  const command = 'npx gatehouse jobs run --workspace vision --role arn:aws:iam::000000000000:role/other -- true';
  const r = await cli(['jobs', 'run', '--workspace', 'vision', '--role', 'arn:aws:iam::000000000000:role/other', '--', 'true'], alice);
  assert.equal(r.status, 9, r.err);
  assert.deepEqual(shownAfter(command), r.err.trimEnd().split('\n'));
  assert.match(r.err, /is not allowed to perform iam:PassRole/);
});

test('bc1: §4, a role alice may pass that does not exist is named as missing, as the README shows', async () => {
  const command = 'npx gatehouse jobs run --workspace vision --role arn:aws:iam::000000000000:role/training-missing -- true';
  const r = await cli(['jobs', 'run', '--workspace', 'vision', '--role', 'arn:aws:iam::000000000000:role/training-missing', '--', 'true'], alice);
  assert.equal(r.status, 9, r.err);
  assert.deepEqual(shownAfter(command), r.err.trimEnd().split('\n'));
});

test('bc1: §7, audit query --role shows the changes to the role first, as the README shows', async () => {
  const r = await cli(['audit', 'query', '--role', 'arn:aws:iam::000000000000:role/training-default', '--since', '24h']);
  assert.equal(r.status, 0, r.err);
  const rows = (lines: string[]) => lines.slice(1).map((l) => l.split(/\s+/).slice(2, 5).join(' '));
  // Before any job: the four change records of §2's apply, in the order the README shows them.
  const shown = rows(shownAfter('npx gatehouse audit query --role arn:aws:iam::000000000000:role/training-default --since 24h      # after §4\'s job'));
  assert.deepEqual(rows(r.out.trimEnd().split('\n')), shown.filter((row) => row.startsWith('change ')));
  assert.equal(shown.filter((row) => row.startsWith('change ')).length, 4);
});

test('bc1: §8, gatehouse authorize prints every line the README shows (the time aside)', async () => {
  const applied = await cli(['apply', '-f', 'examples/gcp']);
  assert.equal(applied.status, 0, applied.err);
  const r = await cli(['authorize', '--principal', 'arn:aws:sts::123456789012:assumed-role/my-service-account/job', '--action', 'training:InvokeModel', '--resource', 'arn:aws:training::123456789012:model/model_name']);
  assert.equal(r.status, 0, r.err);
  const time = (l: string) => l.replace(/decided in \d+ µs/, 'decided in N µs');
  const shown = shownAfter('npx gatehouse authorize --principal arn:aws:sts::123456789012:assumed-role/my-service-account/job \\');
  // The command continues on the README's next line.
  assert.deepEqual(shown.slice(1).map(time), r.out.trimEnd().split('\n').map(time));
});
