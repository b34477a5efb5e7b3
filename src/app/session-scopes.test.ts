import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { claimsOf, isScoped, SESSION_SCOPE_PREFIX, SessionScopes, type UnsealedClaims } from './session-scopes.ts';
import type { ChangeRecord, Store } from './ports/store.ts';

const role = { name: 'Worker', path: '/', id: 'AROA1' };
const base: UnsealedClaims = { acct: '000000000000', part: 'aws', role, name: 's1', iat: 1_000, exp: 901_000 };

describe('isScoped: what makes a session registered', () => {
  const cases: [string, UnsealedClaims, boolean][] = [
    ['a role session with nothing beyond its role', base, false],
    ['an inline session policy', { ...base, pol: '{}' }, true],
    ['no managed session policy', { ...base, polArns: [] }, false],
    ['a managed session policy', { ...base, polArns: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] }, true],
    ['no session tags', { ...base, tags: {} }, false],
    ['session tags (transitive ones merged in)', { ...base, tags: { team: 'a' } }, true],
    ['a source identity', { ...base, srcId: 'alice' }, true],
    ['a user session (GetSessionToken) is no role session', { acct: '000000000000', part: 'aws', user: { name: 'u', path: '/', id: 'AIDA1' }, name: 'u', iat: 0, exp: 1, pol: '{}' }, false],
  ];
  for (const [what, claims, expected] of cases) it(what, () => assert.equal(isScoped(claims), expected));
});

/** A store of one kv table and a change log, enough for the registry. */
function memoryStore(): { store: Store; kv: Map<string, string>; changes: ChangeRecord[] } {
  const kv = new Map<string, string>();
  const changes: ChangeRecord[] = [];
  const tx = {
    kv: {
      get: async (k: string) => kv.get(k),
      getMany: async (keys: readonly string[]) => new Map(keys.flatMap((k) => (kv.has(k) ? [[k, kv.get(k) as string] as const] : []))),
      list: async (prefix: string) => [...kv].filter(([k]) => k.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => ({ key, value })),
      put: async (k: string, v: string) => {
        kv.set(k, v);
        changes.push({ seq: changes.length + 1, kind: 'kv', key: k, op: 'put', at: '' });
      },
      delete: async (k: string) => {
        const had = kv.delete(k);
        if (had) changes.push({ seq: changes.length + 1, kind: 'kv', key: k, op: 'delete', at: '' });
        return had;
      },
    },
    changes: { head: async () => changes.length, since: async (after: number, limit = 1000) => changes.filter((c) => c.seq > after).slice(0, limit) },
  };
  const store = { read: async (fn: (t: never) => unknown) => fn(tx as never), write: async (fn: (t: never) => unknown) => fn(tx as never) } as unknown as Store;
  return { store, kv, changes };
}

describe('SessionScopes', () => {
  it('records a scoped session (no secret), finds it by any case of its name until it expires, and another instance follows the change log', async () => {
    const m = memoryStore();
    let now = 1_000;
    const a = new SessionScopes({ store: m.store, now: () => now, randomBytes: (n) => new Uint8Array(n).fill(7) });
    const b = new SessionScopes({ store: m.store, now: () => now, randomBytes: (n) => new Uint8Array(n) });
    await m.store.read(async (tx) => b.refresh(tx, await tx.changes.head()));
    await a.register(base);
    assert.equal(m.kv.size, 0, 'a session without scope writes nothing');
    await a.register({ ...base, pol: '{"Version":"2012-10-17","Statement":[]}', tags: { team: 'a' }, srcId: 'alice' });
    const [key, value] = [...m.kv][0] as [string, string];
    assert.equal(key, `${SESSION_SCOPE_PREFIX}arn:aws:sts::000000000000:assumed-role/Worker/s1/1000-0707070707070707`);
    assert.doesNotMatch(value, /"(sk|ak|sid)"/);
    assert.equal(a.live('000000000000', 'worker', 'S1').length, 1);
    assert.equal(b.live('000000000000', 'Worker', 's1').length, 0, 'not read yet');
    await m.store.read(async (tx) => b.refresh(tx, await tx.changes.head()));
    const [seen] = b.live('000000000000', 'Worker', 's1');
    assert.deepEqual(seen && claimsOf(seen), { v: 1, sid: '', ak: '', sk: '', acct: '000000000000', part: 'aws', role, name: 's1', iat: 1_000, exp: 901_000, srcId: 'alice', tags: { team: 'a' }, pol: '{"Version":"2012-10-17","Statement":[]}' });
    now = 901_000;
    assert.equal(b.live('000000000000', 'Worker', 's1').length, 0, 'expired');
    assert.equal(await b.sweep(), 1);
    assert.equal(m.kv.size, 0);
    await m.store.read(async (tx) => a.refresh(tx, await tx.changes.head()));
    assert.equal(a.size, 0, 'the deletion reaches the other instance');
  });
});
