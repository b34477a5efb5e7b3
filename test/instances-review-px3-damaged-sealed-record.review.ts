/**
 * Review px, 3: a start that cannot read the STS session key ring (`sts/keyring`) or the OIDC issuer's signing keys
 * (`oidc-issuer/keys`) stops, rightly, but said "does not open with this master key: give every instance the same master
 * key" whatever the cause. A record that is not a sealed value at all (damaged, written by hand, a restore gone wrong),
 * one altered in place, or one that opens but is not the JSON it should hold, sent an operator whose instances all have
 * the same master key looking for a key problem, and the message did not name the record to look at.
 *
 * Contract: DESIGN.md "Errors" (clear, naming what is wrong and where) and "master key" (sealed secrets under one key
 * per deployment); src/adapters/crypto/seal.ts (`open` tells malformed, wrong key and tampered apart). Now each cause
 * has its own words and names the record; a value sealed under another master key still says to give every instance
 * the same master key.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { createApp } from '../src/app/index.ts';
import { KEYRING_KV } from '../src/app/live.ts';
import { ISSUER_KEYS_KV } from '../src/app/oidc.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('review px3: a damaged key record stops the start naming the record and its cause', { timeout: 120_000 }, () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  /** Puts `value` under `key`, starts a second app on the same store and deps, and gives its start's error. */
  const startWith = async (key: string, value: string): Promise<string> => {
    const deps = s.running.app.deps;
    const good = await deps.store.read((tx) => tx.kv.get(key));
    assert.ok(good !== undefined, `${key} is there after the first start`);
    await deps.store.write((tx) => tx.kv.put(key, value));
    try {
      await createApp({ ...deps }).start();
      return '';
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    } finally {
      await deps.store.write((tx) => tx.kv.put(key, good));
    }
  };

  it('not a sealed value: the record is named as damaged, no word of the master key being different', async () => {
    for (const key of [KEYRING_KV, ISSUER_KEYS_KV]) {
      const m = await startWith(key, '[{"kid":"k1"}]');
      assert.ok(m.includes(`\`${key}\``), `${key}: ${m}`);
      assert.match(m, /damaged/, `${key}: ${m}`);
      assert.doesNotMatch(m, /same master key/, `${key}: ${m}`);
    }
  });

  it('sealed with this key but not the JSON it should hold: named as such', async () => {
    const sealer = s.running.app.deps.sealer;
    for (const key of [KEYRING_KV, ISSUER_KEYS_KV]) {
      const m = await startWith(key, sealer.seal('{"not": "a list', key));
      assert.ok(m.includes(`\`${key}\``), `${key}: ${m}`);
      assert.match(m, /opens with this master key but is not the JSON/, `${key}: ${m}`);
    }
  });

  it('sealed under another master key: still told to give every instance the same master key', async () => {
    const other = secretSealer(masterKeyFromBytes(randomBytes(32)));
    const m = await startWith(KEYRING_KV, other.seal(sessionCrypto.serialise([sessionCrypto.newKey(Date.now())]), KEYRING_KV));
    assert.match(m, /does not open with this master key/);
    assert.match(m, /give every instance the same master key/);
  });
});
