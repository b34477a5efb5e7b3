/**
 * Review fd, 3. `POST /v1/who-can` without `action` or `resource`, or with either not a string (`{"action": 1}`,
 * `{"resource": 1}`, `{"context": {}}`), was answered 500 InternalFailure: who-can read the resource's policies
 * (`ResourcePolicies.forResource`, `accountOf(arn)`) and the roles' trust policies for the action before anything
 * checked the question, and crashed on `undefined.toLowerCase()` or `(1).startsWith`. `/v1/authorize` and
 * `/v1/simulate` refused the same bodies with 400. Now who-can checks `action` and `resource` first, as they do (one
 * function, `actionAndResourceRefusal`), and answers the same 400 with the same code, message and path.
 * Real server (SQLite), SigV4-signed.
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

type Detail = { code?: string; path?: string; message?: string };

async function post(path: string, body: string): Promise<{ status: number; detail: Detail | undefined; text: string }> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: s.admin, sha256: Sha256 });
  const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host, 'content-type': 'application/json' }, body });
  const r = await fetch(new URL(path, u), { method: 'POST', headers: signed.headers, body });
  const text = await r.text();
  const json = JSON.parse(text) as { error?: { details?: Detail[] } };
  return { status: r.status, detail: json.error?.details?.[0], text };
}

test('who-can refuses a question without a string action or resource with 400, as authorize does', async () => {
  const bodies = [
    { resource: 'arn:aws:s3:::b/k' },
    { action: 1, resource: 'arn:aws:s3:::b/k' },
    { action: ['s3:GetObject'], resource: 'arn:aws:s3:::b/k' },
    { action: 's3:GetObject' },
    { action: 's3:GetObject', resource: 1 },
    { action: 's3:GetObject', resource: { arn: 'arn:aws:s3:::b/k' } },
    { context: {} },
    {},
  ];
  for (const body of bodies) {
    const text = JSON.stringify(body);
    const who = await post('/v1/who-can', text);
    const authorize = await post('/v1/authorize', text);
    assert.equal(authorize.status, 400, text);
    assert.equal(who.status, 400, `${text}: ${who.text}`);
    assert.deepEqual(who.detail, authorize.detail, text);
  }
});

test('a well-formed question is still answered', async () => {
  const r = await post('/v1/who-can', JSON.stringify({ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }));
  assert.equal(r.status, 200, r.text);
  assert.match(r.text, /"name":"admin"/);
});
