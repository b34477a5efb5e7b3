/**
 * Review O, finding 2: a presigned IAM or STS Query API request is valid for at most 15 minutes after its
 * `X-Amz-Date` (STS's rule), whatever `X-Amz-Expires` says; STS ignores it (exactly 15 minutes), for IAM a shorter one
 * still counts. Before, the 7-day S3 window applied, so a leaked presigned AssumeRole URL minted credentials for a week.
 * Signed by the SDK's own presigner (`@smithy/signature-v4`), sent with `fetch` to a real server.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import * as I from '@aws-sdk/client-iam';
import { REGION, errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const MIN = 60_000;
let server: TestServer;
let roleArn: string;

before(async () => {
  server = await startTestServer();
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });
  roleArn = (await server.iam().send(new I.CreateRoleCommand({ RoleName: 'r1', AssumeRolePolicyDocument: trust }))).Role!.Arn!;
});

after(async () => {
  await server.stop();
});

/** A presigned GET of `query`, signed `agoMs` ago for `expiresIn` seconds, scoped to `service`. */
async function presigned(query: Record<string, string>, service: 'iam' | 'sts', agoMs: number, expiresIn: number, credentials: Credentials = server.admin): Promise<string> {
  const u = new URL(server.url);
  const signer = new SignatureV4({ service, region: REGION, credentials, sha256: Sha256 });
  const p = await signer.presign(
    { method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query, headers: { host: u.host } },
    { expiresIn, signingDate: new Date(Date.now() - agoMs) },
  );
  return `${server.url}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`;
}

async function get(url: string): Promise<{ status: number; code: string | undefined; body: string }> {
  const r = await fetch(url);
  const body = await r.text();
  return { status: r.status, code: /<Code>([^<]*)<\/Code>/.exec(body)?.[1], body };
}

const GCI = { Action: 'GetCallerIdentity', Version: '2011-06-15' };

describe('presigned Query API requests: 15 minutes at most', () => {
  test('a presigned AssumeRole signed 6 days ago with X-Amz-Expires=604800 mints nothing', async () => {
    const url = await presigned({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: roleArn, RoleSessionName: 'leaked' }, 'sts', 6 * 24 * 60 * MIN, 604_800);
    const r = await get(url);
    assert.equal(r.status, 403, r.body);
    assert.equal(r.code, 'AccessDenied', r.body);
    assert.match(r.body, /Request has expired/);
    assert.doesNotMatch(r.body, /SessionToken/);
  });

  test('a presigned IAM CreateUser signed 6 days ago creates no user', async () => {
    const url = await presigned({ Action: 'CreateUser', Version: '2010-05-08', UserName: 'replayed' }, 'iam', 6 * 24 * 60 * MIN, 604_800);
    const r = await get(url);
    assert.equal(r.status, 403, r.body);
    assert.equal(r.code, 'AccessDenied', r.body);
    assert.equal(await errorName(server.iam().send(new I.GetUserCommand({ UserName: 'replayed' }))), 'NoSuchEntityException');
  });

  test('GetCallerIdentity with X-Amz-Expires=3600: accepted 10 minutes after signing, refused after 16', async () => {
    const fresh = await get(await presigned(GCI, 'sts', 10 * MIN, 3600));
    assert.equal(fresh.status, 200, fresh.body);
    assert.match(fresh.body, /<Arn>arn:aws:iam::000000000000:user\/admin<\/Arn>/);
    const stale = await get(await presigned(GCI, 'sts', 16 * MIN, 3600));
    assert.equal(stale.status, 403, stale.body);
    assert.equal(stale.code, 'AccessDenied', stale.body);
    assert.match(stale.body, /at most 900 seconds after X-Amz-Date/);
  });

  test('STS ignores X-Amz-Expires: a 60 s GetCallerIdentity (the EKS token value) is good for 15 minutes, as on STS', async () => {
    const later = await get(await presigned(GCI, 'sts', 2 * MIN, 60));
    assert.equal(later.status, 200, later.body);
    const stale = await get(await presigned(GCI, 'sts', 16 * MIN, 60));
    assert.equal(stale.status, 403, stale.body);
    assert.equal(stale.code, 'AccessDenied', stale.body);
  });

  test('for IAM a shorter X-Amz-Expires still counts', async () => {
    const r = await get(await presigned({ Action: 'ListUsers', Version: '2010-05-08' }, 'iam', 2 * MIN, 60));
    assert.equal(r.status, 403, r.body);
    assert.equal(r.code, 'AccessDenied', r.body);
    const ok = await get(await presigned({ Action: 'ListUsers', Version: '2010-05-08' }, 'iam', 0, 60));
    assert.equal(ok.status, 200, ok.body);
  });
});
