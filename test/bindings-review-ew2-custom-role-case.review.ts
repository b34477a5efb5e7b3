/**
 * Review ew, 2: custom roles (`kind: IamRole`) are stored, bound and decided by their exact id — `Reader` and `reader`
 * are two roles (`iamrole/<account>/<id>`, `accounts/<account>/roles/<id>`, as GCP's role ids, `[a-zA-Z0-9_.]{3,64}`)
 * — but `gatehouse apply` compared their ids without case, as it compares IAM names. So `apply --prune` of files that
 * define `Reader` kept the stored `reader` the files no longer name, and with it every binding of it
 * (`roles/…reader` kept granting `ml.models.get`), where prune deletes what no document names and a deleted custom
 * role's bindings go with it (GCP iam.roles.delete; review ai, 3); and one apply could not hold both roles
 * ("defined twice"). IamRole ids now compare exactly in apply, as Kubernetes RBAC names do (review ce, 3).
 * Before the fix both tests failed. Real server, `POST /v1/apply` and `/v1/authorize`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const MODEL = `arn:aws:training::${A}:model/m`;
let server: TestServer;

const api = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, server.admin, method, path, body);
const doc = (kind: string, name: string, spec: unknown) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const apply = (documents: unknown[], prune = false) => api('POST', '/v1/apply', { documents, prune });
const dorasGet = async () => (await api('POST', '/v1/authorize', { principal: `arn:aws:iam::${A}:user/dora`, action: 'training:GetModel', resource: MODEL })).json['decision'];

before(async () => {
  server = await startTestServer();
  const r = await apply([doc('User', 'dora', {})]);
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
after(async () => {
  await server?.stop();
});

test('apply --prune of files defining `Reader` deletes the stored `reader`, and its binding stops granting', async () => {
  let r = await apply([doc('IamRole', 'reader', { permissions: ['ml.models.get'] }), doc('IamPolicy', 'm', { resource: MODEL, bindings: [{ role: `accounts/${A}/roles/reader`, members: ['user:dora'] }] })]);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(await dorasGet(), 'Allow');

  r = await apply([doc('IamRole', 'Reader', { permissions: ['ml.models.list'] })], true);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const changes = r.json['changes'] as { action: string; kind: string; name: string }[];
  assert.deepEqual(changes.filter((c) => c.kind === 'IamRole').map((c) => `${c.action} ${c.name}`).sort(), ['create Reader', 'delete reader']);
  const policy = (await api('GET', `/v1/iam-policies?resource=${encodeURIComponent(MODEL)}`)).json;
  assert.deepEqual(policy['bindings'], [], 'the binding of the deleted role went with it');
  assert.equal(await dorasGet(), 'ImplicitDeny');
});

test('one apply may define `trainer` and `Trainer`, two roles as they are stored', async () => {
  const r = await apply([doc('IamRole', 'trainer', { permissions: ['ml.jobs.get'] }), doc('IamRole', 'Trainer', { permissions: ['ml.jobs.list'] })]);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const created = (r.json['changes'] as { action: string; name: string }[]).map((c) => `${c.action} ${c.name}`).sort();
  assert.deepEqual(created, ['create Trainer', 'create trainer']);
});
