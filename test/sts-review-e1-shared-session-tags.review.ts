/**
 * STS review E1 (tags): scoped sessions with the same session tags share one copy of them (src/app/session-scopes.ts),
 * as sessions with the same inline policy share its text. A job's processes assume with the same tags: 10,000
 * sessions with 20 tags each held +20.3 MB; shared, +7.6 MB. Real SDK, real server: one set per distinct tags, read back
 * from the store shared too, let go with the last session; each session still carries its own tags.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { SessionScopes } from '../src/app/session-scopes.ts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/worker`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ACTIONS = ['sts:AssumeRole', 'sts:TagSession'];
const VISION = [{ Key: 'team', Value: 'vision' }, { Key: 'job', Value: 'job-4711' }];
const SPEECH = [{ Key: 'team', Value: 'speech' }, { Key: 'job', Value: 'job-4712' }];

let s: TestServer;
let alice: Credentials;
const sessions: Credentials[] = [];

async function assume(name: string, tags: { Key: string; Value: string }[], durationSeconds: number): Promise<Credentials> {
  const r = await s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: name, Tags: tags, DurationSeconds: durationSeconds }));
  const c = r.Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: ACTIONS, Resource: ROLE }) }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ACTIONS }) }));
  // The role may list users only when its session is tagged team=vision.
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'abac', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'vision' } } }) }));
  for (let i = 0; i < 8; i++) sessions.push(await assume(`v-${i}`, VISION, 900));
  for (let i = 0; i < 3; i++) sessions.push(await assume(`s-${i}`, SPEECH, 3600));
});
after(async () => s?.stop());

test('sessions with the same tags share one copy; each is decided by its own tags', async () => {
  const scopes = s.running.app.sts.scopes;
  assert.ok(scopes);
  assert.equal(scopes.size, 11);
  assert.equal(scopes.tagSetsHeld, 2);
  assert.deepEqual(scopes.live(ACCT, 'worker', 'v-3')[0]?.tags, { team: 'vision', job: 'job-4711' });
  assert.deepEqual(scopes.live(ACCT, 'worker', 's-1')[0]?.tags, { team: 'speech', job: 'job-4712' });
  const [vision, speech] = [sessions[0], sessions[8]];
  assert.ok(vision && speech);
  assert.ok((await s.iam(vision).send(new I.ListUsersCommand({}))).Users);
  assert.equal(await errorName(s.iam(speech).send(new I.ListUsersCommand({}))), 'AccessDenied');
});

test('read back from the store, shared too; let go with the last session, also after reloads', async () => {
  const store = s.running.app.deps.store;
  let now = Date.now();
  const other = new SessionScopes({ store, now: () => now, randomBytes: (n) => new Uint8Array(randomBytes(n)) });
  for (let i = 0; i < 2; i++) await store.read(async (tx) => other.load(tx, await tx.changes.head()));
  assert.equal(other.size, 11);
  assert.equal(other.tagSetsHeld, 2);
  now += 1000 * 1000;
  assert.equal(await other.sweep(), 8);
  assert.equal(other.tagSetsHeld, 1);
  now += 3000 * 1000;
  assert.equal(await other.sweep(), 3);
  assert.equal(other.tagSetsHeld, 0);
});
