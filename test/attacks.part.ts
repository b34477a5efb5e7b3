/**
 * Attacks on temporary credentials and on SigV4, against a real server on 127.0.0.1: each is refused with
 * the AWS error code DESIGN.md and credential-protocols §5.4 name, and no response (nor the server's log)
 * carries a secret access key, a session's secret, or a session token.
 *
 * Requests are signed by `@smithy/signature-v4` (the SDK v3 signer) and sent raw with `node:http`, so the
 * tests can change what was signed after signing.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import type { App } from '../src/app/index.ts';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

type Creds = Credentials & { sessionToken?: string };

const ACCT = '000000000000';
const ROLE = `arn:aws:iam::${ACCT}:role/target`;
const GCI = 'Action=GetCallerIdentity&Version=2011-06-15';

let server: TestServer;
let other: TestServer;
let app: App;
let alice: Credentials;
let sessionA: Required<Creds>;
let sessionB: Required<Creds>;
/** Every secret and token the suite has seen; none may appear in an error answer or the log. */
const secrets = new Set<string>();
const errorBodies: string[] = [];

interface Answer {
  readonly status: number;
  readonly code: string | undefined;
  readonly message: string | undefined;
  readonly body: string;
}

const unxml = (s: string | undefined): string | undefined =>
  s?.replace(/&(lt|gt|quot|apos|amp);/g, (_, e: string) => ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' })[e] ?? '');

function keep(c: Creds): void {
  secrets.add(c.secretAccessKey);
  if (c.sessionToken !== undefined) secrets.add(c.sessionToken);
}

function sendRaw(target: TestServer, headers: Record<string, string>, body: string): Promise<Answer> {
  const url = new URL(target.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const all = `${text}\n${JSON.stringify(res.headers)}`;
        if ((res.statusCode ?? 0) >= 400) errorBodies.push(all);
        for (const s of secrets) assert.ok(!all.includes(s), 'an error answer carries a secret or a session token');
        resolve({ status: res.statusCode ?? 0, code: /<Code>([^<]*)<\/Code>/.exec(text)?.[1], message: unxml(/<Message>([^<]*)<\/Message>/.exec(text)?.[1]), body: text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface SignOptions {
  readonly signingDate?: Date;
  /** Headers signed in addition to host, content-type and x-amz-date. */
  readonly extraHeaders?: Record<string, string>;
  readonly service?: string;
}

/** Headers of `body` signed as the Debian CLI signs (content-type;host;x-amz-date[;x-amz-security-token]). */
async function sign(target: TestServer, c: Creds, body: string, o: SignOptions = {}): Promise<Record<string, string>> {
  const url = new URL(target.url);
  const signer = new SignatureV4({
    service: o.service ?? 'sts',
    region: REGION,
    credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken !== undefined ? { sessionToken: c.sessionToken } : {}) },
    sha256: Sha256,
    applyChecksum: false,
  });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      query: {},
      headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', ...o.extraHeaders },
      body,
    },
    o.signingDate !== undefined ? { signingDate: o.signingDate } : {},
  );
  return { ...(signed.headers as Record<string, string>) };
}

async function call(c: Creds, body = GCI, o: SignOptions = {}, target = server): Promise<Answer> {
  return sendRaw(target, await sign(target, c, body, o), body);
}

function toCreds(r: S.AssumeRoleCommandOutput): Required<Creds> {
  const c = r.Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  const out = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
  keep(out);
  return out;
}

const assumeOn = async (target: TestServer, as: Credentials, name: string) => toCreds(await target.sts(as).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: name })));

async function setUp(target: TestServer): Promise<Credentials> {
  const admin = target.iam();
  await admin.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await admin.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'sts', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }) }));
  const k = await admin.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
  await admin.send(
    new I.CreateRoleCommand({
      RoleName: 'target',
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:user/alice` }, Action: 'sts:AssumeRole' }] }),
    }),
  );
  const creds = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  keep(creds);
  keep(target.admin);
  return creds;
}

/** The token with bit `bit` of byte `byte` of its sealed part flipped. */
function flip(token: string, byte: number, bit: number): string {
  const [prefix, kid, payload] = token.split('.') as [string, string, string];
  const raw = Buffer.from(payload, 'base64url');
  raw[byte % raw.length] = (raw[byte % raw.length] as number) ^ (1 << bit);
  return `${prefix}.${kid}.${raw.toString('base64url')}`;
}

before(async () => {
  [server, other] = await Promise.all([startTestServer(), startTestServer()]);
  alice = await setUp(server);
  app = await server.openApp();
  sessionA = await assumeOn(server, alice, 'session-a');
  sessionB = await assumeOn(server, alice, 'session-b');
});

after(async () => {
  // Nothing secret in the log of either server either.
  for (const line of [...(server?.logs ?? []), ...(other?.logs ?? [])]) for (const s of secrets) assert.ok(!line.includes(s), 'the server log carries a secret');
  await Promise.all([server?.stop(), other?.stop()]);
});

describe('the baseline', () => {
  it('a correctly signed request with a session token is accepted', async () => {
    const a = await call(sessionA);
    assert.equal(a.status, 200, a.body);
    assert.match(a.body, /assumed-role\/target\/session-a/);
  });
});

describe('forged and foreign session tokens', () => {
  it('a token with one flipped bit (key id, nonce, ciphertext, tag): InvalidClientTokenId', async () => {
    const raw = Buffer.from(sessionA.sessionToken.split('.')[2] as string, 'base64url');
    // Nonce (0–11), the start, middle and end of the ciphertext, and the tag (last 16 bytes).
    const positions = [0, 11, 12, 40, Math.floor(raw.length / 2), raw.length - 17, raw.length - 16, raw.length - 1];
    for (const byte of positions) {
      for (const bit of [0, 7]) {
        const forged = flip(sessionA.sessionToken, byte, bit);
        const a = await call({ ...sessionA, sessionToken: forged });
        assert.equal(a.code, 'InvalidClientTokenId', `byte ${byte} bit ${bit}`);
        assert.equal(a.status, 403);
        assert.equal(a.message, 'The security token included in the request is invalid.');
      }
    }
    // The key id in clear, and a truncated, an empty-looking and an oversized token.
    const [p, kid, payload] = sessionA.sessionToken.split('.') as [string, string, string];
    const otherKid = ((parseInt(kid, 16) ^ 1) >>> 0).toString(16).padStart(8, '0');
    for (const t of [`${p}.${otherKid}.${payload}`, sessionA.sessionToken.slice(0, -10), `${p}.${kid}.`, 'GH1', `${p}.${kid}.${'A'.repeat(14_000)}`]) {
      assert.equal((await call({ ...sessionA, sessionToken: t })).code, 'InvalidClientTokenId', t.slice(0, 40));
    }
    // Past Node's 16 KiB header limit the request never reaches the verifier.
    assert.equal((await call({ ...sessionA, sessionToken: `${p}.${kid}.${'A'.repeat(20_000)}` })).status, 431);
  });

  it('a token from another deployment (its own master key and key ring): InvalidClientTokenId', async () => {
    const foreignAlice = await setUp(other);
    const foreign = await assumeOn(other, foreignAlice, 'session-a');
    assert.equal((await call(foreign, GCI, {}, other)).status, 200, 'valid where it was issued');
    const a = await call(foreign);
    assert.equal(a.code, 'InvalidClientTokenId');
    // Nor the other way round.
    assert.equal((await call(sessionA, GCI, {}, other)).code, 'InvalidClientTokenId');
  });

  it("a token presented with another session's access key id: InvalidClientTokenId", async () => {
    // B's key id and secret (so the signature is valid) with A's token: the token is bound to A's key id.
    const a = await call({ accessKeyId: sessionB.accessKeyId, secretAccessKey: sessionB.secretAccessKey, sessionToken: sessionA.sessionToken });
    assert.equal(a.code, 'InvalidClientTokenId', a.body);
    // A's key id and token, signed with B's secret: the signature does not match A's secret.
    const b = await call({ accessKeyId: sessionA.accessKeyId, secretAccessKey: sessionB.secretAccessKey, sessionToken: sessionA.sessionToken });
    assert.equal(b.code, 'SignatureDoesNotMatch');
    // A long-term key id with a session token: the token names another key.
    const c = await call({ accessKeyId: alice.accessKeyId, secretAccessKey: sessionA.secretAccessKey, sessionToken: sessionA.sessionToken });
    assert.equal(c.code, 'InvalidClientTokenId');
    // A session key id without its token.
    const d = await call({ accessKeyId: sessionA.accessKeyId, secretAccessKey: sessionA.secretAccessKey });
    assert.equal(d.code, 'InvalidClientTokenId');
  });

  it('a token reused after revocation: ExpiredToken', async () => {
    const victim = await assumeOn(server, alice, 'revoked');
    assert.equal((await call(victim)).status, 200);
    await app.live.revoke('session', `arn:aws:sts::${ACCT}:assumed-role/target/revoked`, Date.now());
    const t0 = Date.now();
    let a = await call(victim);
    while (a.code !== 'ExpiredToken' && Date.now() - t0 < 2000) {
      assert.equal(a.status, 200);
      await new Promise((r) => setTimeout(r, 20));
      a = await call(victim);
    }
    assert.equal(a.code, 'ExpiredToken');
    assert.equal(a.message, 'The security token included in the request is expired');
    // Reusing it to mint a fresh session does not launder it.
    assert.equal((await call(victim, `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(ROLE)}&RoleSessionName=laundered`)).code, 'ExpiredToken');
  });
});

describe('SigV4 tampering', () => {
  it('a signature over a different body: SignatureDoesNotMatch', async () => {
    const signedBody = `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(ROLE)}&RoleSessionName=signed-name&DurationSeconds=900`;
    const sentBody = `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(ROLE)}&RoleSessionName=forged-name&DurationSeconds=900`;
    assert.equal(signedBody.length, sentBody.length);
    const headers = await sign(server, alice, signedBody);
    const okay = await sendRaw(server, headers, signedBody);
    assert.equal(okay.status, 200, okay.body);
    const a = await sendRaw(server, headers, sentBody);
    assert.equal(a.code, 'SignatureDoesNotMatch');
    assert.equal(a.status, 403);
    // Same length, same meaning, other bytes: still not the signed body.
    const reordered = 'Version=2011-06-15&Action=GetCallerIdentity';
    assert.equal((await sendRaw(server, await sign(server, sessionA, GCI), reordered)).code, 'SignatureDoesNotMatch');
    // With the body hash declared in a signed x-amz-content-sha256 header, as SDK v3 sends it.
    const { createHash } = await import('node:crypto');
    const declared = await sign(server, alice, signedBody, { extraHeaders: { 'x-amz-content-sha256': createHash('sha256').update(signedBody).digest('hex') } });
    assert.equal((await sendRaw(server, declared, sentBody)).code, 'SignatureDoesNotMatch');
  });

  it('a request signed 20 min off the server clock: SignatureDoesNotMatch', async () => {
    const past = await call(sessionA, GCI, { signingDate: new Date(Date.now() - 20 * 60_000) });
    assert.equal(past.code, 'SignatureDoesNotMatch');
    assert.match(past.message ?? '', /^Signature expired: /);
    const future = await call(alice, GCI, { signingDate: new Date(Date.now() + 20 * 60_000) });
    assert.equal(future.code, 'SignatureDoesNotMatch');
    assert.match(future.message ?? '', /^Signature not yet current: /);
    // 14 min off is inside the window.
    assert.equal((await call(sessionA, GCI, { signingDate: new Date(Date.now() - 14 * 60_000) })).status, 200);
  });

  it('a signed header that is not sent, and SignedHeaders without host: IncompleteSignature', async () => {
    const headers = await sign(server, sessionA, GCI, { extraHeaders: { 'x-extra': 'signed' } });
    assert.match(headers['authorization'] ?? '', /SignedHeaders=[^,]*x-extra/);
    assert.equal((await sendRaw(server, headers, GCI)).status, 200);
    delete headers['x-extra'];
    const a = await sendRaw(server, headers, GCI);
    assert.equal(a.code, 'IncompleteSignature');
    assert.equal(a.status, 400);
    assert.match(a.message ?? '', /'x-extra' is listed in SignedHeaders but is not in the request/);

    const signed = await sign(server, sessionA, GCI);
    const noHost = { ...signed, authorization: (signed['authorization'] ?? '').replace(/SignedHeaders=([^,]*)/, (_, list: string) => `SignedHeaders=${list.split(';').filter((h) => h !== 'host').join(';')}`) };
    assert.doesNotMatch(noHost.authorization, /host/);
    const b = await sendRaw(server, noHost, GCI);
    assert.equal(b.code, 'IncompleteSignature');
    assert.match(b.message ?? '', /SignedHeaders must include 'host'/);
  });

  it('a session token left out of SignedHeaders (so it could be swapped): IncompleteSignature', async () => {
    const signed = await sign(server, { accessKeyId: sessionA.accessKeyId, secretAccessKey: sessionA.secretAccessKey }, GCI);
    const a = await sendRaw(server, { ...signed, 'x-amz-security-token': sessionA.sessionToken }, GCI);
    assert.equal(a.code, 'IncompleteSignature');
    // Swapping the signed token for another session's: the token no longer matches the key id.
    const withA = await sign(server, sessionA, GCI);
    assert.equal((await sendRaw(server, { ...withA, 'x-amz-security-token': sessionB.sessionToken }, GCI)).code, 'InvalidClientTokenId');
  });

  it('a signature scoped to another service, and a missing signature', async () => {
    assert.equal((await call(sessionA, GCI, { service: 's3' })).code, 'SignatureDoesNotMatch');
    assert.equal((await sendRaw(server, { 'content-type': 'application/x-www-form-urlencoded' }, GCI)).code, 'MissingAuthenticationToken');
    const signed = await sign(server, sessionA, GCI);
    const wrong = { ...signed, authorization: (signed['authorization'] ?? '').replace(/Signature=([0-9a-f])/, (_, c: string) => `Signature=${c === '0' ? '1' : '0'}`) };
    assert.equal((await sendRaw(server, wrong, GCI)).code, 'SignatureDoesNotMatch');
  });

  it('no error answer of this suite carried a secret or a token', () => {
    assert.ok(errorBodies.length >= 30, `${errorBodies.length} error answers checked`);
    for (const body of errorBodies) for (const s of secrets) assert.ok(!body.includes(s));
  });
});
