/**
 * Review ln, finding ln3: in an `acs` account the built-ins AdministratorAccess and ReadOnlyAccess go by RAM's
 * system-policy ARNs (`acs:ram::system:policy/ReadOnlyAccess`, review fn, 4) wherever IAM takes a managed policy ARN:
 * attaching, boundaries, GetPolicy, ListEntitiesForPolicy (review ln, 2). The managed session policies of AssumeRole
 * (`PolicyArns`) did not take them: scoping a session of a role down to read-only with the ARN the
 * account's administrator attaches it by was refused, ValidationError "PolicyArns: acs:ram::system:policy/ReadOnlyAccess
 * does not exist", while the same policy's aws spelling was taken. STS takes any managed policy the account may attach
 * as a session policy (STS API reference, AssumeRole, PolicyArns: "The ARNs of the IAM managed policies that you want to
 * use as managed session policies"). Now those ARNs name the built-in there too, and the session is cut to it: real
 * server, SDK v3's STS and IAM clients. (GetFederationToken is refused in an `acs` account: RAM has none.)
 * Before the fix 1 of 1 test failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { accountAdmin, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '350000000032';
const RAM_READ = 'acs:ram::system:policy/ReadOnlyAccess';
let s: TestServer;
let admin: Credentials;

/** What `who` may do with the IAM API: list users (a read), create one (a write). */
async function readsButCannotWrite(who: Credentials, name: string): Promise<void> {
  const iam = s.iam(who);
  assert.ok((await iam.send(new I.ListUsersCommand({}))).Users?.some((u) => u.UserName === 'admin'));
  const refused = await sdkFailure(iam.send(new I.CreateUserCommand({ UserName: name })));
  assert.equal(refused.code, 'AccessDenied', refused.message);
}

describe('ln3: session PolicyArns take RAM\'s system-policy ARNs of the built-ins', () => {
  before(async () => {
    s = await startTestServer();
    admin = await accountAdmin(s, ACS, 'acs');
    const iam = s.iam(admin);
    const trust = { Version: '1', Statement: [{ Effect: 'Allow', Principal: { RAM: [`acs:ram::${ACS}:root`] }, Action: 'sts:AssumeRole' }] };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'ops', PolicyArn: 'acs:ram::system:policy/AdministratorAccess' }));
  });
  after(async () => {
    await s?.stop();
  });

  it('AssumeRole with PolicyArns naming ReadOnlyAccess the RAM way issues a session cut to reading', async () => {
    const r = await s.sts(admin).send(new S.AssumeRoleCommand({ RoleArn: `acs:ram::${ACS}:role/ops`, RoleSessionName: 'audit', PolicyArns: [{ arn: RAM_READ }] }));
    const c = r.Credentials;
    await readsButCannotWrite({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' }, 'made-by-role-session');
  });
});
