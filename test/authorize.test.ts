/**
 * The authorize API against a real server (startServer on 127.0.0.1, SQLite in a temp dir): `POST
 * /v1/authorize` and `/v1/authorize:batch` signed with SigV4 (service `gatehouse`, @smithy/signature-v4 as
 * the CLI signs), who may ask about whom (`gatehouse:Authorize`, decided in the asker's account; another
 * account's principal only for the asker's own resources), input limits, and the CLI: `gatehouse authorize`,
 * `gatehouse simulate --as`, `gatehouse apply` of a ResourcePolicy, `gatehouse resource-policies`.
 * DESIGN.md "Pinned details": Authorize API, Resource ownership.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const ROOT = '000000000000';
const B = '444455556666';
const V = '2012-10-17';
const ALICE = `arn:aws:iam::${ROOT}:user/alice`;
const TRAINER = `arn:aws:iam::${ROOT}:role/trainer`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: V, Statement });

let server: TestServer;
let dir: string;
const keys: Record<string, Credentials> = {};
let bAdmin: Credentials;

async function keyOf(user: string): Promise<Credentials> {
  const k = await gatehouseJson(server.url, server.admin, 'POST', '/v1/access-keys', { userName: user });
  assert.equal(k.status, 201, JSON.stringify(k.json));
  return { accessKeyId: String(k.json['accessKeyId']), secretAccessKey: String(k.json['secretAccessKey']) };
}

before(async () => {
  server = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'gh-authorize-'));
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('User', 'alice', {
        inlinePolicies: {
          data: inline(
            { Effect: 'Allow', Action: 's3:GetObject', Resource: ['arn:aws:s3:::datasets/*', 'arn:aws:s3:::b-bucket/*'] },
            { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::datasets/*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
          ),
        },
      }),
      doc('User', 'gatekeeper', { inlinePolicies: { ask: inline({ Effect: 'Allow', Action: 'gatehouse:Authorize', Resource: '*' }) } }),
      doc('User', 'roles-only', { inlinePolicies: { ask: inline({ Effect: 'Allow', Action: 'gatehouse:Authorize', Resource: `arn:aws:iam::${ROOT}:role/*` }) } }),
      doc('User', 'nobody', {}),
      doc('Role', 'trainer', {
        trustPolicy: inline({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }),
        inlinePolicies: { read: inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::datasets/*' }) },
      }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  for (const u of ['alice', 'gatekeeper', 'roles-only', 'nobody']) keys[u] = await keyOf(u);
  // Account B, whose admin attaches a bucket policy naming alice (of the root account) to B's bucket.
  const acct = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: B, partition: 'aws', name: 'partner' });
  assert.equal(acct.status, 201, JSON.stringify(acct.json));
  bAdmin = { accessKeyId: String(acct.json['AccessKeyId']), secretAccessKey: String(acct.json['SecretAccessKey']) };
  const bApplied = await gatehouseJson(server.url, bAdmin, 'POST', '/v1/apply', {
    documents: [doc('ResourcePolicy', 'b-bucket', { resource: 'arn:aws:s3:::b-bucket', document: inline({ Effect: 'Allow', Principal: { AWS: ALICE }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b-bucket/*' }) })],
  });
  assert.equal(bApplied.status, 200, JSON.stringify(bApplied.json));
  await server.running.app.refresh();
});

after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Answer {
  decision: string;
  reasons: string[];
  matched: { engine: string; type: string; effect: string; policy: string }[];
  diagnostics: string[];
  evaluationMicros: number;
}
const authorize = (who: Credentials, body: Record<string, unknown>) => gatehouseJson(server.url, who, 'POST', '/v1/authorize', body);
const errorCode = (json: Record<string, unknown>): string => String((json['error'] as { code?: unknown } | undefined)?.code);

describe('POST /v1/authorize', () => {
  test('without `principal` the signing caller is the principal', async () => {
    const allow = await authorize(keys['alice'] as Credentials, { action: 's3:GetObject', resource: 'arn:aws:s3:::datasets/train.csv' });
    assert.equal(allow.status, 200, JSON.stringify(allow.json));
    const a = allow.json as unknown as Answer;
    assert.equal(a.decision, 'Allow');
    assert.ok(a.reasons.length > 0 && a.reasons.every((r) => typeof r === 'string'));
    assert.ok(Array.isArray(a.diagnostics));
    assert.ok(Number.isInteger(a.evaluationMicros) && a.evaluationMicros >= 0);
    assert.deepEqual(
      a.matched.map((m) => `${m.engine}:${m.type}:${m.effect}:${m.policy}`),
      ['iam:identity:Allow:user/alice/data'],
    );
    const deny = await authorize(keys['alice'] as Credentials, { action: 's3:DeleteObject', resource: 'arn:aws:s3:::datasets/train.csv' });
    assert.equal(deny.status, 200);
    assert.equal(deny.json['decision'], 'ImplicitDeny');
  });

  test('naming oneself needs no gatehouse:Authorize', async () => {
    const r = await authorize(keys['alice'] as Credentials, { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::datasets/x' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['decision'], 'Allow');
  });

  test('the context is the request\'s: aws:SourceIp decides a conditional allow', async () => {
    const inside = await authorize(keys['alice'] as Credentials, { action: 's3:PutObject', resource: 'arn:aws:s3:::datasets/x', context: { 'aws:SourceIp': '10.1.2.3' } });
    const outside = await authorize(keys['alice'] as Credentials, { action: 's3:PutObject', resource: 'arn:aws:s3:::datasets/x', context: { 'aws:SourceIp': ['192.0.2.1'] } });
    assert.equal(inside.json['decision'], 'Allow');
    assert.equal(outside.json['decision'], 'ImplicitDeny');
    assert.ok((outside.json['diagnostics'] as string[]).some((d) => d.includes('aws:SourceIp')), JSON.stringify(outside.json));
  });

  test('principal-derived context keys are ignored, and the answer says so', async () => {
    const r = await authorize(keys['gatekeeper'] as Credentials, { principal: `arn:aws:iam::${ROOT}:user/nobody`, action: 's3:GetObject', resource: 'arn:aws:s3:::datasets/x', context: { 'aws:PrincipalArn': ALICE, 'aws:username': 'alice' } });
    assert.equal(r.status, 200);
    assert.equal(r.json['decision'], 'ImplicitDeny');
    assert.ok((r.json['diagnostics'] as string[]).some((d) => /`aws:PrincipalArn`, `aws:username` ignored/.test(d)), JSON.stringify(r.json));
    // Any case, either partition's prefix, any principal tag; and a spelling that lower-cases to a derived key
    // (the Kelvin sign K, U+212A, lower-cases to `k`) is ignored like the key it becomes.
    const keysLike = { 'AWS:PRINCIPALARN': ALICE, 'acs:UserName': 'alice', 'aws:PrincipalTag/team': 'ml', 'aws:To\u212AenIssueTime': '2020-01-01T00:00:00Z', 'aws:SourceIp': '10.0.0.1' };
    const m = await authorize(keys['gatekeeper'] as Credentials, { principal: `arn:aws:iam::${ROOT}:user/nobody`, action: 's3:GetObject', resource: 'arn:aws:s3:::datasets/x', context: keysLike });
    assert.equal(m.status, 200);
    const note = (m.json['diagnostics'] as string[]).find((d) => d.startsWith('context '));
    assert.equal(note, 'context `AWS:PRINCIPALARN`, `acs:UserName`, `aws:PrincipalTag/team`, `aws:To\u212AenIssueTime` ignored: they describe the principal, and come from the directory and the session');
  });

  test('naming another principal without gatehouse:Authorize: 403 AccessDenied', async () => {
    const r = await authorize(keys['nobody'] as Credentials, { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::datasets/x' });
    assert.equal(r.status, 403);
    assert.equal(errorCode(r.json), 'AccessDenied');
    assert.match(JSON.stringify(r.json), /gatehouse:Authorize/);
    // Alice herself may not ask about the trainer role either.
    const a = await authorize(keys['alice'] as Credentials, { principal: TRAINER, action: 's3:GetObject', resource: 'arn:aws:s3:::datasets/x' });
    assert.equal(a.status, 403);
  });

  test('with gatehouse:Authorize on the principal: answered with that principal\'s policies', async () => {
    const r = await authorize(keys['gatekeeper'] as Credentials, { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::datasets/x' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['decision'], 'Allow');
    const role = await authorize(keys['gatekeeper'] as Credentials, { principal: TRAINER, action: 's3:PutObject', resource: 'arn:aws:s3:::datasets/x' });
    assert.equal(role.json['decision'], 'ImplicitDeny');
    // A session of the role named by its ARN, with no scoped session registered under it (`job-1` names no job):
    // decided with the role's policies (test/authorize-decisions.part.ts).
    const session = await authorize(keys['gatekeeper'] as Credentials, { principal: `arn:aws:sts::${ROOT}:assumed-role/trainer/job-1`, action: 's3:PutObject', resource: 'arn:aws:s3:::datasets/x' });
    assert.equal(session.status, 200, JSON.stringify(session.json));
    assert.equal(session.json['decision'], 'ImplicitDeny');
    const read = await authorize(keys['gatekeeper'] as Credentials, { principal: `arn:aws:sts::${ROOT}:assumed-role/trainer/job-1`, action: 's3:GetObject', resource: 'arn:aws:s3:::datasets/x' });
    assert.equal(read.json['decision'], 'Allow', JSON.stringify(read.json));
  });

  test('gatehouse:Authorize is scoped by its Resource: roles-only may ask about roles, not users', async () => {
    const role = await authorize(keys['roles-only'] as Credentials, { principal: TRAINER, action: 's3:GetObject', resource: 'arn:aws:s3:::datasets/x' });
    assert.equal(role.status, 200, JSON.stringify(role.json));
    assert.equal(role.json['decision'], 'Allow');
    const user = await authorize(keys['roles-only'] as Credentials, { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::datasets/x' });
    assert.equal(user.status, 403);
  });

  test('an unknown principal is 404, a malformed one 400', async () => {
    const missing = await authorize(keys['gatekeeper'] as Credentials, { principal: `arn:aws:iam::${ROOT}:user/ghost`, action: 's3:GetObject', resource: 'arn:aws:s3:::datasets/x' });
    assert.equal(missing.status, 404, JSON.stringify(missing.json));
    const bad = await authorize(keys['gatekeeper'] as Credentials, { principal: 'alice', action: 's3:GetObject', resource: 'arn:aws:s3:::datasets/x' });
    assert.equal(bad.status, 400, JSON.stringify(bad.json));
  });

  test('another account\'s principal: answered for the asker\'s own resources, refused for others', async () => {
    const own = await authorize(bAdmin, { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::b-bucket/report.csv' });
    assert.equal(own.status, 200, JSON.stringify(own.json));
    assert.equal(own.json['decision'], 'Allow', 'cross-account: B\'s bucket policy names alice and her own policy allows');
    const write = await authorize(bAdmin, { principal: ALICE, action: 's3:PutObject', resource: 'arn:aws:s3:::b-bucket/report.csv' });
    assert.equal(write.json['decision'], 'ImplicitDeny');
    const theirs = await authorize(bAdmin, { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::datasets/x' });
    assert.equal(theirs.status, 403, JSON.stringify(theirs.json));
    assert.match(JSON.stringify(theirs.json), /only for resources of account 444455556666/);
  });

  test('an action with a wildcard is 400, as are a missing resource and a malformed or oversized context', async () => {
    const wild = await authorize(keys['alice'] as Credentials, { action: 's3:Get*', resource: 'arn:aws:s3:::datasets/x' });
    assert.equal(wild.status, 400, JSON.stringify(wild.json));
    assert.match(JSON.stringify(wild.json), /no wildcards/);
    const star = await authorize(keys['alice'] as Credentials, { action: '*', resource: 'arn:aws:s3:::datasets/x' });
    assert.equal(star.status, 400);
    const nores = await authorize(keys['alice'] as Credentials, { action: 's3:GetObject' });
    assert.equal(nores.status, 400);
    const ctx = await authorize(keys['alice'] as Credentials, { action: 's3:GetObject', resource: 'arn:aws:s3:::datasets/x', context: { 'aws:SourceIp': { ip: '10.0.0.1' } } });
    assert.equal(ctx.status, 400);
    const many = await authorize(keys['alice'] as Credentials, { action: 's3:GetObject', resource: 'arn:aws:s3:::datasets/x', context: Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`s3:k${i}`, 'v'])) });
    assert.equal(many.status, 400, JSON.stringify(many.json));
    assert.match(JSON.stringify(many.json), /at most 256 keys/);
  });

  test('a misspelt or mistyped field is 400, never a question about the signing caller', async () => {
    const q = { action: 's3:GetObject', resource: 'arn:aws:s3:::datasets/x' };
    for (const [body, message] of [
      [{ ...q, prinicpal: ALICE }, /unknown field `prinicpal`/],
      [{ ...q, principal: 42 }, /`principal` must be the ARN of a principal/],
      [{ ...q, principal: null }, /`principal` must be the ARN of a principal/],
      [{ ...q, principal: '' }, /`principal` must be the ARN of a principal/],
      [{ ...q, context: 'zz' }, /`context` must be an object/],
      [{ ...q, context: ['a'] }, /`context` must be an object/],
      // Only resource servers of the server's own process say whose resource it is.
      [{ ...q, resourceAccount: ROOT }, /unknown field `resourceAccount`/],
      [{ ...q, resource: 'not-an-arn' }, /`resource` must be an ARN .*, got `not-an-arn`/],
    ] as const) {
      for (const route of ['/v1/authorize', '/v1/simulate']) {
        const r = await gatehouseJson(server.url, keys['gatekeeper'] as Credentials, 'POST', route, body);
        assert.equal(r.status, 400, `${route} ${JSON.stringify(body)}: ${JSON.stringify(r.json)}`);
        assert.match(JSON.stringify(r.json), message);
      }
    }
  });

  test('unsigned, or signed for another service: refused', async () => {
    const unsigned = await fetch(`${server.url}/v1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ action: 's3:GetObject', resource: 'arn:aws:s3:::d/x' }) });
    assert.ok(unsigned.status === 401 || unsigned.status === 403, String(unsigned.status));
  });
});

describe('POST /v1/authorize:batch', () => {
  const nth = (i: number) =>
    i === 500
      ? { principal: ALICE, action: 's3:*', resource: 'arn:aws:s3:::datasets/x' }
      : i % 3 === 0
        ? { principal: ALICE, action: 's3:GetObject', resource: `arn:aws:s3:::datasets/${i}` }
        : i % 3 === 1
          ? { principal: ALICE, action: 's3:GetObject', resource: `arn:aws:s3:::secrets/${i}` }
          : { principal: TRAINER, action: 's3:GetObject', resource: `arn:aws:s3:::datasets/${i}` };

  test('1,000 requests are answered in order, a bad one in its place', async () => {
    const requests = Array.from({ length: 1000 }, (_, i) => nth(i));
    const r = await gatehouseJson(server.url, keys['gatekeeper'] as Credentials, 'POST', '/v1/authorize:batch', { requests });
    assert.equal(r.status, 200, JSON.stringify(r.json).slice(0, 500));
    const results = r.json['results'] as ({ decision: string } | { error: { code: string } })[];
    assert.equal(results.length, 1000);
    results.forEach((x, i) => {
      if (i === 500) return assert.ok('error' in x && x.error.code === 'REQUEST_INVALID_ACTION', JSON.stringify(x));
      assert.ok('decision' in x, `#${i}: ${JSON.stringify(x)}`);
      assert.equal(x.decision, i % 3 === 1 ? 'ImplicitDeny' : 'Allow', `#${i}`);
    });
  });

  test('the path with its colon percent-encoded (as the CLI sends it) is the same route', async () => {
    const r = await gatehouseJson(server.url, keys['gatekeeper'] as Credentials, 'POST', '/v1/authorize%3Abatch', { requests: [nth(0), nth(1)] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.deepEqual(
      (r.json['results'] as { decision: string }[]).map((x) => x.decision),
      ['Allow', 'ImplicitDeny'],
    );
  });

  test('an item with an unknown or mistyped field is answered with an error in its place, the rest decided', async () => {
    const q = { action: 's3:GetObject', resource: 'arn:aws:s3:::datasets/x' };
    const requests = [{ ...q, prinicpal: ALICE }, { ...q, context: 'zz' }, { ...q, principal: ALICE, resourceAccount: '444455556666' }, 'x', { ...q, principal: ALICE }];
    const r = await gatehouseJson(server.url, keys['gatekeeper'] as Credentials, 'POST', '/v1/authorize:batch', { requests });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const results = r.json['results'] as ({ decision: string } | { error: { code: string; message: string } })[];
    assert.deepEqual(
      results.map((x) => ('error' in x ? x.error.message.replace(/:.*/, '') : x.decision)),
      ['unknown field `prinicpal`', '`context` must be an object', 'unknown field `resourceAccount`', 'requests[3] must be an object', 'Allow'],
    );
  });

  test('a field beside `requests` is 400: a top-level principal would otherwise be dropped and every item decided for the caller', async () => {
    for (const extra of [{ principal: ALICE }, { resourceAccount: ROOT }]) {
      const r = await gatehouseJson(server.url, keys['gatekeeper'] as Credentials, 'POST', '/v1/authorize:batch', { ...extra, requests: [{ action: 's3:GetObject', resource: 'arn:aws:s3:::datasets/x' }] });
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.match(JSON.stringify(r.json), /unknown field `(principal|resourceAccount)`: a batch is \{\\"requests\\": \[\.\.\.\]\}/);
    }
  });

  test('more than 1,000 requests are refused with 400', async () => {
    const r = await gatehouseJson(server.url, keys['gatekeeper'] as Credentials, 'POST', '/v1/authorize:batch', { requests: Array.from({ length: 1001 }, (_, i) => nth(i)) });
    assert.equal(r.status, 400, JSON.stringify(r.json).slice(0, 300));
    assert.match(JSON.stringify(r.json), /at most 1000/);
  });

  test('a batch naming a principal the caller may not ask about answers that item with AccessDenied', async () => {
    const r = await gatehouseJson(server.url, keys['roles-only'] as Credentials, 'POST', '/v1/authorize:batch', { requests: [nth(2), nth(0)] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const [first, second] = r.json['results'] as Record<string, unknown>[];
    assert.equal(first?.['decision'], 'Allow');
    assert.equal((second?.['error'] as { code: string } | undefined)?.code, 'ACCESS_DENIED');
  });

  test('whether the caller may ask is decided per principal: refusals and answers interleave as the principals do', async () => {
    // The batch decides gatehouse:Authorize once per principal; the second sight of each must answer as the first.
    const requests = [nth(0), nth(2), nth(3), nth(5), { principal: ALICE, action: 's3:GetObject', resource: 'arn:aws:s3:::datasets/y' }];
    const r = await gatehouseJson(server.url, keys['roles-only'] as Credentials, 'POST', '/v1/authorize:batch', { requests });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const got = (r.json['results'] as Record<string, unknown>[]).map((x) => (x['error'] as { code: string } | undefined)?.code ?? x['decision']);
    assert.deepEqual(got, ['ACCESS_DENIED', 'Allow', 'ACCESS_DENIED', 'Allow', 'ACCESS_DENIED']);
  });
});

// ------------------------------------------------------------------------------------------------------
// The CLI

function cli(args: readonly string[], who: Credentials = server.admin): Promise<{ status: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, GATEHOUSE_ENDPOINT: server.url, AWS_ACCESS_KEY_ID: who.accessKeyId, AWS_SECRET_ACCESS_KEY: who.secretAccessKey };
  // The CLI's program in this process (test/support/gatehouse-cli.ts): the executable's code, environment and output.
  return gatehouseInProcess(args, env, { cwd: dir }).then((r) => ({ status: r.code, stdout: r.stdout, stderr: r.stderr }));
}

/** Polls the decision (the server picks up changes written by another path within its 250 ms tick). */
async function decisionWithin(ms: number, body: Record<string, unknown>, want: string): Promise<string> {
  const deadline = Date.now() + ms;
  let got = '';
  for (;;) {
    const r = await authorize(server.admin, body);
    got = String(r.json['decision']);
    if (got === want || Date.now() > deadline) return got;
    await new Promise((res) => setTimeout(res, 50));
  }
}

describe('gatehouse authorize / simulate', () => {
  test('authorize: Allow exits 0 and explains which policy decided', async () => {
    const r = await cli(['authorize', '--principal', ALICE, '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::datasets/train.csv']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Allow\n/);
    assert.match(r.stdout, /matched:\n\s+Allow\s+iam identity `user\/alice\/data` statement 0/);
    assert.match(r.stdout, /decided in \d+ µs/);
  });

  test('authorize: a deny exits 1 with the reason', async () => {
    const r = await cli(['authorize', '--principal', ALICE, '--action', 's3:DeleteObject', '--resource', 'arn:aws:s3:::datasets/train.csv']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /^ImplicitDeny\n\s+iam: .*no policy allows/);
  });

  test('authorize without --principal asks about the caller; --context feeds conditions; --json prints the answer', async () => {
    const r = await cli(['authorize', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::datasets/x', '--context', 'aws:SourceIp=10.9.9.9', '--json'], keys['alice']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as Answer).decision, 'Allow');
    const out = await cli(['authorize', '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::datasets/x', '--context', 'aws:SourceIp=192.0.2.9'], keys['alice']);
    assert.equal(out.status, 1);
    assert.match(out.stdout, /diagnostics:\n.*aws:SourceIp/);
  });

  test('simulate --as: the same decision, exit 0 / 1', async () => {
    const allow = await cli(['simulate', '--as', TRAINER, '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::datasets/x']);
    assert.equal(allow.status, 0, allow.stderr);
    assert.match(allow.stdout, /^Allow\n/);
    const deny = await cli(['simulate', '--as', TRAINER, '--action', 's3:PutObject', '--resource', 'arn:aws:s3:::datasets/x']);
    assert.equal(deny.status, 1, deny.stderr);
    assert.match(deny.stdout, /^ImplicitDeny\n/);
  });

  test('asking about someone without gatehouse:Authorize: exit 9 with AccessDenied', async () => {
    const r = await cli(['simulate', '--as', ALICE, '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::datasets/x'], keys['nobody']);
    assert.equal(r.status, 9);
    assert.match(r.stderr, /AccessDenied: .*gatehouse:Authorize/);
  });

  test('a wildcard action: exit 4 (invalid request)', async () => {
    const r = await cli(['authorize', '--action', 's3:*', '--resource', 'arn:aws:s3:::datasets/x']);
    assert.equal(r.status, 4, r.stderr);
    assert.match(r.stderr, /no wildcards/);
  });
});

describe('resource policies through the CLI', () => {
  const ask = { principal: TRAINER, action: 's3:PutObject', resource: 'arn:aws:s3:::models/v1/weights.bin' };

  test('gatehouse apply of a ResourcePolicy, then a decision that depends on it', async () => {
    assert.equal(await decisionWithin(0, ask, 'Allow'), 'ImplicitDeny');
    const file = join(dir, 'models-bucket.yaml');
    await writeFile(
      file,
      [
        'apiVersion: gatehouse.dev/v1',
        'kind: ResourcePolicy',
        'metadata:',
        '  name: models-bucket',
        'spec:',
        '  resource: arn:aws:s3:::models',
        '  document:',
        '    Version: "2012-10-17"',
        '    Statement:',
        '      - Sid: TrainerWrites',
        '        Effect: Allow',
        `        Principal: {AWS: "${TRAINER}"}`,
        '        Action: s3:PutObject',
        '        Resource: arn:aws:s3:::models/*',
        '',
      ].join('\n'),
    );
    const r = await cli(['apply', '-f', file]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(await decisionWithin(1000, ask, 'Allow'), 'Allow');
    const why = await cli(['simulate', '--as', TRAINER, '--action', 's3:PutObject', '--resource', ask.resource]);
    assert.equal(why.status, 0, why.stdout + why.stderr);
    assert.match(why.stdout, /Allow\s+iam resource `resource policy of arn:aws:s3:::models` statement 0 \(Sid `TrainerWrites`\)/);
  });

  test('resource-policies put, get, list, delete', async () => {
    const resource = 'arn:aws:s3:::scratch';
    const file = join(dir, 'scratch.json');
    await writeFile(file, JSON.stringify(inline({ Sid: 'Everyone', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:user/nobody` }, Action: 's3:GetObject', Resource: `${resource}/*` })));
    const q = { principal: `arn:aws:iam::${ROOT}:user/nobody`, action: 's3:GetObject', resource: `${resource}/tmp.txt` };

    const put = await cli(['resource-policies', 'put', resource, '--file', file]);
    assert.equal(put.status, 0, put.stderr);
    assert.match(put.stdout, /policy attached to arn:aws:s3:::scratch/);
    assert.equal(await decisionWithin(1000, q, 'Allow'), 'Allow', 'a same-account resource policy naming the user grants alone');

    const get = await cli(['resource-policies', 'get', resource]);
    assert.equal(get.status, 0, get.stderr);
    assert.equal((JSON.parse(get.stdout) as { Statement: { Sid: string }[] }).Statement[0]?.Sid, 'Everyone');
    const list = await cli(['resource-policies', 'list']);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /arn:aws:s3:::scratch/);
    assert.match(list.stdout, /arn:aws:s3:::models/);

    const invalid = join(dir, 'invalid.json');
    await writeFile(invalid, JSON.stringify(inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' })));
    const bad = await cli(['resource-policies', 'put', resource, '--file', invalid]);
    assert.equal(bad.status, 3, `a resource policy without Principal is an invalid policy: ${bad.stderr}`);

    const del = await cli(['resource-policies', 'delete', resource]);
    assert.equal(del.status, 0, del.stderr);
    assert.equal(await decisionWithin(1000, q, 'ImplicitDeny'), 'ImplicitDeny');
    const gone = await cli(['resource-policies', 'get', resource]);
    assert.equal(gone.status, 6, gone.stderr);
  });

  test('only the owning account may attach a policy to an ARN naming an account', async () => {
    const file = join(dir, 'queue.json');
    await writeFile(file, JSON.stringify(inline({ Effect: 'Allow', Principal: { AWS: ALICE }, Action: 'sqs:SendMessage', Resource: `arn:aws:sqs:us-east-1:${B}:jobs` })));
    const r = await cli(['resource-policies', 'put', `arn:aws:sqs:us-east-1:${B}:jobs`, '--file', file]);
    assert.equal(r.status, 9, r.stderr);
    const owner = await cli(['resource-policies', 'put', `arn:aws:sqs:us-east-1:${B}:jobs`, '--file', file], bAdmin);
    assert.equal(owner.status, 0, owner.stderr);
  });
});
