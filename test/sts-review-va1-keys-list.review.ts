/**
 * Review va, 1. An operator could rotate the session key ring (`gatehouse keys rotate [--drop-retired]`, `POST
 * /v1/keys/rotate`) but not see it: no `gatehouse keys list`, no `GET /v1/keys` (Vault's `vault read transit/keys/<name>`
 * shows each version's creation time and `min_decryption_version`). Which key seals new sessions, which retired keys
 * still open tokens and until when, whether a drop after a leak took effect, could be learnt only from the audit log.
 *
 * Now `GET /v1/keys` (`gatehouse keys list`, a table or `--json`) answers each key's id, when it was made and retired,
 * whether it is the active (sealing) key, until when a retired key opens tokens (its retirement plus 36 h 15 min,
 * RETIRED_KEY_OPENS_MS) and the last drop's instant; never a byte of a key, in the answer, the CLI's output or the
 * server's log. It needs its own read action, `gatehouse:ListKeys`, in the root account, as rotation needs
 * `gatehouse:RotateKeys`; a refusal is recorded. A stored ring this instance's master key does not open is refused
 * `KeyRingUnreadable`, as a rotation is, not answered with the ring the instance holds as if it were the deployment's.
 *
 * One `gatehouse server` (SQLite), the admin API signed with SigV4, the CLI in process.
 * Before the fix 6 of 6 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { KEYRING_KV } from '../src/app/live.ts';
import { RETIRED_KEY_OPENS_MS } from '../src/core/sts/session.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, auditRecords, cliAgainst, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

interface KeyJson {
  keyId: string;
  created: string;
  active: boolean;
  retired: string | null;
  opensUntil: string | null;
  dropped: string | null;
}
interface KeysJson {
  keys: KeyJson[];
  activeKeyId: string | null;
  lastDrop: string | null;
}

const allow = (action: string): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

describe('review va1: gatehouse keys list (GET /v1/keys) shows the session key ring, never its keys', { timeout: 60_000 }, () => {
  let s: TestServer;
  /** Every key the ring has held in this test, as the server holds it. */
  const seen = new Map<string, Uint8Array>();
  const remember = (): void => {
    for (const k of s.running.app.live.keys) seen.set(k.kid, k.key);
  };
  /** Each held key's bytes as text in every encoding an answer or log might carry it. */
  const leaks = (text: string): string[] => {
    const found: string[] = [];
    for (const [kid, key] of seen) {
      const b = Buffer.from(key);
      for (const form of [b.toString('base64'), b.toString('base64url'), b.toString('hex'), b.toString('base64').slice(0, 16), b.toString('hex').slice(0, 16)]) {
        if (text.includes(form)) found.push(`${kid}: ${form}`);
      }
    }
    return found;
  };
  const list = async (as: Credentials = s.admin, query = ''): Promise<{ status: number; json: Record<string, unknown> }> => {
    const r = await gatehouseJson(s.url, as, 'GET', `/v1/keys${query}`);
    assert.deepEqual(leaks(JSON.stringify(r.json)), [], 'no byte of a key in the answer');
    return r;
  };

  before(async () => {
    s = await startTestServer();
    remember();
  });
  after(async () => {
    await s?.stop();
  });

  it('lists the active key, then after a rotation the retired one with the instant until which it opens tokens', async () => {
    const first = await list();
    assert.equal(first.status, 200, JSON.stringify(first.json));
    const one = first.json as unknown as KeysJson;
    assert.equal(one.keys.length, s.running.app.live.keys.length);
    const active = one.keys.find((k) => k.active);
    assert.ok(active, JSON.stringify(one));
    assert.equal(one.activeKeyId, active.keyId);
    assert.equal(active.retired, null);
    assert.equal(active.opensUntil, null);

    const rotated = await gatehouseJson(s.url, s.admin, 'POST', '/v1/keys/rotate', {});
    assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
    remember();
    const after = (await list()).json as unknown as KeysJson;
    assert.equal(after.activeKeyId, rotated.json['keyId']);
    assert.equal(after.keys[0]?.keyId, rotated.json['keyId'], 'newest first');
    const old = after.keys.find((k) => k.keyId === active.keyId);
    assert.ok(old, JSON.stringify(after));
    assert.equal(old.active, false);
    assert.ok(old.retired !== null && old.opensUntil !== null, JSON.stringify(old));
    assert.equal(Date.parse(old.opensUntil) - Date.parse(old.retired), RETIRED_KEY_OPENS_MS, 'a retired key opens tokens for 36 h 15 min after its retirement');
    assert.equal(after.lastDrop, null);
    for (const k of after.keys) assert.deepEqual(Object.keys(k).sort(), ['active', 'created', 'dropped', 'keyId', 'opensUntil', 'retired']);
  });

  it('shows the drop of the retired keys: the ring of the new key alone and the instant sessions issued before are refused', async () => {
    const rotated = await gatehouseJson(s.url, s.admin, 'POST', '/v1/keys/rotate', { dropRetired: true });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.json));
    remember();
    const r = (await list()).json as unknown as KeysJson;
    assert.deepEqual(r.keys.map((k) => k.keyId), [rotated.json['keyId']]);
    assert.equal(r.lastDrop, rotated.json['sessionsRefusedBefore']);
    assert.equal(r.keys[0]?.dropped, rotated.json['sessionsRefusedBefore']);
  });

  it('the CLI prints a table and --json, exit 0, and no byte of a key appears in either nor in the server log', async () => {
    await gatehouseJson(s.url, s.admin, 'POST', '/v1/keys/rotate', {});
    remember();
    const table = await cliAgainst(s, ['keys', 'list']);
    assert.equal(table.status, 0, table.err);
    assert.match(table.out, /^KEY ID\s+STATE\s+CREATED\s+RETIRED\s+OPENS UNTIL\n/);
    const ring = s.running.app.live.keys;
    for (const k of ring) assert.match(table.out, new RegExp(`^${k.kid}\\s+(active|retired)\\s`, 'm'));
    assert.match(table.out, /last drop of the retired keys: \S+Z; every session issued before it is refused/);
    const json = await cliAgainst(s, ['keys', 'list', '--json']);
    assert.equal(json.status, 0, json.err);
    const parsed = JSON.parse(json.out) as KeysJson;
    assert.deepEqual(parsed.keys.map((k) => k.keyId).sort(), ring.map((k) => k.kid).sort());
    assert.deepEqual(leaks(table.out + table.err + json.out + json.err), []);
    assert.deepEqual(leaks(s.logs.join('\n')), [], 'no byte of a key in the server log');
  });

  it('needs gatehouse:ListKeys in the root account: RotateKeys alone, or another account, is refused and recorded', async () => {
    const rotator = await userWithPolicy(s, 'va1-rotator', allow('gatehouse:RotateKeys'));
    const reader = await userWithPolicy(s, 'va1-reader', allow('gatehouse:ListKeys'));
    const refused = await list(rotator);
    assert.equal(refused.status, 403, JSON.stringify(refused.json));
    assert.match(JSON.stringify(refused.json), /gatehouse:ListKeys/);
    const cli = await cliAgainst(s, ['keys', 'list'], rotator);
    assert.equal(cli.status, 9, cli.err);
    const read = await list(reader);
    assert.equal(read.status, 200, JSON.stringify(read.json));
    const other = await accountAdmin(s, '111122223333', 'aws');
    const across = await list(other);
    assert.equal(across.status, 403, JSON.stringify(across.json));
    const records = await auditRecords(s, { action: 'gatehouse:ListKeys' });
    assert.ok(records.some((r) => r.principal.endsWith(':user/va1-rotator')), JSON.stringify(records));
    assert.ok(records.some((r) => r.account === '111122223333'), JSON.stringify(records));
  });

  it('refuses a query parameter rather than answering the whole ring as if it were filtered', async () => {
    const r = await list(s.admin, '?keyId=abc');
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /keyId/);
  });

  it('a stored ring this instance cannot open is refused KeyRingUnreadable (exit 7), not answered with the ring held here', async () => {
    const foreign = secretSealer(masterKeyFromBytes(randomBytes(32))).seal(sessionCrypto.serialise([sessionCrypto.newKey(Date.now())]), KEYRING_KV);
    const stored = await s.running.app.deps.store.read((tx) => tx.kv.get(KEYRING_KV));
    assert.ok(stored !== undefined);
    await s.running.app.deps.store.write((tx) => tx.kv.put(KEYRING_KV, foreign));
    try {
      const r = await list();
      assert.equal(r.status, 409, JSON.stringify(r.json));
      assert.equal((r.json['error'] as { code?: string } | undefined)?.code, 'KeyRingUnreadable');
      assert.match(JSON.stringify(r.json), /master key/);
      const cli = await cliAgainst(s, ['keys', 'list']);
      assert.equal(cli.status, 7, cli.err);
      assert.equal(cli.out, '');
    } finally {
      await s.running.app.deps.store.write((tx) => tx.kv.put(KEYRING_KV, stored));
    }
  });
});
