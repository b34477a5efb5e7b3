/**
 * Dialects review ov, finding 7: both dialects are accepted everywhere (DESIGN.md, Names and formats), and the IAM API
 * decides an administrative call as `ram:X` in an `acs` account and `iam:X` in an `aws` one, with a Deny naming it in
 * the other dialect applying too (docs/semantics.md; review is, 5). An Allow's `NotAction`, the actions a grant leaves
 * out, was read in its own dialect only: AWS's PowerUserAccess (`Allow NotAction iam:*`, "all but IAM") in an `acs`
 * account let its user create users and attach AdministratorAccess to itself (`ram:CreateUser`,
 * `ram:AttachUserPolicy`), and RAM's own example of "all operations except RAM" (`Allow NotAction ram:*`; Alibaba,
 * "Policy elements", NotAction) in an `aws` account let its user call IAM: an administrator made out of a power user.
 * Now an Allow's `NotAction` of `iam:` or `ram:` leaves out the other service's action of the same name, and RAM's own
 * names of the call (`ram:AttachPolicyToUser` for AttachUserPolicy, and the inline-policy calls it stands for).
 * Before the fix 2 of 3 tests failed.
 * Real server (SQLite), an `acs` and an `aws` account, `@aws-sdk/client-iam`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { accountAdmin, iamUserWith, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '606147604055';
const AWS = '606147604056';
let s: TestServer;
let acsPower: Credentials;
let awsPower: Credentials;
let acsAdmin: Credentials;

before(async () => {
  s = await startTestServer();
  acsAdmin = await accountAdmin(s, ACS, 'acs');
  const awsAdmin = await accountAdmin(s, AWS, 'aws');
  acsPower = await iamUserWith(s.iam(acsAdmin), 'power', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', NotAction: ['iam:*', 'organizations:*'], Resource: '*' }] });
  awsPower = await iamUserWith(s.iam(awsAdmin), 'power', { Version: '1', Statement: [{ Effect: 'Allow', NotAction: 'ram:*', Resource: '*' }] });
});
after(() => s?.stop());

describe("an Allow's NotAction leaves out the other dialect's IAM/RAM actions (dialects review ov, 7)", () => {
  it('AWS PowerUserAccess in an acs account: no user made, no AdministratorAccess attached to itself', async () => {
    const iam = s.iam(acsPower);
    assert.equal((await sdkFailure(iam.send(new I.CreateUserCommand({ UserName: 'evil' })))).code, 'AccessDenied');
    assert.equal((await sdkFailure(iam.send(new I.AttachUserPolicyCommand({ UserName: 'power', PolicyArn: 'acs:ram::system:policy/AdministratorAccess' })))).code, 'AccessDenied');
    assert.equal((await sdkFailure(iam.send(new I.PutUserPolicyCommand({ UserName: 'power', PolicyName: 'all', PolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) })))).code, 'AccessDenied');
    const users = (await s.iam(acsAdmin).send(new I.ListUsersCommand({}))).Users?.map((u) => u.UserName).sort();
    assert.deepEqual(users, ['admin', 'power']);
  });

  it("RAM's all-but-RAM in an aws account: no IAM call", async () => {
    const iam = s.iam(awsPower);
    assert.equal((await sdkFailure(iam.send(new I.CreateUserCommand({ UserName: 'evil' })))).code, 'AccessDenied');
    assert.equal((await sdkFailure(iam.send(new I.AttachUserPolicyCommand({ UserName: 'power', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' })))).code, 'AccessDenied');
  });

  it('the rest of the grant stands: STS and other services', async () => {
    for (const who of [acsPower, awsPower]) {
      const id = await s.sts(who).send(new GetCallerIdentityCommand({}));
      assert.match(id.Arn ?? '', /user\/power$/);
    }
  });
});
