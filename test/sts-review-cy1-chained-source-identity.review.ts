/**
 * Review cy, 1: a source identity is sticky, and each hop of a chain that carries it sets it on the next session, so
 * AWS asks for `sts:SetSourceIdentity` on every chained AssumeRole, from the calling session's permissions and from
 * the target role's trust policy, with `sts:SourceIdentity` the value carried (IAM User Guide, "Permissions required
 * to set source identity": "When you assume a role with another role … permissions for sts:SetSourceIdentity are
 * required in both the permissions policy of the principal who is assuming the role and in the role trust policy of
 * the target role. Otherwise, the assume role operation will fail."; seen in the field as "…is not authorized to
 * perform: sts:SetSourceIdentity on resource: …" on hops that passed no SourceIdentity).
 *
 * Gatehouse checked `sts:SetSourceIdentity` only when the request named a source identity and the caller had none: a
 * session carrying one assumed a role whose trust policy does not allow setting it, or allows it for other values only
 * (`sts:SourceIdentity` was not even in the context), and the new session carried it all the same. A trust policy
 * could not keep a source identity off its role's sessions. Real server, SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { sdkFailure, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const ROLE = (n: string) => `arn:aws:iam::${ACCT}:role/${n}`;
const ROOT = `arn:aws:iam::${ACCT}:root`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let alice: Credentials;

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  alice = await userWithKey(s, 'alice');
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Resource: '*' }) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'first', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: ROOT }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }) }));
  // The first role may assume roles, and not (yet) set a source identity.
  await iam.send(new I.PutRolePolicyCommand({ RoleName: 'first', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }));
  // Trusts the account (so the caller's own policy must allow too) for AssumeRole only.
  await iam.send(new I.CreateRoleCommand({ RoleName: 'next', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: ROOT }, Action: 'sts:AssumeRole' }) }));
  // Trusts them to set a source identity, one value only.
  await iam.send(new I.CreateRoleCommand({
    RoleName: 'strict',
    AssumeRolePolicyDocument: doc(
      { Effect: 'Allow', Principal: { AWS: ROLE('first') }, Action: 'sts:AssumeRole' },
      { Effect: 'Allow', Principal: { AWS: ROLE('first') }, Action: 'sts:SetSourceIdentity', Condition: { StringEquals: { 'sts:SourceIdentity': 'bob' } } },
    ),
  }));
});
after(async () => s?.stop());

const creds = (r: S.AssumeRoleCommandOutput): Credentials => ({ accessKeyId: r.Credentials?.AccessKeyId ?? '', secretAccessKey: r.Credentials?.SecretAccessKey ?? '', sessionToken: r.Credentials?.SessionToken ?? '' });
const hop = (c: Credentials, role: string) => s.sts(c).send(new S.AssumeRoleCommand({ RoleArn: ROLE(role), RoleSessionName: 'hop' }));

test('cy1: a chained AssumeRole carrying a source identity needs sts:SetSourceIdentity from both sides', async () => {
  const first = creds(await s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE('first'), RoleSessionName: 'one', SourceIdentity: 'alice' })));
  const plain = creds(await s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE('first'), RoleSessionName: 'plain' })));
  const session = `arn:aws:sts::${ACCT}:assumed-role/first/one`;

  // Without a source identity, a hop needs none.
  assert.equal((await hop(plain, 'next')).SourceIdentity, undefined);

  // The target role's trust policy does not allow setting one.
  let f = await sdkFailure(hop(first, 'next'));
  assert.equal(f.code, 'AccessDenied');
  assert.match(f.message, new RegExp(`^User: ${session} is not authorized to perform: sts:SetSourceIdentity on resource: ${ROLE('next')}`));

  // It allows it for another value only: `sts:SourceIdentity` is the value carried.
  f = await sdkFailure(hop(first, 'strict'));
  assert.equal(f.code, 'AccessDenied');
  assert.match(f.message, /sts:SetSourceIdentity on resource: .*role\/strict/);

  // The trust policy allows it; the calling session's own policy does not yet.
  await s.iam().send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'next', PolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: ROOT }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }) }));
  f = await sdkFailure(hop(first, 'next'));
  assert.equal(f.code, 'AccessDenied');
  assert.match(f.message, /sts:SetSourceIdentity on resource: .*role\/next/);

  await s.iam().send(new I.PutRolePolicyCommand({ RoleName: 'first', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'], Resource: '*' }) }));
  const ok = await hop(first, 'next');
  assert.equal(ok.SourceIdentity, 'alice');
  const id = await s.sts(creds(ok)).send(new S.GetCallerIdentityCommand({}));
  assert.equal(id.Arn, `arn:aws:sts::${ACCT}:assumed-role/next/hop`);
  // Naming the same value again is the same request.
  assert.equal((await s.sts(first).send(new S.AssumeRoleCommand({ RoleArn: ROLE('next'), RoleSessionName: 'hop', SourceIdentity: 'alice' }))).SourceIdentity, 'alice');
  // Still not the strict role: the value is not the one it allows.
  assert.equal((await sdkFailure(hop(first, 'strict'))).code, 'AccessDenied');
});
