/**
 * Review cw, finding 1: the admin API under `/v1/` took presigned (query-string) SigV4 requests, valid for
 * `X-Amz-Expires` up to 604800 s: a URL signed six days ago still read `/v1/whoami` and `/v1/users`, and a presigned
 * POST (its body is in the canonical request) created a user. The Query API caps presigned requests at STS's
 * 15 minutes; the admin API had S3's week. No client of this API presigns (the CLI and the console sign every request
 * with an Authorization header), and a URL is the credential that ends in browser history, proxy logs and Referer
 * headers: a leaked admin link administered for a week, and so did a console signing key (kept for two dates only)
 * turned into a week-long URL. The admin API now refuses the query form outright, 403 `AccessDenied` in its JSON shape,
 * before any key is looked up, and records the refusal with a fixed reason. Signed with the SDK's own presigner
 * (`@smithy/signature-v4`), sent with `fetch` to a real server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { REGION, auditRecords, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const DAY = 24 * 60 * 60 * 1000;
let server: TestServer;

before(async () => {
  server = await startTestServer();
});

after(async () => {
  await server?.stop();
});

interface Answer {
  readonly status: number;
  readonly text: string;
  readonly error: { code?: string; message?: string } | undefined;
}

async function answer(r: Response): Promise<Answer> {
  const text = await r.text();
  let error: Answer['error'];
  try {
    error = (JSON.parse(text) as { error?: Answer['error'] }).error;
  } catch {
    error = undefined;
  }
  return { status: r.status, text, error };
}

function request(method: string, path: string, body?: string) {
  const u = new URL(server.url);
  return { method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, ...(body === undefined ? {} : { body }) };
}

/** A presigned `method path`, signed `agoMs` ago for `expiresIn` seconds (service `gatehouse`, as the admin API wants). */
async function presigned(method: string, path: string, agoMs: number, expiresIn: number, body?: string, credentials: Credentials = server.admin): Promise<Answer> {
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials, sha256: Sha256 });
  const p = await signer.presign(request(method, path, body), { expiresIn, signingDate: new Date(Date.now() - agoMs) });
  const url = `${server.url}${path}?${new URLSearchParams(p.query as Record<string, string>).toString()}`;
  return answer(await fetch(url, { method, ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }) }));
}

/** The same request with an Authorization header (as the CLI and the console sign). */
async function signed(method: string, path: string, body?: string): Promise<Answer> {
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: server.admin, sha256: Sha256 });
  const s = await signer.sign(request(method, path, body));
  return answer(await fetch(`${server.url}${path}`, { method, headers: s.headers, ...(body === undefined ? {} : { body }) }));
}

function assertRefused(r: Answer, what: string): void {
  assert.equal(r.status, 403, `${what}: ${r.text}`);
  assert.equal(r.error?.code, 'AccessDenied', `${what}: ${r.text}`);
  assert.match(r.error?.message ?? '', /presigned/i, `${what}: says why`);
  assert.match(r.error?.message ?? '', /Authorization header/, `${what}: says what to do`);
  assert.doesNotMatch(r.text, /[0-9a-f]{64}/, `${what}: no signature echoed`);
  assert.doesNotMatch(r.text, /"arn"|"users"/, `${what}: nothing answered`);
}

describe('edge review cw1: the admin API takes no presigned URL', () => {
  test('a week-long presigned GET /v1/whoami and /v1/users signed six days ago reads nothing', async () => {
    assertRefused(await presigned('GET', '/v1/whoami', 6 * DAY, 604_800), 'whoami');
    assertRefused(await presigned('GET', '/v1/users', 6 * DAY, 604_800), 'users');
    assertRefused(await presigned('GET', '/v1/audit', 6 * DAY, 604_800), 'audit');
  });

  test('nor does a fresh one for 60 seconds', async () => {
    assertRefused(await presigned('GET', '/v1/whoami', 0, 60), 'fresh whoami');
  });

  test('a presigned POST /v1/users (body signed) creates no user', async () => {
    const body = JSON.stringify({ name: 'mallory' });
    assertRefused(await presigned('POST', '/v1/users', 6 * DAY, 604_800, body), 'create user');
    const users = await signed('GET', '/v1/users');
    assert.equal(users.status, 200, users.text);
    assert.doesNotMatch(users.text, /mallory/);
  });

  test('the refusal is recorded with a fixed reason, without the URL', async () => {
    await presigned('GET', '/v1/access-keys', 0, 60);
    const records = await auditRecords(server, { action: 'GET /v1/access-keys' });
    const refused = records.filter((r) => r.decision === 'Deny');
    assert.ok(refused.length > 0, JSON.stringify(records));
    // Without the log's own hash chain (64 hex digits each).
    const text = JSON.stringify(refused.map((r) => ({ ...r, hash: undefined, prevHash: undefined })));
    assert.match(text, /presigned/);
    assert.doesNotMatch(text, /X-Amz-|[0-9a-f]{64}/);
  });

  test('requests signed with an Authorization header, and presigned STS GetCallerIdentity on the Query API, still work', async () => {
    const who = await signed('GET', '/v1/whoami');
    assert.equal(who.status, 200, who.text);
    assert.match(who.text, /user\/admin/);
    const created = await signed('POST', '/v1/users', JSON.stringify({ name: 'carol' }));
    assert.equal(created.status, 201, created.text);
    assert.match((await server.sts().send(new GetCallerIdentityCommand({}))).Arn ?? '', /user\/admin/);
    const u = new URL(server.url);
    const signer = new SignatureV4({ service: 'sts', region: REGION, credentials: server.admin, sha256: Sha256 });
    const p = await signer.presign({ method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: u.host } }, { expiresIn: 60 });
    const r = await fetch(`${server.url}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`);
    assert.equal(r.status, 200, await r.text());
  });
});
