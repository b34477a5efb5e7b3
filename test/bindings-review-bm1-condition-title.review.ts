/**
 * Helper bm, 1: a binding's condition is GCP's `google.type.Expr`, whose `title` IAM Conditions require ("The
 * condition's title is required, but the description is optional", cloud.google.com/iam/docs/conditions-overview);
 * Gatehouse stored a condition without one, which GCP tools could not write back and which every decision's reason
 * then named by its bare expression. Now every write refuses it, naming where: PUT /v1/iam-policies
 * (BINDINGS_MISSING_FIELD at `bindings[i].condition.title`) and `gatehouse apply` (the file, line and column of the
 * condition, and `spec.bindings[i].condition.title`); an empty or blank title counts as none, as proto3 reads it.
 * A policy stored before this, with an untitled condition, still loads and decides after a restart: only writing it
 * again needs the title.
 * Real server, SigV4-signed /v1/ calls, the CLI's program in this process (test/support/gatehouse-cli.ts), the SQLite store written directly.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { iamPolicyKey, type StoredIamPolicy } from '../src/app/bindings.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { keysOf } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ACCT = '000000000000';
const MODEL = `arn:aws:training::${ACCT}:model/bm1`;
const ANN = `arn:aws:iam::${ACCT}:user/ann`;
const UNTIL = 'request.time < timestamp("2099-01-01T00:00:00Z")';

let server: TestServer;
let home: string;
const servers: TestServer[] = [];

before(async () => {
  server = await startTestServer({ keepDir: true });
  servers.push(server);
  home = await mkdtemp(join(tmpdir(), 'bm1-'));
  await server.iam().send(new I.CreateUserCommand({ UserName: 'ann' }));
});
after(async () => {
  for (const s of servers) await s.stop();
  if (server) await rm(server.dataDir, { recursive: true, force: true });
  if (home) await rm(home, { recursive: true, force: true });
});

type Detail = { code: string; path: string; message: string };
const details = (json: Record<string, unknown>): Detail[] => (json['error'] as { details: Detail[] }).details;

test('PUT /v1/iam-policies refuses a condition without a title, or with an empty one, at its path', async () => {
  for (const condition of [{ expression: UNTIL }, { title: '', expression: UNTIL }, { title: '  ', description: 'until 2099', expression: UNTIL }]) {
    const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', {
      resource: MODEL,
      bindings: [
        { role: 'roles/ml.viewer', members: ['user:ann'] },
        { role: 'roles/ml.developer', members: ['user:ann'], condition: { title: 'ok', expression: UNTIL } },
        { role: 'roles/ml.admin', members: ['user:ann'], condition },
      ],
    });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    const d = details(r.json);
    assert.deepEqual(d.map((x) => [x.code, x.path]), [['BINDINGS_MISSING_FIELD', 'bindings[2].condition.title']], JSON.stringify(d));
    assert.match(d[0]?.message ?? '', /`title`/);
  }
  const got = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(MODEL)}`);
  assert.deepEqual(got.json['bindings'], [], 'nothing was written');
});

test('gatehouse apply refuses it by the file, line and column of the condition', async () => {
  const lines = [
    'apiVersion: gatehouse.dev/v1',
    'kind: IamPolicy',
    'metadata: {name: bm1}',
    'spec:',
    `  resource: ${MODEL}`,
    '  bindings:',
    '    - role: roles/ml.viewer',
    '      members: ["user:ann"]',
    '    - role: roles/ml.developer',
    '      members: ["user:ann"]',
    '      condition:',
    `        expression: '${UNTIL}'`,
    '',
  ];
  const file = join(home, 'untitled.yaml');
  await writeFile(file, lines.join('\n'));
  const who = keysOf({ AccessKeyId: server.admin.accessKeyId, SecretAccessKey: server.admin.secretAccessKey });
  const r = await gatehouseCliInProcess(['apply', '-f', file], who, { endpoint: server.url, home });
  assert.equal(r.code, 3, r.stderr);
  // Line 11 is `condition:`, the map the title is missing from.
  assert.match(r.stderr, /untitled\.yaml:11:7: .*spec\.bindings\[1\]\.condition\.title: .*`title`.*\[BINDINGS_MISSING_FIELD\]/, r.stderr);
  // `iam-policy set` with the same document: refused at the path.
  const set = await gatehouseCliInProcess(['iam-policy', 'set', MODEL, '--file', file], who, { endpoint: server.url, home });
  assert.equal(set.code, 3, set.stderr);
  assert.match(set.stderr, /bindings\[1\]\.condition\.title/, set.stderr);
  const got = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(MODEL)}`);
  assert.deepEqual(got.json['bindings'], [], 'nothing was written');

  // With a title the same file applies.
  await writeFile(file, [...lines.slice(0, 11), '        title: until 2099', ...lines.slice(11)].join('\n'));
  const ok = await gatehouseCliInProcess(['apply', '-f', file], who, { endpoint: server.url, home });
  assert.equal(ok.code, 0, ok.stderr);
});

test('a policy stored with an untitled condition still loads and decides after a restart; writing it again needs a title', async () => {
  const resource = `arn:aws:training::${ACCT}:model/bm1-stored`;
  const set = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource, bindings: [{ role: 'roles/ml.viewer', members: ['user:ann'], condition: { title: 'until 2099', expression: UNTIL } }] });
  assert.equal(set.status, 200, JSON.stringify(set.json));
  await server.stopServer();

  // What a policy written before titles were required looks like in the store: the same, without the title.
  const store = await openSqliteStore({ dataDir: server.dataDir });
  try {
    await store.write(async (tx) => {
      const key = iamPolicyKey(ACCT, resource);
      const text = await tx.kv.get(key);
      assert.ok(text !== undefined, 'the policy is stored');
      const stored = JSON.parse(text) as StoredIamPolicy;
      await tx.kv.put(key, JSON.stringify({ ...stored, bindings: stored.bindings.map((b) => ({ ...b, condition: { expression: b.condition?.expression ?? '' } })) }));
    });
  } finally {
    await store.close();
  }

  const again = await startTestServer({ dataDir: server.dataDir, keepDir: true });
  servers.push(again);
  const ask = await gatehouseJson(again.url, again.admin, 'POST', '/v1/authorize', { principal: ANN, action: 'training:GetModel', resource });
  assert.equal(ask.status, 200, JSON.stringify(ask.json));
  assert.equal(ask.json['decision'], 'Allow', JSON.stringify(ask.json));
  const read = await gatehouseJson(again.url, again.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`);
  assert.equal(read.status, 200, JSON.stringify(read.json));
  assert.deepEqual(read.json['bindings'], [{ role: 'roles/ml.viewer', members: ['user:ann'], condition: { expression: UNTIL } }]);
  assert.ok(!again.logs.some((l) => /iam polic|bindings/i.test(l) && /fail|error|invalid/i.test(l)), again.logs.join('\n'));

  // Written back as read, it is refused; with a title, accepted.
  const back = await gatehouseJson(again.url, again.admin, 'PUT', '/v1/iam-policies', { resource, bindings: read.json['bindings'], etag: read.json['etag'] });
  assert.equal(back.status, 400, JSON.stringify(back.json));
  assert.deepEqual(details(back.json).map((x) => [x.code, x.path]), [['BINDINGS_MISSING_FIELD', 'bindings[0].condition.title']]);
  const titled = await gatehouseJson(again.url, again.admin, 'PUT', '/v1/iam-policies', { resource, bindings: [{ role: 'roles/ml.viewer', members: ['user:ann'], condition: { title: 'until 2099', expression: UNTIL } }], etag: read.json['etag'] });
  assert.equal(titled.status, 200, JSON.stringify(titled.json));
});
