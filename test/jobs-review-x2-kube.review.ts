/**
 * A pod's job records the unique id of the user who passed its role (`submitterId`), as a job records its
 * submitter's since 98d7d16 (review X, X1): createPodJob stored the passer's ARN and name only, so after the passer
 * was deleted and a user created again under the name, the pod's job kept getting credentials, as the new user.
 * Against a real server: the ECI fixtures (test/fixtures/kube), the admission webhook over HTTP (its configuration written by
 * `gatehouse kube webhook-config`, the CLI's program in this process: test/support/gatehouse-cli.ts), the pod's
 * credentials URI as the SDKs read it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Caller } from '../src/app/index.ts';
import type { RunningServer } from '../src/main/server.ts';
import { IAMClient } from '@aws-sdk/client-iam';
import type { WebhookTarget } from './support/apiserver.ts';
import { admissionFixture, patchedEnv, reviewAt, reviewedAs } from './support/admission.ts';
import { ECI_ACCOUNT as ACCT, eciAdmission } from './support/eci-admission.ts';

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

eciAdmission('gatehouse-jrx2-kube-', { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] } }, (world) => {
  ({ server, admit, accountAdmin, admin } = world);
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
