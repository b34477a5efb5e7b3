/**
 * Review in, 1. Since review im, 3, `POST /v1/keys/rotate` (`gatehouse sts rotate-keys`) on an instance whose master key
 * does not open the stored key ring is refused, the ring left as it was. But it was refused by throwing: the admin was
 * answered 500 InternalFailure, "We encountered an internal error. Please try again.", the CLI said the same, and the
 * SDKs retried it, though no retry can help: the instance must be given the deployment's master key. And the refused
 * rotation left no audit record, unlike every other refused admin change.
 *
 * Now it is answered 409 KeyRingUnreadable (CLI exit 7), saying why and what to do, and recorded as a refused change.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { KEYRING_KV } from '../src/app/live.ts';
import { auditRecords, cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

describe('review in1: a rotation refused because the ring does not open here', { timeout: 120_000 }, () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  it('is answered with its cause, not as a retryable internal error, and recorded', async () => {
    const other = secretSealer(masterKeyFromBytes(randomBytes(32)));
    const foreign = other.seal(sessionCrypto.serialise([sessionCrypto.newKey(Date.now())]), KEYRING_KV);
    await s.running.app.deps.store.write((tx) => tx.kv.put(KEYRING_KV, foreign));
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/keys/rotate');
    assert.equal(r.status, 409, JSON.stringify(r.json));
    const error = (r.json as { error: { code: string; gatehouseCode: string; message: string } }).error;
    assert.equal(error.code, 'KeyRingUnreadable');
    assert.equal(error.gatehouseCode, 'KEY_RING_UNREADABLE');
    assert.match(error.message, /does not open with this instance's master key/);
    assert.match(error.message, /same master key/);
    assert.equal(await s.running.app.deps.store.read((tx) => tx.kv.get(KEYRING_KV)), foreign, 'the ring is left as it was');
    const records = await auditRecords(s, { action: 'gatehouse:RotateKeys' });
    const refused = records.filter((x) => x.decision === 'KEY_RING_UNREADABLE');
    assert.equal(refused.length, 1, JSON.stringify(records));
    assert.match(JSON.stringify(refused[0]?.detail), /master key/);
  });

  it('gatehouse keys rotate says why and exits 7, not 70 (a bug to report)', async () => {
    const r = await cliAgainst(s, ['keys', 'rotate']);
    assert.equal(r.status, 7, r.err);
    assert.match(r.err, /does not open with this instance's master key/);
  });
});
