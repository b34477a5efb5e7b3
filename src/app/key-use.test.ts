/**
 * Access keys' last use (src/app/key-use.ts): what is noted, when it is written, what survives a store that
 * refuses, and what a read on this instance sees. The store here is a double of the port that records the
 * writes (the SQL adapters' forward-only write is tested in test/store.part.ts on both databases).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessKeyLastUsed, RoleLastUsed, Store } from './ports/store.ts';
import { createKeyUse, lastUsedDate } from './key-use.ts';

const T = Date.UTC(2026, 11, 1, 6, 0, 0, 250);

function fakeStore(options: { failing?: () => boolean } = {}) {
  const written: [string, AccessKeyLastUsed][] = [];
  const rolesWritten: [string, RoleLastUsed][] = [];
  let transactions = 0;
  const store = {
    write: async (fn: (tx: unknown) => Promise<unknown>) => {
      if (options.failing?.()) throw new Error('database is down');
      transactions += 1;
      const tx = {
        accessKeys: { recordLastUsed: async (id: string, used: AccessKeyLastUsed) => void written.push([id, used]) },
        roles: { recordLastUsed: async (id: string, used: RoleLastUsed) => void rolesWritten.push([id, used]) },
      };
      return fn(tx);
    },
  } as unknown as Store;
  return { store, written, rolesWritten, transactions: () => transactions };
}

describe('access keys: last use', () => {
  it('notes long-term keys to the second, writes them in one transaction, skips temporary credentials', async () => {
    let now = T;
    const s = fakeStore();
    const keyUse = createKeyUse({ store: s.store, now: () => now });
    keyUse.note('AKIAAAAAAAAAAAAAAAAA', 'iam', 'us-east-1');
    keyUse.note('ASIABBBBBBBBBBBBBBBB', 'sts', 'us-east-1');
    keyUse.note('STS.NTkxMjM0NTY3ODkw', 'sts', 'cn-hangzhou');
    now += 1500;
    keyUse.note('LTAI5tCCCCCCCCCCCCCC', 'sts', 'cn-hangzhou');
    keyUse.note('AKIAAAAAAAAAAAAAAAAA', 's3', 'eu-west-1');
    assert.equal(keyUse.pendingCount(), 2, 'one note per key, the latest; none for temporary credentials');
    assert.equal(await keyUse.flush(), true);
    assert.equal(s.transactions(), 1);
    assert.deepEqual(new Map(s.written), new Map([
      ['AKIAAAAAAAAAAAAAAAAA', { at: '2026-12-01T06:00:01Z', service: 's3', region: 'eu-west-1' }],
      ['LTAI5tCCCCCCCCCCCCCC', { at: '2026-12-01T06:00:01Z', service: 'sts', region: 'cn-hangzhou' }],
    ]));
    assert.equal(keyUse.pendingCount(), 0);
    assert.equal(await keyUse.flush(), true, 'nothing noted: nothing to write');
    assert.equal(s.transactions(), 1, 'and no transaction for it');
  });

  it('keeps the notes while the store refuses them, logs once, and never lets an older note replace a newer one', async () => {
    let now = T;
    let down = true;
    const logs: string[] = [];
    const s = fakeStore({ failing: () => down });
    const keyUse = createKeyUse({ store: s.store, now: () => now, log: (l) => void logs.push(l) });
    keyUse.note('AKIAAAAAAAAAAAAAAAAA', 'iam', 'us-east-1');
    keyUse.note('AKIADDDDDDDDDDDDDDDD', 'iam', 'us-east-1');
    const attempt = keyUse.flush();
    // Used again while the write is under way: the newer note must win over the batch put back.
    now += 5000;
    keyUse.note('AKIAAAAAAAAAAAAAAAAA', 'sts', 'us-west-2');
    assert.equal(await attempt, false);
    assert.equal(await keyUse.flush(), false);
    assert.equal(logs.length, 1, `one line per minute of outage, got ${JSON.stringify(logs)}`);
    assert.match(logs[0] ?? '', /cannot record when 2 key\(s\) were last used: database is down/);
    assert.equal(keyUse.pendingCount(), 2, 'nothing lost');
    down = false;
    await keyUse.stop();
    assert.deepEqual(new Map(s.written), new Map([
      ['AKIAAAAAAAAAAAAAAAAA', { at: '2026-12-01T06:00:05Z', service: 'sts', region: 'us-west-2' }],
      ['AKIADDDDDDDDDDDDDDDD', { at: '2026-12-01T06:00:00Z', service: 'iam', region: 'us-east-1' }],
    ]));
  });

  it('a read on this instance sees its own newer note before it is written', () => {
    const keyUse = createKeyUse({ store: fakeStore().store, now: () => T });
    const stored = { at: '2026-11-30T00:00:00Z', service: 'iam', region: 'us-east-1' };
    assert.equal(keyUse.latest('AKIAAAAAAAAAAAAAAAAA', stored), stored, 'no note: what the store holds');
    assert.equal(keyUse.latest('AKIAAAAAAAAAAAAAAAAA', null), null);
    keyUse.note('AKIAAAAAAAAAAAAAAAAA', 's3', 'us-east-1');
    assert.deepEqual(keyUse.latest('AKIAAAAAAAAAAAAAAAAA', stored), { at: '2026-12-01T06:00:00Z', service: 's3', region: 'us-east-1' });
    assert.deepEqual(keyUse.latest('AKIAAAAAAAAAAAAAAAAA', null), { at: '2026-12-01T06:00:00Z', service: 's3', region: 'us-east-1' });
    const later = { at: '2026-12-02T00:00:00Z', service: 'iam', region: 'us-east-1' };
    assert.equal(keyUse.latest('AKIAAAAAAAAAAAAAAAAA', later), later, 'another instance wrote a later use');
  });

  it('notes roles’ uses beside keys’, in the same transaction, kept while the store refuses, read newest first', async () => {
    let now = T;
    let down = true;
    const logs: string[] = [];
    const s = fakeStore({ failing: () => down });
    const keyUse = createKeyUse({ store: s.store, now: () => now, log: (l) => void logs.push(l) });
    keyUse.noteRole('AROAAAAAAAAAAAAAAAAA', 'eu-west-1');
    keyUse.noteRole('AROAAAAAAAAAAAAAAAAA', 'eu-west-1');
    keyUse.note('AKIAAAAAAAAAAAAAAAAA', 'sts', 'eu-west-1');
    assert.equal(keyUse.pendingCount(), 2, 'one note per role and second');
    assert.equal(await keyUse.flush(), false);
    assert.match(logs[0] ?? '', /cannot record when 1 key\(s\) and 1 role\(s\) were last used: database is down/);
    now += 2000;
    keyUse.noteRole('AROAAAAAAAAAAAAAAAAA', 'us-east-1');
    const stored = { at: '2026-12-01T06:00:01Z', region: 'ap-south-1' };
    assert.deepEqual(keyUse.latestRole('AROAAAAAAAAAAAAAAAAA', stored), { at: '2026-12-01T06:00:02Z', region: 'us-east-1' }, 'the newer note, not the batch put back');
    assert.equal(keyUse.latestRole('AROABBBBBBBBBBBBBBBB', stored), stored);
    down = false;
    assert.equal(await keyUse.flush(), true);
    assert.equal(s.transactions(), 1, 'keys and roles in one transaction');
    assert.deepEqual(s.rolesWritten, [['AROAAAAAAAAAAAAAAAAA', { at: '2026-12-01T06:00:02Z', region: 'us-east-1' }]]);
    assert.equal(s.written.length, 1);
  });

  it('dates are whole seconds, in the form AWS answers and that orders as text', () => {
    assert.equal(lastUsedDate(T), '2026-12-01T06:00:00Z');
    assert.equal(lastUsedDate(Date.UTC(2026, 0, 1, 0, 0, 59, 999)), '2026-01-01T00:00:59Z');
    assert.ok(lastUsedDate(T) < lastUsedDate(T + 1000));
  });
});
