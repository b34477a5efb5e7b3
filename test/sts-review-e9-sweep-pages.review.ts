/**
 * STS review E9: expired scoped-session records are deleted in pages, not in one write transaction
 * (src/app/session-scopes.ts `sweepOnce`). One transaction held the store's writer while it deleted every expired record:
 * 20,000 on SQLite took 1.4 s, and every other write waited as long (a burst of 100,000 one-hour sessions expiring
 * together, about 7 s), the audit log's writer among them, whose records must be written within 2 s or issuance and
 * changes stop. Now pages of 500: a write made meanwhile waits for one page (18 ms), not the sweep. Real SessionScopes
 * over a real SQLite store.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SESSION_SCOPE_PREFIX, SessionScopes } from '../src/app/session-scopes.ts';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store-sqlite/index.ts';

const EXPIRED = 5_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
let dir: string;
let store: SqliteStore;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-e9-'));
  store = await openSqliteStore({ dataDir: dir });
  await store.write(async (tx) => {
    for (let i = 0; i < EXPIRED; i++) {
      const record = { arn: `arn:aws:sts::000000000000:assumed-role/worker/s${i}`, account: '000000000000', partition: 'aws', role: { name: 'worker', path: '/', id: 'AROAWORKER' }, sessionName: `s${i}`, issued: T0, expires: T0 + 900_000 };
      await tx.kv.put(`${SESSION_SCOPE_PREFIX}${record.arn}/${i}`, JSON.stringify(record));
    }
  });
});
after(async () => {
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a write made while expired records are swept is not held until the sweep ends', async () => {
  let now = T0;
  const scopes = new SessionScopes({ store, now: () => now, randomBytes: (n) => new Uint8Array(n) });
  await store.read(async (tx) => scopes.load(tx, await tx.changes.head()));
  assert.equal(scopes.size, EXPIRED);
  now = T0 + 900_001;
  const order: string[] = [];
  const sweep = scopes.sweep().then((n) => {
    order.push('sweep');
    return n;
  });
  // Another write (an IAM change, an audit flush, a session's record) made as the sweep begins.
  const other = store.write(async (tx) => tx.kv.put('other/key', 'value')).then(() => order.push('other write'));
  const [swept] = await Promise.all([sweep, other]);
  assert.equal(swept, EXPIRED);
  assert.deepEqual(order, ['other write', 'sweep'], 'the other write went in between two pages');
  assert.equal(scopes.size, 0);
  assert.deepEqual(await store.read((tx) => tx.kv.list(SESSION_SCOPE_PREFIX)), [], 'every expired record deleted');
});
