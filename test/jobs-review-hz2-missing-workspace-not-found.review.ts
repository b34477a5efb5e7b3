/**
 * Review hz, finding 2: `gatehouse jobs run --workspace <a name no workspace has>`, by a caller allowed
 * training:CreateJob there (so told that it does not exist, review ag, 4), exited 9, the status of "not authenticated or
 * not authorized", and POST /v1/jobs answered 403 AccessDenied. docs/errors.md gives a named entity that does not exist
 * status 6 (`NO_SUCH_ENTITY`, 404), as `clusters run-node --cluster <no such cluster>` and `workspaces get` answer: a
 * script could not tell a typo in the workspace's name from a missing permission. The absence is now NO_SUCH_ENTITY,
 * with the same message; a caller not allowed to submit there still gets the same refusal whether it exists or not.
 *
 * The CLI in process against a real server.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { gatehouseJson } from './support/resource-server.ts';
import type { TestServer } from './support/server.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-hz2-'));
});
after(async () => stop?.());

test('hz2: jobs run in a workspace that does not exist exits 6 (NoSuchEntity), as run-node of a cluster that does not', async () => {
  const r = await gatehouseCliInProcess(['jobs', 'run', '--workspace', 'no-such-ws', '--role', 'none', '--', process.execPath, '-e', '0'], server.admin, { endpoint: server.url, home });
  assert.match(r.stderr, /workspace no-such-ws does not exist in account 000000000000/);
  assert.equal(r.code, 6, `exit ${r.code}: ${r.stderr}`);

  const api = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'no-such-ws', role: 'none', imds: false });
  assert.equal(api.status, 404, JSON.stringify(api.json));
  assert.equal((api.json['error'] as { code?: string } | undefined)?.code, 'NoSuchEntity', JSON.stringify(api.json));

  // The sibling command says the same of its own missing entity.
  const node = await gatehouseCliInProcess(['clusters', 'run-node', '--cluster', 'no-such-cluster', '--', process.execPath, '-e', '0'], server.admin, { endpoint: server.url, home });
  assert.equal(node.code, 6, `exit ${node.code}: ${node.stderr}`);

  // And the help of each says so among the statuses before anything runs.
  const help = await gatehouseCliInProcess(['jobs', 'run', '--help'], server.admin, { endpoint: server.url, home });
  assert.match(help.stdout.replace(/\s+/g, ' '), /6 a workspace that does not exist/);
  const nodeHelp = await gatehouseCliInProcess(['clusters', 'run-node', '--help'], server.admin, { endpoint: server.url, home });
  assert.match(nodeHelp.stdout.replace(/\s+/g, ' '), /6 a cluster or compute config that does not exist/);
});
