/**
 * Review ln, finding ln1: the built-in read-only policies handed out a secret. ReadOnlyAccess and
 * TrainingReadOnlyAccess allowed `training:Get*`, and reading a cluster's webhook bearer token is
 * `training:GetClusterWebhookConfig` (docs/decisions.md, "Who may change a cluster's Kubernetes side"). So an auditor or
 * a data scientist given only read access ran `gatehouse kube webhook-config --cluster C` and got the token that
 * kube-apiserver authenticates to Gatehouse's webhooks with, the key every workload's `gatehouse.dev/role-grant` is
 * signed under (and the call made the token when the cluster had none: a write). AWS keeps secrets out of its read-only
 * managed policy the same way: ReadOnlyAccess (AWS managed policy reference) names Secrets Manager's reads one by one
 * (`secretsmanager:DescribeSecret`, `GetResourcePolicy`, `ListSecrets`…) rather than `secretsmanager:Get*`, which would
 * take in `GetSecretValue`. Now both built-ins name the `training:` reads they mean (GetJob, GetWorkspace, GetCluster,
 * GetModel) instead of `training:Get*`; everything else they allowed they still allow. Real server, real SDK v3
 * (SimulatePrincipalPolicy on the stored built-ins) and the `gatehouse` CLI as each user.
 * Before the fix 2 of 4 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const CLUSTER_ARN = `arn:aws:training::${ROOT}:cluster/c1`;
let server: TestServer;
let home = '';
const keys = new Map<string, Credentials>();

const cli = (who: Credentials, args: readonly string[], stdin?: string) =>
  gatehouseInProcess(args, { HOME: home, PATH: process.env['PATH'] ?? '/usr/bin:/bin', AWS_ACCESS_KEY_ID: who.accessKeyId, AWS_SECRET_ACCESS_KEY: who.secretAccessKey, GATEHOUSE_ENDPOINT: server.url }, stdin === undefined ? {} : { stdin });

before(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'gh-ln1-'));
  const applied = await cli(server.admin, ['apply', '-f', '-'], 'apiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata:\n  name: c1\nspec: {}\n');
  assert.equal(applied.code, 0, applied.stderr);
  const iam = server.iam();
  for (const [user, policy] of [['auditor', 'ReadOnlyAccess'], ['viewer', 'TrainingReadOnlyAccess']] as const) {
    await iam.send(new I.CreateUserCommand({ UserName: user }));
    await iam.send(new I.AttachUserPolicyCommand({ UserName: user, PolicyArn: `arn:aws:iam::aws:policy/${policy}` }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: user }))).AccessKey;
    keys.set(user, { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' });
  }
});
after(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

/** What SimulatePrincipalPolicy decides for `user` on the cluster, by action. */
async function decisions(user: string, actions: readonly string[]): Promise<Record<string, string | undefined>> {
  const r = await server.iam().send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${ROOT}:user/${user}`, ActionNames: [...actions], ResourceArns: [CLUSTER_ARN] }));
  return Object.fromEntries((r.EvaluationResults ?? []).map((e) => [e.EvalActionName ?? '', e.EvalDecision]));
}

describe('the built-in read-only policies do not hand out a cluster\'s webhook token', () => {
  for (const [user, policy] of [['auditor', 'ReadOnlyAccess'], ['viewer', 'TrainingReadOnlyAccess']] as const) {
    test(`${policy}: webhook-config is refused and writes no file; the cluster, jobs and workspaces stay readable`, async () => {
      const out = join(home, `${user}-files`);
      const r = await cli(keys.get(user) as Credentials, ['kube', 'webhook-config', '--cluster', 'c1', '--out', out]);
      assert.notEqual(r.code, 0, `${policy} read the webhook token: ${r.stdout}`);
      assert.match(r.stderr, /training:GetClusterWebhookConfig/);
      const written = await readdir(out).catch(() => [] as string[]);
      assert.deepEqual(written, [], 'no kubeconfig holding a token is written');
      const d = await decisions(user, ['training:GetClusterWebhookConfig', 'training:RotateClusterWebhookToken', 'training:GetCluster', 'training:GetJob', 'training:GetWorkspace', 'training:ListClusters', 'training:DescribeAccessEntry']);
      assert.deepEqual(d, {
        'training:GetClusterWebhookConfig': 'implicitDeny',
        'training:RotateClusterWebhookToken': 'implicitDeny',
        'training:GetCluster': 'allowed',
        'training:GetJob': 'allowed',
        'training:GetWorkspace': 'allowed',
        'training:ListClusters': 'allowed',
        'training:DescribeAccessEntry': 'allowed',
      });
    });
  }

  test('ReadOnlyAccess still reads what it read besides: IAM, S3, Gatehouse\'s own reads, models', async () => {
    const r = await server.iam().send(
      new I.SimulatePrincipalPolicyCommand({
        PolicySourceArn: `arn:aws:iam::${ROOT}:user/auditor`,
        ActionNames: ['iam:GetRole', 'iam:ListUsers', 's3:GetObject', 'gatehouse:GetIamPolicy', 'training:GetModel', 'training:DescribeJob', 's3:PutObject'],
        ResourceArns: ['*'],
      }),
    );
    const d = Object.fromEntries((r.EvaluationResults ?? []).map((e) => [e.EvalActionName ?? '', e.EvalDecision]));
    assert.deepEqual(d, { 'iam:GetRole': 'allowed', 'iam:ListUsers': 'allowed', 's3:GetObject': 'allowed', 'gatehouse:GetIamPolicy': 'allowed', 'training:GetModel': 'allowed', 'training:DescribeJob': 'allowed', 's3:PutObject': 'implicitDeny' });
  });

  test('an administrator still reads the token', async () => {
    const out = join(home, 'admin-files');
    const r = await cli(server.admin, ['kube', 'webhook-config', '--cluster', 'c1', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok((await readdir(out)).length > 0);
  });
});
