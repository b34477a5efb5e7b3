/**
 * A pod's job records the unique id of the user who passed its role (`submitterId`), as a job records its
 * submitter's since 98d7d16 (review X, X1): createPodJob stored the passer's ARN and name only, so after the passer
 * was deleted and a user created again under the name, the pod's job kept getting credentials, as the new user.
 * Against a real server: the ECI fixtures (test/fixtures/kube), the admission webhook over HTTP (its configuration written by
 * `gatehouse kube webhook-config`, the CLI's program in this process: test/support/gatehouse-cli.ts), the pod's
 * credentials URI as the SDKs read it.
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
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-jrx2-kube-'));
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
      doc('Role', 'ECIRamRoleTest', { trustPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] } }] } }),
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

after(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a pod\'s job records its passer\'s unique id: the passer deleted and created again under the name ends the job', async () => {
  const body = await fixture('pod-create.json');
  // deployer as kube-apiserver hands it to admission: the TokenReview of a token of its own.
  const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: accountAdmin.AccessKeyId, secretAccessKey: accountAdmin.SecretAccessKey }, maxAttempts: 1 });
  try {
    (body['request'] as Json)['userInfo'] = await reviewedAs({ url: server.url, iam: () => iam }, 'eci', admit.token, 'deployer');
  } finally {
    iam.destroy();
  }
  const r = await review(body);
  assert.equal(r.response['allowed'], true, JSON.stringify(r.response));
  const patch = r.patch.find((op) => op.path.endsWith('gatehouse.dev~1job') || op.path.endsWith('/annotations'));
  const value = patch?.value;
  const jobId = typeof value === 'string' ? value : ((value ?? {}) as Record<string, string>)['gatehouse.dev/job'] ?? '';
  assert.match(jobId, /^[a-z0-9]+$/, JSON.stringify(r.patch));
  const deployer = await server.app.deps.store.read((tx) => tx.users.get(ACCT, 'deployer'));
  assert.ok(deployer);
  const record = JSON.parse((await server.app.deps.store.read((tx) => tx.kv.get(`job/${jobId}`))) ?? '{}') as { submitterId?: string; submitter?: { name: string } };
  assert.equal(record.submitter?.name, 'deployer');
  assert.equal(record.submitterId, deployer.id, 'the pod\'s job records the passing user\'s unique id');
  const env = patchedEnv(r.patch);
  const uri = env['ALIBABA_CLOUD_CREDENTIALS_URI'] as string;
  assert.ok(uri, JSON.stringify(r.patch));
  assert.equal((await get(uri)).status, 200);

  // deployer deleted, another deployer created: the pod's job was not passed by that user.
  for (const policyName of ['passrole', 'passAny']) assert.ok((await server.app.directory.deleteInlinePolicy(admin, 'user', { name: 'deployer', policyName })).ok);
  const keys = await server.app.directory.listAccessKeys(admin, { userName: 'deployer' });
  assert.ok(keys.ok);
  for (const k of keys.value) assert.ok((await server.app.directory.deleteAccessKey(admin, { userName: 'deployer', accessKeyId: k.id })).ok);
  const gone = await server.app.directory.deleteUser(admin, { userName: 'deployer' });
  assert.ok(gone.ok, JSON.stringify(!gone.ok && gone.errors));
  const again = await server.app.directory.createUser(admin, { userName: 'deployer' });
  assert.ok(again.ok, JSON.stringify(!again.ok && again.errors));
  const after = await get(uri);
  assert.equal(after.status, 410, after.status === 200 ? 'the pod got credentials after its passer was deleted and another user took the name' : after.text);
  const job = JSON.parse((await server.app.deps.store.read((tx) => tx.kv.get(`job/${jobId}`))) ?? '{}') as { state: string; reason?: string };
  assert.equal(job.state, 'Stopped');
  assert.match(job.reason ?? '', /its submitter, user deployer, was deleted \(.+\); the user deployer now is another user/);
});
