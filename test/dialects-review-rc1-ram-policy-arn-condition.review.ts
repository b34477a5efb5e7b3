/**
 * Review rc, 1: in an `acs` account `acs:ram::system:policy/AdministratorAccess` (and `…/ReadOnlyAccess`), the ARN RAM's
 * documentation attaches, names the built-in Gatehouse keeps in aws form (review fn, 4), and attaching by it attaches
 * `arn:aws:iam::aws:policy/AdministratorAccess`. But a condition naming the policy by RAM's ARN compared it literally
 * with the stored aws-form ARN enforcement gives `iam:PolicyARN` (and `iam:PermissionsBoundary`): an Allow of
 * AttachPolicyToUser on `StringEquals iam:PolicyARN acs:ram::system:policy/ReadOnlyAccess` never granted it, whichever
 * spelling the request used, and a Deny on `StringLike iam:PolicyARN acs:ram::system:policy/AdministratorAccess` never
 * applied, so a user allowed `ram:*` but denied attaching AdministratorAccess attached it.
 *
 * Now a String or Arn condition on `iam:PolicyARN` or `iam:PermissionsBoundary` reads an aliased built-in's ARN in both
 * spellings, as other ARN conditions do across dialects (policy review qe, 1). Real server on 127.0.0.1, through
 * `@aws-sdk/client-iam`. Before the fix 4 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount, ramUser } from './support/alibaba-world.ts';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ACS = '350000000921';
const RAM_ADMIN = 'acs:ram::system:policy/AdministratorAccess';
const RAM_READ = 'acs:ram::system:policy/ReadOnlyAccess';
const AWS_READ = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const user = (n: string) => `acs:ram::${ACS}:user/${n}`;

describe('rc1: a condition on iam:PolicyARN / iam:PermissionsBoundary names a built-in by RAM’s ARN too', () => {
  let s: TestServer;
  let admin: I.IAMClient;
  const clients: I.IAMClient[] = [];
  const as = async (name: string, ...statements: object[]): Promise<I.IAMClient> => {
    const c = s.iam(await ramUser(admin, name, ...statements));
    clients.push(c);
    return c;
  };
  const attached = async (name: string) => (await admin.send(new I.ListAttachedUserPoliciesCommand({ UserName: name }))).AttachedPolicies?.map((p) => p.PolicyArn);

  before(async () => {
    s = await startTestServer();
    admin = s.iam(await acsAccount(s, ACS));
    for (const n of ['t1', 't2', 't3', 't4']) await admin.send(new I.CreateUserCommand({ UserName: n }));
  });
  after(async () => {
    for (const c of [admin, ...clients]) c?.destroy();
    await s?.stop();
  });

  it('an Allow on StringEquals iam:PolicyARN RAM’s ARN grants attaching the policy, by RAM’s ARN', async () => {
    const ops = await as('ops1', { Effect: 'Allow', Action: 'ram:AttachPolicyToUser', Resource: user('t1'), Condition: { StringEquals: { 'iam:PolicyARN': RAM_READ } } });
    await ops.send(new I.AttachUserPolicyCommand({ UserName: 't1', PolicyArn: RAM_READ }));
    assert.deepEqual(await attached('t1'), [AWS_READ]);
  });

  it('… and by the aws-form ARN it is stored under; another policy stays refused', async () => {
    const ops = await as('ops2', { Effect: 'Allow', Action: 'ram:AttachPolicyToUser', Resource: user('t2'), Condition: { StringEquals: { 'iam:PolicyARN': [RAM_READ] } } });
    await ops.send(new I.AttachUserPolicyCommand({ UserName: 't2', PolicyArn: AWS_READ }));
    assert.deepEqual(await attached('t2'), [AWS_READ]);
    assert.equal((await sdkFailure(ops.send(new I.AttachUserPolicyCommand({ UserName: 't2', PolicyArn: RAM_ADMIN })))).code, 'AccessDenied');
  });

  it('a Deny on iam:PolicyARN RAM’s ARN refuses attaching AdministratorAccess in either spelling', async () => {
    const ops = await as('ops3', { Effect: 'Allow', Action: 'ram:*', Resource: '*' }, { Effect: 'Deny', Action: 'ram:AttachPolicyToUser', Resource: '*', Condition: { StringLike: { 'iam:PolicyARN': 'acs:ram::system:policy/Administrator*' } } });
    for (const arn of [RAM_ADMIN, 'arn:aws:iam::aws:policy/AdministratorAccess']) {
      assert.equal((await sdkFailure(ops.send(new I.AttachUserPolicyCommand({ UserName: 't3', PolicyArn: arn })))).code, 'AccessDenied', arn);
    }
    await ops.send(new I.AttachUserPolicyCommand({ UserName: 't3', PolicyArn: RAM_READ }));
    assert.deepEqual(await attached('t3'), [AWS_READ]);
  });

  it('an Allow on StringEquals iam:PermissionsBoundary RAM’s ARN grants setting that boundary', async () => {
    const ops = await as('ops4', { Effect: 'Allow', Action: 'ram:PutUserPermissionsBoundary', Resource: user('t4'), Condition: { StringEquals: { 'iam:PermissionsBoundary': RAM_READ } } });
    await ops.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 't4', PermissionsBoundary: RAM_READ }));
    assert.equal((await admin.send(new I.GetUserCommand({ UserName: 't4' }))).User?.PermissionsBoundary?.PermissionsBoundaryArn, AWS_READ);
  });
});
