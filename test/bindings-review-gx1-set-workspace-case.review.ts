/**
 * Review gx, 1: the read-modify-write loop of `gatehouse iam-policy` (`get --json > p.json`, edit, `set --file p.json`,
 * as `gcloud … get-iam-policy` / `set-iam-policy`) failed for a workspace named in another case than its own. `get
 * workspace/ML --json` answers the policy of the workspace `ml` as `resource: workspace/ml` (the stored name, review fv,
 * 7), and `set workspace/ML --file p.json` then refused the file it had just written — "it is the policy of
 * `workspace/ml`, not of `workspace/ML`" — before sending anything, though both name the one workspace (the store finds
 * a workspace whatever the case, and `PUT /v1/iam-policies` takes `workspace/ML` as `workspace/ml`). Now a file's
 * `workspace/<name>` matches the command line's without regard to case; another workspace, or an ARN in another case
 * (IAM matches ARNs with case), is still refused.
 * Real server; the CLI run in-process against it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let dir: string;

before(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'gh-gx1-'));
  await server.iam().send(new I.CreateUserCommand({ UserName: 'dora' }));
  await server.iam().send(new I.CreateUserCommand({ UserName: 'eve' }));
  for (const ws of ['ml', 'other']) {
    const r = await gatehouseJson(server.url, server.admin, 'PUT', `/v1/workspaces/${ws}`, { members: [{ user: 'dora' }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  }
  const p = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: 'workspace/ml', bindings: [{ role: 'roles/ml.developer', members: ['user:dora'] }] });
  assert.equal(p.status, 200, JSON.stringify(p.json));
});
after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('`get workspace/ML --json`, edited, goes back through `set workspace/ML --file`', async () => {
  const got = await cliAgainst(server, ['iam-policy', 'get', 'workspace/ML', '--json']);
  assert.equal(got.status, 0, got.err);
  const policy = JSON.parse(got.out) as { resource: string; bindings: { role: string; members: string[] }[] };
  assert.equal(policy.resource, 'workspace/ml');
  policy.bindings[0]?.members.push('user:eve');
  const file = join(dir, 'ml.json');
  await writeFile(file, JSON.stringify(policy));
  const set = await cliAgainst(server, ['iam-policy', 'set', 'workspace/ML', '--file', file]);
  assert.equal(set.status, 0, set.err);
  const read = await gatehouseJson(server.url, server.admin, 'GET', '/v1/iam-policies?resource=workspace/ml');
  assert.deepEqual(read.json['bindings'], [{ role: 'roles/ml.developer', members: ['user:dora', 'user:eve'] }]);
});

test('a file of another workspace, or of an ARN spelt in another case, is still refused', async () => {
  const file = join(dir, 'other.json');
  await writeFile(file, JSON.stringify({ resource: 'workspace/other', bindings: [{ role: 'roles/ml.viewer', members: ['user:eve'] }] }));
  const set = await cliAgainst(server, ['iam-policy', 'set', 'workspace/ML', '--file', file]);
  assert.notEqual(set.status, 0);
  assert.match(set.err, /it is the policy of `workspace\/other`, not of `workspace\/ML`/);
  const arn = join(dir, 'arn.json');
  await writeFile(arn, JSON.stringify({ resource: 'arn:aws:training::000000000000:model/M', bindings: [{ role: 'roles/ml.viewer', members: ['user:eve'] }] }));
  const byArn = await cliAgainst(server, ['iam-policy', 'set', 'arn:aws:training::000000000000:model/m', '--file', arn]);
  assert.notEqual(byArn.status, 0);
  assert.match(byArn.err, /it is the policy of `arn:aws:training::000000000000:model\/M`/);
});
