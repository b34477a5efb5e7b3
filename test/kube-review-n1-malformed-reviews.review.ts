/**
 * Review N, N1: a SubjectAccessReview (or TokenReview) that is not what kube-apiserver sends is refused with a 400
 * naming the field, never decided as if the field were absent. Before, a field of the wrong type was read as absent:
 * `extra.arn` sent as a string instead of a list dropped the IAM principal and with it its explicit deny (answered
 * `allowed: true` where the well-formed review is `denied: true`), and a review without a verb, or with a verb that
 * is not a string, was decided for the empty verb, which a rule with verb `*` allows. A review naming neither a user
 * nor a group, or a non-resource review without a path, was decided too. Driven over HTTP with the JSON kube-apiserver
 * sends (v1 and v1beta1).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

let server: TestServer;
let acct = '';
let token = '';

async function admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await gatehouseJson(server.url, server.admin, method, path, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

async function post(which: 'authorize' | 'authenticate', body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await fetch(`${server.url}/k8s/k1/${which}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as Record<string, unknown> };
}

const sar = (spec: Record<string, unknown>, apiVersion = 'authorization.k8s.io/v1') => ({ apiVersion, kind: 'SubjectAccessReview', spec });
const carolArn = () => `arn:aws:iam::${acct}:user/carol`;
const carol = (extra: unknown) => ({ user: carolArn(), groups: ['admins', 'system:authenticated'], extra });
const getSecret = { namespace: 'team', verb: 'get', version: 'v1', resource: 'secrets', name: 's1' };

function refused(r: { status: number; json: Record<string, unknown> }, path: RegExp): void {
  assert.equal(r.status, 400, JSON.stringify(r.json));
  assert.equal(r.json['kind'], 'Status');
  assert.match(String(r.json['message']), path);
}

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  await admin('POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('User', 'carol', {
        inlinePolicies: { 'no-secrets': { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:*', Resource: `arn:aws:training::${acct}:cluster/k1/namespaces/team/secrets*` }] } },
      }),
      doc('AccessEntry', 'carol', { cluster: 'k1', principalArn: carolArn(), kubernetesGroups: ['admins'] }),
    ],
  });
  const rbac = (kind: string, name: string, rest: Record<string, unknown>) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, metadata: { name }, ...rest });
  await admin('POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      rbac('ClusterRole', 'all', { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, { nonResourceURLs: ['*'], verbs: ['*'] }] }),
      rbac('ClusterRoleBinding', 'admins-all', { subjects: [{ kind: 'Group', name: 'admins', apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'ClusterRole', name: 'all', apiGroup: 'rbac.authorization.k8s.io' } }),
    ],
  });
  token = String((await admin('POST', '/v1/clusters/k1/webhook-config', {}))['token']);
});

after(async () => {
  await server?.stop();
});

describe('N1: malformed SubjectAccessReviews are refused, never decided', () => {
  test('the well-formed review: IAM denies carol the secret, RBAC allows the rest', async () => {
    const denied = await post('authorize', sar({ resourceAttributes: getSecret, ...carol({ arn: [carolArn()] }) }));
    assert.equal(denied.status, 200);
    assert.deepEqual([(denied.json['status'] as Record<string, unknown>)['allowed'], (denied.json['status'] as Record<string, unknown>)['denied']], [false, true]);
    const other = await post('authorize', sar({ resourceAttributes: { ...getSecret, resource: 'configmaps' }, ...carol({ arn: [carolArn()] }) }));
    assert.equal((other.json['status'] as Record<string, unknown>)['allowed'], true);
  });

  test('`extra.arn` as a string, not a list: 400, not an allow that skips the IAM deny', async () => {
    refused(await post('authorize', sar({ resourceAttributes: getSecret, ...carol({ arn: carolArn() }) })), /`spec\.extra\.arn` must be a list of strings, got a string/);
    refused(await post('authorize', sar({ resourceAttributes: getSecret, ...carol({ arn: [7] }) })), /`spec\.extra\.arn\[0\]` must be a string/);
    refused(await post('authorize', sar({ resourceAttributes: getSecret, ...carol(['arn']) })), /`spec\.extra` must be a map of lists of strings, got a list/);
  });

  test('no verb, or a verb that is not a string: 400, not the empty verb that `*` allows', async () => {
    const { verb: _verb, ...noVerb } = getSecret;
    const bob = { user: 'bob', groups: ['admins'] };
    refused(await post('authorize', sar({ resourceAttributes: { ...noVerb, resource: 'configmaps' }, ...bob })), /`spec\.resourceAttributes\.verb` is required/);
    refused(await post('authorize', sar({ resourceAttributes: { ...getSecret, resource: 'configmaps', verb: 1 }, ...bob })), /`spec\.resourceAttributes\.verb` must be a string, got a number/);
    refused(await post('authorize', sar({ nonResourceAttributes: { path: '/healthz' }, ...bob })), /`spec\.nonResourceAttributes\.verb` is required/);
    refused(await post('authorize', sar({ nonResourceAttributes: { verb: 'get' }, ...bob })), /`spec\.nonResourceAttributes\.path` is required/);
    refused(await post('authorize', sar({ resourceAttributes: 'pods', ...bob })), /`spec\.resourceAttributes` must be an object, got a string/);
  });

  test('groups of the wrong type, or neither user nor groups: 400 (v1 and v1beta1)', async () => {
    refused(await post('authorize', sar({ resourceAttributes: getSecret, user: 'bob', groups: 'admins' })), /`spec\.groups` must be a list of strings, got a string/);
    refused(await post('authorize', sar({ resourceAttributes: getSecret, user: 'bob', group: 'admins' }, 'authorization.k8s.io/v1beta1')), /`spec\.group` must be a list of strings/);
    refused(await post('authorize', sar({ resourceAttributes: getSecret, user: 5, groups: ['admins'] })), /`spec\.user` must be a string, got a number/);
    refused(await post('authorize', sar({ resourceAttributes: getSecret })), /at least one of `spec\.user` and `spec\.groups` is required/);
  });

  test('`null` stands for an absent field, as in Go’s JSON: decided', async () => {
    const r = await post('authorize', sar({ resourceAttributes: null, nonResourceAttributes: { path: '/healthz', verb: 'get' }, user: 'bob', groups: ['admins'], extra: null, uid: null }));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal((r.json['status'] as Record<string, unknown>)['allowed'], true);
    const beta = await post('authorize', sar({ resourceAttributes: { ...getSecret, resource: 'configmaps' }, user: 'bob', group: ['admins'] }, 'authorization.k8s.io/v1beta1'));
    assert.deepEqual([beta.status, beta.json['apiVersion'], (beta.json['status'] as Record<string, unknown>)['allowed']], [200, 'authorization.k8s.io/v1beta1', true]);
  });

  test('a TokenReview whose `audiences` is not a list of strings: 400', async () => {
    refused(await post('authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'k8s-aws-v1.x', audiences: 'https://kubernetes.default.svc' } }), /`spec\.audiences` must be a list of strings, got a string/);
    const ok = await post('authenticate', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'k8s-aws-v1.x', audiences: ['https://kubernetes.default.svc'] } });
    assert.deepEqual([ok.status, (ok.json['status'] as Record<string, unknown>)['authenticated']], [200, false]);
  });
});
