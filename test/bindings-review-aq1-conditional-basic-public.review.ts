/**
 * Review aq, 1: a binding with a condition was accepted on a basic role (`roles/owner`, `roles/editor`,
 * `roles/viewer`) and for `allUsers` / `allAuthenticatedUsers`. GCP refuses both (conditions-overview: "You cannot use
 * conditions when you grant legacy basic roles … Also, you cannot use conditions when you grant roles to all users or
 * all authenticated users"; setIamPolicy answers INVALID_ARGUMENT), so such a policy could never be written back by
 * GCP tooling, and a reviewer reading "roles/owner if …" took a time-boxed grant for one GCP would enforce. Now each
 * door refuses it with BINDINGS_INVALID_CONDITION, naming the binding's `condition` (basic role) or the member
 * (`members[j]`), and nothing is written: `PUT /v1/iam-policies`, `gatehouse apply` (`spec.bindings[…]`) and
 * `gatehouse iam-policy set` (exit 3). The same bindings without a condition, and conditions on other roles and
 * members, are still accepted.
 * Real server, AWS SDK v3 IAM client, SigV4-signed /v1/ calls, the CLI's program in this process (test/support/gatehouse-cli.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { parseIamPolicy } from '../src/core/bindings/index.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const MODEL = 'arn:aws:training::000000000000:model/aq1';
const UNTIL = { title: 'until 2099', expression: 'request.time < timestamp("2099-01-01T00:00:00Z")' };

let server: TestServer;
let home: string;

before(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'aq1-'));
  await server.iam().send(new I.CreateUserCommand({ UserName: 'ann' }));
});
after(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

type Detail = { code: string; path: string; message: string };
const details = (json: Record<string, unknown>): Detail[] => (json['error'] as { details: Detail[] }).details;
const put = (bindings: unknown[]) => gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: MODEL, bindings });
const etag = async (): Promise<string> => (await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(MODEL)}`)).json['etag'] as string;

test('the engine: a condition on a basic role, or for allUsers/allAuthenticatedUsers, is refused at its path', () => {
  for (const role of ['roles/owner', 'roles/editor', 'roles/viewer']) {
    const r = parseIamPolicy({ bindings: [{ role, members: ['user:ann'], condition: UNTIL }] });
    assert.ok(!r.ok, role);
    assert.deepEqual(r.errors.map((e) => [e.code, e.path]), [['BINDINGS_INVALID_CONDITION', 'bindings[0].condition']], role);
    assert.match(r.errors[0]?.message ?? '', /basic role `roles\/\w+` cannot be granted under a condition/);
  }
  const r = parseIamPolicy({ bindings: [{ role: 'roles/ml.viewer', members: ['user:ann', 'allUsers', 'allAuthenticatedUsers'], condition: UNTIL }] }, { path: 'spec' });
  assert.ok(!r.ok);
  assert.deepEqual(r.errors.map((e) => [e.code, e.path]), [['BINDINGS_INVALID_CONDITION', 'spec.bindings[0].members[1]'], ['BINDINGS_INVALID_CONDITION', 'spec.bindings[0].members[2]']]);
  // Without a condition, or with one on other roles and members, they are as before.
  assert.ok(parseIamPolicy({ bindings: [{ role: 'roles/viewer', members: ['allUsers', 'allAuthenticatedUsers'] }, { role: 'roles/ml.viewer', members: ['user:ann'], condition: UNTIL }] }).ok);
});

test('PUT /v1/iam-policies refuses them, and nothing is written', async () => {
  const before = await etag();
  const basic = await put([{ role: 'roles/editor', members: ['user:ann'], condition: UNTIL }]);
  assert.equal(basic.status, 400, JSON.stringify(basic.json));
  assert.deepEqual(details(basic.json).map((d) => [d.code, d.path]), [['BINDINGS_INVALID_CONDITION', 'bindings[0].condition']]);
  const open = await put([{ role: 'roles/ml.viewer', members: ['user:ann'] }, { role: 'roles/ml.viewer', members: ['allAuthenticatedUsers'], condition: UNTIL }]);
  assert.equal(open.status, 400, JSON.stringify(open.json));
  assert.deepEqual(details(open.json).map((d) => [d.code, d.path]), [['BINDINGS_INVALID_CONDITION', 'bindings[1].members[0]']]);
  assert.equal(await etag(), before, 'nothing was written');
  const fine = await put([{ role: 'roles/viewer', members: ['allAuthenticatedUsers'] }, { role: 'roles/ml.developer', members: ['user:ann'], condition: UNTIL }]);
  assert.equal(fine.status, 200, JSON.stringify(fine.json));
});

test('apply refuses them at spec.bindings[…]', async () => {
  const before = await etag();
  const doc = { apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'aq1' }, spec: { resource: MODEL, bindings: [{ role: 'roles/owner', members: ['user:ann', 'allUsers'], condition: UNTIL }] } };
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc] });
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const got = details(r.json).map((d) => [d.code, d.path.replace(/^.*?(spec\.)/, '$1')]);
  // In the document's order (review ty, 1): `members` is written before `condition`.
  assert.deepEqual(got, [['BINDINGS_INVALID_CONDITION', 'spec.bindings[0].members[1]'], ['BINDINGS_INVALID_CONDITION', 'spec.bindings[0].condition']]);
  assert.equal(await etag(), before, 'nothing was written');
});

test('gatehouse iam-policy set refuses them (exit 3), naming the path', async () => {
  const before = await etag();
  const file = join(home, 'p.json');
  await writeFile(file, JSON.stringify({ bindings: [{ role: 'roles/viewer', members: ['user:ann'], condition: UNTIL }] }));
  const r = await gatehouseCliInProcess(['iam-policy', 'set', MODEL, '--file', file], server.admin, { endpoint: server.url, home });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /bindings\[0\]\.condition/);
  assert.match(r.stderr, /basic role `roles\/viewer` cannot be granted under a condition/);
  assert.equal(await etag(), before, 'nothing was written');
});
