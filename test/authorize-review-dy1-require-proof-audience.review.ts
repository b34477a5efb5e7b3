/**
 * Review dy, 1. Review dt, 2 let a proof be bound to one resource server (signed `x-gatehouse-audience`), but left an
 * unbound proof decided whenever the question named no `audience`: a resource server shown an unbound proof could
 * replay it, for up to 15 minutes, to any resource server that sends no `audience`, or to Gatehouse directly, and be
 * decided for its caller. An operator had no way to close that: aws-iam-authenticator always requires its cluster id
 * (`x-k8s-aws-id`), and Vault with `iam_server_id_header_value` requires `X-Vault-AWS-IAM-Server-ID` and checks it
 * against the one value it is configured with.
 *
 * Now `GATEHOUSE_AUTHORIZE_PROOF_AUDIENCES` (`*`, or a comma-separated list of audiences) makes every question with a
 * `principalProof` name an `audience` (one listed, when listed) and take only a proof bound to it; the refusals are
 * 400s naming `audience` or `principalProof` and the setting, on `/v1/authorize`, each batch item and `/v1/simulate`,
 * and recorded as refused proofs. A bad value stops the start (exit 2). Unset, nothing changes
 * (test/authorize-review-dt2-proof-audience.review.ts).
 *
 * Before the change 8 of the 9 tests here failed (the setting was not read: the unbound proof without audience and the
 * unlisted audience were decided Allow, the server started with any value, nothing was logged or recorded); the one
 * that passed checks what must keep working, a bound proof with a listed audience decided.
 *
 * Real servers on 127.0.0.1 (SQLite) started by `startServer` with the setting in their environment, as
 * `gatehouse server` reads it; proofs presigned with the SDK v3 signer (@smithy/signature-v4), as in dt2.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { ADMIN_CREDENTIALS_FILE, startServer, StartError, type RunningServer } from '../src/main/server.ts';
import { REGION, type AdminFile, type Credentials } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const ALICE = `arn:aws:iam::${ROOT}:user/alice`;
const GATE = `arn:aws:iam::${ROOT}:user/gate`;
const SETTING = 'GATEHOUSE_AUTHORIZE_PROOF_AUDIENCES';
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: V, Statement });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const Q = { action: 's3:GetObject', resource: 'arn:aws:s3:::data/x.txt' };
const OBJECTS = 'https://objects.example/v1';
const STORE2 = 'object store 2';
const ROGUE = 'https://rogue.example';

interface ErrorBody {
  error?: { code?: string; message?: string; details?: { path?: string }[] };
}

/** A server with `env`, the root admin's keys, and alice (may read data/*) and gate (may ask about anyone). */
interface Strict {
  readonly url: string;
  readonly running: RunningServer;
  readonly logs: string[];
  readonly admin: Credentials;
  readonly alice: Credentials;
  readonly gate: Credentials;
  stop(): Promise<void>;
}

async function startStrict(env: Record<string, string>): Promise<Strict> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gh-dy1-'));
  const logs: string[] = [];
  const running = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env, log: (line) => void logs.push(line), audit: { maxUnwrittenMs: 30_000 } });
  const file = JSON.parse(await readFile(join(dataDir, ADMIN_CREDENTIALS_FILE), 'utf8')) as AdminFile;
  const admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
  const applied = await gatehouseJson(running.url, admin, 'POST', '/v1/apply', {
    documents: [
      doc('User', 'alice', { inlinePolicies: { read: inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }) } }),
      doc('User', 'gate', { inlinePolicies: { authorize: inline({ Effect: 'Allow', Action: 'gatehouse:Authorize', Resource: '*' }) } }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const keyOf = async (user: string): Promise<Credentials> => {
    const k = await gatehouseJson(running.url, admin, 'POST', '/v1/access-keys', { userName: user });
    assert.equal(k.status, 201, JSON.stringify(k.json));
    return { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
  };
  const alice = await keyOf('alice');
  const gate = await keyOf('gate');
  await running.app.refresh();
  return {
    url: running.url,
    running,
    logs,
    admin,
    alice,
    gate,
    async stop() {
      await running.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The caller's side, with SDK v3: a presigned GetCallerIdentity on `s`, bound to `audience` when given. */
async function proof(s: Strict, credentials: Credentials, audience?: string): Promise<string> {
  const u = new URL(s.url);
  const signer = new SignatureV4({ service: 'sts', region: REGION, credentials, sha256: Sha256 });
  const p = await signer.presign(
    {
      method: 'GET',
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

const ask = (s: Strict, body: Record<string, unknown>, route = '/v1/authorize') => gatehouseJson(s.url, s.gate, 'POST', route, body);

/** A refused question: 400 ValidationError on `path`, nothing decided; its message. */
async function refused(s: Strict, body: Record<string, unknown>, path: string, route = '/v1/authorize'): Promise<string> {
  const r = await ask(s, body, route);
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const e = (r.json as ErrorBody).error;
  assert.equal(e?.code, 'ValidationError', JSON.stringify(r.json));
  assert.equal(e?.details?.[0]?.path, path, JSON.stringify(r.json));
  assert.equal(r.json['decision'], undefined);
  return String(e?.message);
}

describe(`${SETTING} listing the audiences of the resource servers`, () => {
  let s: Strict;
  before(async () => {
    s = await startStrict({ [SETTING]: `${OBJECTS} , ${STORE2}` });
  });
  after(() => s?.stop());

  test('the start log says the rule in force', () => {
    const line = s.logs.find((l) => l.includes(SETTING));
    assert.ok(line !== undefined, s.logs.join('\n'));
    assert.match(line, /every principalProof must be bound to one of 2 audiences/);
    assert.ok(line.includes(`\`${OBJECTS}\``) && line.includes(`\`${STORE2}\``), line);
  });

  // First of the refusals: the flood gate records 20 refused proofs an address at once, then 5 a second.
  test('a refusal is recorded as a refused proof: the claimed caller, who relayed it, the audience, why; never the proof', async () => {
    const unbound = await proof(s, s.alice);
    const rogue = await proof(s, s.alice, 'https://audit-check.example');
    await refused(s, { principalProof: unbound, action: 's3:GetObject', resource: 'arn:aws:s3:::data/no-audience.txt' }, 'audience');
    await refused(s, { principalProof: unbound, audience: OBJECTS, action: 's3:GetObject', resource: 'arn:aws:s3:::data/unbound.txt' }, 'principalProof');
    await refused(s, { principalProof: rogue, audience: 'https://audit-check.example', action: 's3:GetObject', resource: 'arn:aws:s3:::data/unlisted.txt' }, 'audience');
    // Twice in one batch: recorded once.
    const batch = await ask(s, { requests: [1, 2].map(() => ({ principalProof: unbound, action: 's3:GetObject', resource: 'arn:aws:s3:::data/batch.txt' })) }, '/v1/authorize:batch');
    assert.equal(batch.status, 200, JSON.stringify(batch.json));
    await s.running.app.audit.flush();
    const page = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?kind=decision&limit=1000');
    assert.equal(page.status, 200, JSON.stringify(page.json));
    const records = page.json['records'] as { principal?: string; action?: string; resource?: string; decision?: string; detail?: Record<string, unknown> }[];
    const of = (resource: string) => records.filter((x) => x.resource === resource);
    for (const [resource, audience, why] of [
      ['arn:aws:s3:::data/no-audience.txt', undefined, /names no audience, which GATEHOUSE_AUTHORIZE_PROOF_AUDIENCES requires/],
      ['arn:aws:s3:::data/unbound.txt', OBJECTS, /proof is not bound to an audience, which GATEHOUSE_AUTHORIZE_PROOF_AUDIENCES requires/],
      ['arn:aws:s3:::data/unlisted.txt', 'https://audit-check.example', /audience GATEHOUSE_AUTHORIZE_PROOF_AUDIENCES does not list/],
      ['arn:aws:s3:::data/batch.txt', undefined, /names no audience/],
    ] as const) {
      const found = of(resource);
      assert.equal(found.length, 1, `${resource}: ${JSON.stringify(records)}`);
      const x = found[0];
      assert.equal(x?.principal, ALICE);
      assert.equal(x?.action, 's3:GetObject');
      assert.equal(x?.decision, 'Deny');
      assert.equal(x?.detail?.['askedBy'], GATE);
      assert.equal(x?.detail?.['authentication'], 'ValidationError');
      assert.equal(x?.detail?.['accessKeyId'], s.alice.accessKeyId);
      assert.equal(x?.detail?.['audience'], audience);
      assert.match(String(x?.detail?.['message']), why);
    }
    const text = JSON.stringify(page.json);
    for (const p of [unbound, rogue]) assert.ok(!text.includes(String(new URL(p).searchParams.get('X-Amz-Signature'))), 'the proof is in the audit log');
  });

  test('a proof bound to a listed audience, which the question names, is decided (authorize, simulate, batch)', async () => {
    for (const audience of [OBJECTS, STORE2]) {
      const p = await proof(s, s.alice, audience);
      for (const route of ['/v1/authorize', '/v1/simulate']) {
        const r = await ask(s, { principalProof: p, audience, ...Q }, route);
        assert.equal(r.status, 200, JSON.stringify(r.json));
        assert.equal(r.json['decision'], 'Allow', JSON.stringify(r.json));
        assert.equal(r.json['principal'], ALICE);
      }
    }
    // A question naming its principal by ARN, or about the asker itself, carries no proof: the rule is not about it.
    assert.equal((await ask(s, { principal: ALICE, ...Q })).json['decision'], 'Allow');
    assert.equal((await ask(s, Q)).json['decision'], 'ImplicitDeny');
  });

  test('an unbound proof replayed to a resource server that sends no audience, or to Gatehouse directly: 400 on `audience`, naming the setting', async () => {
    const unbound = await proof(s, s.alice);
    const message = await refused(s, { principalProof: unbound, ...Q }, 'audience');
    assert.match(message, /`audience` is required/);
    assert.ok(message.includes(SETTING), message);
    assert.match(message, /this proof is not bound/);
    assert.match(message, /x-gatehouse-audience/);
    assert.ok(!message.includes(String(new URL(unbound).searchParams.get('X-Amz-Signature'))), message);
    await refused(s, { principalProof: unbound, ...Q }, 'audience', '/v1/simulate');
    // A bound proof without its audience is refused too (it cannot be verified without it).
    const bound = await refused(s, { principalProof: await proof(s, s.alice, OBJECTS), ...Q }, 'audience');
    assert.ok(bound.includes(SETTING), bound);
    assert.doesNotMatch(bound, /this proof is not bound/);
  });

  test('an unbound proof with a listed audience: 400 on `principalProof`, saying what to sign', async () => {
    const message = await refused(s, { principalProof: await proof(s, s.alice), audience: OBJECTS, ...Q }, 'principalProof');
    assert.match(message, /`principalProof` is not bound to an audience, as this server requires/);
    assert.ok(message.includes(SETTING), message);
    assert.ok(message.includes(`x-gatehouse-audience: ${OBJECTS}`), message);
    await refused(s, { principalProof: await proof(s, s.alice), audience: OBJECTS, ...Q }, 'principalProof', '/v1/simulate');
  });

  test('an audience the setting does not list: 400 on `audience`, even with a proof bound to it', async () => {
    for (const audience of [ROGUE, OBJECTS.toUpperCase(), `${OBJECTS}/`]) {
      const message = await refused(s, { principalProof: await proof(s, s.alice, audience), audience, ...Q }, 'audience');
      assert.match(message, /`audience` is not one this server accepts/);
      assert.ok(message.includes(SETTING), message);
      // Which audiences the deployment has is the operator's: not told to every asker.
      assert.ok(!message.includes(STORE2), message);
    }
    await refused(s, { principalProof: await proof(s, s.alice, ROGUE), audience: ROGUE, ...Q }, 'audience', '/v1/simulate');
  });

  test('a batch refuses each item the rule refuses, by its path, and decides the others', async () => {
    const bound = await proof(s, s.alice, OBJECTS);
    const unbound = await proof(s, s.alice);
    const rogue = await proof(s, s.alice, ROGUE);
    const r = await ask(
      s,
      {
        requests: [
          { principalProof: bound, audience: OBJECTS, ...Q },
          { principalProof: unbound, ...Q },
          { principalProof: unbound, audience: OBJECTS, ...Q },
          { principalProof: rogue, audience: ROGUE, ...Q },
          { principalProof: bound, ...Q },
          { principal: ALICE, ...Q },
        ],
      },
      '/v1/authorize:batch',
    );
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const results = r.json['results'] as { decision?: string; principal?: string; error?: { code: string; path: string; message: string } }[];
    assert.deepEqual(
      results.map((x) => (x.error !== undefined ? `${x.error.code} ${x.error.path}` : `${x.decision} ${x.principal ?? ''}`)),
      [`Allow ${ALICE}`, 'VALIDATION_ERROR requests[1].audience', 'VALIDATION_ERROR requests[2].principalProof', 'VALIDATION_ERROR requests[3].audience', 'VALIDATION_ERROR requests[4].audience', 'Allow '],
    );
    for (const x of results.slice(1, 5)) assert.ok(x.error?.message.includes(SETTING), JSON.stringify(x));
  });

});

describe(`${SETTING}=*`, () => {
  let s: Strict;
  before(async () => {
    s = await startStrict({ [SETTING]: ' * ' });
  });
  after(() => s?.stop());

  test('any audience, with a proof bound to it; never an unbound proof, nor a proof without its audience', async () => {
    assert.ok(s.logs.some((l) => /every principalProof must be bound to any audience/.test(l) && l.includes(SETTING)), s.logs.join('\n'));
    for (const audience of [ROGUE, STORE2]) {
      const r = await ask(s, { principalProof: await proof(s, s.alice, audience), audience, ...Q });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json['decision'], 'Allow');
    }
    await refused(s, { principalProof: await proof(s, s.alice), ...Q }, 'audience');
    await refused(s, { principalProof: await proof(s, s.alice), audience: ROGUE, ...Q }, 'principalProof');
    await refused(s, { principalProof: await proof(s, s.alice, ROGUE), ...Q }, 'audience');
    // Replayed with another audience: refused as in dt2, the signature not matching.
    const replay = await ask(s, { principalProof: await proof(s, s.alice, ROGUE), audience: STORE2, ...Q });
    assert.equal(replay.status, 403, JSON.stringify(replay.json));
    assert.equal((replay.json as ErrorBody).error?.code, 'SignatureDoesNotMatch');
  });
});

/**
 * Review eh6: with the setting unset, an operator could not tell whether any resource server still relays unbound
 * proofs, which setting it would refuse. `gatehouse_authorize_proofs_total{bound}` in /metrics counts the proofs let in.
 */
describe(`${SETTING} unset: the proofs let in are counted, bound or not`, () => {
  let s: Strict;
  before(async () => {
    s = await startStrict({});
  });
  after(() => s?.stop());

  const counted = async (): Promise<Record<string, number>> => {
    const text = await (await fetch(`${s.url}/metrics`)).text();
    const out: Record<string, number> = {};
    for (const m of text.matchAll(/^gatehouse_authorize_proofs_total\{bound="(true|false)"\} (\d+)$/gm)) out[m[1] as string] = Number(m[2]);
    return out;
  };

  test('in gatehouse_authorize_proofs_total, by bound; a refused proof and a simulation count for nothing', async () => {
    assert.deepEqual(await counted(), { true: 0, false: 0 });
    const unbound = await proof(s, s.alice);
    const bound = await proof(s, s.alice, OBJECTS);
    for (const body of [{ principalProof: unbound, ...Q }, { principalProof: bound, audience: OBJECTS, ...Q }]) {
      const r = await ask(s, body);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json['decision'], 'Allow');
    }
    // One batch, the unbound proof twice: verified once, counted once.
    const batch = await ask(s, { requests: [1, 2].map(() => ({ principalProof: unbound, ...Q })) }, '/v1/authorize:batch');
    assert.equal(batch.status, 200, JSON.stringify(batch.json));
    // Not let in: a proof bound to another audience than the question names; a simulation (no side effects).
    const elsewhere = await ask(s, { principalProof: bound, audience: STORE2, ...Q });
    assert.equal(elsewhere.status, 403, JSON.stringify(elsewhere.json));
    const simulated = await ask(s, { principalProof: unbound, ...Q }, '/v1/simulate');
    assert.equal(simulated.status, 200, JSON.stringify(simulated.json));
    assert.deepEqual(await counted(), { true: 1, false: 2 });
  });
});

describe(`a bad ${SETTING}`, () => {
  test('stops the start as a usage error naming the setting and what is wrong, before the data dir is made', async () => {
    const cases: [string, RegExp][] = [
      [`${OBJECTS},,${STORE2}`, /item 2 of 3 is empty/],
      [`${OBJECTS},`, /item 2 of 2 is empty/],
      [`${OBJECTS}, *`, /`\*` stands alone/],
      ['two  spaces', /item 1 of 1 `two {2}spaces` is not an audience/],
      ['caf\u00e9', /item 1 of 1 is not an audience \(4 characters\)/],
      ['x'.repeat(257), /item 1 of 1 is not an audience \(257 characters\)/],
    ];
    for (const [value, why] of cases) {
      const dataDir = join(tmpdir(), `gh-dy1-bad-${process.pid}-${Math.random().toString(36).slice(2)}`);
      let error: unknown;
      try {
        // One that starts is stopped again, so that a failure here does not leave it running.
        const started = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: { [SETTING]: value }, log: () => {} });
        await started.stop();
        await rm(dataDir, { recursive: true, force: true });
      } catch (e) {
        error = e;
      }
      assert.ok(error instanceof StartError, `${SETTING}=${value}: ${String(error ?? 'the server started')}`);
      assert.equal(error.failure, 'usage');
      assert.ok(error.message.startsWith(`${SETTING} must be \`*\``), error.message);
      assert.match(error.message, why);
      await assert.rejects(stat(dataDir), { code: 'ENOENT' });
    }
  });
});
