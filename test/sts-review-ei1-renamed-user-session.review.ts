/**
 * Review ei, 1: credentials from GetSessionToken stopped working the moment their user was renamed (`UpdateUser
 * NewUserName` or `NewPath`): every call answered 403 InvalidClientTokenId "The security token included in the request
 * is invalid.", while the user's own access key went on working under the new name. A rename keeps the user: "The
 * unique ID for the user remains the same", and the policies attached and the groups stay with it (IAM User Guide,
 * "Rename an IAM user"), as Gatehouse keeps it (README: "A user renamed keeps its unique id and its jobs"; its
 * default-role job sessions already find their owner by that id). The session found its user by the name it was
 * issued under only. Now it finds it by its unique id once the name names another user or none, and acts as the user
 * as it is now: its current ARN (which trust policies naming the user were rewritten to, docs/decisions.md, K2), its
 * policies. A user created later under the old name is another user (another id) and never the session's; deleting
 * the renamed user still ends it. 3 of the 3 tests failed before the fix. Real server, SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let iam: I.IAMClient;

before(async () => {
  s = await startTestServer();
  iam = s.iam();
});
after(async () => s?.stop());

/** A user `name` with a key, and credentials from its GetSessionToken. */
async function userSession(name: string): Promise<{ id: string; key: Credentials; session: Credentials }> {
  const u = await iam.send(new I.CreateUserCommand({ UserName: name }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: name }));
  const key = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  const t = await s.sts(key).send(new S.GetSessionTokenCommand({ DurationSeconds: 900 }));
  const session = { accessKeyId: t.Credentials?.AccessKeyId ?? '', secretAccessKey: t.Credentials?.SecretAccessKey ?? '', sessionToken: t.Credentials?.SessionToken ?? '' };
  return { id: u.User?.UserId ?? '', key, session };
}

const whoami = (c: Credentials) => s.sts(c).send(new S.GetCallerIdentityCommand({}));

test('ei1: a GetSessionToken session outlives its user’s rename and answers as the renamed user', async () => {
  const { id, key, session } = await userSession('ei1-before');
  assert.equal((await whoami(session)).Arn, `arn:aws:iam::${ACCT}:user/ei1-before`);
  await iam.send(new I.UpdateUserCommand({ UserName: 'ei1-before', NewUserName: 'ei1-after', NewPath: '/team/' }));
  // The user's own key, as before the fix.
  assert.equal((await whoami(key)).Arn, `arn:aws:iam::${ACCT}:user/team/ei1-after`);
  const me = await whoami(session);
  assert.equal(me.UserId, id);
  assert.equal(me.Arn, `arn:aws:iam::${ACCT}:user/team/ei1-after`);
});

test('ei1: the session acts as the renamed user: a trust policy that named it (rewritten to its new ARN) lets it assume the role', async () => {
  const { session } = await userSession('ei1-trusted');
  await iam.send(new I.CreateRoleCommand({ RoleName: 'ei1-role', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:user/ei1-trusted` }, Action: 'sts:AssumeRole' }) }));
  await iam.send(new I.UpdateUserCommand({ UserName: 'ei1-trusted', NewUserName: 'ei1-trusted-renamed' }));
  const trust = decodeURIComponent((await iam.send(new I.GetRoleCommand({ RoleName: 'ei1-role' }))).Role?.AssumeRolePolicyDocument ?? '');
  assert.match(trust, /user\/ei1-trusted-renamed/);
  const r = await s.sts(session).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/ei1-role`, RoleSessionName: 'ei1' }));
  assert.equal(r.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCT}:assumed-role/ei1-role/ei1`);
});

test('ei1: a user created under the old name is not the session’s; deleting the renamed user ends the session', async () => {
  const { id, key, session } = await userSession('ei1-reused');
  await iam.send(new I.UpdateUserCommand({ UserName: 'ei1-reused', NewUserName: 'ei1-moved' }));
  const other = await iam.send(new I.CreateUserCommand({ UserName: 'ei1-reused' }));
  assert.notEqual(other.User?.UserId, id);
  const me = await whoami(session);
  assert.equal(me.UserId, id);
  assert.equal(me.Arn, `arn:aws:iam::${ACCT}:user/ei1-moved`);

  await iam.send(new I.DeleteAccessKeyCommand({ UserName: 'ei1-moved', AccessKeyId: key.accessKeyId }));
  await iam.send(new I.DeleteUserCommand({ UserName: 'ei1-moved' }));
  const f = await sdkFailure(whoami(session));
  assert.equal(f.status, 403);
  assert.equal(f.code, 'InvalidClientTokenId');
});
