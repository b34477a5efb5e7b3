/**
 * Review rc, 2: IAM resolves a managed policy's ARN without regard to case (policy names are unique without regard to
 * case, and AttachUserPolicy with `arn:aws:iam::aws:policy/administratoraccess` attaches AdministratorAccess), but
 * Gatehouse looked the ARN up literally: attaching `…:policy/readonlyaccess`, setting it as a boundary, GetPolicy or
 * detaching by it answered NoSuchEntity, so a script or Terraform configuration that spelled the case differently failed.
 *
 * Now the directory finds the policy in any case, and every decision and write uses the ARN it is stored under: the
 * attachment and the boundary are stored in the stored spelling, `iam:PolicyARN` and `iam:PermissionsBoundary` carry it
 * (so a Deny on `arn:aws:iam::aws:policy/AdministratorAccess` holds against `…/administratoraccess`, and an Allow on
 * the stored ARN grants it), and GetPolicy answers the stored ARN. Real server on 127.0.0.1, through
 * `@aws-sdk/client-iam`. Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { accountAdmin, iamUserWith, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '210000000921';
const READ = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const user = (n: string) => `arn:aws:iam::${ACCT}:user/${n}`;

describe('rc2: a managed policy ARN in another case names the stored policy, and is decided as it', () => {
  let s: TestServer;
  let admin: I.IAMClient;
  const clients: I.IAMClient[] = [];
  const as = async (name: string, ...statements: object[]): Promise<I.IAMClient> => {
    const c = s.iam(await iamUserWith(admin, name, { Version: '2012-10-17', Statement: statements }));
    clients.push(c);
    return c;
  };
  const attached = async (name: string) => (await admin.send(new I.ListAttachedUserPoliciesCommand({ UserName: name }))).AttachedPolicies?.map((p) => p.PolicyArn);

  before(async () => {
    s = await startTestServer();
    admin = s.iam(await accountAdmin(s, ACCT, 'aws'));
    for (const n of ['t1', 't2', 't3']) await admin.send(new I.CreateUserCommand({ UserName: n }));
  });
  after(async () => {
    for (const c of [admin, ...clients]) c?.destroy();
    await s?.stop();
  });

  it('attaching, reading and detaching by an ARN in another case act on the stored policy', async () => {
    await admin.send(new I.AttachUserPolicyCommand({ UserName: 't1', PolicyArn: 'arn:aws:iam::aws:policy/readonlyaccess' }));
    assert.deepEqual(await attached('t1'), [READ]);
    const created = (await admin.send(new I.CreatePolicyCommand({ PolicyName: 'TeamPolicy', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }))).Policy;
    assert.equal(created?.Arn, `arn:aws:iam::${ACCT}:policy/TeamPolicy`);
    assert.equal((await admin.send(new I.GetPolicyCommand({ PolicyArn: `arn:aws:iam::${ACCT}:policy/teampolicy` }))).Policy?.Arn, created?.Arn);
    await admin.send(new I.AttachUserPolicyCommand({ UserName: 't1', PolicyArn: `arn:aws:iam::${ACCT}:policy/TEAMPOLICY` }));
    assert.deepEqual((await attached('t1'))?.sort(), [READ, created?.Arn].sort());
    await admin.send(new I.DetachUserPolicyCommand({ UserName: 't1', PolicyArn: 'ARN:AWS:IAM::AWS:POLICY/READONLYACCESS' }));
    assert.deepEqual(await attached('t1'), [created?.Arn]);
  });

  it('a Deny on iam:PolicyARN AdministratorAccess holds against another case; an Allow on the stored ARN grants it', async () => {
    const ops = await as(
      'ops1',
      { Effect: 'Allow', Action: 'iam:AttachUserPolicy', Resource: user('t2'), Condition: { ArnEquals: { 'iam:PolicyARN': READ } } },
      { Effect: 'Allow', Action: 'iam:*', Resource: user('t3') },
      { Effect: 'Deny', Action: 'iam:AttachUserPolicy', Resource: '*', Condition: { StringEquals: { 'iam:PolicyARN': ADMIN } } },
    );
    await ops.send(new I.AttachUserPolicyCommand({ UserName: 't2', PolicyArn: 'arn:aws:iam::aws:policy/READONLYACCESS' }));
    assert.deepEqual(await attached('t2'), [READ]);
    assert.equal((await sdkFailure(ops.send(new I.AttachUserPolicyCommand({ UserName: 't3', PolicyArn: 'arn:aws:iam::aws:policy/administratorAccess' })))).code, 'AccessDenied');
    assert.deepEqual(await attached('t3'), []);
  });

  it('a boundary named in another case is stored, and decided, as the stored ARN', async () => {
    const ops = await as('ops2', { Effect: 'Allow', Action: ['iam:PutUserPermissionsBoundary', 'iam:CreateUser'], Resource: '*', Condition: { StringEquals: { 'iam:PermissionsBoundary': READ } } });
    await ops.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 't3', PermissionsBoundary: 'arn:aws:iam::aws:policy/readonlyACCESS' }));
    assert.equal((await admin.send(new I.GetUserCommand({ UserName: 't3' }))).User?.PermissionsBoundary?.PermissionsBoundaryArn, READ);
    await ops.send(new I.CreateUserCommand({ UserName: 'bounded', PermissionsBoundary: 'arn:aws:iam::aws:policy/readonlyaccess' }));
    assert.equal((await admin.send(new I.GetUserCommand({ UserName: 'bounded' }))).User?.PermissionsBoundary?.PermissionsBoundaryArn, READ);
  });
});
