/**
 * Review ln, finding ln4: the example organisation (examples/config, what the README's tour applies and a new operator
 * copies) gave its data scientists `training:Get*` on `*` (policy `pass-training-roles`, statement `SubmitJobs`), so
 * alice, the tour's data scientist, read cluster `gpu-a`'s webhook bearer token with `gatehouse kube webhook-config`:
 * the secret kube-apiserver authenticates to Gatehouse's webhooks with and the key workload role grants are signed
 * under (review ln, 1, found the built-in read-only policies granting it the same way). AWS's own example policies for
 * reading a service name the reads one by one where a wildcard would take in a secret (ReadOnlyAccess lists Secrets
 * Manager's reads without GetSecretValue). Now the statement names the reads a data scientist needs (GetJob,
 * GetWorkspace, GetCluster); she still submits and reads her jobs. Real server, the examples applied with the CLI in
 * process, alice's own key. Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { runCli } from '../src/adapters/cli/program.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

let s: TestServer;
let alice: Credentials;
let dir = '';

before(async () => {
  s = await startTestServer();
  dir = await mkdtemp(join(tmpdir(), 'gh-ln4-'));
  const applied = await cli(['apply', '-f', 'examples/config']);
  assert.equal(applied.status, 0, applied.err);
  const key = await cli(['iam', 'access-keys', 'create', '--user', 'alice', '--json']);
  assert.equal(key.status, 0, key.err);
  const k = JSON.parse(key.out) as { accessKeyId: string; secretAccessKey: string };
  alice = { accessKeyId: k.accessKeyId, secretAccessKey: k.secretAccessKey };
});
after(async () => {
  await s?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** `gatehouse ARGS` in the repository, in process, with the key given (the admin's by default). */
async function cli(args: string[], credentials: Credentials = s.admin): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const status = await runCli(args, {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    readFile: (path) => readFile(path, 'utf8'),
    readDir: async (path) => (await readdir(path, { withFileTypes: true })).map((e) => ({ name: e.name, directory: e.isDirectory() })),
    now: () => Date.now(),
    version: 'test',
    env: { AWS_ACCESS_KEY_ID: credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey, GATEHOUSE_ENDPOINT: s.url },
  });
  return { status, out, err };
}

const decide = async (actions: string[], resource: string) =>
  Object.fromEntries(
    ((await s.iam().send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: 'arn:aws:iam::000000000000:user/alice', ActionNames: actions, ResourceArns: [resource] }))).EvaluationResults ?? []).map((e) => [
      e.EvalActionName ?? '',
      e.EvalDecision,
    ]),
  );

test('alice, the example data scientist, is refused the webhook token of gpu-a', async () => {
  const r = await cli(['kube', 'webhook-config', '--cluster', 'gpu-a', '--out', join(dir, 'alice')], alice);
  assert.notEqual(r.status, 0, `alice read the webhook token: ${r.out}`);
  assert.match(r.err, /training:GetClusterWebhookConfig/);
  assert.deepEqual(await decide(['training:GetClusterWebhookConfig', 'training:GetCluster'], 'arn:aws:training::000000000000:cluster/gpu-a'), {
    'training:GetClusterWebhookConfig': 'implicitDeny',
    'training:GetCluster': 'allowed',
  });
});

test('alice still submits jobs and reads them, their workspaces and the clusters', async () => {
  assert.deepEqual(await decide(['training:CreateJob', 'training:GetJob', 'training:ListJobs', 'training:GetWorkspace', 'training:ListWorkspaces', 'training:ListClusters'], '*'), {
    'training:CreateJob': 'allowed',
    'training:GetJob': 'allowed',
    'training:ListJobs': 'allowed',
    'training:GetWorkspace': 'allowed',
    'training:ListWorkspaces': 'allowed',
    'training:ListClusters': 'allowed',
  });
});
