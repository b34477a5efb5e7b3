/**
 * Review gc, 1. Alibaba's STS (`Version=2015-04-01`, signature version 1.0) refuses a `SignatureNonce` seen in the last
 * 15 minutes, and to do so the server kept every nonce it was sent, whole, for 15 minutes (up to 100,000 of them). A
 * nonce is whatever the client puts in its signed parameters, up to the Query API's 1 MiB body: any principal with a
 * key, none of whose policies allow anything (GetCallerIdentity needs no permission, and the nonce is kept before the
 * action is even looked at), made the server keep 1 MiB a request, ~100 GB for the window's 100,000 nonces: 200
 * requests grew its heap by 200 MB, and it ran out of memory within minutes.
 *
 * Now a nonce is kept as a fixed-size digest of (key id, nonce): what the server holds for the replay check does not
 * grow with what the client sends, and a replayed nonce is still refused `SignatureNonceUsed`. Real server (SQLite),
 * requests signed by hand as `@alicloud/credentials` signs them (the package never sends a nonce of its choosing).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let s: TestServer;
let nobody: Credentials;
before(async () => {
  s = await startTestServer();
  nobody = await userWithKey(s, 'nobody');
});
after(() => s?.stop());

const percent = (v: string): string => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** GetCallerIdentity of Alibaba's STS, signed with signature version 1.0, every parameter in the form body. */
async function callerIdentity(keys: Credentials, nonce: string): Promise<{ status: number; code: unknown }> {
  const all: Record<string, string> = {
    Action: 'GetCallerIdentity',
    Version: '2015-04-01',
    Format: 'JSON',
    Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    SignatureMethod: 'HMAC-SHA1',
    SignatureVersion: '1.0',
    SignatureNonce: nonce,
    AccessKeyId: keys.accessKeyId,
  };
  const canonical = Object.keys(all).sort().map((k) => `${percent(k)}=${percent(all[k] as string)}`).join('&');
  const signature = createHmac('sha1', `${keys.secretAccessKey}&`).update(`POST&${percent('/')}&${percent(canonical)}`).digest('base64');
  const r = await fetch(`${s.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `${canonical}&Signature=${percent(signature)}` });
  const json = (await r.json()) as Record<string, unknown>;
  return { status: r.status, code: json['Code'] };
}

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

test('long nonces from a principal with no rights do not pile up in the server', async () => {
  // Warm up (the first request loads and compiles what a request needs).
  assert.equal((await callerIdentity(nobody, 'warm-up')).status, 200);
  const before = heapAfterGc();
  // 60 requests keep 24 MiB of nonces if kept whole (25 MiB measured), twice the bound; the heap grows by under 2 MiB
  // without them. 120 requests cost twice the CPU for a margin the bound does not need.
  const requests = 60;
  const size = 400 * 1024;
  for (let i = 0; i < requests; i++) {
    // Each nonce its own (a repeated one is refused before it is kept): 400 KiB of one letter and a number.
    const r = await callerIdentity(nobody, `${String.fromCharCode(97 + (i % 26)).repeat(size)}-${i}`);
    assert.equal(r.status, 200, `request ${i}: ${String(r.code)}`);
  }
  const grown = heapAfterGc() - before;
  // Before: the 60 nonces themselves, 24 MiB, stayed for 15 minutes.
  assert.ok(grown < 12 * 1024 * 1024, `the heap grew by ${(grown / 1024 / 1024).toFixed(1)} MiB after ${requests} requests of ${size / 1024} KiB nonces`);
});

test('a nonce, long or short, is still refused when it comes again', async () => {
  const long = `${'n'.repeat(64 * 1024)}-again`;
  assert.equal((await callerIdentity(nobody, long)).status, 200);
  assert.deepEqual(await callerIdentity(nobody, long), { status: 400, code: 'SignatureNonceUsed' });
  assert.equal((await callerIdentity(nobody, 'short-1')).status, 200);
  assert.deepEqual(await callerIdentity(nobody, 'short-1'), { status: 400, code: 'SignatureNonceUsed' });
  // The same nonce under another key is that key's own.
  assert.equal((await callerIdentity(s.admin, 'short-1')).status, 200);
});
