/**
 * Review cw, finding 2: a `principalProof` (the presigned STS GetCallerIdentity a caller hands a resource server, which
 * passes it to `POST /v1/authorize`) was taken for its whole `X-Amz-Expires`, up to 604800 s, though the Query API
 * serves the very same presigned request for at most 15 minutes after `X-Amz-Date` (review O, 2), as STS does, and
 * aws-iam-authenticator and Vault's AWS auth, which forward such a request to STS, get 15 minutes. A proof is a bearer
 * credential: one leaked from a resource server's logs proved its caller to every resource server for a week. It is now
 * valid for at most 900 s after `X-Amz-Date`; a shorter `X-Amz-Expires` still counts. Real server, the SDK's
 * SignatureV4 presigner, an assumed-role session and the admin's long-term key.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const MIN = 60_000;
const QUESTION = { action: 's3:GetObject', resource: 'arn:aws:s3:::data/x' };
let s: TestServer;
let session: Credentials;

before(async () => {
  s = await startTestServer();
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] };
  await s.iam().send(new I.CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  await s.iam().send(new I.PutRolePolicyCommand({ RoleName: 'reader', PolicyName: 'read', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));
  const c = (await s.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/reader`, RoleSessionName: 'proof', DurationSeconds: 3600 }))).Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  session = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
});
after(() => s?.stop());

/** The caller's proof: a presigned GetCallerIdentity on the server, signed `agoMs` ago for `expiresIn` seconds. */
async function proof(credentials: Credentials, agoMs: number, expiresIn: number): Promise<string> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'sts', region: REGION, credentials, sha256: Sha256 });
  const p = await signer.presign(
    { method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: u.host } },
    { expiresIn, signingDate: new Date(Date.now() - agoMs) },
  );
  return `${s.url}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`;
}

async function ask(principalProof: string): Promise<{ status: number; json: Record<string, unknown> }> {
  return gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principalProof, ...QUESTION });
}

function assertExpired(r: { status: number; json: Record<string, unknown> }, what: string): void {
  const e = r.json['error'] as { code?: string; message?: string; details?: { path?: string }[] } | undefined;
  assert.equal(r.status, 403, `${what}: ${JSON.stringify(r.json)}`);
  assert.equal(e?.code, 'AccessDenied', what);
  assert.match(e?.message ?? '', /`principalProof` refused.*Request has expired.*at most 900 seconds after X-Amz-Date/, what);
  assert.equal(e?.details?.[0]?.path, 'principalProof', what);
  assert.equal(r.json['decision'], undefined, what);
}

describe('sts review cw2: a principalProof is good for 15 minutes at most, as the Query API serves it', () => {
  test('a week-long proof made 20 minutes ago is refused, for a session and for a long-term key', async () => {
    const stale = await proof(session, 20 * MIN, 604_800);
    assertExpired(await ask(stale), 'session');
    // The Query API refuses the very same request.
    const direct = await fetch(stale);
    assert.equal(direct.status, 403);
    assert.match(await direct.text(), /<Code>AccessDenied<\/Code>/);
    assertExpired(await ask(await proof(s.admin, 20 * MIN, 604_800)), 'long-term key');
  });

  test('a proof with X-Amz-Expires=3600 is decided 10 minutes after signing', async () => {
    const r = await ask(await proof(session, 10 * MIN, 3600));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['decision'], 'Allow');
    assert.equal(r.json['principal'], `arn:aws:sts::${ACCT}:assumed-role/reader/proof`);
  });

  test('a shorter X-Amz-Expires still counts', async () => {
    const r = await ask(await proof(session, 5 * MIN, 60));
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(String((r.json['error'] as { message?: string }).message), /Request has expired/);
  });
});
