/**
 * Review `bc` (a new user's tour of the README), 4: the README (§7) and `gatehouse server --help` said that a hard
 * crash (kill -9, out of memory) can lose every record still queued ("under `closed`: decisions, and records of the
 * last ~2 s; under `open`: everything queued"), while the same help's GATEHOUSE_AUDIT_JOURNAL line says sessions,
 * changes and jobs are journaled so that a hard stop loses none. The journal (on by default since adbc8aa) is what
 * happens: test/audit-journal.test.ts kills `gatehouse server` with SIGKILL and finds every session and change
 * record appended at the next start. An operator weighing `open` against `closed`, or deciding whether the data dir
 * must outlive a crash, was told the older, weaker guarantee. Now both say what a hard crash loses: decisions' records
 * still queued, or everything queued with GATEHOUSE_AUDIT_JOURNAL=off.
 *
 * The help run in process; the README read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { helpWords } from './support/cli-help.ts';

const serverHelp = (): Promise<string> => helpWords('server');

test('bc4: server --help says a hard crash loses only decisions\' records still queued (with the journal on)', async () => {
  const text = await serverHelp();
  assert.doesNotMatch(text, /only a hard crash \(kill -9, out of memory\) can lose queued records/);
  assert.match(text, /A hard crash \(kill -9, out of memory\) loses only decisions' records still queued \(sessions, changes and jobs are journaled/);
  assert.match(text, /with GATEHOUSE_AUDIT_JOURNAL=off every record still queued/);
});

test('bc4: the README says the same', async () => {
  const readme = (await readFile(new URL('../README.md', import.meta.url), 'utf8')).replace(/\s+/g, ' ');
  assert.doesNotMatch(readme, /only a hard crash \(kill -9, out of memory\) can lose records still held/);
  assert.match(readme, /A hard crash \(kill -9, out of memory\) loses no session, change or job record either/);
  assert.match(readme, /What a hard crash can lose is decisions' records still held/);
});
