/**
 * STS review E (R1): revoking one session by its ARN revokes it whatever the case of the session name in that ARN
 * (src/app/revocation.ts writes the name lower-cased; src/app/live.ts `isRevoked` reads both spellings). Before, a
 * revocation of `…/WORKER/PY1` answered 200, naming the role in its own case, and left session `py1` working: the
 * operator was told a session was cut off that was not. The authorize API already reads session names without case
 * (review K7). An entry written the old way (the name in its own case) still applies. Real SDK, real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/worker`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let alice: Credentials;

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: ROLE }) }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  await iam.send(new I.CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }) }));
});
after(async () => s?.stop());

async function session(name: string): Promise<Credentials> {
  const r = await s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: name }));
  const c = r.Credentials;
  return { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
}

/** The name of the SDK's error for GetCallerIdentity with `c`, or `ok`. */
async function identity(c: Credentials): Promise<string> {
  try {
    await s.sts(c).send(new S.GetCallerIdentityCommand({}));
    return 'ok';
  } catch (e) {
    return (e as { name?: string }).name ?? String(e);
  }
}

test('a session revoked by an ARN spelling its role and session name in another case is refused; the role’s other sessions are not', async () => {
  const py1 = await session('py1');
  const other = await session('other');
  assert.equal(await identity(py1), 'ok');
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/sts/revoke-sessions', { sessionArn: `arn:aws:sts::${ACCT}:assumed-role/WORKER/PY1` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(await identity(py1), 'ExpiredToken');
  assert.equal(await identity(other), 'ok');
  // A session of that name issued after the revocation works: it revokes what was issued before it.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  assert.equal(await identity(await session('Py1')), 'ok');
});

test('a revocation entry written in the session name’s own case (before this change) still applies', async () => {
  const mixed = await session('Mixed');
  assert.equal(await identity(mixed), 'ok');
  const app = s.running.app;
  // What the previous code wrote for `…/worker/Mixed`: the name in its own case.
  await app.deps.store.write(async (tx) => tx.kv.put(`revoke/session/arn:aws:sts::${ACCT}:assumed-role/worker/Mixed`, String(Date.now() + 1000)));
  await app.refresh();
  assert.equal(await identity(mixed), 'ExpiredToken');
});
