/**
 * A resource server that enforces Gatehouse's decisions, used by processes inside jobs (issue "One authorize
 * API"). Real pieces only: `gatehouse server` (startServer on 127.0.0.1), the object store of
 * test/support/resource-server.ts (node:http, written as a user would), and `gatehouse jobs run` launching a
 * node script that gets its credentials from the AWS SDK's default chain.
 *
 * How the object store knows who calls: NOT from an ARN the caller claims (a header naming an ARN proves
 * nothing, and the test checks that such a claim is refused), and NOT by forwarding the caller's SigV4
 * signature (a signature covers one request to one host; Gatehouse could not verify a request that was made
 * to the object store). The caller presigns an STS GetCallerIdentity with its job credentials and sends it;
 * the store has Gatehouse's STS verify it and reads the ARN — the aws-iam-authenticator / Vault AWS-auth
 * pattern. The store then asks `POST /v1/authorize` with its OWN service user's SigV4 signature, naming that
 * principal, and answers 403 on a deny. Limits: a proof is a 60-second bearer token; Gatehouse decides a job's
 * session with what its job gives it (role policies, the job's session policy and tags), and any other role session
 * named by ARN with each live scoped session registered under it, else its role's policies
 * (test/authorize-decisions.part.ts).
 *
 * The world: role `trainer` may read `datasets/*` and write `checkpoints/trainer/*`; role `intern` may read
 * `datasets/public/*`; a bucket policy on `shared` names `trainer` (reads, with no identity policy for that
 * bucket); a bucket policy on `checkpoints` denies everyone writes under `checkpoints/trainer/frozen/`.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson, IDENTITY_HEADER, identityProof, startObjectServer, type ClientReport, type ObjectServer } from './support/resource-server.ts';

const ROOT = '000000000000';
const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const support = join(repo, 'test', 'support', 'resource-server.ts');
const V = '2012-10-17';
const TRUST = { Version: V, Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

let server: TestServer;
let store: ObjectServer;

before(async () => {
  server = await startTestServer();
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Role', 'trainer', {
        trustPolicy: TRUST,
        inlinePolicies: {
          data: {
            Version: V,
            Statement: [
              { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::datasets/*' },
              { Effect: 'Allow', Action: 's3:PutObject', Resource: 'arn:aws:s3:::checkpoints/trainer/*' },
            ],
          },
        },
      }),
      doc('Role', 'intern', { trustPolicy: TRUST, inlinePolicies: { public: { Version: V, Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::datasets/public/*' }] } } }),
      doc('User', 'objects-service', { inlinePolicies: { authorize: { Version: V, Statement: [{ Effect: 'Allow', Action: 'gatehouse:Authorize', Resource: '*' }] } } }),
      doc('ResourcePolicy', 'shared-bucket', {
        resource: 'arn:aws:s3:::shared',
        document: { Version: V, Statement: [{ Sid: 'TrainerReads', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:role/trainer` }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/*' }] },
      }),
      doc('ResourcePolicy', 'checkpoints-bucket', {
        resource: 'arn:aws:s3:::checkpoints',
        document: { Version: V, Statement: [{ Sid: 'Frozen', Effect: 'Deny', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::checkpoints/trainer/frozen/*' }] },
      }),
      doc('Workspace', 'vision', { members: [{ user: 'admin' }] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const key = await gatehouseJson(server.url, server.admin, 'POST', '/v1/access-keys', { userName: 'objects-service' });
  assert.equal(key.status, 201, JSON.stringify(key.json));
  await server.running.app.refresh();
  store = await startObjectServer({
    gatehouse: server.url,
    credentials: { accessKeyId: String(key.json['accessKeyId']), secretAccessKey: String(key.json['secretAccessKey']) },
    objects: {
      'datasets/train.csv': 'x,y\n1,2\n',
      'datasets/public/readme.txt': 'public readme',
      'shared/vocab.txt': 'a b c',
      'secrets/key.pem': '-----BEGIN-----',
    },
  });
});

after(async () => {
  await store?.stop();
  await server?.stop();
});

/** `gatehouse jobs run --workspace vision --role ROLE -- node resource-server.ts client STORE OPS` as the root admin. */
function runJob(role: string, ops: readonly { method: string; path: string; body?: string }[]): Promise<{ status: number; report: ClientReport; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: server.dataDir,
    GATEHOUSE_ENDPOINT: server.url,
    AWS_ACCESS_KEY_ID: server.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const args = [join(repo, 'bin', 'gatehouse.js'), 'jobs', 'run', '--workspace', 'vision', '--role', `arn:aws:iam::${ROOT}:role/${role}`, '--', process.execPath, support, 'client', store.url, JSON.stringify(ops)];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { env, cwd: repo, timeout: 30_000 }, (err, stdout, stderr) => {
      const status = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      const line = stdout.split('\n').find((l) => l.startsWith('{"arn"'));
      if (line === undefined) return reject(new Error(`the job printed no report (exit ${status}):\n${stdout}\n${stderr}`));
      resolve({ status, report: JSON.parse(line) as ClientReport, stderr });
    });
  });
}

describe('a job with role trainer', () => {
  let report: ClientReport;
  before(async () => {
    const r = await runJob('trainer', [
      { method: 'GET', path: '/datasets/train.csv' },
      { method: 'PUT', path: '/checkpoints/trainer/epoch-1.pt', body: 'weights-1' },
      { method: 'GET', path: '/shared/vocab.txt' },
      { method: 'PUT', path: '/datasets/train.csv', body: 'overwritten' },
      { method: 'GET', path: '/secrets/key.pem' },
      { method: 'PUT', path: '/checkpoints/trainer/frozen/best.pt', body: 'x' },
      { method: 'PUT', path: '/shared/vocab.txt', body: 'x' },
      { method: 'GET', path: '/datasets/missing.csv' },
    ]);
    assert.equal(r.status, 0, r.stderr);
    report = r.report;
  });
  const status = (i: number): number => report.results[i]?.status ?? -1;
  const body = (i: number): string => report.results[i]?.body ?? '';

  test('runs as the role: GetCallerIdentity names a session of trainer', () => {
    assert.match(report.arn, new RegExp(`^arn:aws:sts::${ROOT}:assumed-role/trainer/.+`));
  });
  test('reads what its role allows', () => {
    assert.equal(status(0), 200, body(0));
    assert.equal(body(0), 'x,y\n1,2\n');
  });
  test('writes where its role allows', () => assert.equal(status(1), 200, body(1)));
  test('reads through the bucket policy that names its role, with no identity policy for that bucket', () => {
    assert.equal(status(2), 200, body(2));
    assert.equal(body(2), 'a b c');
  });
  test('a write outside its grant is refused with 403 and the decision', () => {
    assert.equal(status(3), 403);
    assert.equal((JSON.parse(body(3)) as { decision: string }).decision, 'ImplicitDeny');
  });
  test('a read outside its grant is refused', () => assert.equal(status(4), 403, body(4)));
  test('the bucket policy\'s explicit deny wins over the role\'s allow', () => {
    assert.equal(status(5), 403);
    assert.equal((JSON.parse(body(5)) as { decision: string }).decision, 'ExplicitDeny');
  });
  test('the bucket policy grants reads only, not writes', () => assert.equal(status(6), 403, body(6)));
  test('an allowed read of a missing object is a 404 (authorization first, then existence)', () => assert.equal(status(7), 404, body(7)));
  test('the store asked Gatehouse about the job\'s own session, once per request', () => {
    const mine = store.decisions.filter((d) => d.principal === report.arn);
    assert.equal(mine.length, 8);
    assert.deepEqual(
      mine.map((d) => d.decision),
      ['Allow', 'Allow', 'Allow', 'ImplicitDeny', 'ImplicitDeny', 'ExplicitDeny', 'ImplicitDeny', 'Allow'],
    );
  });
});

describe('a job with role intern', () => {
  test('reads only the public prefix, and neither the shared bucket nor trainer checkpoints', async () => {
    const r = await runJob('intern', [
      { method: 'GET', path: '/datasets/public/readme.txt' },
      { method: 'GET', path: '/datasets/train.csv' },
      { method: 'GET', path: '/shared/vocab.txt' },
      { method: 'PUT', path: '/checkpoints/trainer/epoch-2.pt', body: 'x' },
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.report.arn, /:assumed-role\/intern\//);
    assert.deepEqual(
      r.report.results.map((x) => x.status),
      [200, 403, 403, 403],
    );
  });
});

describe('the store does not take a caller\'s word for who it is', () => {
  test('no proof: 401', async () => {
    const r = await fetch(`${store.url}/datasets/train.csv`, { headers: { 'x-caller-arn': `arn:aws:iam::${ROOT}:role/trainer` } });
    assert.equal(r.status, 401);
  });
  test('a proof for another action (presigned ListUsers) is refused before reaching Gatehouse', async () => {
    const proof = (await identityProof(server.url, server.admin)).replace('Action=GetCallerIdentity', 'Action=ListUsers');
    const r = await fetch(`${store.url}/datasets/train.csv`, { headers: { [IDENTITY_HEADER]: proof } });
    assert.equal(r.status, 401);
  });
  test('a tampered proof fails Gatehouse\'s signature check: 401', async () => {
    const proof = (await identityProof(server.url, server.admin, store.url)).replace(/X-Amz-Signature=[0-9a-f]/, (s) => `${s.slice(0, -1)}${s.endsWith('0') ? '1' : '0'}`);
    const r = await fetch(`${store.url}/datasets/train.csv`, { headers: { [IDENTITY_HEADER]: proof } });
    assert.equal(r.status, 401);
    assert.match(((await r.json()) as { error: string }).error, /gatehouse refused the identity proof/);
  });
  test('a proof signed for another endpoint does not verify here: 401', async () => {
    const proof = await identityProof('http://127.0.0.1:1', server.admin, store.url);
    const r = await fetch(`${store.url}/datasets/train.csv`, { headers: { [IDENTITY_HEADER]: proof } });
    assert.equal(r.status, 401);
  });
  test('a valid proof of the root admin (full rights) reads anything', async () => {
    const r = await fetch(`${store.url}/secrets/key.pem`, { headers: { [IDENTITY_HEADER]: await identityProof(server.url, server.admin, store.url) } });
    assert.equal(r.status, 200);
  });
});
