/**
 * Review qd, 2: the SourceIdentity a job's (or node's) sessions carry, made from the name of whoever started it
 * (src/core/jobs/jobs.ts `sourceIdentityOf`), flattened two different starters to one value. A role session without a
 * SourceIdentity of its own hands on its session ARN (review S, S6), which was made to fit `[\w+=,.@-]{2,64}` by
 * turning `:` and `/` into `_` and cutting it at 64 characters. Role and session names hold `_` themselves, so session
 * `admin_alice` of role `ml` and session `alice` of role `ml_admin` both became
 * `arn_aws_sts__<account>_assumed-role_ml_admin_alice`: anyone allowed to assume `ml`, whose session name is theirs to
 * choose, started jobs whose sessions carried the same `aws:SourceIdentity` (and `sts:SourceIdentity` down a chain,
 * and the same `sourceIdentity` in the audit log) as those of `ml_admin`'s session `alice`, so a policy or trust
 * condition keyed on it let them in. Cut at 64 characters, every session of two roles sharing a long name prefix
 * collided too, whatever its name. A one-character user name `a` became `a_`, the name of user `a_`.
 *
 * What is now so: a name that fits SourceIdentity as it is (a user's name, a session's own SourceIdentity) is carried
 * unchanged; any other (a session ARN, a one-character name) is its resource part made to fit (the account is the
 * job's own), at most 47 characters, then `.` and 16 hex digits of the SHA-256 of the whole name: distinct names give
 * distinct values.
 *
 * Real server (SQLite): `@aws-sdk/client-iam` and `@aws-sdk/client-sts` to set up and assume the roles, the admin REST
 * client to start the nodes, the node's credentials from the container endpoint, `gatehouse audit query` in process.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { sourceIdentityOf } from '../src/core/jobs/jobs.ts';
import { cliAgainst, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { connectionTo } from './support/processes.ts';

const ACCT = '000000000000';
const ROLE = (name: string) => `arn:aws:iam::${ACCT}:role/${name}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

let s: TestServer;
let carol: Credentials;
const conn = (c: Credentials) => connectionTo(s.url, c);

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreateRoleCommand({ RoleName: 'cluster-node', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
  for (const role of ['ml', 'ml_admin']) {
    await iam.send(new I.CreateRoleCommand({ RoleName: role, AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: role, PolicyName: 'start', PolicyDocument: doc({ Effect: 'Allow', Action: ['training:StartClusterNode', 'training:StopJob', 'iam:PassRole'], Resource: '*' }) }));
  }
  assert.ok((await call(conn(s.admin), 'PUT', ['clusters', 'gpu-a'], { body: { instanceRole: 'cluster-node' } })).ok);
  carol = await userWithPolicy(s, 'carol', doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }));
});

after(async () => {
  await s?.stop();
});

/** The SourceIdentity the audit log records for job `jobId`'s session (kind session), asked until it is written. */
async function nodeSessionSourceIdentity(jobId: string): Promise<string | undefined> {
  for (let i = 0; ; i++) {
    const r = await cliAgainst(s, ['audit', 'query', '--job', jobId, '--json']);
    assert.equal(r.status, 0, r.err);
    const records = r.out.trim().split('\n').filter(Boolean).flatMap((line) => [JSON.parse(line) as unknown].flat()) as { kind: string; sourceIdentity?: string }[];
    const session = records.find((x) => x.kind === 'session');
    if (session) return session.sourceIdentity;
    assert.ok(i < 50, `no session record for job ${jobId}: ${r.out}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** A node started by carol's session `name` of `role`, its credentials fetched once (which issues its session): the SourceIdentity that session carries. */
async function nodeStartedAs(role: string, name: string): Promise<string | undefined> {
  const c = (await s.sts(carol).send(new AssumeRoleCommand({ RoleArn: ROLE(role), RoleSessionName: name }))).Credentials;
  const session = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
  const started = await call<{ job: { id: string }; capability: string }>(conn(session), 'POST', ['clusters', 'gpu-a', 'nodes'], { body: { imds: false } });
  assert.ok(started.ok, started.ok ? '' : started.message);
  const got = await fetch(`${s.running.agentUrl}/v1/container-credentials`, { headers: { authorization: started.value.capability } });
  assert.equal(got.status, 200, await got.text());
  assert.ok((await call(conn(session), 'POST', ['jobs', started.value.job.id, 'stop'])).ok);
  return nodeSessionSourceIdentity(started.value.job.id);
}

test('qd2: session admin_alice of role ml and session alice of role ml_admin start nodes whose sessions carry different SourceIdentities', async () => {
  const low = await nodeStartedAs('ml', 'admin_alice');
  const high = await nodeStartedAs('ml_admin', 'alice');
  assert.notEqual(low, high);
  assert.equal(high, `assumed-role_ml_admin_alice.${sha(`arn:aws:sts::${ACCT}:assumed-role/ml_admin/alice`).slice(0, 16)}`);
});

test('qd2: sourceIdentityOf keeps a name that fits and never gives two names one value', () => {
  assert.equal(sourceIdentityOf('alice', sha), 'alice');
  assert.equal(sourceIdentityOf('carol.b@example.com', sha), 'carol.b@example.com');
  // One character: not `a_`, which is user a_'s.
  assert.notEqual(sourceIdentityOf('a', sha), sourceIdentityOf('a_', sha));
  assert.match(sourceIdentityOf('a', sha), /^a\.[0-9a-f]{16}$/);
  // Two roles sharing a long prefix: cut, still told apart, and within SourceIdentity's pattern.
  const long = (role: string) => `arn:aws:sts::${ACCT}:assumed-role/${role}/session-of-sixty-four-characters-is-long-enough-for-this-x`;
  const a = sourceIdentityOf(long('training-pipeline-runner-production'), sha);
  const b = sourceIdentityOf(long('training-pipeline-runner-productive'), sha);
  assert.notEqual(a, b);
  for (const v of [a, b]) assert.match(v, /^[\w+=,.@-]{2,64}$/);
});

test('qd2: a user\'s name is carried unchanged', () => {
  assert.equal(sourceIdentityOf('carol', sha), 'carol');
});
