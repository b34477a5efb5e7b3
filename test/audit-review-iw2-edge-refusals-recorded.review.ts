/**
 * Review iw, 2: the changes the admin API makes at its edge (workspaces, clusters, resource policies, access entries,
 * webhook credentials: src/adapters/http/audit-api.ts `recordEdgeChanges`) were recorded when made, or when refused with
 * AccessDenied, and not when refused for anything else: a principal allowed `training:CreateAccessEntry` trying to give
 * itself a second entry for a role that has one (409 EntityAlreadyExists, the takeover review gk3 closed), or one for a
 * principal that does not exist, a resource policy written with a malformed document, a workspace deleted that is not
 * there — none of these attempts was in the audit log, while the same refusals of the IAM API are (`iam:CreateUser` of a
 * user that exists is recorded `ENTITY_ALREADY_EXISTS`). README §7 says every change and every refused attempt is
 * recorded. Now every refusal of such a route is recorded, with the caller, the action, the resource, the error code
 * as decision, the message and the request (bounded, as other refusals).
 *
 * A real server on 127.0.0.1; SigV4-signed `/v1/` calls of the root admin and of a delegate; the IAM SDK.
 *
 * Before the fix 4 of 5 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { gatehouseJson, type ServiceCredentials } from './support/resource-server.ts';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';

const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

describe('review iw2: refused changes at the admin API edge are recorded', () => {
  let s: TestServer;
  let acct = '';
  let lead: ServiceCredentials;
  let leadArn = '';
  before(async () => {
    s = await startTestServer();
    acct = s.adminFile.AccountId;
    leadArn = `arn:aws:iam::${acct}:user/iw2-lead`;
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole' }] });
    await s.iam().send(new I.CreateRoleCommand({ RoleName: 'iw2-ops', AssumeRolePolicyDocument: trust }));
    const setup = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Cluster', 'iw2-k', {}),
        doc('User', 'iw2-lead', { inlinePolicies: { onboard: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['training:*', 'gatehouse:*'], Resource: '*' }] } } }),
      ],
    });
    assert.equal(setup.status, 200, JSON.stringify(setup.json));
    const key = (await s.iam().send(new I.CreateAccessKeyCommand({ UserName: 'iw2-lead' }))).AccessKey;
    lead = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
    const made = await gatehouseJson(s.url, lead, 'POST', '/v1/clusters/iw2-k/access-entries', { principalArn: `arn:aws:iam::${acct}:role/iw2-ops`, kubernetesGroups: ['viewers'] });
    assert.equal(made.status, 201, JSON.stringify(made.json));
  });
  after(async () => s?.stop());

  const byLead = async (action: string): Promise<AuditRecord[]> => (await auditRecords(s, { principal: leadArn, action })).filter((r) => r.decision !== 'ok');

  it('a second access entry for a principal that has one (409)', async () => {
    const r = await gatehouseJson(s.url, lead, 'POST', '/v1/clusters/iw2-k/access-entries', { principalArn: `arn:aws:iam::${acct}:role/iw2-ops`, kubernetesGroups: ['admins'] });
    assert.equal(r.status, 409, JSON.stringify(r.json));
    const refused = await byLead('training:CreateAccessEntry');
    assert.equal(refused.length, 1, 'the refused attempt is recorded');
    assert.equal(refused[0]?.decision, 'ENTITY_ALREADY_EXISTS');
    assert.equal(refused[0]?.resource, `arn:aws:training::${acct}:cluster/iw2-k`, 'on the cluster ARN its check asks for (review px1)');
    assert.deepEqual((refused[0]?.detail['request'] as Record<string, unknown>)['kubernetesGroups'], ['admins']);
    assert.match(String(refused[0]?.detail['error']), /already has an access entry/);
  });

  it('an access entry for a principal that does not exist (404)', async () => {
    const r = await gatehouseJson(s.url, lead, 'POST', '/v1/clusters/iw2-k/access-entries', { principalArn: `arn:aws:iam::${acct}:role/iw2-nobody`, kubernetesGroups: ['admins'] });
    assert.equal(r.status, 404, JSON.stringify(r.json));
    const refused = (await byLead('training:CreateAccessEntry')).filter((x) => String((x.detail['request'] as Record<string, unknown>)['principalArn']).endsWith('role/iw2-nobody'));
    assert.deepEqual(refused.map((x) => x.decision), ['NO_SUCH_ENTITY']);
  });

  it('a resource policy with a malformed document, and a delete of none', async () => {
    const bad = await gatehouseJson(s.url, lead, 'PUT', `/v1/resource-policies/${encodeURIComponent(`arn:aws:training::${acct}:model/iw2`)}`, { document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 'training:GetModel' }] } });
    assert.equal(bad.status >= 400 && bad.status < 500, true, JSON.stringify(bad.json));
    const none = await gatehouseJson(s.url, lead, 'DELETE', `/v1/resource-policies/${encodeURIComponent(`arn:aws:training::${acct}:model/iw2-none`)}`);
    assert.equal(none.status, 404, JSON.stringify(none.json));
    assert.deepEqual((await byLead('gatehouse:PutResourcePolicy')).map((x) => x.decision), [String(bad.json['error'] && (bad.json['error'] as { gatehouseCode: string }).gatehouseCode)]);
    assert.deepEqual((await byLead('gatehouse:DeleteResourcePolicy')).map((x) => x.decision), ['NO_SUCH_ENTITY']);
  });

  it('a workspace naming a member that does not exist, and a delete of one that is not there', async () => {
    const bad = await gatehouseJson(s.url, lead, 'PUT', '/v1/workspaces/iw2-ws', { members: [{ user: 'iw2-ghost' }] });
    assert.equal(bad.status, 404, JSON.stringify(bad.json));
    const none = await gatehouseJson(s.url, lead, 'DELETE', '/v1/workspaces/iw2-none');
    assert.equal(none.status, 404, JSON.stringify(none.json));
    assert.deepEqual((await byLead('training:CreateWorkspace')).map((x) => x.decision), ['NO_SUCH_ENTITY']);
    assert.deepEqual((await byLead('training:DeleteWorkspace')).map((x) => x.decision), ['NO_SUCH_ENTITY']);
  });

  it('a change made and one refused by a policy are recorded once each, as before', async () => {
    const made = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/iw2-ok', { members: [] });
    assert.equal(made.status, 200, JSON.stringify(made.json));
    const all = await auditRecords(s, { action: 'training:CreateWorkspace' });
    assert.equal(all.filter((r) => r.resource.endsWith('workspace/iw2-ok') && r.decision === 'ok').length, 1);
  });
});
