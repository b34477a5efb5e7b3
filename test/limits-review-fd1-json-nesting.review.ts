/**
 * Review fd, 1. A `/v1/` body nested thousands of levels deep was answered 500 InternalFailure: `JSON.parse` reads any
 * depth, but routes that serialize a policy document given as an object (`POST /v1/policies`, `POST /v1/roles`'
 * `trustPolicy`, `PUT /v1/{users,groups,roles}/N/inline-policies/P`) or walk a value (`POST /v1/accounts`) overflowed
 * the stack, logged a RangeError, and told the client to retry the same request.
 *
 * Now a body whose objects and arrays nest past 128 levels (the body itself level 1; a policy document's own bound is
 * 64) is refused 400 ValidationError before any route reads it, naming the JSON path where it passes the bound, and
 * nothing is written; a body at the bound is read as before. Real server (SQLite), SigV4-signed.
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

async function send(method: string, path: string, body: string): Promise<{ status: number; code: string | undefined; detail: Detail | undefined; json: Record<string, unknown> }> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: s.admin, sha256: Sha256 });
  const signed = await signer.sign({ method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host, 'content-type': 'application/json' }, ...(body === '' ? {} : { body }) });
  const r = await fetch(new URL(path, u), { method, headers: signed.headers, ...(body === '' ? {} : { body }) });
  const json = (await r.json()) as { error?: { code?: string; details?: Detail[] } } & Record<string, unknown>;
  return { status: r.status, code: json.error?.code, detail: json.error?.details?.[0], json };
}

const deepObject = (n: number): string => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const deepArray = (n: number): string => '['.repeat(n) + ']'.repeat(n);

test('deeply nested bodies are refused 400 naming where, on every route that answered 500', async () => {
  const cases: [string, string, string, string][] = [
    ['POST', '/v1/policies', `{"name":"deep","document":${deepObject(100_000)}}`, 'document' + '.a'.repeat(127)],
    ['POST', '/v1/policies', `{"name":"deep","document":{"Version":"2012-10-17","Statement":${deepArray(100_000)}}}`, 'document.Statement' + '[0]'.repeat(126)],
    ['POST', '/v1/roles', `{"name":"deep","trustPolicy":${deepObject(100_000)}}`, 'trustPolicy' + '.a'.repeat(127)],
    ['PUT', '/v1/users/admin/inline-policies/deep', `{"document":${deepObject(100_000)}}`, 'document' + '.a'.repeat(127)],
    ['POST', '/v1/accounts', `{"id":${deepArray(100_000)}}`, 'id' + '[0]'.repeat(127)],
    // In an apply, the path within its document (and `document`: 0), which the CLI places in its file.
    ['POST', '/v1/apply', `{"documents":[{"apiVersion":"gatehouse.dev/v1","kind":"Policy","metadata":{"name":"deep"},"spec":{"document":${deepObject(20_000)}}}]}`, 'spec.document' + '.a'.repeat(124)],
  ];
  for (const [method, path, body, at] of cases) {
    const r = await send(method, path, body);
    assert.equal(r.status, 400, `${method} ${path}: ${JSON.stringify(r.json).slice(0, 300)}`);
    assert.equal(r.code, 'ValidationError');
    assert.equal(r.detail?.path, at, `${method} ${path}`);
    assert.match(r.detail?.message ?? '', /nested past 128 levels/);
  }
  // Nothing was written.
  const policies = await send('GET', '/v1/policies', '');
  assert.equal(JSON.stringify(policies.json).includes('"deep"'), false);
  const roles = await send('GET', '/v1/roles', '');
  assert.equal(JSON.stringify(roles.json).includes('"deep"'), false);
});

test('a body at the bound is read by its route', async () => {
  // Body level 1, `x` at 2 and its arrays to 128: the route itself refuses the unknown field, as before.
  const r = await send('POST', '/v1/users', `{"name":"u","x":${deepArray(127)}}`);
  assert.equal(r.status, 400);
  assert.match(r.detail?.message ?? '', /unknown field `x`/);
  const over = await send('POST', '/v1/users', `{"name":"u","x":${deepArray(128)}}`);
  assert.equal(over.status, 400);
  assert.equal(over.detail?.path, 'x' + '[0]'.repeat(127));
  const made = await send('POST', '/v1/policies', `{"name":"shallow","document":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}}`);
  assert.equal(made.status, 201, JSON.stringify(made.json));
});
