/**
 * Review hi, 1 (found by review hf): the Kubernetes RBAC compiled beside the directory was reloaded only when the
 * change head moved forward (`app.live.head <= head` returned early). A database restored from a backup while the
 * servers ran puts the head back: the directory, bindings and resource policies reload in full then, but the RBAC
 * kept what it had compiled from the later state until the head passed its old value again. A ClusterRoleBinding
 * the restore took away went on allowing, on every instance, for as long as that took. Now a head that moved back
 * reloads the RBAC in full too.
 *
 * A real server on 127.0.0.1 (SQLite); the restore is made with a second connection to its database file: the
 * binding's row and the changes after the backup removed, the head put back.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SQLITE_FILE_NAME } from '../src/adapters/store-sqlite/store.ts';
import { ciSessionOnK1, type CiSession } from './support/kube-session.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ALLOW_ALL = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });

describe('review hi1: a restore that takes a ClusterRoleBinding away takes its grant away', () => {
  let s: TestServer;
  let ci: CiSession;
  before(async () => {
    s = await startTestServer();
    ci = await ciSessionOnK1(s, () => ALLOW_ALL);
  });
  after(async () => {
    await s?.stop();
  });

  it('the head put back: the RBAC is compiled again from what the database holds', async () => {
    const pods = { verb: 'get', resource: 'pods', namespace: 'default', name: 'p', version: 'v1' };
    assert.equal((await ci.review(pods))['allowed'], true, 'the binding grants before the restore');
    await s.running.app.refresh();
    const db = new DatabaseSync(join(s.dataDir, SQLITE_FILE_NAME));
    try {
      db.exec('PRAGMA busy_timeout = 5000');
      const rows = db.prepare("SELECT kv_key FROM kv WHERE kv_key LIKE 'k8s/%' AND kv_key LIKE '%ci-reader%'").all();
      assert.equal(rows.length, 1, `the binding's row: ${JSON.stringify(rows)}`);
      const key = String(rows[0]?.['kv_key']);
      // The backup: taken just before the binding was written.
      const written = Number((db.prepare('SELECT max(seq) AS seq FROM changes WHERE entity_key = ?').get(key) as { seq: number }).seq);
      const back = written - 1;
      assert.ok(back < s.running.app.live.head, 'the head goes back from where the server stands');
      db.exec('BEGIN');
      db.prepare('DELETE FROM kv WHERE kv_key = ?').run(key);
      db.prepare('DELETE FROM changes WHERE seq > ?').run(back);
      db.prepare('UPDATE change_head SET seq = ? WHERE id = 1').run(back);
      db.exec('COMMIT');
    } finally {
      db.close();
    }
    await s.running.app.refresh();
    const answer = await ci.review(pods);
    assert.equal(answer['allowed'], false, `the binding the restore took away still grants: ${JSON.stringify(answer)}`);
  });
});
