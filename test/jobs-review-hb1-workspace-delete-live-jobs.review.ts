/**
 * Review hb, finding 1: deleting a workspace (`DELETE /v1/workspaces/{name}`, `gatehouse apply --prune`) while jobs of
 * it were still live answered 204 and left them running: Queued or Running, their credentials URI and container
 * endpoint still issuing sessions (a default-role job's session policy names the deleted workspace's bucket), listed
 * under a workspace that no longer exists, and a workspace created again under the name found them as its own. An
 * admin who deleted a team's workspace was not told that its jobs ran on. Now the deletion is refused with
 * DeleteConflict (409), as IAM refuses deleting a role still in use, naming the live jobs and how to stop them; once
 * they have ended the workspace is deleted.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;

async function submit(workspace: string): Promise<string> {
  const submitted = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace, role: 'none', imds: false });
  assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
  return String((submitted.json['job'] as { id: string }).id);
}

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

describe('review hb1: a workspace with live jobs is not deleted from under them', () => {
  test('DELETE /v1/workspaces/{name} is refused with DeleteConflict naming the live job, and succeeds once it is stopped', async () => {
    const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/team-a', { members: [{ user: 'admin' }] });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
    const id = await submit('team-a');
    // Named in another case: the stored workspace, whose job this is.
    const refused = await gatehouseJson(server.url, server.admin, 'DELETE', '/v1/workspaces/Team-A');
    assert.equal(refused.status, 409, JSON.stringify(refused.json));
    const error = refused.json['error'] as { code?: string; message?: string };
    assert.equal(error.code, 'DeleteConflict', JSON.stringify(refused.json));
    assert.match(String(error.message), new RegExp(id), JSON.stringify(refused.json));
    assert.match(String(error.message), /jobs stop/, JSON.stringify(refused.json));
    const still = await gatehouseJson(server.url, server.admin, 'GET', '/v1/workspaces/team-a');
    assert.equal(still.status, 200, JSON.stringify(still.json));

    const stopped = await gatehouseJson(server.url, server.admin, 'POST', `/v1/jobs/${id}/stop`, {});
    assert.equal(stopped.status, 200, JSON.stringify(stopped.json));
    const gone = await gatehouseJson(server.url, server.admin, 'DELETE', '/v1/workspaces/team-a');
    assert.equal(gone.status, 204, JSON.stringify(gone.json));
  });

  test('a live job of another workspace does not hold this one', async () => {
    for (const n of ['team-b', 'team-c']) {
      const ws = await gatehouseJson(server.url, server.admin, 'PUT', `/v1/workspaces/${n}`, { members: [{ user: 'admin' }] });
      assert.equal(ws.status, 200, JSON.stringify(ws.json));
    }
    await submit('team-c');
    const gone = await gatehouseJson(server.url, server.admin, 'DELETE', '/v1/workspaces/team-b');
    assert.equal(gone.status, 204, JSON.stringify(gone.json));
  });

  test('`apply --prune` deleting a workspace with a live job is refused, and nothing changes', async () => {
    const workspace = (name: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'Workspace', metadata: { name }, spec: { members: [{ user: 'admin' }] } });
    const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [workspace('team-d'), workspace('team-e')] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const id = await submit('team-d');
    for (const dryRun of [true, false]) {
      const pruned = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [workspace('team-e')], prune: true, dryRun });
      assert.equal(pruned.status, 409, JSON.stringify(pruned.json));
      const text = JSON.stringify(pruned.json);
      assert.ok(text.includes('team-d') && text.includes(`has 1 live job (${id})`) && text.includes('DELETE_CONFLICT'), text);
    }
    const still = await gatehouseJson(server.url, server.admin, 'GET', '/v1/workspaces/team-d');
    assert.equal(still.status, 200, JSON.stringify(still.json));
  });
});
