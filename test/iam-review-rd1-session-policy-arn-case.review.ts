/**
 * Review rd, 1: IAM resolves a managed policy's ARN without regard to case (review rc, 2 made the IAM API do so), but a
 * session's managed policies (`PolicyArns` of AssumeRole and GetFederationToken) were still looked up literally:
 * scoping a session down to `arn:aws:iam::aws:policy/readonlyaccess`, or to a customer policy spelled in another
 * case, was refused "ValidationError: PolicyArns: ... does not exist", though attaching the same ARN works. Now each
 * entry is found as the directory finds it (`visiblePolicy`), and the session carries, and is cut to, the ARN the
 * policy is stored under. Real server on 127.0.0.1, SDK v3's STS and IAM clients.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { accountAdmin, iamUserWith, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '210000000931';
let s: TestServer;
let admin: Credentials;

const creds = (c: S.Credentials | undefined): Credentials => ({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });

/** `who` may list users (a read) but not create one (a write). */
async function readsButCannotWrite(who: Credentials, name: string): Promise<void> {
  const iam = s.iam(who);
  try {
    assert.ok((await iam.send(new I.ListUsersCommand({}))).Users !== undefined);
    const refused = await sdkFailure(iam.send(new I.CreateUserCommand({ UserName: name })));
    assert.equal(refused.code, 'AccessDenied', refused.message);
  } finally {
    iam.destroy();
  }
}

describe('rd1: session PolicyArns in another case name the stored policy', () => {
  before(async () => {
    s = await startTestServer();
    admin = await accountAdmin(s, ACCT, 'aws');
    const iam = s.iam(admin);
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'ops', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'ListOnly', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }] }) }));
    iam.destroy();
  });
  after(async () => {
    await s?.stop();
  });

  it('AssumeRole with PolicyArns naming ReadOnlyAccess and a customer policy in another case issues a cut session', async () => {
    const sts = s.sts(admin);
    const a = await sts.send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/ops`, RoleSessionName: 'r1', PolicyArns: [{ arn: 'arn:aws:iam::aws:policy/readonlyaccess' }] }));
    await readsButCannotWrite(creds(a.Credentials), 'made-by-r1');
    const b = await sts.send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/ops`, RoleSessionName: 'r2', PolicyArns: [{ arn: `arn:aws:iam::${ACCT}:policy/listonly` }] }));
    await readsButCannotWrite(creds(b.Credentials), 'made-by-r2');
    sts.destroy();
  });

  it('GetFederationToken with PolicyArns in another case issues a token', async () => {
    const iam = s.iam(admin);
    const fed = await iamUserWith(iam, 'fed', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
    iam.destroy();
    const sts = s.sts(fed);
    // A federated user calls no IAM operation: that the token is issued for both entries is what is checked here.
    const r = await sts.send(new S.GetFederationTokenCommand({ Name: 'f1', PolicyArns: [{ arn: 'ARN:AWS:IAM::AWS:POLICY/READONLYACCESS' }, { arn: `arn:aws:iam::${ACCT}:policy/LISTONLY` }] }));
    sts.destroy();
    assert.equal(r.FederatedUser?.Arn, `arn:aws:sts::${ACCT}:federated-user/f1`);
    assert.ok(r.Credentials?.SessionToken);
  });
});
