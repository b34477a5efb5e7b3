/**
 * A SQLite data file put back to a backup under a running app, as an operator restoring a backup would (reviews qp1,
 * qp2): the rows written since undone, the changes after the backup's head removed and the head put back, in one
 * transaction of another connection; and the bucket-policy records those tests write.
 */
import { DatabaseSync } from 'node:sqlite';

export const ROOT = '000000000000';

/** A stored bucket policy of `bucket` (account ROOT) that allows or denies anyone s3:GetObject. */
export const bucketPolicyRecord = (bucket: string, effect: 'Allow' | 'Deny'): string =>
  JSON.stringify({ resource: `arn:aws:s3:::${bucket}`, account: ROOT, document: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: effect, Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${bucket}/*` }] }), updated: '2026-12-06T00:00:00Z' });

/** Puts `file` back to the backup whose change head was `back`: `undo` removes or rewrites the rows written since. */
export function restoreBackup(file: string, back: number, undo: (db: DatabaseSync) => void): void {
  const db = new DatabaseSync(file);
  try {
    db.exec('PRAGMA busy_timeout = 5000');
    db.exec('BEGIN IMMEDIATE');
    undo(db);
    db.prepare('DELETE FROM changes WHERE seq > ?').run(back);
    db.prepare('UPDATE change_head SET seq = ? WHERE id = 1').run(back);
    db.exec('COMMIT');
  } finally {
    db.close();
  }
}
