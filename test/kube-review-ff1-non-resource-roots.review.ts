/**
 * Review ff, 1: the authorize API reads kube-apiserver's `/openid/…` and `/debug/…` paths, and non-resource URLs ending
 * in `/`, as non-resource URLs. `kubernetes:get` on `<cluster>/openid/v1/jwks` (the service-account issuer's keys, which
 * the bootstrap ClusterRole `system:service-account-issuer-discovery` grants as a non-resource URL) was read as a
 * request for object `v1` of a resource `openid`, subresource `jwks`, which no rule names: ImplicitDeny where the
 * webhook allows the same request. `<cluster>/.well-known/openid-configuration/` (a rule of its own in that ClusterRole,
 * and matched by a `/healthz/*` rule upstream) was refused as "not a Kubernetes request path". Now both are the
 * non-resource URLs kube-apiserver sends, decided against the `nonResourceURLs` rules as the webhook decides them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const GROUP = 'rbac.authorization.k8s.io';
let server: TestServer;
let acct = '';

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const apply = async (body: unknown) => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  };
  await apply({
    documents: [
      { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} },
      { apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice' }, spec: {} },
    ],
  });
  await apply({
    cluster: 'k1',
    documents: [
      {
        apiVersion: `${GROUP}/v1`,
        kind: 'ClusterRole',
        metadata: { name: 'issuer-discovery' },
        rules: [
          { nonResourceURLs: ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'], verbs: ['get'] },
          { nonResourceURLs: ['/debug/pprof/*'], verbs: ['get'] },
        ],
      },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'devs' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'issuer-discovery', apiGroup: GROUP } },
    ],
  });
  const e = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/access-entries', { principalArn: `arn:aws:iam::${acct}:user/alice`, kubernetesGroups: ['devs'] });
  assert.ok(e.status < 300, JSON.stringify(e.json));
});

after(async () => {
  await server?.stop();
});

async function decide(action: string, path: string): Promise<string> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${acct}:user/alice`, action, resource: `arn:aws:training::${acct}:cluster/k1${path}` });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return String(r.json['decision']);
}

test('the service-account issuer’s paths are non-resource URLs', async () => {
  assert.equal(await decide('kubernetes:get', '/.well-known/openid-configuration'), 'Allow');
  assert.equal(await decide('kubernetes:get', '/openid/v1/jwks'), 'Allow');
  assert.equal(await decide('kubernetes:post', '/openid/v1/jwks'), 'ImplicitDeny');
});

test('a trailing slash is part of the URL, as upstream matches it', async () => {
  assert.equal(await decide('kubernetes:get', '/.well-known/openid-configuration/'), 'Allow');
  assert.equal(await decide('kubernetes:get', '/openid/v1/jwks/'), 'Allow');
  assert.equal(await decide('kubernetes:get', '/openid/v1/'), 'ImplicitDeny');
});

test('/debug/… is a non-resource URL', async () => {
  assert.equal(await decide('kubernetes:get', '/debug/pprof/profile'), 'Allow');
  assert.equal(await decide('kubernetes:get', '/debug/flags/v'), 'ImplicitDeny');
});
