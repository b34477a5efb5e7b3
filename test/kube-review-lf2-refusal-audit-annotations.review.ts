/**
 * Review `lf`, 2: a refused pod's AdmissionReview response carried no `auditAnnotations`.
 *
 * admission.k8s.io/v1 AdmissionResponse: `auditAnnotations` "will be provided by the admission webhook to add
 * additional context to the audit log for this request", and kube-apiserver's webhook dispatcher adds them (prefixed
 * with the webhook's name) and relays `warnings` before it looks at `allowed`, so they are recorded on a refusal too.
 * Gatehouse answered an admitted pod with `auditAnnotations: { role, passed-by, job }` but a refused one with only
 * `status`, so the apiserver's audit log showed which role a pod ran as, never which role a refused pod tried to pass.
 * Now a refusal of a pod or workload naming a role carries `auditAnnotations.role`: the role's canonical ARN (as the
 * Gatehouse audit records it, review ac, 2), and the refusal's warnings when it has any.
 * Real server (SQLite); real TokenReview tokens; AdmissionReview v1 to /k8s/{cluster}/admit.
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { admit as admitTo, podCreate, reviewedUser, type UserInfo } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let acct = '';
let bearer = '';
let alice: UserInfo;
let bob: UserInfo;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const policy = (...Statement: object[]) => ({ Version: '2012-10-17', Statement });
const admit = (body: unknown) => admitTo(server.url, 'k1', bearer, body);

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  await server.iam().send(
    new I.CreateRoleCommand({
      RoleName: 'Trainer',
      Path: '/ml/',
      AssumeRolePolicyDocument: JSON.stringify(policy({ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' })),
    }),
  );
  const entry = (user: string) => doc('AccessEntry', user, { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/${user}`, kubernetesGroups: ['devs'] });
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('User', 'alice', { inlinePolicies: { pass: policy({ Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${acct}:role/ml/Trainer` }) } }),
      entry('alice'),
      doc('User', 'bob', {}),
      entry('bob'),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  assert.equal(config.status, 200, JSON.stringify(config.json));
  bearer = String(config.json['token']);
  const keyOf = async (u: string) => {
    const k = (await server.iam().send(new I.CreateAccessKeyCommand({ UserName: u }))).AccessKey;
    return { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  };
  alice = await reviewedUser(server.url, 'k1', bearer, await keyOf('alice'));
  bob = await reviewedUser(server.url, 'k1', bearer, await keyOf('bob'));
});
after(() => server?.stop());

describe('a refused pod’s response names the role it tried to pass, for the apiserver’s audit log (review lf, 2)', () => {
  it('admitted (alice may pass the role): auditAnnotations.role is the role', async () => {
    const r = await admit(podCreate(acct, 'alice', 'p-ok', `arn:aws:iam::${acct}:role/ml/Trainer`, alice));
    assert.equal(r['allowed'], true, JSON.stringify(r));
    assert.equal((r['auditAnnotations'] as Record<string, string>)['role'], `arn:aws:iam::${acct}:role/ml/Trainer`);
  });

  it('refused (bob may not pass it): status says why, and auditAnnotations.role is still the role', async () => {
    const r = await admit(podCreate(acct, 'bob', 'p-no', `arn:aws:iam::${acct}:role/ml/Trainer`, bob));
    assert.equal(r['allowed'], false, JSON.stringify(r));
    assert.match(String((r['status'] as { message?: string }).message), /check permission for ram role failed/);
    // Before the fix: no auditAnnotations at all.
    assert.deepEqual(r['auditAnnotations'], { role: `arn:aws:iam::${acct}:role/ml/Trainer` });
  });

  it('refused, the role named by a short name in another case: the annotation is the role’s canonical ARN', async () => {
    const r = await admit(podCreate(acct, 'bob', 'p-short', 'trainer', bob));
    assert.equal(r['allowed'], false, JSON.stringify(r));
    assert.equal((r['auditAnnotations'] as Record<string, string> | undefined)?.['role'], `arn:aws:iam::${acct}:role/ml/Trainer`);
  });
});
