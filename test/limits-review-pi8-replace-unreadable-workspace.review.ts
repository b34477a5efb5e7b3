/**
 * Review pi, 8: reviews pi1, pi2 and pi6 made a workspace's or cluster's record that is not the JSON the server wrote
 * (a database restored or edited by hand, a truncated write) fail closed at load "until it is replaced or removed", but
 * the writes that replace one read the old record unguarded: `gatehouse apply` of the Workspace or Cluster document
 * answered `InternalFailure` (exit 70), `PUT /v1/clusters/<name>` 500, and so did a job submitted to the workspace: only
 * a hand edit of the database could bring them back. DESIGN.md: workspaces and clusters are defined "as YAML applied
 * like kubectl apply"; review-common: errors name what is wrong, bad input changes nothing. Now such a record reads as
 * none (said once in the log): a submission to it is refused as to no workspace (it fails closed), and apply or PUT
 * replaces it, after which it serves again.
 * Real server restarted on its data dir; the real CLI in process and the admin API as it calls it.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { restartAfterEdit, stopRestarted } from './support/edited-store.ts';

const WS_DOC = `apiVersion: gatehouse.dev/v1
kind: Workspace
metadata: {name: pi8ws}
spec: {members: [{user: admin}]}
`;
let first: TestServer;
let server: TestServer;
let conn: Connection;

const submit = () => call<{ job: { id: string } }>(conn, 'POST', ['jobs'], { body: { workspace: 'pi8ws', role: 'none', imds: false } });

before(async () => {
  first = await startTestServer({ keepDir: true });
  const file = join(first.dataDir, 'pi8.yaml');
  await writeFile(file, `${WS_DOC}---\napiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata: {name: pi8c}\nspec: {}\n`);
  const r = await cliAgainst(first, ['apply', '-f', file]);
  assert.equal(r.status, 0, r.err);
  server = await restartAfterEdit(first, async (tx) => {
    await tx.kv.put('ws/000000000000/pi8ws', '{"account":"0000');
    await tx.kv.put('cluster/000000000000/pi8c', 'not json');
  });
  conn = connectionTo(server.url, server.admin);
});

after(() => stopRestarted(first, server));

describe('review pi8: replacing an unreadable workspace or cluster record', () => {
  it('a job submitted to the unreadable workspace is refused as to no workspace, not a 500', async () => {
    const r = await submit();
    assert.equal(r.ok, false);
    assert.ok(!r.ok && r.httpStatus >= 400 && r.httpStatus < 500, JSON.stringify(r));
  });

  it('apply of the Workspace document replaces it, and jobs are submitted to it again', async () => {
    const file = join(server.dataDir, 'pi8-ws.yaml');
    await writeFile(file, WS_DOC);
    const r = await cliAgainst(server, ['apply', '-f', file]);
    assert.equal(r.status, 0, `${r.out}${r.err}`);
    const job = await submit();
    assert.ok(job.ok, JSON.stringify(job));
  });

  it('PUT /v1/clusters replaces the unreadable cluster record', async () => {
    const put = await call<{ name: string }>(conn, 'PUT', ['clusters', 'pi8c'], { body: {} });
    assert.ok(put.ok, JSON.stringify(put));
    const got = await call<{ name: string }>(conn, 'GET', ['clusters', 'pi8c']);
    assert.ok(got.ok, JSON.stringify(got));
    assert.equal(got.value.name, 'pi8c');
  });
});
