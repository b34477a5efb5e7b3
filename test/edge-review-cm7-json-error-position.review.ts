/**
 * Review cm, 7. A request body that is not JSON was refused with its position in the message alone ("… at position 55
 * (line 1 column 56)"); `error.details[0]` carried no `line` and `column`, which the admin API gives every error with a
 * position in the source text (src/adapters/http/admin-api.ts: "each with its code, message, JSON `path` and, where
 * known, `line` and `column`"), so a resource server could not point at the fault without parsing Node's wording.
 *
 * Now the error's detail carries `line` and `column` (1-based) when the parser gives a position, and none when it does
 * not (`Unexpected token`; since review je, 6 every syntax error has one). Real server (SQLite), SigV4-signed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

type Detail = { code?: string; path?: string; line?: number; column?: number };

async function post(body: string): Promise<{ status: number; detail: Detail | undefined }> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: s.admin, sha256: Sha256 });
  const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/v1/authorize', query: {}, headers: { host: u.host, 'content-type': 'application/json' }, body });
  const r = await fetch(new URL('/v1/authorize', u), { method: 'POST', headers: signed.headers, body });
  const json = (await r.json()) as { error?: { details?: Detail[] } };
  return { status: r.status, detail: json.error?.details?.[0] };
}

test('a syntax error says its line and column in the detail', async () => {
  const r = await post('{\n  "action": "s3:GetObject",\n  "resource": "arn:aws:s3:::b/k",\n}');
  assert.equal(r.status, 400);
  assert.equal(r.detail?.code, 'VALIDATION_ERROR');
  assert.equal(r.detail?.line, 4, JSON.stringify(r.detail));
  assert.equal(r.detail?.column, 1, JSON.stringify(r.detail));
});

test('a body cut short points at its end; an unexpected token at itself', async () => {
  const cut = await post('{"action": "s3:GetObject"');
  assert.equal(cut.status, 400);
  assert.deepEqual([cut.detail?.line, cut.detail?.column], [1, 26], JSON.stringify(cut.detail));
  // V8's message gives no position for an unexpected token; it had none here until review je, 6 said where it is.
  const r = await post('{"action": x}');
  assert.equal(r.status, 400);
  assert.deepEqual([r.detail?.line, r.detail?.column], [1, 12], JSON.stringify(r.detail));
});
