/**
 * Review ew, 1: `gatehouse iam-policy set RESOURCE --file F` dropped whose policy the file holds before sending it. A
 * `kind: IamPolicy` document's `metadata.account`, and the `account` that `iam-policy get --json` prints, never reached
 * `PUT /v1/iam-policies`, which takes `account` and refuses one that is not the policy's (review ai, 5). So a document
 * of account B's `workspace/ml` — the one `gatehouse apply` puts on B's workspace — set by the root admin landed on the
 * root account's own workspace `ml`, and the CLI answered "IAM policy of workspace/ml set": a grant (here
 * `roles/ml.developer`) written to a resource the file did not name (DESIGN.md "YAML documents": `metadata.account`
 * says the account; "GCP-style names": `workspace/<name>` is the account's workspace). The CLI now sends `account`;
 * the server refuses a mismatch, and the refusal points at `metadata.account` (or `account`) in the file.
 * Before the fix both tests failed (exit 0, the policy written to the root account's workspace).
 * Real server; the CLI run in-process against it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';

const B = '123456789012';
let server: TestServer;

const api = (method: string, path: string, body?: unknown) => gatehouseJson(server.url, server.admin, method, path, body);
const doc = (kind: string, name: string, spec: unknown, account?: string) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name, ...(account !== undefined ? { account } : {}) }, spec });
const cli = (args: string[]) => gatehouseCliInProcess(args, server.admin, { endpoint: server.url, home: server.dataDir });
const rootWorkspacePolicy = async () => (await api('GET', '/v1/iam-policies?resource=workspace/ml')).json;

before(async () => {
  server = await startTestServer();
  // Two workspaces named `ml`: the root account's and account B's, each with a user `dora`.
  const r = await api('POST', '/v1/apply', {
    documents: [doc('Account', B, { partition: 'aws' }), doc('User', 'dora', {}), doc('Workspace', 'ml', { members: [] }), doc('User', 'dora', {}, B), doc('Workspace', 'ml', { members: [] }, B)],
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
});
after(async () => {
  await server?.stop();
});

test('a kind: IamPolicy document of another account is refused at its metadata.account, not written to the caller\'s workspace of that name', async () => {
  const file = join(server.dataDir, 'ml-devs.yaml');
  await writeFile(file, `apiVersion: gatehouse.dev/v1\nkind: IamPolicy\nmetadata:\n  name: ml-devs\n  account: "${B}"\nspec:\n  resource: workspace/ml\n  bindings:\n    - role: roles/ml.developer\n      members: [user:dora]\n`);
  const r = await cli(['iam-policy', 'set', 'workspace/ml', '--file', file]);
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(r.stderr, /ml-devs\.yaml:5:3: metadata\.account: .*belongs to account 000000000000, not `123456789012`/);
  assert.deepEqual((await rootWorkspacePolicy())['bindings'], [], 'the root account\'s workspace got no binding');

  // A document of the caller's own account still sets its policy.
  await writeFile(file, `apiVersion: gatehouse.dev/v1\nkind: IamPolicy\nmetadata:\n  name: ml-devs\n  account: "000000000000"\nspec:\n  resource: workspace/ml\n  bindings:\n    - role: roles/ml.viewer\n      members: [user:dora]\n`);
  const own = await cli(['iam-policy', 'set', 'workspace/ml', '--file', file]);
  assert.equal(own.code, 0, own.stderr);
  assert.deepEqual((await rootWorkspacePolicy())['bindings'], [{ role: 'roles/ml.viewer', members: ['user:dora'] }]);
  await api('PUT', '/v1/iam-policies', { resource: 'workspace/ml', bindings: [] });
});

test('what `get --json` printed for another account (its `account`) is refused at `account`, not written here', async () => {
  const file = join(server.dataDir, 'p.json');
  await writeFile(file, JSON.stringify({ resource: 'workspace/ml', account: B, version: 1, bindings: [{ role: 'roles/ml.admin', members: ['user:dora'] }] }, null, 2));
  const r = await cli(['iam-policy', 'set', 'workspace/ml', '--file', file]);
  assert.notEqual(r.code, 0, r.stdout);
  assert.match(r.stderr, /p\.json:\d+:\d+: account: .*not `123456789012`/);
  assert.deepEqual((await rootWorkspacePolicy())['bindings'], []);
});
