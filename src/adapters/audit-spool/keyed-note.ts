/**
 * The note an instance keeps in its data dir that the audit chain it writes is keyed (src/app/audit.ts
 * `AuditKeyedNote`): `DIR/audit-keyed.json`, the first record its writer committed, linked with the chain's key. The
 * database cannot tell a chain written again with plain SHA-256 by someone without the master key from one written
 * before chains were keyed; this file, outside the database, can (review pl, 4). Written atomically (a temporary
 * file, flushed, renamed), mode 0600.
 *
 * ```json
 * { "format": "gatehouse-audit-keyed", "version": 1, "seq": 42, "hash": "…", "at": "…Z" }
 * ```
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { AuditAnchor, AuditKeyedNote } from '../../app/audit.ts';

export const KEYED_NOTE_FILE = 'audit-keyed.json';
const FORMAT = 'gatehouse-audit-keyed';

export function fileAuditKeyedNote(dataDir: string): AuditKeyedNote {
  const path = join(dataDir, KEYED_NOTE_FILE);
  return {
    where: path,
    async read(): Promise<AuditAnchor | undefined> {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
      const n = JSON.parse(text) as { format?: unknown; seq?: unknown; hash?: unknown };
      if (n.format !== FORMAT || typeof n.seq !== 'number' || !Number.isSafeInteger(n.seq) || typeof n.hash !== 'string') throw new Error(`${path} is not a note of a keyed audit chain`);
      return { seq: n.seq, hash: n.hash };
    },
    async write(a: AuditAnchor): Promise<void> {
      const tmp = `${path}.tmp`;
      const f = await open(tmp, 'w', 0o600);
      try {
        await f.writeFile(`${JSON.stringify({ format: FORMAT, version: 1, seq: a.seq, hash: a.hash, at: new Date().toISOString() })}\n`);
        await f.sync();
      } finally {
        await f.close();
      }
      try {
        await rename(tmp, path);
      } catch (e) {
        await unlink(tmp).catch(() => {});
        throw e;
      }
    },
  };
}
