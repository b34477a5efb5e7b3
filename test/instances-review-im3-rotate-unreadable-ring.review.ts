/**
 * Review im, 3. `POST /v1/keys/rotate` (`gatehouse sts rotate-keys`) on an instance that could not open the stored key
 * ring (sealed under another master key: an instance started with a different GATEHOUSE_MASTER_KEY wrote it, or the row
 * was damaged) read it as empty and wrote a new ring of one key in its place. Every key the ring held was lost: the
 * sessions the other instances had issued, sealed with those keys, were refused everywhere from then on
 * (InvalidClientTokenId), and the instances holding the other master key could no longer open the ring at all.
 *
 * Now the rotation is refused, the stored ring left as it was, and the cause logged: the ring does not open with this
 * instance's master key, give every instance the same one. A ring that opens is rotated as before.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { KEYRING_KV } from '../src/app/live.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

describe('review im3: rotating a key ring this instance cannot open', { timeout: 120_000 }, () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  const stored = (): Promise<unknown> => s.running.app.deps.store.read((tx) => tx.kv.get(KEYRING_KV));

  it('a ring that opens is rotated', async () => {
    const before = await stored();
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/keys/rotate');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.notEqual(await stored(), before);
  });

  it('a ring sealed under another master key is refused and left as it was', async () => {
    const other = secretSealer(masterKeyFromBytes(randomBytes(32)));
    const foreign = other.seal(sessionCrypto.serialise([sessionCrypto.newKey(Date.now()), sessionCrypto.newKey(Date.now())]), KEYRING_KV);
    await s.running.app.deps.store.write((tx) => tx.kv.put(KEYRING_KV, foreign));
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/keys/rotate');
    assert.notEqual(r.status, 200, JSON.stringify(r.json));
    assert.equal(await stored(), foreign, 'the ring the other master key sealed is kept');
    // The cause is the answer's (409 KeyRingUnreadable, review in, 1), no longer a 500 whose cause only the log held.
    assert.match(JSON.stringify(r.json), /key ring does not open with this instance's master key.*not rotated/);
  });
});
