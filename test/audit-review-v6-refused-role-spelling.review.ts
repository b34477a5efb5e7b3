/**
 * Review V, V6: a refused AssumeRole was recorded with the role ARN as the caller spelt it. Role names are matched
 * without case, so `aws sts assume-role --role-arn …:role/LOCKED` was an attempt on role `locked`, but its record said
 * `role/LOCKED`, and `gatehouse audit query --role …:role/locked` (the ARN the directory gives) did not list it: the
 * caller chose whether the role's auditor would see the attempt. Now the record names the role as the directory
 * does (its case and path), when it holds a role of that name, and keeps the spelling asked as `requestedRoleArn`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { cliAgainst, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const LOCKED = `arn:aws:iam::${ROOT}:role/team/locked`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

describe('review V6: a refused AssumeRole names the role as the directory does', () => {
  let s: TestServer;
  let alice: Credentials;

  before(async () => {
    s = await startTestServer();
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [doc('User', 'alice', { inlinePolicies: { assume: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] } } })],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const role = await gatehouseJson(s.url, s.admin, 'POST', '/v1/roles', { name: 'locked', path: '/team/', trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] } });
    assert.ok(role.status === 200 || role.status === 201, JSON.stringify(role.json));
    const k = await gatehouseJson(s.url, s.admin, 'POST', '/v1/access-keys', { userName: 'alice' });
    alice = { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
    await s.running.app.refresh();
  });
  after(async () => {
    await s.stop();
  });

  it('audit query --role with the role ARN finds attempts spelt in another case', async () => {
    for (const arn of [`arn:aws:iam::${ROOT}:role/team/LOCKED`, LOCKED]) {
      const r = await sdkFailure(s.sts(alice).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'probe' })));
      assert.equal(r.code, 'AccessDenied');
    }
    await s.running.app.audit.flush();
    const q = await cliAgainst(s, ['audit', 'query', '--role', LOCKED, '--decision', 'Deny', '--json']);
    assert.equal(q.status, 0, q.err);
    const records = q.out.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { role: string; resource: string; detail: Record<string, unknown> });
    assert.equal(records.length, 2, q.out);
    for (const r of records) {
      assert.equal(r.role, LOCKED);
      assert.equal(r.resource, LOCKED);
    }
    assert.deepEqual(records.map((r) => r.detail['requestedRoleArn']), [`arn:aws:iam::${ROOT}:role/team/LOCKED`, undefined]);
  });
});
