/**
 * Review kh, 3: `gatehouse audit verify --expect SEQ:HASH` with an anchor exactly at the checkpoint a pruning of this
 * deployment left (the hourly sweep pruned up to the record an operator had anchored) answered "pruned, not
 * confirmed", exit 6, although the pruning record in the chain — linked with the chain's key, which a forger without
 * the master key cannot make, and written only after the records it deletes verified (review jz, 3) — says that
 * record SEQ had hash HASH. Now an anchor that a keyed pruning record of the chain attests, seq and hash, is
 * confirmed ("present", exit 0); an anchor before that checkpoint is still pruned, not confirmed (exit 6), one at it
 * with another hash still broken (exit 1), and a checkpoint attested only by a pruning record linked without the key
 * (a forged pruning) confirms nothing.
 *
 * A real server in process (SQLite, keyed chain), the CLI in process.
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { cliAgainst as cli, startTestServer, type TestServer } from './support/server.ts';

interface Report {
  ok: boolean;
  head: { seq: number; hash: string };
  base: { seq: number; hash: string };
  anchor: string;
  breaks?: { seq: number; reason: string }[];
}

let s: TestServer;
const verify = async (...args: string[]): Promise<{ status: number; report: Report; out: string }> => {
  const r = await cli(s, ['audit', 'verify', '--json', ...args]);
  return { status: r.status, report: JSON.parse(r.out) as Report, out: r.out };
};
const users = async (prefix: string, n: number): Promise<void> => {
  for (let i = 0; i < n; i++) await s.iam().send(new CreateUserCommand({ UserName: `${prefix}${i}` }));
  assert.ok(await s.running.app.audit.flush());
};

before(async () => {
  s = await startTestServer({ audit: { retentionDays: 3650 } });
  await users('kh3-a', 3);
});
after(() => s?.stop());

it('an anchor exactly at the checkpoint of a keyed pruning is confirmed: exit 0, present', async () => {
  const first = await verify();
  assert.equal(first.status, 0, first.out);
  const anchor = first.report.anchor;
  assert.ok((await s.running.app.audit.prune(Date.now() + 1000)).pruned > 0);
  const anchored = await verify('--expect', anchor);
  assert.equal(anchored.report.base.seq, first.report.head.seq, 'pruned up to the anchored record');
  assert.equal(anchored.status, 0, anchored.out);
  assert.equal(anchored.report.ok, true, anchored.out);
  const text = await cli(s, ['audit', 'verify', '--expect', anchor]);
  assert.equal(text.status, 0, text.out);
  assert.match(text.out, new RegExp(`anchor ${anchor} present`));
});

it('at the checkpoint with another hash: broken; before it: pruned, not confirmed', async () => {
  const v = await verify();
  const base = v.report.base;
  const wrong = await verify('--expect', `${base.seq}:${'0'.repeat(64)}`);
  assert.deepEqual([wrong.status, wrong.report.breaks?.map((b) => b.reason)], [1, ['anchor']]);
  const older = await verify('--expect', `${base.seq - 1}:${'a'.repeat(64)}`);
  assert.deepEqual([older.status, older.report.breaks?.map((b) => b.reason)], [6, ['pruned']]);
});
