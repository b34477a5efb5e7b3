/**
 * STS review E7: the cache of opened session tokens is bounded by the text it holds, not only by its 8,192 entries
 * (src/adapters/crypto/session-token.ts). A token is about 400 characters without session tags and about 11,000 with
 * 31 transitive tags of 128-character keys; 8,192 of those held 178 MB of heap per key ring, and any principal allowed to
 * tag its sessions could fill the cache with them by presenting each once. Now the cache holds at most 32 Mi characters of
 * tokens (about 60 MB for the same tokens), and tokens of ordinary size, or with a 2,048-character session policy
 * (a job's), are held 8,192 as before.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openedHeld, sessionCrypto } from '../src/adapters/crypto/session-token.ts';
import type { SessionClaims } from '../src/core/sts/session.ts';

const BUDGET = 32 * 1024 * 1024;

function claims(i: number, tagged: boolean, pol?: string): SessionClaims {
  const tags: Record<string, string> = {};
  if (tagged) for (let t = 0; t < 31; t++) tags[`${t}-${i}-`.padEnd(128, 'k')] = '';
  const now = Date.now();
  return {
    v: 1,
    sid: randomBytes(11).toString('hex'),
    ak: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    sk: randomBytes(30).toString('base64'),
    acct: '000000000000',
    part: 'aws',
    role: { name: 'worker', path: '/', id: 'AROAWORKER' },
    name: `s-${i}`,
    iat: now,
    exp: now + 3600_000,
    ...(tagged ? { tags, transitive: Object.keys(tags) } : {}),
    ...(pol !== undefined ? { pol } : {}),
  };
}

/** Seals `n` sessions and presents each once; the last token and key id. */
function fill(keys: ReturnType<typeof sessionCrypto.parse>, n: number, tagged: boolean, pol?: string): { token: string; ak: string } {
  let last = { token: '', ak: '' };
  for (let i = 0; i < n; i++) {
    const c = claims(i, tagged, pol);
    const token = sessionCrypto.seal(keys, c);
    assert.ok(sessionCrypto.open(keys, token, c.ak).ok);
    last = { token, ak: c.ak };
  }
  return last;
}

test('tokens of ordinary size: 8,192 held, as before', () => {
  const keys = [sessionCrypto.newKey(Date.now())];
  fill(keys, 8200, false);
  const held = openedHeld(keys);
  assert.equal(held.tokens, 8192);
  assert.ok(held.chars < BUDGET);
});

test("a job's sessions with a 2,048-character inline policy: 8,192 held", () => {
  const keys = [sessionCrypto.newKey(Date.now())];
  const pol = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${'b'.repeat(1940)}` }] });
  assert.equal(pol.length > 2000 && pol.length <= 2048, true);
  const last = fill(keys, 8200, false, pol);
  assert.ok(last.token.length > 3000);
  assert.equal(openedHeld(keys).tokens, 8192);
});

test('large tokens: at most 32 Mi characters held; the latest still answered from the cache', () => {
  const keys = [sessionCrypto.newKey(Date.now())];
  const last = fill(keys, 3600, true);
  const held = openedHeld(keys);
  assert.ok(last.token.length > 10_000, 'a token of 31 transitive tags of 128-character keys');
  assert.ok(held.chars <= BUDGET, `${held.chars} characters held`);
  assert.ok(held.tokens < 3600 && held.tokens > 2000, `${held.tokens} tokens held`);
  const a = sessionCrypto.open(keys, last.token, last.ak);
  const b = sessionCrypto.open(keys, last.token, last.ak);
  assert.ok(a.ok && b.ok);
  assert.equal(a.claims, b.claims, 'the same frozen claims: a hit');
  // Bound to its key id, hit or not.
  assert.equal(sessionCrypto.open(keys, last.token, 'ASIAOTHER').ok, false);
});
