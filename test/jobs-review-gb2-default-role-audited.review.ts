/**
 * Review gb, 2: the account's default training role (`GatehouseTrainingDefaultRole`, `s3:*`, `odps:*` and `tables:*` on
 * `*`, trusting the training service) is created by the first `--role default` submission. It was created before the
 * submission's last checks, so a submission refused for the account's quota of live jobs (LimitExceeded) left the role
 * behind although "a failed submit writes nothing"; and its creation, an IAM change like any CreateRole, was never in
 * the audit log: `audit query --role <its ARN>` listed its sessions and nobody creating it. Now the role is created in
 * the transaction that stores the job, so a refused submission creates nothing, and its creation is recorded (kind
 * `change`, `iam:CreateRole`, by the submitter, with the role and inline policy written).
 *
 * Real server (SQLite), admin API (SigV4), IAM API through the AWS SDK v3.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { auditRecords, errorName, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const DEFAULT_ROLE = 'GatehouseTrainingDefaultRole';
const DEFAULT_ARN = `arn:aws:iam::${A}:role/${DEFAULT_ROLE}`;

describe('review gb2: the default role is created with the job it is for, and recorded', () => {
  let s: TestServer;
  let alice: Credentials;
  before(async () => {
    s = await startTestServer({ maxLiveJobs: 1 });
    alice = await userWithKey(s, 'alice');
    const iam = s.iam();
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'jobs', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'training:*', Resource: '*' }] }) }));
    const ws = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/vision', { members: [{ user: 'alice' }], defaultBucket: 'arn:aws:s3:::vision-data' });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
  });
  after(() => s?.stop());

  const submit = (role: string) => gatehouseJson(s.url, alice, 'POST', '/v1/jobs', { workspace: 'vision', role, imds: false });

  it('a default-role submission refused for the quota of live jobs creates no role', async () => {
    const first = await submit('none');
    assert.equal(first.status, 201, JSON.stringify(first.json));
    const refused = await submit('default');
    assert.equal(refused.status, 409, JSON.stringify(refused.json));
    assert.equal(await errorName(s.iam().send(new I.GetRoleCommand({ RoleName: DEFAULT_ROLE }))), 'NoSuchEntityException');
    const stop = await gatehouseJson(s.url, alice, 'POST', `/v1/jobs/${String((first.json['job'] as Record<string, unknown>)['id'])}/stop`, {});
    assert.equal(stop.status, 200, JSON.stringify(stop.json));
  });

  it('the first default-role job creates the role, and its creation is in the audit log, by the submitter', async () => {
    const r = await submit('default');
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const role = await s.iam().send(new I.GetRoleCommand({ RoleName: DEFAULT_ROLE }));
    assert.equal(role.Role?.Arn, DEFAULT_ARN);
    const created = (await auditRecords(s, { kind: 'change', role: DEFAULT_ARN })).filter((x) => x.action === 'iam:CreateRole');
    assert.equal(created.length, 1, JSON.stringify(created));
    const rec = created[0];
    assert.ok(rec);
    assert.equal(rec.principal, `arn:aws:iam::${A}:user/alice`);
    assert.equal(rec.resource, DEFAULT_ARN);
    assert.equal(rec.decision, 'ok');
    const detail = rec.detail as { after?: { roleName?: string; inlinePolicies?: Record<string, unknown> } };
    assert.equal(detail.after?.roleName, DEFAULT_ROLE);
    assert.ok(detail.after?.inlinePolicies?.['training-default-scope'], JSON.stringify(rec.detail));
    // A second default-role job finds the role there: nothing created, nothing recorded again.
    const stop = await gatehouseJson(s.url, alice, 'POST', `/v1/jobs/${String((r.json['job'] as Record<string, unknown>)['id'])}/stop`, {});
    assert.equal(stop.status, 200, JSON.stringify(stop.json));
    const again = await submit('default');
    assert.equal(again.status, 201, JSON.stringify(again.json));
    assert.equal((await auditRecords(s, { kind: 'change', role: DEFAULT_ARN })).filter((x) => x.action === 'iam:CreateRole').length, 1);
  });
});
