/**
 * Review gr, 13: the audit journal (`<data-dir>/audit-spool/audit-journal-*.jsonl`, which keeps the records of
 * sessions, changes and jobs across a hard stop) made its directory once, at its first record. An operator who
 * removed the directory while the server ran (clearing spools already replayed) made every later segment fail to
 * open (ENOENT): each record was logged as "cannot journal", and none was protected against a hard stop again until the
 * server was restarted. Now a segment whose directory is gone makes it again, owner-only.
 *
 * The server's journal adapter (src/adapters/audit-spool/journal.ts) on a real directory.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileAuditJournal } from '../src/adapters/audit-spool/journal.ts';
import { SPOOL_DIR } from '../src/adapters/audit-spool/index.ts';

let dataDir = '';
after(async () => {
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const change = (n: number) => ({ at: Date.now(), event: { kind: 'change' as const, account: '000000000000', principal: 'arn:aws:iam::000000000000:user/admin', action: 'iam:CreateUser', resource: `arn:aws:iam::000000000000:user/u${n}`, decision: 'ok' } });

test('gr13: a journal whose directory was removed makes it again at its next segment', async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'gh-gr13-'));
  const journal = fileAuditJournal(dataDir, { instance: 'pod-a/1' });
  const dir = join(dataDir, SPOOL_DIR);
  journal.write(change(1));
  assert.equal((await readdir(dir)).length, 1);
  journal.seal();
  await rm(dir, { recursive: true, force: true });
  journal.write(change(2));
  const files = await readdir(dir);
  assert.equal(files.length, 1, 'the record after the removal is journaled');
  assert.equal((await stat(dir)).mode & 0o777, 0o700);
  const loaded = await fileAuditJournal(dataDir, { instance: 'pod-b/2' }).load();
  assert.deepEqual(loaded.spools.flatMap((s) => s.events.map((e) => e.event.resource)), ['arn:aws:iam::000000000000:user/u2']);
  await journal.close();
});
