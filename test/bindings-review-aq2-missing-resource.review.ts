/**
 * Review aq, 2: an IAM policy was stored on what Gatehouse knows does not exist — an account (`account/111111111111`),
 * a workspace (`workspace/<name>` or its ARN), an IAM user, group or role ARN — and on an IAM role by an ARN other
 * than its own (`role/trainer` for the role of path `/team/`). Each granted nothing now, silently (a typo in the id or
 * name went unnoticed, where a mistyped member is refused), and, on a name, granted whatever later took it: a binding of
 * `allAuthenticatedUsers` on `account/111111111111` opened every resource of that account to everyone the moment it was
 * created, and `roles/iam.serviceAccountUser` on a future role let its members pass it — what deleting a workspace or a
 * principal takes its policies away to prevent. GCP's setIamPolicy answers NOT_FOUND for a resource that does not
 * exist. Now `PUT /v1/iam-policies` refuses them (404 NO_SUCH_ENTITY on `resource`) and `gatehouse apply` (on
 * `spec.resource`, unless the same apply creates it), and nothing is written; removing such a policy (no bindings)
 * stays possible, and ARNs Gatehouse does not hold (models, buckets) are not checked.
 * Real server, AWS SDK v3 IAM client, SigV4-signed /v1/ calls.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });
const VIEW = [{ role: 'roles/ml.viewer', members: ['user:ann'] }];

let server: TestServer;

before(async () => {
  server = await startTestServer();
  await server.iam().send(new I.CreateUserCommand({ UserName: 'ann' }));
  await server.iam().send(new I.CreateRoleCommand({ RoleName: 'trainer', Path: '/team/', AssumeRolePolicyDocument: TRUST }));
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/research', { members: [] });
  assert.ok(ws.status === 200 || ws.status === 201, JSON.stringify(ws.json));
});
after(async () => {
  await server?.stop();
});

type Detail = { code: string; path: string; message: string };
const put = (resource: string, bindings: unknown[] = VIEW) => gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource, bindings });
const listed = async (): Promise<string[]> => ((await gatehouseJson(server.url, server.admin, 'GET', '/v1/iam-policies')).json['iamPolicies'] as { resource: string }[]).map((p) => p.resource);

test('PUT refuses a policy on an account, workspace or IAM entity that does not exist, or on an IAM role by another ARN', async () => {
  const cases: [string, RegExp][] = [
    ['account/111111111111', /account 111111111111 does not exist/],
    ['workspace/reserach', /workspace `reserach` of account 000000000000 does not exist/],
    [`arn:aws:training::${A}:workspace/reserach`, /workspace `reserach` of account 000000000000 does not exist/],
    [`arn:aws:iam::${A}:role/future`, /role `future` of account 000000000000 does not exist/],
    [`arn:aws:iam::${A}:user/nobody`, /user `nobody` of account 000000000000 does not exist/],
    [`arn:aws:iam::${A}:group/nogroup`, /group `nogroup` of account 000000000000 does not exist/],
    [`arn:aws:iam::${A}:role/trainer`, /is not the ARN of role `trainer`, which is `arn:aws:iam::000000000000:role\/team\/trainer`/],
  ];
  for (const [resource, message] of cases) {
    // Review ra, 1: `allAuthenticatedUsers` is refused on any account now; a service account of account A is the member.
    const r = await put(resource, resource === 'account/111111111111' ? [{ role: 'roles/ml.viewer', members: [`serviceAccount:trainer@${A}.iam.gatehouse.dev`] }] : VIEW);
    assert.equal(r.status, 404, `${resource}: ${JSON.stringify(r.json)}`);
    const d = (r.json['error'] as { details: Detail[] }).details[0];
    assert.equal(d?.code, 'NO_SUCH_ENTITY', resource);
    assert.equal(d?.path, 'resource', resource);
    assert.match(d?.message ?? '', message, resource);
  }
  assert.deepEqual(await listed(), [], 'nothing was written');
});

test('what exists is accepted as before; removing a policy needs nothing to exist; other ARNs are not checked', async () => {
  // No role binds on a user's ARN (reviews qi, 2 and rj, 1): that the user exists is checked first (above).
  for (const resource of ['account/000000000000', 'workspace/Research', `arn:aws:training::${A}:workspace/research`, `arn:aws:iam::${A}:role/team/trainer`, `arn:aws:training::${A}:model/not-held-here`]) {
    // On a role (a service account), a role that can act on one (review fp, 1).
    const r = await put(resource, resource.includes(':role/') ? [{ role: 'roles/iam.serviceAccountUser', members: ['user:ann'] }] : VIEW);
    assert.equal(r.status, 200, `${resource}: ${JSON.stringify(r.json)}`);
  }
  assert.equal((await put('workspace/reserach', [])).status, 200);
});

test('apply refuses it on spec.resource, unless the same apply creates it', async () => {
  const doc = (name: string, resource: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name }, spec: { resource, bindings: resource.includes(':role/') ? [{ role: 'roles/iam.serviceAccountUser', members: ['user:ann'] }] : VIEW } });
  const refused = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc('p1', `arn:aws:iam::${A}:role/later`)] });
  assert.equal(refused.status, 404, JSON.stringify(refused.json));
  const d = (refused.json['error'] as { details: Detail[] }).details[0];
  assert.equal(d?.code, 'NO_SUCH_ENTITY');
  assert.match(d?.path ?? '', /spec\.resource$/);
  assert.match(d?.message ?? '', /role `later` of account 000000000000 does not exist/);
  const role = { apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'later' }, spec: { trustPolicy: JSON.parse(TRUST) } };
  const ws = { apiVersion: 'gatehouse.dev/v1', kind: 'Workspace', metadata: { name: 'fresh' }, spec: { members: [] } };
  const created = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [role, ws, doc('p1', `arn:aws:iam::${A}:role/later`), doc('p2', 'workspace/fresh')] });
  assert.equal(created.status, 200, JSON.stringify(created.json));
});
