/**
 * Review fm, finding 5 (following finding 1): pod admission decided the role's trust in the compute service without
 * the `aws:SourceArn` its pod's job's sessions are issued with. Since review fm 1, the sessions of a pod's job are
 * issued with `aws:SourceAccount` (the account) and `aws:SourceArn` (the job's ARN, `acs:pai::A:job/<id>` in RAM's
 * spelling), and admission with the account only: a role whose trust is guarded by the job's ARN (`StringLike
 * acs:SourceArn acs:pai::A:job/*`) was refused at admission ("Failed to assume role for user") though every session
 * its pod would ask for is allowed. Now the pod's job id is drawn before the checks and the trust is decided for its
 * ARN, as a job's submission is; an UPDATE of a running pod for its job's; a workload's template for any job of the
 * account. Real server (SQLite), the ECI fixtures (test/fixtures/kube), the admission webhook over HTTP as the
 * configuration `gatehouse kube webhook-config` writes names it, the pod's credentials URI as the SDKs read it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { applyConfig } from '../src/app/apply.ts';
import type { Caller } from '../src/app/index.ts';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { IAMClient } from '@aws-sdk/client-iam';
import { webhookFromKubeconfig, type WebhookTarget } from './support/apiserver.ts';
import { admissionFixture, patchedEnv, reviewAt, reviewedAs } from './support/admission.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'kube');
const ACCT = '123456789012';
const S3_SERVICE = 'https://gatehouse-s3.gatehouse.svc:8472';

let dir = '';
let server: RunningServer;
let admit: WebhookTarget;
let accountAdmin: { AccessKeyId: string; SecretAccessKey: string };
let admin: Caller;

type Json = Record<string, unknown>;
const fixture = (name: string, vars: Record<string, string> = {}): Promise<Json> => admissionFixture(name, { ACCOUNT: ACCT, ...vars });
const review = (body: Json, token = admit.token) => reviewAt(admit, body, token);
/** A GET of `url`: its status and text. */
const get = async (url: string): Promise<{ status: number; text: string }> => {
  const r = await fetch(url);
  return { status: r.status, text: await r.text() };
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-fm5-kube-'));
  // As in deploy/kubernetes: pods are sent to the S3 gateway's Service, not to this instance's own gateway.
  server = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Address: S3_SERVICE, env: {}, log: () => {} });
  const app = server.app;
  const root = JSON.parse(await readFile(join(dir, 'data', ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string };
  const rootWho = await app.authenticate(root.AccessKeyId);
  assert.ok(rootWho.ok);
  const created = await applyConfig(app.deps, rootWho.value.caller, { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: ACCT }, spec: { partition: 'acs' } }] });
  assert.ok(created.ok && created.value.credentials[0]);
  accountAdmin = created.value.credentials[0];
  const who = await app.authenticate(accountAdmin.AccessKeyId);
  assert.ok(who.ok);
  admin = who.value.caller;
  const passRole = JSON.parse(await readFile(join(FIXTURES, 'eci', 'passrole-policy.json'), 'utf8')) as Json;
  const doc = (kind: string, name: string, spec: Json) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const entry = (user: string) => doc('AccessEntry', user, { cluster: 'eci', principalArn: `acs:ram::${ACCT}:user/${user}`, kubernetesGroups: [`${user}s`] });
  const setup = await applyConfig(app.deps, admin, {
    documents: [
      // Guarded as AWS's confused-deputy guidance has it, in RAM's spelling: the pod's job's ARN and account.
      doc('Role', 'ECIRamRoleTest', { trustPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] }, Condition: { StringLike: { 'acs:SourceArn': `acs:pai::${ACCT}:job/*` }, StringEquals: { 'acs:SourceAccount': ACCT } } }] } }),
      doc('Role', 'NotForPods', { trustPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['pai.aliyuncs.com'] } }] } }),
      doc('User', 'deployer', { inlinePolicies: { passrole: passRole, passAny: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'ram:PassRole', Resource: `acs:ram::${ACCT}:role/NotForPods` }] } } }),
      doc('User', 'intruder', {}),
      doc('Cluster', 'eci', {}),
      entry('deployer'),
      entry('intruder'),
    ],
  });
  assert.ok(setup.ok, JSON.stringify(!setup.ok && setup.errors));
  const out = join(dir, 'webhooks');
  const r = await gatehouseInProcess(['kube', 'webhook-config', '--cluster', 'eci', '--out', out], { PATH: '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: accountAdmin.AccessKeyId, AWS_SECRET_ACCESS_KEY: accountAdmin.SecretAccessKey, GATEHOUSE_ENDPOINT: server.url }).then(({ code, stderr }) => ({ status: code === 0 ? 0 : 1, stderr }));
  assert.equal(r.status, 0, r.stderr);
  const authn = await webhookFromKubeconfig(join(out, 'authentication-webhook.kubeconfig'));
  admit = { ...authn, url: new URL(authn.url.toString().replace(/authenticate$/, 'admit')) };
  const mutating = parse(await readFile(join(out, 'mutating-webhook.yaml'), 'utf8')) as { webhooks: { clientConfig: { url: string }; rules: { resources: string[]; operations: string[] }[] }[] };
  assert.equal(mutating.webhooks[0]?.clientConfig.url, admit.url.toString());
  assert.ok(mutating.webhooks[0]?.rules.some((x) => x.resources.includes('deployments')));
});

after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('fm5: a pod whose role trusts the compute service for the account\'s jobs only is admitted, and gets its credentials', async () => {
  const body = await fixture('pod-create.json');
  const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: accountAdmin.AccessKeyId, secretAccessKey: accountAdmin.SecretAccessKey }, maxAttempts: 1 });
  try {
    (body['request'] as Json)['userInfo'] = await reviewedAs({ url: server.url, iam: () => iam }, 'eci', admit.token, 'deployer');
  } finally {
    iam.destroy();
  }
  const r = await review(body);
  assert.equal(r.response['allowed'], true, JSON.stringify(r.response));
  const env = patchedEnv(r.patch);
  const uri = env['ALIBABA_CLOUD_CREDENTIALS_URI'] as string;
  assert.ok(uri, JSON.stringify(r.patch));
  const got = await get(uri);
  assert.equal(got.status, 200, got.text);
  assert.match(got.text, /"AccessKeyId":"STS\./);
});
