/**
 * Review gx, 4: an optional field of a policy given as `null` was refused — `PUT /v1/iam-policies` with `"etag": null`
 * or `"version": null`, a condition's `"description": null`, and in YAML a key left blank (`etag:` in a file written
 * from a template, which YAML reads as null) — with "`etag` must be a string, got null". GCP's policy is a proto3
 * message, whose JSON mapping reads `null` as the field's default ("null is an accepted value for all field types and
 * treated as the default value"), and Gatehouse already read `condition: null` so; clients that write every field,
 * unset ones as null, could not set a policy at all. Now `etag`, `version`, and a condition's `title` and `description`
 * given as null are absent: no etag overwrites, no version is the latest, and a condition without a title is still
 * refused as one without a title (`BINDINGS_MISSING_FIELD`). `bindings: null` stays refused (read as empty, it would
 * remove every binding of the policy).
 * Real server, SigV4-signed /v1/ calls; the CLI run in-process for the YAML file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const MODEL = 'arn:aws:training::000000000000:model/gx4';
const CONDITION = { title: 'until 2099', expression: 'request.time < timestamp("2099-01-01T00:00:00Z")' };
let server: TestServer;
let dir: string;

before(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'gh-gx4-'));
  await server.iam().send(new I.CreateUserCommand({ UserName: 'dora' }));
});
after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const put = (body: Record<string, unknown>) => gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: MODEL, ...body });
const details = (json: Record<string, unknown>) => ((json['error'] as { details?: { code: string; path: string }[] } | undefined)?.details ?? []);

test('`etag`, `version` and a condition’s `description` given as null are absent', async () => {
  const r = await put({ etag: null, version: null, bindings: [{ role: 'roles/ml.viewer', members: ['user:dora'], condition: { ...CONDITION, description: null } }] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.deepEqual(r.json['bindings'], [{ role: 'roles/ml.viewer', members: ['user:dora'], condition: CONDITION }]);
  assert.equal(r.json['version'], 3);
});

test('a condition’s `title: null` is a missing title; `bindings: null` is still refused', async () => {
  const untitled = await put({ bindings: [{ role: 'roles/ml.viewer', members: ['user:dora'], condition: { ...CONDITION, title: null } }] });
  assert.equal(untitled.status, 400, JSON.stringify(untitled.json));
  assert.deepEqual(details(untitled.json).map((e) => [e.code, e.path]), [['BINDINGS_MISSING_FIELD', 'bindings[0].condition.title']]);
  const none = await put({ bindings: null });
  assert.equal(none.status, 400, JSON.stringify(none.json));
});

test('a YAML file with `etag:` left blank is set by `gatehouse iam-policy set`', async () => {
  const file = join(dir, 'p.yaml');
  await writeFile(file, `bindings:\n  - role: roles/ml.developer\n    members: ["user:dora"]\netag:\nversion:\n`);
  const r = await cliAgainst(server, ['iam-policy', 'set', MODEL, '--file', file]);
  assert.equal(r.status, 0, r.err);
  const read = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(MODEL)}`);
  assert.deepEqual(read.json['bindings'], [{ role: 'roles/ml.developer', members: ['user:dora'] }]);
});

test('apply takes `spec.etag: null` and `spec.version: null` as absent', async () => {
  const doc = { apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'gx4' }, spec: { resource: MODEL, etag: null, version: null, bindings: [{ role: 'roles/ml.viewer', members: ['user:dora'] }] } };
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [doc] });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
