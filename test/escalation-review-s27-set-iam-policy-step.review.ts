/**
 * Stop 27 (left by review ai): `roles/iam.serviceAccountUser` bound to a user on a role, or on the account above it, is
 * PassRole wherever a job or node asks for it (src/app/bindings.ts `actAs`), so a user who may set the role's or the
 * account's IAM policy can bind it to itself and pass the role to a training job. The escalation report listed no
 * step for such a user. Now it lists one, with the binding's action first; it does not where IAM denies PassRole
 * outright, nor for a user who may do neither. The step is then shown real: the user binds itself and the union
 * allows the PassRole that refused it before.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: V, Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*') => ({ Effect: 'Allow', Action, Resource });
const user = (n: string) => `arn:aws:iam::${ROOT}:user/${n}`;
const BIG = `arn:aws:iam::${ROOT}:role/big`;

interface Report {
  canBecome: { principal: string; path: { how: string; actions: string[]; reasons: string[] }[] }[];
}

let server: TestServer;
let binder: Credentials;

before(async () => {
  server = await startTestServer();
  const scientist = (name: string, ...more: Record<string, unknown>[]) => doc('User', name, { inlinePolicies: { jobs: inline(allow('training:CreateJob'), ...more) } });
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Role', 'big', { trustPolicy: inline({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }), inlinePolicies: { all: inline(allow('s3:*')) } }),
      scientist('binder', allow(['gatehouse:SetIamPolicy', 'gatehouse:GetIamPolicy'], `arn:aws:iam::${ROOT}:root`)),
      scientist('rolebinder', allow('gatehouse:SetIamPolicy', BIG)),
      scientist('denied', allow('gatehouse:SetIamPolicy'), { Effect: 'Deny', Action: 'iam:PassRole', Resource: '*' }),
      scientist('plain'),
      doc('Workspace', 'lab', { members: [{ user: 'binder' }, { user: 'rolebinder' }, { user: 'denied' }, { user: 'plain' }] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const k = await server.iam().send(new I.CreateAccessKeyCommand({ UserName: 'binder' }));
  binder = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
});
after(() => server?.stop());

async function toBig(name: string): Promise<{ how: string; actions: string[]; reasons: string[] }[] | undefined> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const report = (r.json as unknown as { reports: Report[] }).reports[0] as Report;
  return report.canBecome.find((b) => b.principal === BIG)?.path;
}

describe('escalation paths: passing a role by binding roles/iam.serviceAccountUser to oneself', () => {
  it('a user who may set the account’s IAM policy, or the role’s, is listed with the binding’s action first', async () => {
    const viaAccount = await toBig('binder');
    assert.deepEqual(viaAccount?.map((s) => [s.how, s.actions]), [['iam:PassRole to a training job', ['gatehouse:SetIamPolicy', 'iam:PassRole', 'training:CreateJob']]]);
    assert.ok(viaAccount?.[0]?.reasons.some((l) => l.includes(`roles/iam.serviceAccountUser to itself on account/${ROOT}`)), JSON.stringify(viaAccount));
    const viaRole = await toBig('rolebinder');
    assert.ok(viaRole?.[0]?.reasons.some((l) => l.includes(`roles/iam.serviceAccountUser to itself on ${BIG}`)), JSON.stringify(viaRole));
  });

  it('not where IAM denies PassRole, nor for a user who may set no policy', async () => {
    assert.equal(await toBig('denied'), undefined);
    assert.equal(await toBig('plain'), undefined);
  });

  it('the step is real: bound, the PassRole that was refused is allowed', async () => {
    const pass = { action: 'iam:PassRole', resource: BIG, context: { 'iam:PassedToService': 'training.gatehouse.dev' } };
    const before = await gatehouseJson(server.url, binder, 'POST', '/v1/authorize', pass);
    assert.equal(before.json['decision'], 'ImplicitDeny', JSON.stringify(before.json));
    const set = await gatehouseJson(server.url, binder, 'PUT', '/v1/iam-policies', { resource: `account/${ROOT}`, bindings: [{ role: 'roles/iam.serviceAccountUser', members: ['user:binder'] }] });
    assert.equal(set.status, 200, JSON.stringify(set.json));
    const after = await gatehouseJson(server.url, binder, 'POST', '/v1/authorize', pass);
    assert.equal(after.json['decision'], 'Allow', JSON.stringify(after.json));
  });
});
