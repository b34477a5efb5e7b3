/**
 * Review su, 1: jobs and pods are given `AWS_ENDPOINT_URL` (DESIGN.md "Job credential environment": "this server"), and
 * the server had no way to be told the address they reach it at. They got its listen URL, at a wildcard its loopback
 * (review sn, 2): the shipped deployment (deploy/kubernetes/deployment.yaml, `--listen=0.0.0.0:8470` with TLS) handed
 * every pod admitted with a role `AWS_ENDPOINT_URL=https://127.0.0.1:8470`, the pod's own loopback, where nothing
 * listens, so a pod's `aws sts get-caller-identity`, boto3 and SDK v3 calls to STS and IAM (and the `gatehouse` CLI in
 * it, which reads that variable) failed to connect; a job launched by `gatehouse jobs run --endpoint http://server:8470`
 * on another machine through its node agent got the server's loopback the same way, while `--agent-address` and
 * `--s3-address` already told the server where pods and jobs reach the agent and the gateway. Now
 * `gatehouse server --api-address URL` (as those two) is what jobs and pods get as `AWS_ENDPOINT_URL`, and what the
 * credential port and the S3 gateway name as the API; its host is one a `k8s-aws-v1.` token may name (a pod's newer
 * botocore embeds `AWS_ENDPOINT_URL`); a malformed one is refused by name before anything is created (exit 2). A
server given `--agent-address` (so admitting pods) whose pods would get its loopback says so at start.
 * Before the fix 5 of 5 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { runCli } from '../src/adapters/cli/program.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { kubeToken, reviewedUser } from './support/admission.ts';
import { connectionTo, keysOf } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';

const API = 'https://gatehouse.gatehouse.svc:8470';

describe('review su1: --api-address is the AWS_ENDPOINT_URL of jobs and pods', () => {
  let home: string;
  let server: RunningServer;
  let local: string;
  let admin: { accessKeyId: string; secretAccessKey: string };
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'gh-review-su1-'));
    server = await startServer({ dataDir: join(home, 'data'), listen: '0.0.0.0:0', agentListen: '127.0.0.1:0', s3Listen: 'off', apiAddress: `${API}/`, env: {}, log: () => {} });
    assert.ok(server.adminCredentials);
    local = server.url.replace('0.0.0.0', '127.0.0.1');
    admin = keysOf(server.adminCredentials);
  });
  after(async () => {
    await server?.stop();
    await rm(home, { recursive: true, force: true });
  });

  it('a job submitted to the server gets AWS_ENDPOINT_URL = --api-address', async () => {
    const conn = connectionTo(local, admin);
    assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
    const r = await call<{ environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.value.environment['AWS_ENDPOINT_URL'], API);
  });

  it('a pod admitted with a role gets AWS_ENDPOINT_URL = --api-address, not the server pod\'s loopback', async () => {
    const account = server.adminCredentials?.AccountId ?? '';
    const iam = new IAMClient({ endpoint: local, region: 'us-east-1', credentials: admin, maxAttempts: 1 });
    try {
      await iam.send(new CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }) }));
    } finally {
      iam.destroy();
    }
    const applied = await gatehouseJson(local, admin, 'POST', '/v1/apply', {
      documents: [
        { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} },
        { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'admin' }, spec: { cluster: 'k1', principalArn: `arn:aws:iam::${account}:user/admin`, kubernetesGroups: ['admins'] } },
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const token = String((await gatehouseJson(local, admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
    const userInfo = await reviewedUser(local, 'k1', token, admin);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1', namespace: 'ml', annotations: { 'gatehouse.dev/role': 'trainer' } }, spec: { containers: [{ name: 'main', image: 'trainer:1' }] } };
    const request = { uid: 'su1-p1', kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, name: 'p1', namespace: 'ml', operation: 'CREATE', userInfo, object: pod, dryRun: false };
    const res = await fetch(`${local}/k8s/k1/admit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request }) });
    const response = ((await res.json()) as { response: Record<string, unknown> }).response;
    assert.equal(response['allowed'], true, JSON.stringify(response));
    const patch = JSON.parse(Buffer.from(String(response['patch']), 'base64').toString('utf8')) as { path: string; value: unknown }[];
    const env: Record<string, string> = {};
    for (const op of patch) if (op.path === '/spec/containers/0/env') for (const e of op.value as { name: string; value: string }[]) env[e.name] = e.value;
    assert.equal(env['AWS_ENDPOINT_URL'], API, JSON.stringify(env));
    // A pod's `aws eks get-token` (newer botocore) embeds that address: the cluster's TokenReview takes it as this server's.
    const tokenAt = await kubeToken(API, 'k1', admin);
    const review = await fetch(`${local}/k8s/k1/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: tokenAt } }) });
    const status = ((await review.json()) as { status: { authenticated: boolean; error?: string } }).status;
    assert.equal(status.authenticated, true, status.error);
  });

  it('the credential port names --api-address as the API to a request meant for it', async () => {
    const r = await fetch(`${server.agentUrl}/v1/whoami`);
    const body = (await r.json()) as { Message: string };
    assert.equal(r.status, 404);
    assert.match(body.Message, new RegExp(`send admin API requests to ${API.replace(/[.]/g, '\\.')}$`));
  });
});

it('a malformed --api-address is refused by name, before anything is created; `gatehouse server` passes it on', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gh-review-su1-'));
  try {
    for (const [given, message] of [
      ['ftp://gatehouse.example', /^--api-address must be an http:\/\/ or https:\/\/ URL/],
      ['https://k:secret@gatehouse.example', /^--api-address must be an http:\/\/ or https:\/\/ URL without credentials, query or fragment, got `https:\/\/k:…@gatehouse\.example`$/],
      ['gatehouse:8470', /^--api-address must be an http:\/\/ or https:\/\/ URL/],
      ['https://lb.example.com/gatehouse/', /^--api-address must be a URL without a path \(such as https:\/\/gatehouse\.example\.com\), got `https:\/\/lb\.example\.com\/gatehouse`/],
    ] as const) {
      const data = join(dir, 'data');
      // One that starts (the option unknown) is stopped, so that the test ends.
      const started = startServer({ dataDir: data, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', apiAddress: given, env: {}, log: () => {} }).then(async (s) => {
        await s.stop();
        await rm(data, { recursive: true, force: true });
        return s;
      });
      await assert.rejects(started, (e: Error) => message.test(e.message));
      assert.equal(existsSync(data), false, `${given} created the data dir`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const started: object[] = [];
  let err = '';
  const status = await runCli(['server', '--data-dir', '/nonexistent/gh-review-su1', '--api-address', API], {
    out: () => {},
    err: (t) => void (err += t),
    readFile: async () => {
      throw Object.assign(new Error('no file'), { code: 'ENOENT' });
    },
    now: () => Date.now(),
    version: 'test',
    env: {},
    runServer: async (opts) => {
      started.push(opts);
      return 0;
    },
  });
  assert.equal(status, 0, err);
  assert.equal((started[0] as { apiAddress?: string } | undefined)?.apiAddress, API);
});

it('a server that admits pods (--agent-address) on a wildcard without --api-address warns that pods get its loopback', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gh-review-su1-'));
  const logged: string[] = [];
  const server = await startServer({ dataDir: join(dir, 'data'), listen: '0.0.0.0:0', agentListen: '127.0.0.1:0', s3Listen: 'off', agentAddress: 'http://169.254.170.2', env: {}, log: (l) => logged.push(l) });
  try {
    const port = new URL(server.url).port;
    assert.ok(logged.some((l) => l.startsWith(`warning: pods are given AWS_ENDPOINT_URL=http://127.0.0.1:${port}, this server's loopback`) && l.includes('give --api-address')), logged.join('\n'));
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
