/**
 * Review kc, 2: a SubjectAccessReview naming a namespace, group, resource, subresource or object name longer than any
 * Kubernetes allows held the server's one thread for seconds. Every authenticated Kubernetes user can make kube-apiserver
 * send one: a SelfSubjectAccessReview (`kubectl auth can-i '*' '*' -A --subresource=…`, or one written by hand) is
 * forwarded to the webhook with its attributes as written, and kube-apiserver does not validate them; a real request
 * carries what its URL says (`kubectl get pods -A --field-selector metadata.name=…` names its object). For a principal
 * with a few wildcard Deny statements, a review of verb, group and resource `*` across all namespaces naming a 48 KB
 * subresource or object name took ~3 s, since the IAM views of a wildcard review search the namespaces and objects a
 * Deny reaches (reviews K, K3 and K6) through the whole path, once per resource. Such a review is now refused with a
 * 400 naming the field and the bound, as a malformed one is (review N, N1), before anything is decided: a namespace is
 * at most 63 characters (a DNS label), a group, resource and subresource at most 253 (a DNS subdomain), an object name
 * at most 253 except the identities impersonation names (`users`, `groups`, `uids`, `userextras`, `signers`), whose names
 * are user names, ARNs and extra values and whose reviews search no namespace. No object can be named so (Kubernetes
 * validates the names of what it stores), so nothing a review asks about is lost; kube-apiserver takes the 400 as the
 * webhook's failure (its next authorizer with the flags, a denial with `failurePolicy: Deny`).
 *
 * Before the fix 2 of 4 tests failed.
 *
 * Real server; alice's token presigned by SDK v3's SignatureV4 (as `aws eks get-token`) and reviewed by the TokenReview
 * webhook; the reviews in the JSON kube-apiserver sends.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { aliceOnK1, type AliceOnK1 } from './support/kube-session.ts';

let server: TestServer;
let k1: AliceOnK1;
const GROUP = 'rbac.authorization.k8s.io';

async function review(resourceAttributes: Record<string, string>): Promise<{ status: number; json: Record<string, unknown>; ms: number }> {
  const user = k1.user;
  const t = performance.now();
  const r = await fetch(`${server.url}/k8s/k1/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${k1.bearer}` },
    body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes, user: user.username, groups: user.groups, extra: user.extra } }),
  });
  return { status: r.status, json: (await r.json()) as Record<string, unknown>, ms: performance.now() - t };
}

const long = (unit: string) => unit.repeat(Math.floor(48_000 / unit.length));

before(async () => {
  server = await startTestServer();
  k1 = await aliceOnK1(server, {
    inlinePolicies: (c) => ({
      guards: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Action: 'kubernetes:*', Resource: [`${c}/namespaces/*/secrets/*-prod-*`, `${c}/namespaces/kube-*/*`, `${c}/namespaces/*/pods/*/exec`] }] },
    }),
    group: 'ops',
    rbac: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'ops' }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } },
    ],
  });
});

after(async () => {
  await server?.stop();
});

test('a wildcard review across all namespaces with a 48 KB subresource is refused at once, naming the field', async () => {
  const r = await review({ verb: '*', group: '*', resource: '*', subresource: long('s-pro-') });
  assert.equal(r.status, 400, JSON.stringify(r.json).slice(0, 300));
  assert.equal(r.json['kind'], 'Status');
  assert.match(String(r.json['message']), /`spec\.resourceAttributes\.subresource` is 48000 characters; .*at most 253/);
  assert.ok(String(r.json['message']).length < 500, 'the message does not repeat the value');
});

test('so are an object name, a namespace, a group and a resource longer than Kubernetes allows', async () => {
  const cases: [Record<string, string>, string][] = [
    [{ verb: '*', group: '*', resource: '*', name: long('n-pro-') }, 'name'],
    [{ verb: 'list', resource: 'pods', name: 'n'.repeat(254) }, 'name'],
    [{ verb: 'get', resource: 'secrets', namespace: 'a'.repeat(64) }, 'namespace'],
    [{ verb: 'get', group: 'g'.repeat(254), resource: 'widgets' }, 'group'],
    [{ verb: 'get', resource: 'r'.repeat(254), namespace: 'ml' }, 'resource'],
  ];
  for (const [attrs, field] of cases) {
    const r = await review(attrs);
    assert.equal(r.status, 400, `${field}: ${JSON.stringify(r.json).slice(0, 300)}`);
    assert.match(String(r.json['message']), new RegExp(`\`spec\\.resourceAttributes\\.${field}\` is \\d+ characters`), field);
  }
});

test('names as long as Kubernetes allows are decided as before', async () => {
  const get = await review({ verb: 'get', resource: 'secrets', namespace: 'n'.repeat(63), name: `db-prod-${'x'.repeat(245)}` });
  assert.equal(get.status, 200, JSON.stringify(get.json));
  assert.deepEqual([(get.json['status'] as Record<string, unknown>)['allowed'], (get.json['status'] as Record<string, unknown>)['denied']], [false, true]);
  // Across all namespaces: kube-system's pods among them, which a Deny guards (review K, K6).
  const list = await review({ verb: 'list', resource: 'pods', name: 'p'.repeat(253) });
  assert.equal(list.status, 200, JSON.stringify(list.json));
  assert.deepEqual([(list.json['status'] as Record<string, unknown>)['allowed'], (list.json['status'] as Record<string, unknown>)['denied']], [false, true]);
  assert.match(String((list.json['status'] as Record<string, unknown>)['reason']), /namespaces\/kube-/);
  const inMl = await review({ verb: 'list', resource: 'pods', namespace: 'ml', name: 'p'.repeat(253) });
  assert.equal((inMl.json['status'] as Record<string, unknown>)['allowed'], true, JSON.stringify(inMl.json));
});

test('impersonating a user, group or extra by a long name is decided as before (those names are no object names)', async () => {
  const arn = `arn:aws:iam::${server.adminFile.AccountId}:user/${'team/'.repeat(100)}bob`;
  for (const attrs of [
    { verb: 'impersonate', resource: 'users', name: arn },
    { verb: 'impersonate', resource: 'groups', name: 'g'.repeat(600) },
    { verb: 'impersonate', group: 'authentication.k8s.io', resource: 'userextras', subresource: 'scopes', name: 'v'.repeat(4000) },
  ]) {
    const r = await review(attrs);
    assert.equal(r.status, 200, JSON.stringify(r.json).slice(0, 300));
    assert.equal((r.json['status'] as Record<string, unknown>)['allowed'], true, JSON.stringify(r.json).slice(0, 300));
  }
});
