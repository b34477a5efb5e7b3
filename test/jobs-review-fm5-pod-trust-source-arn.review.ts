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
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RunningServer } from '../src/main/server.ts';
import { IAMClient } from '@aws-sdk/client-iam';
import type { WebhookTarget } from './support/apiserver.ts';
import { admissionFixture, patchedEnv, reviewAt, reviewedAs } from './support/admission.ts';
import { ECI_ACCOUNT as ACCT, eciAdmission } from './support/eci-admission.ts';

let server: RunningServer;
let admit: WebhookTarget;
let accountAdmin: { AccessKeyId: string; SecretAccessKey: string };

type Json = Record<string, unknown>;
const fixture = (name: string, vars: Record<string, string> = {}): Promise<Json> => admissionFixture(name, { ACCOUNT: ACCT, ...vars });
const review = (body: Json, token = admit.token) => reviewAt(admit, body, token);
/** A GET of `url`: its status and text. */
const get = async (url: string): Promise<{ status: number; text: string }> => {
  const r = await fetch(url);
  return { status: r.status, text: await r.text() };
};

// Guarded as AWS's confused-deputy guidance has it, in RAM's spelling: the pod's job's ARN and account.
eciAdmission('gatehouse-fm5-kube-', { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] }, Condition: { StringLike: { 'acs:SourceArn': `acs:pai::${ACCT}:job/*` }, StringEquals: { 'acs:SourceAccount': ACCT } } }, (world) => {
  ({ server, admit, accountAdmin } = world);
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
