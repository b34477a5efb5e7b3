/**
 * Review dt, 2. A `principalProof` (a presigned STS GetCallerIdentity URL, signing only `host`) proved its caller to
 * whoever held it: a resource server a caller showed its proof to could replay it, within its lifetime (≤ 15 min), to
 * Gatehouse or to another resource server trusting the same Gatehouse, and be decided for that caller. aws-iam-
 * authenticator binds its token to one cluster (signed header `x-k8s-aws-id`), Vault's AWS auth a login to one server
 * (`X-Vault-AWS-IAM-Server-ID`).
 *
 * Now a question may carry `audience` (the name a resource server gives itself), and a proof may sign the header
 * `x-gatehouse-audience` besides `host`: Gatehouse verifies such a proof with `x-gatehouse-audience: <audience>`, so a
 * proof made for one resource server fails at any other as STS would fail it (SignatureDoesNotMatch). A question with
 * `audience` refuses an unbound proof; a bound proof needs its `audience`; `audience` without a proof is a 400. A
 * question without `audience` and an unbound proof is decided as before.
 *
 * Before the change every test here failed: `audience` was an unknown field (400 `unknown field \`audience\``), and a
 * bound proof was refused for signing another header than `host` (path `principalProof`, not `audience`).
 *
 * Real server on 127.0.0.1 (SQLite), proofs presigned with the SDK v3 signer (@smithy/signature-v4) for GET and POST,
 * and two object stores of test/support/resource-server.ts, each sending its own URL as `audience`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson, IDENTITY_HEADER, identityProof, startObjectServer, type ObjectServer } from './support/resource-server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const ALICE = `arn:aws:iam::${ROOT}:user/alice`;
const BOB = `arn:aws:iam::${ROOT}:user/bob`;
const GATE = `arn:aws:iam::${ROOT}:user/gate`;
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: V, Statement });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const Q = { action: 's3:GetObject', resource: 'arn:aws:s3:::data/x.txt' };
const OBJECTS = 'https://objects.example/v1';
const MODELS = 'https://models.example';

let s: TestServer;
let gate: Credentials;
let alice: Credentials;
let bob: Credentials;

interface ErrorBody {
  error?: { code?: string; message?: string; details?: { path?: string }[] };
}

async function keyOf(user: string): Promise<Credentials> {
  const k = await gatehouseJson(s.url, s.admin, 'POST', '/v1/access-keys', { userName: user });
  assert.equal(k.status, 201, JSON.stringify(k.json));
  return { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
}

/** The caller's side, as a caller writes it with SDK v3: a presigned GetCallerIdentity, bound to `audience` when given. */
async function proof(credentials: Credentials, audience?: string, method = 'GET'): Promise<string> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'sts', region: REGION, credentials, sha256: Sha256 });
  const p = await signer.presign(
    {
      method,
      protocol: u.protocol,
      hostname: u.hostname,
      port: Number(u.port),
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host: u.host, ...(audience !== undefined ? { 'x-gatehouse-audience': audience } : {}) },
    },
    { expiresIn: 60 },
  );
  return `${s.url}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`;
}

const ask = (body: Record<string, unknown>, path = '/v1/authorize') => gatehouseJson(s.url, gate, 'POST', path, body);

/** A refused question: status, code and path, and nothing decided. */
async function refused(body: Record<string, unknown>, status: number, code: string, path: string, route = '/v1/authorize'): Promise<string> {
  const r = await ask(body, route);
  assert.equal(r.status, status, JSON.stringify(r.json));
  const e = (r.json as ErrorBody).error;
  assert.equal(e?.code, code, JSON.stringify(r.json));
  assert.equal(e?.details?.[0]?.path, path, JSON.stringify(r.json));
  assert.equal(r.json['decision'], undefined);
  return String(e?.message);
}

before(async () => {
  s = await startTestServer();
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    documents: [
      doc('User', 'alice', { inlinePolicies: { read: inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }) } }),
      doc('User', 'bob', { inlinePolicies: { none: inline({ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }) } }),
      doc('User', 'gate', { inlinePolicies: { authorize: inline({ Effect: 'Allow', Action: 'gatehouse:Authorize', Resource: '*' }) } }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  alice = await keyOf('alice');
  bob = await keyOf('bob');
  gate = await keyOf('gate');
  await s.running.app.refresh();
});
after(() => s?.stop());

describe('a proof bound to an audience', () => {
  test('is decided for the question naming that audience, signed for GET or POST', async () => {
    for (const method of ['GET', 'POST']) {
      const p = await proof(alice, OBJECTS, method);
      assert.equal(new URL(p).searchParams.get('X-Amz-SignedHeaders'), 'host;x-gatehouse-audience');
      const r = await ask({ principalProof: p, audience: OBJECTS, ...Q });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json['decision'], 'Allow', JSON.stringify(r.json));
      assert.equal(r.json['principal'], ALICE);
    }
    const denied = await ask({ principalProof: await proof(bob, OBJECTS), audience: OBJECTS, ...Q });
    assert.equal(denied.json['decision'], 'ImplicitDeny', JSON.stringify(denied.json));
    assert.equal(denied.json['principal'], BOB);
  });

  test('replayed with another audience: refused SignatureDoesNotMatch on `principalProof`, naming the audience asked and nothing secret', async () => {
    const p = await proof(alice, OBJECTS);
    const message = await refused({ principalProof: p, audience: MODELS, ...Q }, 403, 'SignatureDoesNotMatch', 'principalProof');
    assert.match(message, /`principalProof` refused/);
    assert.match(message, new RegExp(`another audience than \`${MODELS.replace(/[.]/g, '\\.')}\``));
    assert.ok(!message.includes(String(new URL(p).searchParams.get('X-Amz-Signature'))), message);
    assert.ok(!message.includes(OBJECTS), `the message says what the proof was bound to: ${message}`);
    // An audience differing only in case or by a trailing slash is another audience.
    await refused({ principalProof: p, audience: OBJECTS.toUpperCase(), ...Q }, 403, 'SignatureDoesNotMatch', 'principalProof');
    await refused({ principalProof: p, audience: `${OBJECTS}/`, ...Q }, 403, 'SignatureDoesNotMatch', 'principalProof');
    // The same proof still works where it was meant to.
    assert.equal((await ask({ principalProof: p, audience: OBJECTS, ...Q })).json['decision'], 'Allow');
  });

  test('without `audience`: 400 naming `audience` (the URL does not carry the value the proof signed)', async () => {
    const message = await refused({ principalProof: await proof(alice, OBJECTS), ...Q }, 400, 'ValidationError', 'audience');
    assert.match(message, /`audience` is required/);
    assert.match(message, /x-gatehouse-audience/);
  });

  test('`/v1/simulate` verifies it the same way', async () => {
    const p = await proof(alice, OBJECTS);
    const ok = await ask({ principalProof: p, audience: OBJECTS, ...Q }, '/v1/simulate');
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal(ok.json['decision'], 'Allow');
    await refused({ principalProof: p, audience: MODELS, ...Q }, 403, 'SignatureDoesNotMatch', 'principalProof', '/v1/simulate');
    await refused({ principalProof: p, ...Q }, 400, 'ValidationError', 'audience', '/v1/simulate');
  });
});

describe('a question naming an audience', () => {
  test('refuses an unbound proof, saying the caller must sign `x-gatehouse-audience`', async () => {
    const message = await refused({ principalProof: await proof(alice), audience: OBJECTS, ...Q }, 400, 'ValidationError', 'principalProof');
    assert.match(message, /`principalProof` is not bound to an audience/);
    assert.match(message, /x-gatehouse-audience/);
  });

  test('without a `principalProof`: 400 naming `audience`', async () => {
    assert.match(await refused({ audience: OBJECTS, ...Q }, 400, 'ValidationError', 'audience'), /`audience` qualifies a `principalProof`/);
    await refused({ principal: ALICE, audience: OBJECTS, ...Q }, 400, 'ValidationError', 'audience');
  });

  test('an audience that is not 1 to 256 printable characters: 400 naming `audience`', async () => {
    const p = await proof(alice, OBJECTS);
    for (const audience of ['', 'x'.repeat(257), 'a\u0000b', ' padded', 'two  spaces', 'caf\u00e9', 7, null, ['a']]) {
      await refused({ principalProof: p, audience, ...Q }, 400, 'ValidationError', 'audience');
    }
    // 256 characters, and single inner spaces, are an audience.
    const long = 'y'.repeat(256);
    assert.equal((await ask({ principalProof: await proof(alice, long), audience: long, ...Q })).json['decision'], 'Allow');
    assert.equal((await ask({ principalProof: await proof(alice, 'object store 2'), audience: 'object store 2', ...Q })).json['decision'], 'Allow');
  });
});

test('unbound proof, no audience: decided as before', async () => {
  const r = await ask({ principalProof: await proof(alice), ...Q });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json['decision'], 'Allow');
  assert.equal(r.json['principal'], ALICE);
});

test('a proof may still sign nothing but `host` and `x-gatehouse-audience`', async () => {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'sts', region: REGION, credentials: alice, sha256: Sha256 });
  for (const extra of [{ 'x-k8s-aws-id': 'gpu-a' }, { 'x-k8s-aws-id': 'gpu-a', 'x-gatehouse-audience': OBJECTS }]) {
    const p = await signer.presign(
      { method: 'GET', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, headers: { host: u.host, ...extra } },
      { expiresIn: 60 },
    );
    const url = `${s.url}/?${new URLSearchParams(p.query as Record<string, string>).toString()}`;
    assert.match(await refused({ principalProof: url, audience: OBJECTS, ...Q }, 400, 'ValidationError', 'principalProof'), /a proof may sign only `host` and `x-gatehouse-audience`/);
    await refused({ principalProof: url, ...Q }, 400, 'ValidationError', 'principalProof');
  }
});

test('a batch verifies each item with its own audience', async () => {
  const a = await proof(alice, OBJECTS);
  const b = await proof(alice, MODELS);
  const unbound = await proof(alice);
  const r = await ask(
    {
      requests: [
        { principalProof: a, audience: OBJECTS, ...Q },
        { principalProof: a, audience: MODELS, ...Q },
        { principalProof: b, audience: MODELS, ...Q },
        { principalProof: b, audience: OBJECTS, ...Q },
        { principalProof: unbound, audience: OBJECTS, ...Q },
        { principalProof: a, ...Q },
        { audience: OBJECTS, ...Q },
        { principalProof: unbound, ...Q },
        { principalProof: a, audience: OBJECTS, ...Q },
      ],
    },
    '/v1/authorize:batch',
  );
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const results = r.json['results'] as { decision?: string; principal?: string; error?: { code: string; path: string } }[];
  const shape = results.map((x) => (x.error !== undefined ? `${x.error.code} ${x.error.path}` : `${x.decision} ${x.principal}`));
  assert.deepEqual(shape, [
    `Allow ${ALICE}`,
    'SIGNATURE_DOES_NOT_MATCH requests[1].principalProof',
    `Allow ${ALICE}`,
    'SIGNATURE_DOES_NOT_MATCH requests[3].principalProof',
    'VALIDATION_ERROR requests[4].principalProof',
    'VALIDATION_ERROR requests[5].audience',
    'VALIDATION_ERROR requests[6].audience',
    `Allow ${ALICE}`,
    `Allow ${ALICE}`,
  ]);
});

test('the audit record of the decision notes the audience, and of a replay refused; never the proof', async () => {
  const audience = 'https://audit-check.example';
  const p = await proof(alice, audience);
  assert.equal((await ask({ principalProof: p, audience, ...Q })).json['decision'], 'Allow');
  await refused({ principalProof: p, audience: `${audience}/other`, ...Q }, 403, 'SignatureDoesNotMatch', 'principalProof');
  await s.running.app.audit.flush();
  const page = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?kind=decision&limit=1000`);
  assert.equal(page.status, 200, JSON.stringify(page.json));
  const records = page.json['records'] as { principal?: string; decision?: string; detail?: Record<string, unknown> }[];
  const decided = records.filter((x) => x.principal === ALICE && x.detail?.['askedBy'] === GATE && x.detail['audience'] === audience);
  assert.equal(decided.length, 1, JSON.stringify(records));
  assert.equal(decided[0]?.decision, 'Allow');
  const replay = records.filter((x) => x.detail?.['authentication'] === 'SignatureDoesNotMatch' && x.detail['audience'] === `${audience}/other`);
  assert.equal(replay.length, 1, JSON.stringify(records));
  assert.equal(replay[0]?.principal, ALICE);
  const text = JSON.stringify(page.json);
  assert.ok(!text.includes(String(new URL(p).searchParams.get('X-Amz-Signature'))), 'the proof is in the audit log');
});

describe('two resource servers of test/support/resource-server.ts, each sending its own URL as its audience', () => {
  let one: ObjectServer;
  let two: ObjectServer;
  before(async () => {
    one = await startObjectServer({ gatehouse: s.url, credentials: gate, objects: { 'data/x.txt': 'one' } });
    two = await startObjectServer({ gatehouse: s.url, credentials: gate, objects: { 'data/x.txt': 'two' } });
  });
  after(async () => {
    await one?.stop();
    await two?.stop();
  });

  test('a proof the caller bound to one is let in there, and refused when that server replays it to the other', async () => {
    const bound = await identityProof(s.url, alice, one.url);
    assert.equal(new URLSearchParams(bound).get('X-Amz-SignedHeaders'), 'host;x-gatehouse-audience');
    const there = await fetch(`${one.url}/data/x.txt`, { headers: { [IDENTITY_HEADER]: bound } });
    assert.equal(there.status, 200, await there.clone().text());
    assert.equal(await there.text(), 'one');
    const replayed = await fetch(`${two.url}/data/x.txt`, { headers: { [IDENTITY_HEADER]: bound } });
    assert.equal(replayed.status, 401, await replayed.clone().text());
    assert.match(((await replayed.json()) as { error: string }).error, /gatehouse refused the identity proof: `principalProof` refused.*another audience/);
    assert.deepEqual(two.decisions, []);
  });

  test('an unbound proof is refused by a server that sends its audience', async () => {
    const r = await fetch(`${one.url}/data/x.txt`, { headers: { [IDENTITY_HEADER]: await identityProof(s.url, alice) } });
    assert.equal(r.status, 401, await r.clone().text());
    assert.match(((await r.json()) as { error: string }).error, /not bound to an audience/);
  });
});
