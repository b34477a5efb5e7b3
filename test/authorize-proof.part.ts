/**
 * `principalProof` (POST /v1/authorize, each item of a batch): a resource server passes the presigned STS
 * GetCallerIdentity its caller gave it, and Gatehouse decides for the exact session that proof authenticates —
 * its session policy, tags, source identity and issue time — as enforcement decides when that session signs the
 * request itself. A proof is verified as the Query API would serve it: expired, tampered, revoked, or for another
 * action, it is refused (400/403 on `principalProof`), never decided. Real server, the SDK's SignatureV4 presigner,
 * the S3 gateway for what enforcement says, and the object store of test/support/resource-server.ts.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import * as S3 from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson, IDENTITY_HEADER, identityProof, startObjectServer, type ObjectServer } from './support/resource-server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const WORKER = `arn:aws:iam::${ROOT}:role/worker`;
const GATE = `arn:aws:iam::${ROOT}:user/gate`;
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: V, Statement });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const CONTEXT = { 'aws:SourceIp': '10.1.2.3' };
const IN_W1 = { action: 's3:GetObject', resource: 'arn:aws:s3:::w1-data/x.txt', context: CONTEXT };
const IN_W2 = { action: 's3:GetObject', resource: 'arn:aws:s3:::w2-data/x.txt', context: CONTEXT };

let server: TestServer;
let gate: Credentials;
let nosy: Credentials;
let alice: Credentials;

interface ErrorBody {
  error?: { code?: string; message?: string; gatehouseCode?: string; details?: { path?: string }[] };
}

async function keyOf(user: string): Promise<Credentials> {
  const k = await gatehouseJson(server.url, server.admin, 'POST', '/v1/access-keys', { userName: user });
  assert.equal(k.status, 201, JSON.stringify(k.json));
  return { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
}

async function assume(name: string, policy?: unknown): Promise<{ credentials: Credentials; arn: string }> {
  const sts = server.sts(alice);
  const r = await sts.send(new AssumeRoleCommand({ RoleArn: WORKER, RoleSessionName: name, ...(policy !== undefined ? { Policy: JSON.stringify(policy) } : {}) }));
  const c = r.Credentials;
  assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
  return { credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }, arn: String(r.AssumedRoleUser?.Arn) };
}

/** The caller's side: a presigned STS request on the server, as the whole URL (`method` is what it is signed for). */
async function presign(credentials: Credentials, opts: { method?: string; query?: Record<string, string>; expiresIn?: number; signingDate?: Date; host?: string; headers?: Record<string, string> } = {}): Promise<string> {
  const u = new URL(server.url);
  const host = opts.host ?? u.host;
  const signer = new SignatureV4({ service: 'sts', region: REGION, credentials, sha256: Sha256 });
  const p = await signer.presign(
    { method: opts.method ?? 'GET', protocol: u.protocol, hostname: host.split(':')[0] as string, port: Number(host.split(':')[1]), path: '/', query: opts.query ?? { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host, ...opts.headers } },
    { expiresIn: opts.expiresIn ?? 60, ...(opts.signingDate ? { signingDate: opts.signingDate } : {}) },
  );
  return `${server.url}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`;
}

async function ask(who: Credentials, body: Record<string, unknown>, path = '/v1/authorize'): Promise<{ status: number; json: Record<string, unknown> }> {
  return gatehouseJson(server.url, who, 'POST', path, body);
}

/** A refusal of the proof: the status, the AWS-style code, the path `principalProof`, and the message. */
async function refused(body: Record<string, unknown>, status: number, code: string): Promise<string> {
  const r = await ask(gate, body);
  assert.equal(r.status, status, JSON.stringify(r.json));
  const e = (r.json as ErrorBody).error;
  assert.equal(e?.code, code, JSON.stringify(r.json));
  assert.equal(e?.details?.[0]?.path, 'principalProof', JSON.stringify(r.json));
  assert.equal(r.json['decision'], undefined);
  return String(e?.message);
}

/** What a decision explains: everything but its timing (and the proven principal, which a self-asked answer does not name). */
const explanation = (a: Record<string, unknown>) => ({ decision: a['decision'], reasons: a['reasons'], matched: a['matched'], diagnostics: a['diagnostics'], deniedBy: a['deniedBy'] });

before(async () => {
  server = await startTestServer();
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('User', 'alice', { inlinePolicies: { assume: inline({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) } }),
      doc('User', 'gate', { inlinePolicies: { authorize: inline({ Effect: 'Allow', Action: 'gatehouse:Authorize', Resource: '*' }) } }),
      doc('User', 'nosy', { inlinePolicies: { nothing: inline({ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }) } }),
      doc('Role', 'worker', {
        trustPolicy: inline({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }),
        inlinePolicies: { all: inline({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) },
      }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  alice = await keyOf('alice');
  gate = await keyOf('gate');
  nosy = await keyOf('nosy');
  const client = new S3.S3Client({ endpoint: server.running.s3Url, region: REGION, forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  for (const Bucket of ['w1-data', 'w2-data']) {
    await client.send(new S3.CreateBucketCommand({ Bucket }));
    await client.send(new S3.PutObjectCommand({ Bucket, Key: 'x.txt', Body: Bucket }));
  }
  client.destroy();
  await server.running.app.refresh();
});

after(async () => {
  await server?.stop();
});

describe('a session with a session policy, asked about through its proof', () => {
  let session: { credentials: Credentials; arn: string };
  before(async () => {
    session = await assume('scoped', inline({ Effect: 'Allow', Action: 's3:*', Resource: ['arn:aws:s3:::w1-data', 'arn:aws:s3:::w1-data/*'] }));
    assert.equal(session.arn, `arn:aws:sts::${ROOT}:assumed-role/worker/scoped`);
  });

  test('allowed in the bucket its session policy names, refused elsewhere (the role alone allows both)', async () => {
    const proof = await presign(session.credentials);
    const inW1 = await ask(gate, { principalProof: proof, ...IN_W1 });
    assert.equal(inW1.status, 200, JSON.stringify(inW1.json));
    assert.equal(inW1.json['decision'], 'Allow', JSON.stringify(inW1.json));
    assert.equal(inW1.json['principal'], session.arn);
    const inW2 = await ask(gate, { principalProof: proof, ...IN_W2 });
    assert.equal(inW2.status, 200, JSON.stringify(inW2.json));
    assert.equal(inW2.json['decision'], 'ImplicitDeny', JSON.stringify(inW2.json));
    assert.equal(inW2.json['deniedBy'], 'session', JSON.stringify(inW2.json));
    // Named by its ARN instead, the session is decided with each live scoped session registered under that ARN
    // (src/app/session-scopes.ts): refused too, where the role alone would allow.
    const byArn = await ask(gate, { principal: session.arn, ...IN_W2 });
    assert.equal(byArn.status, 200, JSON.stringify(byArn.json));
    assert.equal(byArn.json['decision'], 'ImplicitDeny', JSON.stringify(byArn.json));
  });

  test('the explanation is the one enforcement gives: the session signing the question itself, and the S3 gateway', async () => {
    const proof = await presign(session.credentials);
    for (const q of [IN_W1, IN_W2]) {
      const proven = await ask(gate, { principalProof: proof, ...q });
      const itself = await ask(session.credentials, q);
      assert.equal(itself.status, 200, JSON.stringify(itself.json));
      assert.deepEqual(explanation(proven.json), explanation(itself.json));
    }
    const c = new S3.S3Client({ endpoint: server.running.s3Url, region: REGION, forcePathStyle: true, credentials: session.credentials, maxAttempts: 1 });
    const got = await c.send(new S3.GetObjectCommand({ Bucket: 'w1-data', Key: 'x.txt' }));
    assert.equal(await got.Body?.transformToString(), 'w1-data');
    await assert.rejects(c.send(new S3.GetObjectCommand({ Bucket: 'w2-data', Key: 'x.txt' })), (e: { name?: string; message?: string }) => e.name === 'AccessDenied' && /because no session policy allows the s3:GetObject action/.test(e.message ?? ''));
    c.destroy();
  });

  test('a proof signed for POST (as the object store\'s callers sign it) is taken as well as one for GET', async () => {
    const r = await ask(gate, { principalProof: await presign(session.credentials, { method: 'POST' }), ...IN_W2 });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['decision'], 'ImplicitDeny');
    assert.equal(r.json['principal'], session.arn);
  });

  test('each item of a batch takes a proof: decided, or refused alone', async () => {
    const proof = await presign(session.credentials);
    const bad = (await presign(session.credentials)).replace(/(X-Amz-Signature=)([0-9a-f])/, (_s, k: string, c: string) => `${k}${c === '0' ? '1' : '0'}`);
    const r = await ask(gate, { requests: [{ principalProof: proof, ...IN_W1 }, { principalProof: proof, ...IN_W2 }, { principalProof: bad, ...IN_W1 }, { principal: GATE, ...IN_W1 }] }, '/v1/authorize:batch');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const results = r.json['results'] as Record<string, unknown>[];
    assert.deepEqual(results.map((x) => x['decision'] ?? (x['error'] as { code?: string }).code), ['Allow', 'ImplicitDeny', 'SIGNATURE_DOES_NOT_MATCH', 'ImplicitDeny']);
    assert.equal(results[0]?.['principal'], session.arn);
  });

  test('the asker needs gatehouse:Authorize on the proven principal', async () => {
    const r = await ask(nosy, { principalProof: await presign(session.credentials), ...IN_W1 });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(String((r.json as ErrorBody).error?.message), new RegExp(`not authorized to perform: gatehouse:Authorize on resource: "?${session.arn.replace(/[/.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });

  test('another account asks about it only for a resource of its own', async () => {
    const acct = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: '333344445555', partition: 'aws', name: 'partner' });
    assert.equal(acct.status, 201, JSON.stringify(acct.json));
    const partner = { accessKeyId: String(acct.json['AccessKeyId']), secretAccessKey: String(acct.json['SecretAccessKey']) };
    const r = await ask(partner, { principalProof: await presign(session.credentials), ...IN_W1 });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(String((r.json as ErrorBody).error?.message), /principals of account 333344445555 may ask about principals of account 000000000000 only for resources of account 333344445555/);
  });

  test('the audit record names the proven session, its role and who asked, and never holds the proof', async () => {
    const proof = await presign(session.credentials);
    const r = await ask(gate, { principalProof: proof, ...IN_W2 });
    assert.equal(r.json['decision'], 'ImplicitDeny');
    await server.running.app.audit.flush();
    const page = await gatehouseJson(server.url, server.admin, 'GET', `/v1/audit?principal=${encodeURIComponent(session.arn)}&kind=decision&limit=1000`);
    assert.equal(page.status, 200, JSON.stringify(page.json));
    const records = page.json['records'] as Record<string, unknown>[];
    const mine = records.filter((x) => x['resource'] === IN_W2.resource && (x['detail'] as Record<string, unknown>)['askedBy'] === GATE);
    assert.ok(mine.length > 0, JSON.stringify(records));
    const last = mine.at(-1) as Record<string, unknown>;
    assert.equal(last['principal'], session.arn);
    assert.equal(last['role'], WORKER);
    assert.equal(last['session'], session.arn);
    assert.equal(last['decision'], 'ImplicitDeny');
    // Neither the session token nor the proof's signature is anywhere in the log.
    const all = await gatehouseJson(server.url, server.admin, 'GET', '/v1/audit?limit=1000');
    const text = JSON.stringify(all.json);
    assert.ok(!text.includes(session.credentials.sessionToken as string), 'the session token is in the audit log');
    assert.ok(!text.includes(new URL(proof).searchParams.get('X-Amz-Signature') as string), 'the proof is in the audit log');
  });
});

describe('a proof that fails is refused, never decided', () => {
  let session: { credentials: Credentials; arn: string };
  before(async () => {
    session = await assume('refusals');
  });

  test('expired: past X-Amz-Expires from X-Amz-Date', async () => {
    const proof = await presign(session.credentials, { expiresIn: 60, signingDate: new Date(Date.now() - 5 * 60_000) });
    assert.match(await refused({ principalProof: proof, ...IN_W1 }, 403, 'AccessDenied'), /`principalProof` refused.*Request has expired/);
  });

  test('tampered: another signature, another host than it was signed for, a query parameter changed', async () => {
    const proof = await presign(session.credentials);
    const flipped = proof.replace(/(X-Amz-Signature=)([0-9a-f])/, (_s, k: string, c: string) => `${k}${c === '0' ? '1' : '0'}`);
    assert.match(await refused({ principalProof: flipped, ...IN_W1 }, 403, 'SignatureDoesNotMatch'), /`principalProof` refused/);
    const moved = proof.replace(new URL(server.url).host, `localhost:${new URL(server.url).port}`);
    await refused({ principalProof: moved, ...IN_W1 }, 403, 'SignatureDoesNotMatch');
    await refused({ principalProof: proof.replace('X-Amz-Expires=60', 'X-Amz-Expires=600'), ...IN_W1 }, 403, 'SignatureDoesNotMatch');
  });

  test('a session revoked after the proof was made', async () => {
    const revoked = await assume('to-revoke');
    const proof = await presign(revoked.credentials);
    const before = await ask(gate, { principalProof: proof, ...IN_W1 });
    assert.equal(before.json['decision'], 'Allow', JSON.stringify(before.json));
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/sts/revoke-sessions', { sessionArn: revoked.arn });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    // STS refuses the session too.
    await assert.rejects(server.sts(revoked.credentials).send(new GetCallerIdentityCommand({})), (e: { name?: string }) => e.name === 'ExpiredToken');
    assert.match(await refused({ principalProof: proof, ...IN_W1 }, 403, 'ExpiredToken'), /The security token included in the request is expired/);
  });

  test('a proof for another STS action', async () => {
    const other = await presign(session.credentials, { query: { Action: 'GetSessionToken', Version: '2011-06-15' } });
    assert.match(await refused({ principalProof: other, ...IN_W1 }, 400, 'ValidationError'), /asks for `GetSessionToken`, not GetCallerIdentity/);
    const iam = await presign(session.credentials, { query: { Action: 'GetCallerIdentity', Version: '2010-05-08' } });
    assert.match(await refused({ principalProof: iam, ...IN_W1 }, 400, 'ValidationError'), /`Version` must be 2011-06-15/);
  });

  test('not the whole URL, or a token proof signing other headers', async () => {
    const proof = await presign(session.credentials);
    assert.match(await refused({ principalProof: proof.slice(proof.indexOf('?') + 1), ...IN_W1 }, 400, 'ValidationError'), /send the whole URL/);
    // A `k8s-aws-v1.` token's URL signs `x-k8s-aws-id`, whose value a URL does not carry.
    const kube = await presign(session.credentials, { headers: { 'x-k8s-aws-id': 'gpu-a' } });
    assert.match(await refused({ principalProof: kube, ...IN_W1 }, 400, 'ValidationError'), /signs the headers `host;x-k8s-aws-id`: a proof may sign only `host`/);
  });

  test('`principal` and `principalProof` together', async () => {
    const r = await ask(gate, { principal: session.arn, principalProof: await presign(session.credentials), ...IN_W1 });
    assert.equal(r.status, 400, JSON.stringify(r.json));
    assert.match(String((r.json as ErrorBody).error?.message), /`principal` and `principalProof` both name the principal/);
    assert.equal((r.json as ErrorBody).error?.details?.[0]?.path, 'principalProof');
  });
});

describe('the object store of test/support/resource-server.ts, for a session that is not a job', () => {
  let store: ObjectServer;
  before(async () => {
    store = await startObjectServer({ gatehouse: server.url, credentials: gate, objects: { 'w1-data/x.txt': 'one', 'w2-data/x.txt': 'two' } });
  });
  after(async () => {
    await store?.stop();
  });

  test('serves what its session policy allows and refuses the rest, naming the session', async () => {
    const s = await assume('store-caller', inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::w1-data/*' }));
    const get = async (path: string) => fetch(`${store.url}${path}`, { headers: { [IDENTITY_HEADER]: await identityProof(server.url, s.credentials, store.url) } });
    const one = await get('/w1-data/x.txt');
    assert.equal(one.status, 200, await one.clone().text());
    assert.equal(await one.text(), 'one');
    const two = await get('/w2-data/x.txt');
    assert.equal(two.status, 403, await two.clone().text());
    assert.equal(((await two.json()) as { decision: string }).decision, 'ImplicitDeny');
    assert.deepEqual(
      store.decisions.filter((d) => d.principal === s.arn).map((d) => d.decision),
      ['Allow', 'ImplicitDeny'],
    );
  });

  test('a proof Gatehouse refuses is a 401', async () => {
    const s = await assume('store-expired');
    const u = new URL(server.url);
    const signer = new SignatureV4({ service: 'sts', region: REGION, credentials: s.credentials, sha256: Sha256 });
    const p = await signer.presign(
      // Bound to the store, as its clients bind their proofs (review dt, 2).
      { method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: u.host, 'x-gatehouse-audience': store.url } },
      { expiresIn: 60, signingDate: new Date(Date.now() - 5 * 60_000) },
    );
    const r = await fetch(`${store.url}/w1-data/x.txt`, { headers: { [IDENTITY_HEADER]: new URLSearchParams(p.query as Record<string, string>).toString() } });
    assert.equal(r.status, 401);
    assert.match(((await r.json()) as { error: string }).error, /gatehouse refused the identity proof: `principalProof` refused.*Request has expired/);
  });
});
