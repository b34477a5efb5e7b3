/**
 * Review gb, 6: a job is submitted to a workspace, and with a role, found whatever the case of their names (`VISION` is
 * workspace `vision`, `role/TRAINER` is role `trainer`), and the job carries their own names; but the audit record of
 * the submission said them as asked: the job of `vision` was recorded on `arn:aws:training::A:workspace/VISION`, and a
 * refused submission with `role/TRAINER` under that spelling, so `audit query --role arn:aws:iam::A:role/trainer` did
 * not find it among the role's records. Now the record names the workspace's and the role's own ARNs once found.
 *
 * Real server (SQLite), IAM API through the AWS SDK v3, admin API (SigV4), the audit log as `audit query` reads it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { auditRecords, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review gb6: a submission is recorded under the workspace’s and the role’s own names', () => {
  let s: TestServer;
  let erin: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    erin = await userWithKey(s, 'erin');
    await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    // Trusts no training service: a submission with it is refused at the trust check.
    await iam.send(new I.CreateRoleCommand({ RoleName: 'lonely', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: 'training:*', Resource: '*' }, { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }) }));
    const ws = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/vision', { members: [{ user: 'erin' }] });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
  });
  after(() => s?.stop());

  it('a job submitted as VISION with role/TRAINER is recorded on workspace/vision with role/trainer', async () => {
    const r = await gatehouseJson(s.url, erin, 'POST', '/v1/jobs', { workspace: 'VISION', role: role('TRAINER'), imds: false });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const job = r.json['job'] as { id: string; workspace: string };
    assert.equal(job.workspace, 'vision');
    const rec = (await auditRecords(s, { kind: 'job', job: job.id })).find((x) => x.action === 'training:CreateJob');
    assert.ok(rec);
    assert.equal(rec.resource, `arn:aws:training::${A}:workspace/vision`);
    assert.equal(rec.role, role('trainer'));
    assert.equal((rec.detail as Record<string, unknown>)['workspace'], 'vision');
  });

  it('a refused submission with role/LONELY is found by audit query --role with the role’s own ARN', async () => {
    const r = await gatehouseJson(s.url, erin, 'POST', '/v1/jobs', { workspace: 'Vision', role: role('LONELY'), imds: false });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /Failed to assume role for user/);
    const recs = (await auditRecords(s, { kind: 'job', role: role('lonely') })).filter((x) => x.action === 'training:CreateJob');
    assert.equal(recs.length, 1, JSON.stringify(recs));
    assert.equal(recs[0]?.decision, 'Deny');
    assert.equal(recs[0]?.resource, `arn:aws:training::${A}:workspace/vision`);
  });
});
