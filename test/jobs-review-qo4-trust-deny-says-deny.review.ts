/**
 * Review qo, 4: a job's submission, a node's start and a pod's admission refused by an explicit Deny in the role's trust
 * policy (a Deny of the service for one workspace's jobs, one cluster's nodes or pods, by the tags their sessions carry:
 * review hp, 7) said `Failed to assume role for user: the trust policy of role R does not allow the … service S to
 * assume it; add this statement to the role's trust policy: {"Effect":"Allow",…}`: the fix it named was the Allow the
 * trust policy already held, which changes nothing while the Deny stands. The issuance of a job's sessions says
 * `denies the service` in that case (review gj, 4); the submission did not tell the two apart. Now the refusal keeps the
 * platform's prefix and says the trust policy denies the service for this job (a Deny statement applies: an Allow added
 * does not help); a trust policy that only lacks the Allow is refused as before.
 *
 * Real server (SQLite), SDK v3 IAM, the admin API as the CLI signs it; the ECI fixtures' pod admission over HTTP
 * (test/fixtures/kube), its role trusting by one Deny statement.
 *
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import type { WebhookTarget } from './support/apiserver.ts';
import { admissionFixture, reviewAt, reviewedAs } from './support/admission.ts';
import { ECI_ACCOUNT, eciAdmission } from './support/eci-admission.ts';
import type { RunningServer } from '../src/main/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
/** A trust policy allowing `service`, and denying it to the sessions tagged `key` = `value`. */
const allowBut = (service: string, key: string, value: string) =>
  policy({ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }, { Effect: 'Deny', Principal: { Service: service }, Action: 'sts:AssumeRole', Condition: { StringEquals: { [`aws:RequestTag/${key}`]: value } } });

// The ECI world's pod role trusts by this one statement: every pod's session is denied.
let eci: { server: RunningServer; admit: WebhookTarget; accountAdmin: { AccessKeyId: string; SecretAccessKey: string } };
eciAdmission('gatehouse-qo4-kube-', { Effect: 'Deny', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] } }, (world) => {
  eci = world;
});

describe('review qo4: a refusal by a Deny in the trust policy says so', () => {
  let s: TestServer;
  let erin: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'shared', AssumeRolePolicyDocument: allowBut('training.gatehouse.dev', 'gatehouse:workspace', 'scratch') }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'untrusting', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'node-role', AssumeRolePolicyDocument: allowBut('compute.gatehouse.dev', 'gatehouse:cluster', 'cpu') }));
    erin = await userWithKey(s, 'erin');
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: ['training:*', 'iam:PassRole'], Resource: '*' }) }));
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [doc('Workspace', 'scratch', { members: [{ user: 'erin' }] }), doc('Cluster', 'cpu', { instanceRole: 'node-role' })],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
  });
  after(() => s?.stop());

  /** erin's submission (or node start) refused: its status and message. */
  async function refused(path: string, body: Record<string, unknown>): Promise<{ status: number; message: string }> {
    const r = await gatehouseJson(s.url, erin, 'POST', path, { ...body, imds: false });
    return { status: r.status, message: String((r.json['error'] as { message?: string } | undefined)?.message ?? '') };
  }

  it('a job of a workspace the trust policy denies: refused, saying the trust policy denies the service', async () => {
    const r = await refused('/v1/jobs', { workspace: 'scratch', role: role('shared') });
    assert.equal(r.status, 403);
    assert.match(r.message, /^Failed to assume role for user: the trust policy of role arn:aws:iam::000000000000:role\/shared denies the training service training\.gatehouse\.dev /);
    assert.doesNotMatch(r.message, /add this statement/);
  });

  it('a node of a cluster the trust policy denies: the same', async () => {
    const r = await refused('/v1/clusters/cpu/nodes', {});
    assert.equal(r.status, 403);
    assert.match(r.message, /^Failed to assume role for user: the trust policy of role arn:aws:iam::000000000000:role\/node-role denies the compute service compute\.gatehouse\.dev /);
    assert.doesNotMatch(r.message, /add this statement/);
  });

  it('a trust policy that lacks the Allow is refused as before, naming the statement to add', async () => {
    const r = await refused('/v1/jobs', { workspace: 'scratch', role: role('untrusting') });
    assert.equal(r.status, 403);
    assert.match(r.message, /does not allow the training service training\.gatehouse\.dev to assume it; add this statement to the role's trust policy/);
  });

  it('a pod whose role’s trust policy denies the compute service: the same', async () => {
    const body = await admissionFixture('pod-create.json', { ACCOUNT: ECI_ACCOUNT });
    const iam = new I.IAMClient({ endpoint: eci.server.url, region: 'us-east-1', credentials: { accessKeyId: eci.accountAdmin.AccessKeyId, secretAccessKey: eci.accountAdmin.SecretAccessKey }, maxAttempts: 1 });
    try {
      (body['request'] as Record<string, unknown>)['userInfo'] = await reviewedAs({ url: eci.server.url, iam: () => iam }, 'eci', eci.admit.token, 'deployer');
    } finally {
      iam.destroy();
    }
    const r = await reviewAt(eci.admit, body, eci.admit.token);
    assert.equal(r.response['allowed'], false);
    const message = String((r.response['status'] as { message?: string } | undefined)?.message ?? '');
    assert.match(message, /^Failed to assume role for user: the trust policy of role acs:ram::123456789012:role\/ECIRamRoleTest denies the compute service ecs\.aliyuncs\.com /);
    assert.doesNotMatch(message, /add this statement/);
  });
});
