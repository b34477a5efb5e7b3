/**
 * STS review E1: scoped sessions with the same inline session policy share one copy of its text (src/app/session-scopes.ts).
 * Every live scoped session is held in memory by every instance; a job's processes all assume with the same policy, and
 * each held its own copy (20,000 sessions with a 1,674-character policy: +46.8 MB; shared: +14.4 MB). Checked with
 * the real SDK against a real server: the registry holds one text per distinct policy, records read back from the store
 * share it too, a text is let go once its last session is swept, and each session is still decided by its own policy.
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
/** Two jobs' policies: one may only read users, the other only list them. */
const POLICY_A = doc({ Effect: 'Allow', Action: 'iam:GetUser', Resource: '*' });
const POLICY_B = doc({ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' });
const A_SESSIONS = 12;
const B_SESSIONS = 4;

let s: TestServer;
let alice: Credentials;
const sessionsA: Credentials[] = [];
const sessionsB: Credentials[] = [];

async function assume(name: string, policy: string, durationSeconds: number): Promise<Credentials> {
  const r = await s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: name, Policy: policy, DurationSeconds: durationSeconds }));
  const c = r.Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ROLE }) }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'worker', PolicyName: 'both', PolicyDocument: doc({ Effect: 'Allow', Action: ['iam:GetUser', 'iam:ListUsers'], Resource: '*' }) }));
  // Each request carries its own copy of the text, as separate processes' requests do.
  for (let i = 0; i < A_SESSIONS; i++) sessionsA.push(await assume(`a-${i}`, POLICY_A, 900));
  for (let i = 0; i < B_SESSIONS; i++) sessionsB.push(await assume(`b-${i}`, POLICY_B, 3600));
});
after(async () => s?.stop());

test('the sessions of one policy share one copy of its text', () => {
  const scopes = s.running.app.sts.scopes;
  assert.ok(scopes);
  assert.equal(scopes.size, A_SESSIONS + B_SESSIONS, 'every scoped session is recorded');
  assert.equal(scopes.policyTexts, 2, 'one text per distinct policy, not one per session');
});

test('each session is still decided by its own policy', async () => {
  for (const c of [sessionsA[0], sessionsA[A_SESSIONS - 1]]) {
    assert.ok(c);
    const got = await s.iam(c).send(new I.GetUserCommand({ UserName: 'alice' }));
    assert.equal(got.User?.UserName, 'alice');
    assert.equal(await errorName(s.iam(c).send(new I.ListUsersCommand({}))), 'AccessDenied');
  }
  const b = sessionsB[0];
  assert.ok(b);
  assert.ok((await s.iam(b).send(new I.ListUsersCommand({}))).Users?.length);
  assert.equal(await errorName(s.iam(b).send(new I.GetUserCommand({ UserName: 'alice' }))), 'AccessDenied');
});

test('records read back from the store share the text; a text is let go with its last session', async () => {
  const store = s.running.app.deps.store;
  let now = Date.now();
  const other = new SessionScopes({ store, now: () => now, randomBytes: (n) => new Uint8Array(randomBytes(n)) });
  await store.read(async (tx) => other.load(tx, await tx.changes.head()));
  assert.equal(other.size, A_SESSIONS + B_SESSIONS);
  assert.equal(other.policyTexts, 2);
  assert.equal(other.live(ACCT, 'worker', 'a-0')[0]?.policy, POLICY_A, 'the record keeps its text');

  // Past the 900-second sessions: policy A's are swept, and its text with them; B's stays.
  now += 1000 * 1000;
  assert.equal(await other.sweep(), A_SESSIONS);
  assert.equal(other.policyTexts, 1);
  assert.equal(other.live(ACCT, 'worker', 'b-0', now)[0]?.policy, POLICY_B);
  now += 3000 * 1000;
  assert.equal(await other.sweep(), B_SESSIONS);
  assert.equal(other.policyTexts, 0, 'no text outlives the records that held it');
});

test('reading the registry whole again (a reload) keeps one text per policy, and lets them go with their records', async () => {
  const store = s.running.app.deps.store;
  let now = Date.now();
  const other = new SessionScopes({ store, now: () => now, randomBytes: (n) => new Uint8Array(randomBytes(n)) });
  const first = await assume('reload-a', POLICY_A, 900);
  assert.ok(first.sessionToken);
  for (let i = 0; i < 3; i++) await store.read(async (tx) => other.load(tx, await tx.changes.head()));
  assert.equal(other.policyTexts, 1, 'the texts of the records dropped by a reload are not kept');
  now += 1000 * 1000;
  assert.equal(await other.sweep(), 1);
  assert.equal(other.policyTexts, 0);
});
