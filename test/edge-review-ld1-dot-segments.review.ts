/**
 * Review ld, 1: the admin API acted on a route its SigV4 signature does not name. A service other than S3 signs its
 * path with the dot segments removed (`/v1/users/.` is signed as `/v1/users`, `/v1/users/x/..` as `/v1/users`: the
 * SigV4 canonical URI, smithy's `getCanonicalPath`, the verifier's `canonicalUri`), while `/v1/` routed the path as
 * sent, a `.` or `..` segment being a name. So one signature was good for two requests: a `GET /v1/users` (the listing)
 * taken from a log or a proxy and sent again within its 15 minutes as `GET /v1/users/.` was answered as GetUser of the
 * user named `.`, which its signer never asked for. A path with a `.` or `..` segment is now refused 400 naming the
 * path, before its signature is read, and the `gatehouse` CLI writes a name that is `.` or `..` percent-encoded (`%2E`),
 * which the signature covers as written, so such a user is still reached.
 *
 * Raw requests signed with @smithy/signature-v4 (as the CLI signs) against a real server; the CLI in process.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { REGION, cliAgainst, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer();
  await s.iam().send(new CreateUserCommand({ UserName: '.' }));
});
after(async () => s?.stop());

/** `GET signedPath` signed for the admin API, sent to `sentPath` exactly as written (fetch would remove dot segments). */
async function signedThenSent(signedPath: string, sentPath: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: s.admin, sha256: Sha256 });
  const signed = await signer.sign({ method: 'GET', protocol: 'http:', hostname: u.hostname, port: Number(u.port), path: signedPath, query: {}, headers: { host: u.host } });
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, method: 'GET', path: sentPath, headers: signed.headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('ld1: the listing signed as `GET /v1/users` is not answered as the user `.` when sent to `/v1/users/.`', async () => {
  // The signature holds: it is the path's (dot segments removed) either way.
  const listing = await signedThenSent('/v1/users', '/v1/users');
  assert.equal(listing.status, 200, JSON.stringify(listing.body));
  const other = await signedThenSent('/v1/users', '/v1/users/.');
  assert.equal(other.status, 400, `answered as another route: ${JSON.stringify(other.body).slice(0, 300)}`);
  const error = other.body['error'] as { code?: string; message?: string } | undefined;
  assert.equal(error?.code, 'ValidationError', JSON.stringify(other.body));
  assert.match(error?.message ?? '', /`\/v1\/users\/\.`/);
  assert.match(error?.message ?? '', /%2E/);
});

test('ld1: a `..` segment is refused too, whatever route it would make', async () => {
  const r = await signedThenSent('/v1/users', '/v1/users/x/..');
  assert.equal(r.status, 400, JSON.stringify(r.body).slice(0, 300));
  assert.match((r.body['error'] as { message?: string } | undefined)?.message ?? '', /`\/v1\/users\/x\/\.\.`/);
});

test('ld1: the CLI still reaches the user named `.` (written %2E, which the signature covers as sent)', async () => {
  const r = await cliAgainst(s, ['iam', 'users', 'get', '.', '--output', 'json']);
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /"name": "\."/);
  // And `%2E` as written is the user, not the listing.
  const direct = await signedThenSent('/v1/users/%2E', '/v1/users/%2E');
  assert.equal(direct.status, 200, JSON.stringify(direct.body));
  assert.equal(direct.body['name'], '.');
});
