/**
 * Review fi, 3: a change made by `gatehouse apply` was recorded without what it replaced or what it wrote. README §7
 * says a directory change's record holds `before` and `after` (the old and new inline policy document, the default
 * policy version a new one replaced…), and so it does through the IAM API; but apply — the way the platform admin
 * defines the directory — recorded each step as `{apply: {kind, name, account}, context}` only (docs/decisions.md:
 * "Not yet"). A role's trust policy rewritten by apply to trust `{"AWS": "*"}` was recorded as
 * `iam:UpdateAssumeRolePolicy`, ok, with no document at all: the auditor could see that it changed, not what it now
 * allows nor what it allowed before, once a later apply had changed it again. Now every step that writes carries
 * `before` and `after` (`null`: none), read in the apply's own transaction right before and after the step, in the
 * shapes the directory's records use (`{trustPolicy}`, `{policyName, policyDocument}`, `{attachedPolicies}`,
 * `{defaultVersion}`, `{tags}`, `{permissionsBoundary}`, `{groups}`, the entity for creations and deletions, the stored
 * document for resource policies, workspaces, clusters, access entries and RBAC objects). Real server (SQLite), the admin API's apply.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const pol = (action: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
const trust = (principal: Record<string, string>) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }] });
const bucketPolicy = (action: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:role/fi3` }, Action: action, Resource: 'arn:aws:s3:::fi3/*' }] });
type Detail = Record<string, unknown>;

describe('review fi3: apply records each change with before and after', () => {
  let s: TestServer;
  let records: AuditRecord[] = [];
  const apply = async (documents: unknown[], prune = false): Promise<AuditRecord[]> => {
    const from = ((await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit/verify')).json['head'] as { seq: number }).seq;
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents, prune });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    await s.running.app.audit.flush();
    const q = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?after=${from}&limit=1000`);
    return (q.json['records'] as AuditRecord[]).filter((x) => x.kind === 'change');
  };
  const one = (action: string): Detail => {
    const hit = records.filter((x) => x.action === action);
    assert.equal(hit.length, 1, `${action}: ${JSON.stringify(records.map((x) => x.action))}`);
    return (hit[0] as AuditRecord).detail as Detail;
  };
  const parsed = (v: unknown): unknown => JSON.parse(String(v));

  before(async () => {
    s = await startTestServer();
    records = await apply([
      doc('Policy', 'fi3-mp', { document: pol('s3:GetObject') }),
      doc('Role', 'fi3', { trustPolicy: trust({ Service: 'training.gatehouse.dev' }), inlinePolicies: { keep: pol('s3:GetObject'), gone: pol('s3:ListBucket') }, policies: ['fi3-mp'] }),
      doc('Group', 'fi3-g', {}),
      doc('User', 'fi3-u', { tags: { team: 'a' } }),
      doc('User', 'fi3-old', {}),
      doc('ResourcePolicy', 'fi3-bucket', { resource: 'arn:aws:s3:::fi3', document: bucketPolicy('s3:GetObject') }),
      doc('Cluster', 'fi3c', {}),
      doc('AccessEntry', 'fi3-entry', { cluster: 'fi3c', principalArn: `arn:aws:iam::${ROOT}:role/fi3`, kubernetesGroups: ['viewers'] }),
    ]);
  });
  after(async () => {
    await s.stop();
  });

  it('creations: before null, after the entity', () => {
    const role = one('iam:CreateRole');
    assert.equal(role['before'], null);
    assert.equal((role['after'] as Detail)['name'], 'fi3');
    assert.deepEqual(parsed((role['after'] as Detail)['trustPolicy']), trust({ Service: 'training.gatehouse.dev' }));
    const group = one('iam:CreateGroup');
    assert.equal(group['before'], null);
    assert.equal((group['after'] as Detail)['name'], 'fi3-g');
    const rp = records.find((x) => x.action === 'gatehouse:PutResourcePolicy')?.detail as Detail;
    assert.equal(rp['before'], null);
    assert.deepEqual(parsed((rp['after'] as Detail)['document']), bucketPolicy('s3:GetObject'));
  });

  it('updates: the trust policy, inline and managed policy documents, attachments, tags, groups, a boundary, a resource policy', async () => {
    records = await apply([
      doc('Policy', 'fi3-mp', { document: pol('s3:*') }),
      doc('Role', 'fi3', { trustPolicy: trust({ AWS: '*' }), inlinePolicies: { keep: pol('*') }, policies: [] }),
      doc('Group', 'fi3-g', {}),
      doc('User', 'fi3-u', { tags: { team: 'b' }, groups: ['fi3-g'], permissionsBoundary: 'fi3-mp' }),
      doc('User', 'fi3-old', {}),
      doc('ResourcePolicy', 'fi3-bucket', { resource: 'arn:aws:s3:::fi3', document: bucketPolicy('s3:*') }),
      doc('Cluster', 'fi3c', {}),
      doc('AccessEntry', 'fi3-entry', { cluster: 'fi3c', principalArn: `arn:aws:iam::${ROOT}:role/fi3`, kubernetesGroups: ['cluster-admins'] }),
    ]);
    const t = one('iam:UpdateAssumeRolePolicy');
    assert.deepEqual(parsed((t['before'] as Detail)['trustPolicy']), trust({ Service: 'training.gatehouse.dev' }));
    assert.deepEqual(parsed((t['after'] as Detail)['trustPolicy']), trust({ AWS: '*' }));

    const put = one('iam:PutRolePolicy');
    assert.equal((put['before'] as Detail)['policyName'], 'keep');
    assert.deepEqual(parsed((put['before'] as Detail)['policyDocument']), pol('s3:GetObject'));
    assert.deepEqual(parsed((put['after'] as Detail)['policyDocument']), pol('*'));
    const del = one('iam:DeleteRolePolicy');
    assert.deepEqual(parsed((del['before'] as Detail)['policyDocument']), pol('s3:ListBucket'));
    assert.equal(del['after'], null);

    const mp = `arn:aws:iam::${ROOT}:policy/fi3-mp`;
    const detach = one('iam:DetachRolePolicy');
    assert.deepEqual(detach['before'], { attachedPolicies: [mp] });
    assert.deepEqual(detach['after'], { attachedPolicies: [] });

    const version = one('iam:CreatePolicyVersion');
    assert.deepEqual(parsed(((version['before'] as Detail)['defaultVersion'] as Detail)['document']), pol('s3:GetObject'));
    assert.deepEqual(parsed(((version['after'] as Detail)['defaultVersion'] as Detail)['document']), pol('s3:*'));

    const tag = one('iam:TagUser');
    assert.deepEqual(tag['before'], { tags: [{ key: 'team', value: 'a' }] });
    assert.deepEqual(tag['after'], { tags: [{ key: 'team', value: 'b' }] });
    assert.deepEqual(one('iam:AddUserToGroup')['after'], { groups: ['fi3-g'] });
    assert.deepEqual(one('iam:AddUserToGroup')['before'], { groups: [] });
    assert.deepEqual(one('iam:PutUserPermissionsBoundary'), { ...one('iam:PutUserPermissionsBoundary'), before: { permissionsBoundary: null }, after: { permissionsBoundary: mp } });

    const rp = one('gatehouse:PutResourcePolicy');
    assert.deepEqual(parsed((rp['before'] as Detail)['document']), bucketPolicy('s3:GetObject'));
    assert.deepEqual(parsed((rp['after'] as Detail)['document']), bucketPolicy('s3:*'));

    const entry = one('training:UpdateAccessEntry');
    assert.deepEqual((entry['before'] as Detail)['kubernetesGroups'], ['viewers']);
    assert.deepEqual((entry['after'] as Detail)['kubernetesGroups'], ['cluster-admins']);
  });

  it('a deletion by --prune: before the entity, after null', async () => {
    records = await apply(
      [
        doc('Policy', 'fi3-mp', { document: pol('s3:*') }),
        doc('Role', 'fi3', { trustPolicy: trust({ AWS: '*' }), inlinePolicies: { keep: pol('*') }, policies: [] }),
        doc('Group', 'fi3-g', {}),
        doc('User', 'fi3-u', { tags: { team: 'b' }, groups: ['fi3-g'], permissionsBoundary: 'fi3-mp' }),
        doc('User', 'admin', { policies: ['arn:aws:iam::aws:policy/AdministratorAccess'] }),
      ],
      true,
    );
    const gone = one('iam:DeleteUser');
    assert.equal((gone['before'] as Detail)['name'], 'fi3-old');
    assert.equal(gone['after'], null);
  });
});
