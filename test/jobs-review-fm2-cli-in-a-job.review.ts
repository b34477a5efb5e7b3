/**
 * Review fm, finding 2: the `gatehouse` CLI run inside a job acted as the account's admin, not as the job's role. `jobs
 * run` removes every credential variable of the caller from the ranks' environment ("a job runs as its role only",
 * README §4) and GATEHOUSE_ENDPOINT with them, so the CLI in a rank (`gatehouse whoami`, `gatehouse authorize`, a script
 * calling `gatehouse iam …`) found no keys and fell to its last source, `<data-dir>/admin-credentials.json`: in the
 * directory the README's tour runs jobs from (the server's `./.gatehouse`), alice's job ran every command as
 * `user/admin` with full rights, and elsewhere it failed (`no credentials`, or `cannot reach … 127.0.0.1:8470` for a
 * server on another address) while the AWS SDKs of the same rank had the job's session. Now, in a job's environment
 * (`GATEHOUSE_JOB_ID` with its container endpoint and token) and with no keys or profile given, the CLI signs with the
 * job's own session, read from the job's credential endpoint, and talks to the job's server (its `AWS_ENDPOINT_URL`);
 * a job with `--role none` is told it has no credentials, never handed the admin's. Keys set in the rank's
 * environment still win. The real CLI in process runs the job; each rank runs the real CLI as a process, given the
 * server's data dir, which holds the admin's key.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { COMPILE_CACHE } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';
import type { Credentials, TestServer } from './support/server.ts';

const A = '000000000000';
const GATEHOUSE = join(import.meta.dirname, '..', 'bin', 'gatehouse.js');

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;
let alice: Credentials;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-fm2-'));
  const iam = server.iam();
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'training.gatehouse.dev' } }] };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  const submit = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:PassRole', 'training:CreateJob'], Resource: '*' }] };
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'submit', PolicyDocument: JSON.stringify(submit) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey!;
  alice = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }, { user: 'alice' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
});
after(async () => stop?.());

/** Runs a job as alice whose rank runs `gatehouse whoami --json` with the server's data dir; its status, output and the launcher's. */
async function whoamiInJob(role: string, name: string): Promise<{ rc: number; out: string; err: string; launcher: string }> {
  const out = join(home, `${name}.out`);
  const err = join(home, `${name}.err`);
  const rcFile = join(home, `${name}.rc`);
  const rank = `"$0" ${JSON.stringify(GATEHOUSE)} whoami --json --data-dir ${JSON.stringify(server.dataDir)} > ${JSON.stringify(out)} 2> ${JSON.stringify(err)}; echo $? > ${JSON.stringify(rcFile)}`;
  const r = await gatehouseInProcess(['jobs', 'run', '--workspace', 'w', '--role', role, '--no-imds', '--', 'sh', '-c', rank, process.execPath], {
    HOME: home,
    TMPDIR: home,
    // The rank's `gatehouse` keeps its compiled modules in the suite's cache, not a cold one in this TMPDIR.
    ...COMPILE_CACHE,
    PATH: process.env['PATH'],
    AWS_ACCESS_KEY_ID: alice.accessKeyId,
    AWS_SECRET_ACCESS_KEY: alice.secretAccessKey,
    GATEHOUSE_ENDPOINT: server.url,
  });
  assert.equal(r.code, 0, r.stderr);
  return { rc: Number((await readFile(rcFile, 'utf8')).trim()), out: await readFile(out, 'utf8'), err: await readFile(err, 'utf8'), launcher: r.stderr };
}

test('fm2: the CLI in a job signs as the job’s session, not with the data dir’s admin key', async () => {
  const r = await whoamiInJob(`arn:aws:iam::${A}:role/trainer`, 'trainer');
  assert.equal(r.rc, 0, r.err);
  const me = JSON.parse(r.out) as { arn: string };
  const id = /job (\w+) /.exec(r.launcher)?.[1];
  assert.equal(me.arn, `arn:aws:sts::${A}:assumed-role/trainer/job-${id}`);
});

test('fm2: in a job with no role the CLI says the job has no credentials, and is not the admin', async () => {
  const r = await whoamiInJob('none', 'none');
  assert.equal(r.rc, 6, `${r.out}${r.err}`);
  assert.equal(r.out, '');
  assert.match(r.err, /no credentials: this command runs in job \w+, whose credential endpoint answered 404: job \w+ has no role/);
});
