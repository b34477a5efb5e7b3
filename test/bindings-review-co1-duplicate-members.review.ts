/**
 * Helper co, 1: a binding that lists a member twice (`members: [user:ann, user:ann]`) was stored and answered as
 * written. GCP never holds such a binding: Cloud Storage's setIamPolicy refuses it ("The member … is listed more than
 * once in the role"), and the client libraries keep members as a set because the API errs on a repeat. A repeat is
 * most often a slip for another member (the copy was meant to be `user:anna`), which then went unnoticed: it granted
 * nothing more, and GET showed the repeat back. Now every write refuses it, naming the repeat and where the member
 * was first: PUT /v1/iam-policies (BINDINGS_INVALID_MEMBER at `bindings[i].members[j]`) and `gatehouse apply` (the
 * file, line and column). The same member in two bindings (two roles, or two conditions) stays valid.
 * Real server, SigV4-signed /v1/ calls, the CLI's program in this process (test/support/gatehouse-cli.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { keysOf } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ACCT = '000000000000';
const MODEL = `arn:aws:training::${ACCT}:model/co1`;

let server: TestServer;
let home: string;

before(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'co1-'));
  await server.iam().send(new I.CreateUserCommand({ UserName: 'ann' }));
  await server.iam().send(new I.CreateUserCommand({ UserName: 'anna' }));
});
after(async () => {
  if (server) await server.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

type Detail = { code: string; path: string; message: string };
const details = (json: Record<string, unknown>): Detail[] => (json['error'] as { details: Detail[] }).details;

test('PUT /v1/iam-policies refuses a member listed twice in one binding, at the repeat', async () => {
  const r = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', {
    resource: MODEL,
    bindings: [
      { role: 'roles/ml.viewer', members: ['user:ann'] },
      { role: 'roles/ml.developer', members: ['user:ann', 'user:anna', 'user:ann'] },
    ],
  });
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const d = details(r.json);
  assert.deepEqual(d.map((x) => [x.code, x.path]), [['BINDINGS_INVALID_MEMBER', 'bindings[1].members[2]']], JSON.stringify(d));
  assert.match(d[0]?.message ?? '', /`user:ann` is listed more than once in this binding \(first at `members\[0\]`\)/);
  const got = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(MODEL)}`);
  assert.deepEqual(got.json['bindings'], [], 'nothing was written');

  // The same member in two bindings, or once in each: valid, and stored as written.
  const fine = [
    { role: 'roles/ml.viewer', members: ['user:ann'] },
    { role: 'roles/ml.developer', members: ['user:ann', 'user:anna'] },
  ];
  const ok = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: MODEL, bindings: fine });
  assert.equal(ok.status, 200, JSON.stringify(ok.json));
  assert.deepEqual(ok.json['bindings'], fine);
});

test('gatehouse apply refuses it by the file, line and column of the repeat', async () => {
  const resource = `${MODEL}-apply`;
  const lines = [
    'apiVersion: gatehouse.dev/v1',
    'kind: IamPolicy',
    'metadata: {name: co1}',
    'spec:',
    `  resource: ${resource}`,
    '  bindings:',
    '    - role: roles/ml.developer',
    '      members:',
    '        - user:ann',
    '        - user:ann',
    '',
  ];
  const file = join(home, 'repeat.yaml');
  await writeFile(file, lines.join('\n'));
  const who = keysOf({ AccessKeyId: server.admin.accessKeyId, SecretAccessKey: server.admin.secretAccessKey });
  const r = await gatehouseCliInProcess(['apply', '-f', file], who, { endpoint: server.url, home });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /repeat\.yaml:10:11: .*spec\.bindings\[0\]\.members\[1\]: member `user:ann` is listed more than once.*\[BINDINGS_INVALID_MEMBER\]/, r.stderr);
  const got = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(resource)}`);
  assert.deepEqual(got.json['bindings'], [], 'nothing was written');

  // The slip corrected, the same file applies.
  await writeFile(file, [...lines.slice(0, 9), '        - user:anna', ''].join('\n'));
  const ok = await gatehouseCliInProcess(['apply', '-f', file], who, { endpoint: server.url, home });
  assert.equal(ok.code, 0, ok.stderr);
});
