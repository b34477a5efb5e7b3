/**
 * Review hv, 1. The admin API's module documents every error as `{"error": {"code", "message", "gatehouseCode",
 * "details"}}`, and docs/errors.md lists each `gatehouseCode` with its HTTP status and CLI exit, but a request no route
 * takes was answered with `code` and `message` alone: `GET /v1/nosuch` (a misspelled resource, a server older than the
 * client), `PATCH /v1/users`, and outside `/v1/` `GET /nothing` and `POST /healthz`. A client reading `gatehouseCode` or
 * `details` (the CLI's `--json`, the console) found none for these, the only errors of the API without them.
 *
 * Now they are `UNKNOWN_ROUTE` (404 `NotFound`, exit 6) and `METHOD_NOT_ALLOWED` (405 `MethodNotAllowed`, exit 8), in
 * the same shape as every other error, the 405 still with its `Allow`. Real server (SQLite), SigV4-signed.
 * Before the fix both tests failed.
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

interface ErrorBody {
  readonly error?: { code?: string; message?: string; gatehouseCode?: string; details?: { code?: string; message?: string; path?: string }[] };
}

async function send(method: string, path: string): Promise<{ status: number; allow: string | null; body: ErrorBody }> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: s.admin, sha256: Sha256 });
  const signed = await signer.sign({ method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host }, body: '' });
  const r = await fetch(new URL(path, u), { method, headers: signed.headers });
  return { status: r.status, allow: r.headers.get('allow'), body: (await r.json()) as ErrorBody };
}

test('a path no route has is UNKNOWN_ROUTE, with details, under /v1/ and outside it', async () => {
  for (const path of ['/v1/nosuch', '/v1/users/bob/nosuch', '/nothing']) {
    const r = await send('GET', path);
    assert.equal(r.status, 404, path);
    assert.equal(r.body.error?.code, 'NotFound', path);
    assert.equal(r.body.error?.gatehouseCode, 'UNKNOWN_ROUTE', path);
    assert.equal(r.body.error?.message, `no route for GET ${path}`);
    assert.deepEqual(r.body.error?.details, [{ code: 'UNKNOWN_ROUTE', message: `no route for GET ${path}`, path: '' }]);
  }
});

test('a method the path does not take is METHOD_NOT_ALLOWED, with details and Allow', async () => {
  const users = await send('PATCH', '/v1/users');
  assert.equal(users.status, 405);
  assert.deepEqual(users.allow?.split(', ').sort(), ['GET', 'HEAD', 'POST']);
  assert.equal(users.body.error?.code, 'MethodNotAllowed');
  assert.equal(users.body.error?.gatehouseCode, 'METHOD_NOT_ALLOWED');
  assert.equal(users.body.error?.details?.[0]?.code, 'METHOD_NOT_ALLOWED');
  assert.match(users.body.error?.message ?? '', /^PATCH is not allowed on \/v1\/users; use /);

  const probe = await send('POST', '/healthz');
  assert.equal(probe.status, 405);
  assert.equal(probe.allow, 'GET, HEAD');
  assert.equal(probe.body.error?.gatehouseCode, 'METHOD_NOT_ALLOWED');
  assert.deepEqual(probe.body.error?.details, [{ code: 'METHOD_NOT_ALLOWED', message: 'POST is not allowed on /healthz; use GET, HEAD', path: '' }]);
});
