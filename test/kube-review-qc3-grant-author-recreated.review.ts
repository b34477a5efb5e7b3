/**
 * Review qc, 3: a workload grant named its user author by ARN, and a controller's pod made from it was admitted on the
 * authority of whichever user held that name then. The grant carries the author's sealed identity (`u`, review kg, 1:
 * its key, region and unique id), but only the key and region were read from it: once the author was deleted and a
 * user of the same name made again (a new hire given the name, another team's user), the old workload's pods ran as
 * the role on the new user's PassRole, a user who never wrote or saw the workload. IAM tells the two apart by unique
 * id (a trust policy naming the old user stops matching; Gatehouse's access entries made for an earlier principal map
 * nothing, review I, S7). Now a grant whose author's unique id is not the current user's is refused, saying so; a
 * grant of the author as it is still serves.
 *
 * Before the fix 1 of 2 tests failed. Real server (SQLite), IAM API through the AWS SDK v3, TokenReview and
 * AdmissionReview over HTTP.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { admitObject, reviewedAs, type ObjectKind } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

type Json = Record<string, unknown>;
const NS = 'ml';
const POD: ObjectKind = { group: '', version: 'v1', kind: 'Pod', resource: 'pods' };
const JOB: ObjectKind = { group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs' };
const JOB_CONTROLLER = { username: 'system:serviceaccount:kube-system:job-controller', groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'], extra: {} };
const doc = (kind: string, name: string, spec: Json) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const TRUST_COMPUTE = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] };
const PASS_ALL = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] });

const job = (name: string): Json => ({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: NS }, spec: { template: { metadata: { annotations: { 'gatehouse.dev/role': 'Trainer' } }, spec: { containers: [{ name: 'c', image: 'trainer' }], restartPolicy: 'Never' } } } });
/** The pod job-controller makes from Job `name`'s template carrying `grant`. */
const jobPod = (name: string, grant: string): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { generateName: `${name}-`, namespace: NS, annotations: { 'gatehouse.dev/role': 'Trainer', 'gatehouse.dev/role-grant': grant }, ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name, uid: '6f1d0000-0000-4000-8000-0000000000c4', controller: true, blockOwnerDeletion: true }] },
  spec: { containers: [{ name: 'c', image: 'trainer' }], restartPolicy: 'Never' },
});

describe('review qc3: a grant serves only the author it was made for, not a user made again under its name', () => {
  let s: TestServer;
  let acct = '';
  let bearer = '';
  const grantOf = async (name: string, user: string): Promise<string> => {
    const r = await admitObject(s.url, 'k1', bearer, NS, JOB, await reviewedAs(s, 'k1', bearer, user), job(name));
    assert.equal(r.allowed, true, r.message);
    const g = r.patch.find((p) => p.path.endsWith('role-grant'))?.value;
    assert.equal(typeof g, 'string', JSON.stringify(r.patch));
    return g as string;
  };

  before(async () => {
    s = await startTestServer();
    acct = s.adminFile.AccountId;
    await s.iam().send(new I.CreateUserCommand({ UserName: 'alice' }));
    await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'pass', PolicyDocument: PASS_ALL }));
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [doc('Cluster', 'k1', {}), doc('Role', 'Trainer', { trustPolicy: TRUST_COMPUTE }), doc('AccessEntry', 'alice', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/alice`, kubernetesGroups: ['devs'] })],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const config = await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
    assert.equal(config.status, 200, JSON.stringify(config.json));
    bearer = String(config.json['token']);
  });
  after(() => s?.stop());

  it('the author as it is: the job-controller’s pod runs on its grant', async () => {
    const pod = await admitObject(s.url, 'k1', bearer, NS, POD, JOB_CONTROLLER, jobPod('first', await grantOf('first', 'alice')));
    assert.equal(pod.allowed, true, pod.message);
    assert.equal(pod.audit['passed-by'], `arn:aws:iam::${acct}:user/alice`);
  });

  it('the author deleted and a user of its name made again: the old workload’s pod is refused, naming why', async () => {
    const grant = await grantOf('old', 'alice');
    // alice leaves: her keys, policy and user deleted; later a new user is given the name, with the same rights.
    for (const k of (await s.iam().send(new I.ListAccessKeysCommand({ UserName: 'alice' }))).AccessKeyMetadata ?? []) await s.iam().send(new I.DeleteAccessKeyCommand({ UserName: 'alice', AccessKeyId: k.AccessKeyId }));
    await s.iam().send(new I.DeleteUserPolicyCommand({ UserName: 'alice', PolicyName: 'pass' }));
    await s.iam().send(new I.DeleteUserCommand({ UserName: 'alice' }));
    await s.iam().send(new I.CreateUserCommand({ UserName: 'alice' }));
    await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'pass', PolicyDocument: PASS_ALL }));
    const pod = await admitObject(s.url, 'k1', bearer, NS, POD, JOB_CONTROLLER, jobPod('old', grant));
    assert.equal(pod.allowed, false, `admitted, passed by ${pod.audit['passed-by']}`);
    assert.deepEqual(pod.patch, []);
    assert.match(pod.message, /deleted and created again since the workload/);
  });
});
