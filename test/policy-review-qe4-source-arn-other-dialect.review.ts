/**
 * Policy review qe, finding 4: a role's trust policy is decided, when the training service assumes it for a job, with the
 * job's ARN as `aws:SourceArn` (AWS's confused-deputy key), spelt as the account spells it (`acs:pai::A:job/…` in an
 * `acs` account), and a condition on it compared literally. Both dialects are accepted everywhere (DESIGN.md), but in an
 * `acs` account a trust-policy Deny keeping a role off training jobs with `ArnLike aws:SourceArn
 * arn:aws:training::A:job/*` never applied: the job was submitted with the role. Now, as findings 1 and 3 made
 * `aws:PrincipalArn` and `iam:AssociatedResourceArn` read, `aws:SourceArn` (`acs:SourceArn`) names a workspace's, job's or
 * cluster's ARN in either spelling; a Deny in the account's own spelling still applies, and a role whose trust has no
 * such Deny is still assumed for a job.
 * Before the fix 1 of 3 tests failed.
 * Real server (SQLite), an `acs` account, SigV4-signed /v1/apply and /v1/jobs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const A = '606147604064';
let s: TestServer;
let erin: Credentials;
const role = (n: string) => `acs:ram::${A}:role/${n}`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const trust = (...deny: object[]) => ({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }, ...deny.map((Condition) => ({ Effect: 'Deny', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole', Condition }))],
});
const submit = (name: string) => gatehouseJson(s.url, erin, 'POST', '/v1/jobs', { workspace: 'vision', role: role(name), imds: false });

before(async () => {
  s = await startTestServer();
  const admin = await accountAdmin(s, A, 'acs');
  erin = await userWithKey({ url: s.url, admin }, 'erin');
  const may = { Version: '1', Statement: [{ Effect: 'Allow', Action: ['training:*', 'ram:PassRole'], Resource: '*' }] };
  const r = await gatehouseJson(s.url, admin, 'POST', '/v1/apply', {
    documents: [
      doc('User', 'erin', { inlinePolicies: { may } }),
      doc('Role', 'aws-spelt', { trustPolicy: trust({ ArnLike: { 'aws:SourceArn': `arn:aws:training::${A}:job/*` } }) }),
      doc('Role', 'own-spelt', { trustPolicy: trust({ StringLike: { 'acs:SourceArn': `acs:pai::${A}:job/*` } }) }),
      doc('Role', 'trainer', { trustPolicy: trust() }),
      doc('Workspace', 'vision', { members: [{ user: 'erin' }] }),
    ],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
after(() => s?.stop());

describe('aws:SourceArn reads a job\'s ARN in either dialect (policy review qe, 4)', () => {
  it('a trust-policy Deny on ArnLike aws:SourceArn in AWS\'s spelling keeps the role off an acs account\'s jobs', async () => {
    const r = await submit('aws-spelt');
    assert.notEqual(r.status, 201, JSON.stringify(r.json));
  });

  it('one in the account\'s own spelling still does (unchanged)', async () => {
    const r = await submit('own-spelt');
    assert.notEqual(r.status, 201, JSON.stringify(r.json));
  });

  it('a role whose trust has no such Deny is assumed for a job', async () => {
    const r = await submit('trainer');
    assert.equal(r.status, 201, JSON.stringify(r.json));
  });
});
