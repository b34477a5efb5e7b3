/**
 * Review qo, 3: pod admission decided the role's trust in the compute service with the session tags of a workspace's
 * job (`gatehouse:workspace` empty, `gatehouse:job`), while the sessions of a pod's job are issued with a cluster node's
 * (`gatehouse:cluster`, the pod's cluster, and `gatehouse:job`: a pod's job is kept as a node of its cluster, and
 * src/app/jobs.ts `sessionFacts` tags it so). Review hp, 7 made a job's submission and a node's start decide the trust
 * with the tags their sessions carry, so that a trust policy scoping a role to one cluster's nodes
 * (`StringEquals aws:RequestTag/gatehouse:cluster`) lets that cluster in; a pod of that cluster was refused at admission
 * ("Failed to assume role for user: … does not allow the compute service …") though every session its job would be
 * issued is allowed, and a trust Deny of one cluster's pods let them be admitted, every credential fetch then refused.
 * Now admission decides the trust with the tags the pod's job's sessions carry.
 *
 * Real server (SQLite), the ECI fixtures (test/fixtures/kube), the admission webhook over HTTP as the configuration
 * `gatehouse kube webhook-config` writes names it, the pod's credentials URI as the SDKs read it.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { IAMClient, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import type { RunningServer } from '../src/main/server.ts';
import type { WebhookTarget } from './support/apiserver.ts';
import { admissionFixture, patchedEnv, reviewAt, reviewedAs } from './support/admission.ts';
import { ECI_ACCOUNT as ACCT, eciAdmission } from './support/eci-admission.ts';
import { PODDER, podderWorld, podPath } from './support/pod-escalation.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: RunningServer;
let admit: WebhookTarget;
let accountAdmin: { AccessKeyId: string; SecretAccessKey: string };

type Json = Record<string, unknown>;

// The role is for the pods of cluster eci alone, as the tag its sessions carry says.
eciAdmission('gatehouse-qo3-kube-', { Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] }, Condition: { StringEquals: { 'acs:RequestTag/gatehouse:cluster': 'eci' } } }, (world) => {
  ({ server, admit, accountAdmin } = world);
});

test("qo3: a pod whose role trusts the compute service for its cluster's sessions only is admitted, and gets its credentials", async () => {
  const body = await admissionFixture('pod-create.json', { ACCOUNT: ACCT });
  const iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: accountAdmin.AccessKeyId, secretAccessKey: accountAdmin.SecretAccessKey }, maxAttempts: 1 });
  try {
    (body['request'] as Json)['userInfo'] = await reviewedAs({ url: server.url, iam: () => iam }, 'eci', admit.token, 'deployer');
  } finally {
    iam.destroy();
  }
  const r = await reviewAt(admit, body, admit.token);
  assert.equal(r.response['allowed'], true, JSON.stringify(r.response));
  const uri = patchedEnv(r.patch)['ALIBABA_CLOUD_CREDENTIALS_URI'] as string;
  assert.ok(uri, JSON.stringify(r.patch));
  const got = await fetch(uri);
  const text = await got.text();
  assert.equal(got.status, 200, text);
  assert.match(text, /"AccessKeyId":"STS\./);
});

describe('qo3: escalation-paths asks a role trust scoped to a cluster with the tags of that cluster\'s pods', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    // eve may write cluster k1's RBAC (and so let herself create pods there) and pass podder (review fl, 2).
    const CLUSTER = 'arn:aws:training::000000000000:cluster/k1';
    await podderWorld(s, { eve: [{ Effect: 'Allow', Action: 'training:ApplyRbacObject', Resource: CLUSTER }, { Effect: 'Allow', Action: 'iam:PassRole', Resource: PODDER }] }, ['eve']);
    // podder is for the sessions of cluster k1's pods and nodes alone.
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:RequestTag/gatehouse:cluster': 'k1' } } }] };
    await s.iam().send(new UpdateAssumeRolePolicyCommand({ RoleName: 'podder', PolicyDocument: JSON.stringify(trust) }));
  });
  after(() => s?.stop());

  test('eve reaches podder by a pod of k1', async () => {
    const path = await podPath(s, 'eve');
    assert.deepEqual(path?.map((p) => [p.how, p.to]), [['iam:PassRole to a pod', PODDER]]);
  });
});
