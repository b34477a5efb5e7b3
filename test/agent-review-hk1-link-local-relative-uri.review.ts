/**
 * Review hk, finding 1: pods read their AWS credentials from the node agent at 169.254.170.2 (`--agent-address`,
 * deploy/kubernetes), and were always given it as `AWS_CONTAINER_CREDENTIALS_FULL_URI`. The AWS SDK v3's
 * `fromContainerMetadata` (the documented ECS provider, which code written for ECS calls on its own) takes only
 * 127.0.0.1 and `localhost` in a full URI: a pod's code that called it failed with "169.254.170.2 is not a valid
 * container metadata service hostname", while Gatehouse said every SDK took that address (the server warned about
 * nothing). credential-protocols §9.1 has it: 169.254.170.2 is taken by every client as
 * `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, as ECS gives it. Now an `--agent-address` of `http://169.254.170.2` (port
 * 80) gives pods the relative URI (and the same token); on another port the server's start warns, naming
 * `fromContainerMetadata` and port 80. Real server (SQLite), the admission webhook over HTTP (the ECI world), the
 * pod's endpoint read with its own token; the SDK's refusal is the real `fromContainerMetadata`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IAMClient } from '@aws-sdk/client-iam';
import { fromContainerMetadata } from '@aws-sdk/credential-providers';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { envPatch } from '../src/core/kube/admission.ts';
import type { WebhookTarget } from './support/apiserver.ts';
import { admissionFixture, patchedEnv, reviewAt, reviewedAs } from './support/admission.ts';
import { ECI_ACCOUNT as ACCT, eciAdmission } from './support/eci-admission.ts';

let server: RunningServer;
let admit: WebhookTarget;
let accountAdmin: { AccessKeyId: string; SecretAccessKey: string };
type Json = Record<string, unknown>;

eciAdmission('gatehouse-hk1-kube-', { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] } }, (world) => {
  ({ server, admit, accountAdmin } = world);
}, { agentAddress: 'http://169.254.170.2' });

/** Runs `fn` with `vars` in process.env (what the SDK's container provider reads), restoring them after. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

test('hk1: the AWS SDK v3 fromContainerMetadata refuses 169.254.170.2 as a full URI', async () => {
  await withEnv({ AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://169.254.170.2/v1/container-credentials', AWS_CONTAINER_AUTHORIZATION_TOKEN: 'x'.repeat(43) }, async () => {
    await assert.rejects(fromContainerMetadata({ timeout: 500, maxRetries: 0 })(), /169\.254\.170\.2 is not a valid container metadata service hostname/);
  });
});

test('hk1: a pod whose node agent is http://169.254.170.2 is given AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, which serves its credentials', async () => {
  const body = await admissionFixture('pod-create.json', { ACCOUNT: ACCT });
  const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: accountAdmin.AccessKeyId, secretAccessKey: accountAdmin.SecretAccessKey }, maxAttempts: 1 });
  try {
    (body['request'] as Json)['userInfo'] = await reviewedAs({ url: server.url, iam: () => iam }, 'eci', admit.token, 'deployer');
  } finally {
    iam.destroy();
  }
  const r = await reviewAt(admit, body, admit.token);
  assert.equal(r.response['allowed'], true, JSON.stringify(r.response));
  const env = patchedEnv(r.patch);
  const token = env['AWS_CONTAINER_AUTHORIZATION_TOKEN'];
  assert.ok(token);
  // With the capability in its query, for the clients that send no token to a relative URI (review iq, 5).
  assert.equal(env['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'], `/v1/container-credentials?capability=${token}`, JSON.stringify(env));
  assert.equal(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'], undefined, JSON.stringify(env));
  // What every SDK asks at http://169.254.170.2<relative>: here the node agent is the server's own port.
  const got = await fetch(`${server.agentUrl}${env['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI']}`, { headers: { authorization: token } });
  const text = await got.text();
  assert.equal(got.status, 200, text);
  assert.match(text, /"AccessKeyId":"STS\./);
});

test('hk1: --agent-address 169.254.170.2 on another port than 80: the start warns, naming fromContainerMetadata and port 80', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gh-hk1-'));
  const lines: string[] = [];
  const s = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: (l) => void lines.push(l), agentAddress: 'http://169.254.170.2:8471' });
  try {
    const warning = lines.find((l) => l.startsWith('warning: --agent-address http://169.254.170.2:8471'));
    assert.ok(warning, lines.join('\n'));
    assert.match(warning, /fromContainerMetadata/);
    assert.match(warning, /port 80/);
  } finally {
    await s.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('hk1: a container that names its own AWS_CONTAINER_CREDENTIALS_FULL_URI is not given the relative one, which would win over it', () => {
  const spec = { containers: [{ name: 'own', env: [{ name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: 'http://127.0.0.1:9/creds' }] }, { name: 'plain' }] };
  const ops = envPatch(spec, '/spec', { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v1/container-credentials', GATEHOUSE_JOB_ID: 'j' });
  assert.deepEqual(ops, [
    { op: 'add', path: '/spec/containers/0/env/-', value: { name: 'GATEHOUSE_JOB_ID', value: 'j' } },
    { op: 'add', path: '/spec/containers/1/env', value: [{ name: 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', value: '/v1/container-credentials' }, { name: 'GATEHOUSE_JOB_ID', value: 'j' }] },
  ]);
});
