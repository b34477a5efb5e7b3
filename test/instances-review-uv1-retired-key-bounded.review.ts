/**
 * Review uv, 1. A rotation (`gatehouse keys rotate`) retires the session key in use; the retired key keeps opening
 * tokens "until every session it sealed has expired" (docs/decisions.md, Sessions and STS): 36 h (the longest session)
 * and the 15 minutes of clock skew after its retirement (live.ts RETIRED_KEEP_MS). But nothing bounded what a token it
 * opened could claim: it was dropped from the ring only by the next rotation made 36 h 15 min or more after it, so with
 * one rotation (the one made because a key may have leaked: a memory dump, a core file) it opened tokens for good, and
 * a token sealed with it claiming any expiry (a year on) was accepted until then. Whoever held the key went on minting
 * sessions of any role of any account after the rotation meant to shut them out.
 *
 * Now a token sealed with a retired key is refused (InvalidClientTokenId, as any token that does not open) when it
 * claims to last past the key's retirement plus the longest session and the skew, or to have been issued more than the
 * skew after the retirement (revocations refuse sessions by issue time, so a token claiming a later one escaped every
 * revocation made after the rotation): no session it sealed can. Sessions it sealed before the rotation still work
 * until they expire.
 *
 * One server (SQLite), the AWS SDK's STS client; the tokens are made with the ring the database holds, opened with the
 * server's master key (what someone holding the retired key can do).
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { sessionCrypto } from '../src/adapters/crypto/index.ts';
import { KEYRING_KV } from '../src/app/live.ts';
import type { SealedSecret } from '../src/app/ports/store.ts';
import type { SessionClaims } from '../src/core/sts/session.ts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

type RingKey = ReturnType<typeof sessionCrypto.parse>[number];
/** 36 h and 15 min: the longest session and the clock skew allowed. */
const KEEP_MS = 129_600_000 + 900_000;

describe('review uv1: what a retired session key opens is bounded by its retirement', { timeout: 120_000 }, () => {
  let s: TestServer;
  let session: Credentials;
  let claims: SessionClaims;
  let retired: RingKey;

  const ring = async (): Promise<RingKey[]> => {
    const sealed = await s.running.app.deps.store.read((tx) => tx.kv.get(KEYRING_KV));
    const text = sealed === undefined ? undefined : s.running.app.deps.sealer.open(sealed as SealedSecret, KEYRING_KV);
    assert.ok(text !== undefined, 'the key ring opens with the server master key');
    return sessionCrypto.parse(text);
  };
  /** Temporary credentials with `claims` changed by `change`, sealed with `key` alone. */
  const forged = (key: RingKey, change: Partial<SessionClaims>): Credentials => {
    const c: SessionClaims = { ...claims, ...change };
    return { accessKeyId: c.ak, secretAccessKey: c.sk, sessionToken: sessionCrypto.seal([key], c) };
  };
  const callerIdentity = (creds: Credentials) => s.sts(creds).send(new GetCallerIdentityCommand({}));

  before(async () => {
    s = await startTestServer();
    const issued = await s.sts().send(new GetSessionTokenCommand({ DurationSeconds: 3600 }));
    const c = issued.Credentials;
    assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
    session = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    const [before] = await ring();
    assert.ok(before);
    const opened = sessionCrypto.open([before], c.SessionToken, c.AccessKeyId);
    assert.ok(opened.ok, 'the session is sealed with the ring key');
    claims = opened.claims;
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/keys/rotate');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const now = await ring();
    const old = now.find((k) => k.kid === before.kid);
    assert.ok(old?.retired !== undefined, 'the rotation retired the key in use');
    retired = old;
  });
  after(async () => s?.stop());

  it('a session the retired key sealed before the rotation works until it expires', async () => {
    const who = await callerIdentity(session);
    assert.equal(who.Arn, `arn:aws:iam::${s.adminFile.AccountId}:user/admin`);
  });

  it('a token of the retired key claiming to last past its retirement plus the longest session is refused', async () => {
    const late = forged(retired, { exp: (retired.retired as number) + KEEP_MS + 3_600_000 });
    const f = await sdkFailure(callerIdentity(late));
    assert.equal(f.code, 'InvalidClientTokenId', f.message);
    assert.equal(f.status, 403);
    const yearOn = forged(retired, { iat: Date.now(), exp: Date.now() + 365 * 86_400_000 });
    assert.equal((await sdkFailure(callerIdentity(yearOn))).code, 'InvalidClientTokenId');
  });

  it('a token of the retired key claiming to be issued after its retirement and the skew is refused', async () => {
    // Revocations refuse the sessions issued before their instant: issued "later", a token escaped every revocation.
    const iat = (retired.retired as number) + 16 * 60_000;
    const f = await sdkFailure(callerIdentity(forged(retired, { iat, exp: iat + 3_600_000 })));
    assert.equal(f.code, 'InvalidClientTokenId', f.message);
  });

  it('a key retired more than 36 h 15 min ago opens nothing, though no later rotation dropped it', async () => {
    // The ring as a rotation 37 h ago left it, when no rotation came after: the key still in it.
    const active = (await ring()).find((k) => k.retired === undefined);
    assert.ok(active);
    const old: RingKey = { ...sessionCrypto.newKey(Date.now() - 40 * 3_600_000), retired: Date.now() - 37 * 3_600_000 };
    await s.running.app.deps.store.write((tx) => tx.kv.put(KEYRING_KV, s.running.app.deps.sealer.seal(sessionCrypto.serialise([active, retired, old]), KEYRING_KV)));
    const token = forged(old, { iat: Date.now() - 60_000, exp: Date.now() + 3_600_000 });
    const f = await sdkFailure(callerIdentity(token));
    assert.equal(f.code, 'InvalidClientTokenId', f.message);
    // The ring was read (the token named a key the server did not hold): the sessions of the keys still in force work.
    assert.equal((await callerIdentity(session)).Arn, `arn:aws:iam::${s.adminFile.AccountId}:user/admin`);
  });
});
