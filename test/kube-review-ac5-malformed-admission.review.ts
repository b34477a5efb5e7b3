/**
 * Review ac, finding 5: the admission webhook read an AdmissionReview leniently, each field of the wrong type as
 * absent, where the SubjectAccessReview webhook refuses such a review with a 400 naming the field (review N, N1). A
 * `request.kind` that was not an object made the review one of no kind, which admission does not look at: a pod naming
 * a role, created by a user who may not pass it, was answered `allowed: true` with no check and no audit record (fails
 * open). `request.operation` missing, `userInfo.extra.arn` as a string (dropping the IAM principal) and `dryRun` as a
 * string were read the same way. Now each is a 400 Kubernetes Status naming the field, which kube-apiserver reports
 * as the webhook's failure (failurePolicy Fail: refused). Real server; reviews POSTed to /k8s/{cluster}/admit.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let acct = '';
let bearer = '';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });

/** The pod CREATE kube-apiserver sends for user intruder, `change` applied to its `request`. */
function review(change: (r: Record<string, unknown>) => void): Record<string, unknown> {
  const arn = `arn:aws:iam::${acct}:user/intruder`;
  const request: Record<string, unknown> = {
    uid: 'u-1',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    name: 'p',
    namespace: 'ml',
    operation: 'CREATE',
    userInfo: { username: arn, uid: 'x', groups: ['system:authenticated'], extra: { arn: [arn] } },
    object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ml', annotations: { 'gatehouse.dev/role': 'trainer' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    oldObject: null,
    dryRun: false,
  };
  change(request);
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request };
}

async function admit(body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${server.url}/k8s/k1/admit`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

function refused(r: { status: number; json: Record<string, unknown> }, message: RegExp): void {
  assert.equal(r.status, 400, JSON.stringify(r.json));
  assert.deepEqual([r.json['kind'], r.json['reason']], ['Status', 'BadRequest']);
  assert.match(String(r.json['message']), message);
}

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('Role', 'trainer', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] } }),
      doc('User', 'intruder', {}),
      doc('AccessEntry', 'intruder', { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:user/intruder`, kubernetesGroups: ['devs'] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  bearer = String((await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
});
after(() => server?.stop());

describe('malformed AdmissionReviews are refused, never admitted (review ac, 5)', () => {
  it('the well-formed review: intruder may not pass the role', async () => {
    const r = await admit(review(() => {}));
    assert.equal(r.status, 200);
    assert.equal((r.json['response'] as { allowed: boolean }).allowed, false);
  });

  it('`request.kind` not an object: 400, not admitted unchecked', async () => {
    refused(await admit(review((r) => void (r['kind'] = 'Pod'))), /`request\.kind` must be an object, got a string/);
    refused(await admit(review((r) => void (r['kind'] = { group: '', version: 'v1', kind: 7 }))), /`request\.kind\.kind` must be a string, got a number/);
    refused(await admit(review((r) => void (r['kind'] = null))), /`request\.kind\.kind` is required/);
  });

  it('`request.operation` missing or unknown: 400', async () => {
    refused(await admit(review((r) => void delete r['operation'])), /`request\.operation` must be one of CREATE, UPDATE, DELETE, CONNECT, got ``/);
    refused(await admit(review((r) => void (r['operation'] = 'create'))), /`request\.operation` must be one of/);
  });

  it('`userInfo.extra.arn` as a string, `dryRun` as a string, `object` as a list: 400', async () => {
    refused(await admit(review((r) => void ((r['userInfo'] as Record<string, unknown>)['extra'] = { arn: `arn:aws:iam::${acct}:user/intruder` }))), /`request\.userInfo\.extra\.arn` must be a list of strings, got a string/);
    refused(await admit(review((r) => void (r['dryRun'] = 'false'))), /`request\.dryRun` must be true or false, got a string/);
    refused(await admit(review((r) => void (r['object'] = []))), /`request\.object` must be an object, got a list/);
  });
});
