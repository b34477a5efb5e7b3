/**
 * Review je, 6. A request body that is not JSON was refused in V8's words: for an unexpected token (`{"action": x}`,
 * a value left unquoted) that message has no position, so `details[0]` had no `line` or `column` (review cm, 7 left it
 * so), and it quotes the body around the fault, ten characters each side: `Unexpected token 'w', ..."rincipal":
 * wJalrXUtnF"... is not valid JSON`. A secret next to the fault (an unquoted key, the end of a webhook token) was copied
 * into the answer, and a Kubernetes webhook's `Status` message, which kube-apiserver logs.
 *
 * Now the admin API (`/v1/`) and the webhooks say what and where in the strict reader's words (`unexpected character
 * \`w\` at line 1, column 14`), with `line` and `column` in the admin API's detail, and quote nothing of the body but
 * the one character at fault. Real server (SQLite), SigV4-signed; the webhook with its cluster's token.
 *
 * Before the fix 3 of 3 tests failed.
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

type Detail = { code?: string; message?: string; path?: string; line?: number; column?: number };

async function admin(method: string, path: string, body: string): Promise<{ status: number; text: string; detail: Detail | undefined }> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: s.admin, sha256: Sha256 });
  const signed = await signer.sign({ method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host, 'content-type': 'application/json' }, body });
  const r = await fetch(new URL(path, u), { method, headers: signed.headers, body });
  const text = await r.text();
  let detail: Detail | undefined;
  try {
    detail = (JSON.parse(text) as { error?: { details?: Detail[] } }).error?.details?.[0];
  } catch {
    detail = undefined;
  }
  return { status: r.status, text, detail };
}

test('an unquoted value is refused at its line and column', async () => {
  const r = await admin('POST', '/v1/authorize', '{\n  "action": s3:GetObject\n}');
  assert.equal(r.status, 400, r.text);
  assert.equal(r.detail?.code, 'VALIDATION_ERROR');
  assert.deepEqual([r.detail?.line, r.detail?.column], [2, 13], r.text);
  assert.match(r.detail?.message ?? '', /line 2, column 13/);
});

test('the refusal quotes nothing of the body around the fault', async () => {
  const secret = 'wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY';
  const r = await admin('POST', '/v1/authorize', `{"principal":${secret}}`);
  assert.equal(r.status, 400, r.text);
  assert.ok(!r.text.includes(secret.slice(0, 6)), `the answer quotes the body: ${r.text}`);
  assert.deepEqual([r.detail?.line, r.detail?.column], [1, 14], r.text);
});

test("a webhook's refusal of a body that is not JSON quotes none of it, and says where", async () => {
  assert.equal((await admin('PUT', '/v1/clusters/c1', '{}')).status, 200);
  const cfg = await admin('POST', '/v1/clusters/c1/webhook-config', '{}');
  const token = (JSON.parse(cfg.text) as { token: string }).token;
  const body = '{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"k8s-aws-v1.TOPSECRETSIG", x}}';
  const r = await fetch(new URL('/k8s/c1/authenticate', s.url), { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
  const status = (await r.json()) as { code: number; message: string };
  assert.equal(status.code, 400);
  assert.ok(!status.message.includes('ECRETSIG'), `the Status quotes the token: ${status.message}`);
  assert.match(status.message, /expected a string key at line 1, column 106/);
});
