/**
 * What someone with write access to a data dir's SQLite file, and no secret, can do to its audit log (reviews pl 2 to
 * 4): change records and link every one on again with plain SHA-256, moving the head's hash along.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { openSqliteStore } from '../../src/adapters/store-sqlite/index.ts';
import { canonicalJson, recordHash, type AuditRecord } from '../../src/core/audit/index.ts';

const sha256 = (t: string): string => createHash('sha256').update(t).digest('hex');

/** Every audit record of `dataDir`'s database linked again from the start with SHA-256, each with the `at` and `detail` `change` gives it. */
export async function relinkUnkeyed(dataDir: string, change: (r: AuditRecord) => Pick<AuditRecord, 'at' | 'detail'>): Promise<void> {
  const store = await openSqliteStore({ dataDir });
  let rows: readonly AuditRecord[];
  try {
    rows = await store.read((tx) => tx.audit.list({}, 0, 10_000));
  } finally {
    await store.close();
  }
  const db = new DatabaseSync(join(dataDir, 'gatehouse.db'), { timeout: 5000 });
  try {
    let prev = '0'.repeat(64);
    for (const r of rows) {
      const { hash: _, ...rest } = r;
      const { at, detail } = change(r);
      const next = { ...rest, at, detail, prevHash: prev };
      prev = recordHash(next, sha256);
      db.prepare('UPDATE audit_log SET at = ?, detail = ?, prev_hash = ?, hash = ? WHERE seq = ?').run(at, canonicalJson(detail), next.prevHash, prev, r.seq);
    }
    db.prepare('UPDATE audit_head SET hash = ? WHERE id = 1').run(prev);
  } finally {
    db.close();
  }
}
