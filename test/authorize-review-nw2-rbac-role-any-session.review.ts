/**
 * Review nw, 2. On a cluster's resources the authorize union asks Kubernetes RBAC (issue 8: "for `k8s` resources,
 * RBAC"), as the user the principal's access entry renders: by default `arn:aws:sts::A:assumed-role/R/{{SessionName}}`
 * (DESIGN.md, Kubernetes webhooks), the session's name being what whoever assumes R picks. A role asked about by its ARN
 * stands for any session of it (reference policy-semantics.md §A.1.2, "IAM role | any session of that role"; review
 * nw, 1), but the RBAC engine rendered its username with the made-up session name `session`: a RoleBinding to the User
 * `arn:aws:sts::A:assumed-role/R/session` — one session's username — answered `kubernetes:get` Allow for role R, and
 * who-can listed the role as allowed, where a session of R under any other name is refused.
 *
 * Now, for a role asked about by its ARN whose entry renders the username from the session name, RBAC matches the
 * entry's groups alone, and the answer says why; a template without the session name (a fixed username) still renders
 * it, and the session named keeps its binding.
 *
 * Before the fix 2 of 4 tests failed. Real server (SQLite), SigV4-signed requests as the CLI signs them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const POD = `arn:aws:training::${ROOT}:cluster/nw2/namespaces/ml/pods/p1`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const role = (name: string) => `arn:aws:iam::${ROOT}:role/${name}`;
const session = (name: string, s: string) => `arn:aws:sts::${ROOT}:assumed-role/${name}/${s}`;
const RBAC = 'rbac.authorization.k8s.io';
const binding = (name: string, subject: { kind: 'User' | 'Group'; name: string }) => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'RoleBinding',
  metadata: { name, namespace: 'ml' },
  roleRef: { apiGroup: RBAC, kind: 'Role', name: 'pod-reader' },
  subjects: [{ ...subject, apiGroup: RBAC }],
});

let s: TestServer;

before(async () => {
  s = await startTestServer();
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] };
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('Role', 'dev', { trustPolicy: trust }), doc('Role', 'team', { trustPolicy: trust }), doc('Role', 'bot', { trustPolicy: trust }), doc('Cluster', 'nw2', {})] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  for (const [name, extra] of [['dev', {}], ['team', { kubernetesGroups: ['ml-readers'] }], ['bot', { username: 'ops-bot' }]] as const) {
    const e = await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/nw2/access-entries', { principalArn: role(name), kubernetesGroups: [], ...extra });
    assert.equal(e.status, 201, JSON.stringify(e.json));
  }
  const rbac = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    cluster: 'nw2',
    documents: [
      { apiVersion: `${RBAC}/v1`, kind: 'Role', metadata: { name: 'pod-reader', namespace: 'ml' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
      binding('one-session', { kind: 'User', name: session('dev', 'session') }),
      binding('readers', { kind: 'Group', name: 'ml-readers' }),
      binding('bot', { kind: 'User', name: 'ops-bot' }),
    ],
  });
  assert.equal(rbac.status, 200, JSON.stringify(rbac.json));
});
after(() => s?.stop());

const ask = async (principal: string) => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action: 'kubernetes:get', resource: POD });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as { decision: string; diagnostics: string[] };
};

test('a role asked about by its ARN is not allowed by a binding to one session’s username', async () => {
  const a = await ask(role('dev'));
  assert.equal(a.decision, 'ImplicitDeny', JSON.stringify(a));
  assert.ok(a.diagnostics.some((d) => d.includes('renders each session\'s username from its session name')), JSON.stringify(a));
  // Its sessions: the one bound is allowed, any other is not.
  assert.equal((await ask(session('dev', 'session'))).decision, 'Allow');
  assert.equal((await ask(session('dev', 'nightly'))).decision, 'ImplicitDeny');
});

test('the entry’s groups still allow the role asked about by its ARN', async () => {
  const a = await ask(role('team'));
  assert.equal(a.decision, 'Allow', JSON.stringify(a));
  assert.equal((await ask(session('team', 'nightly'))).decision, 'Allow');
});

test('an entry whose username does not depend on the session name still renders it for the role', async () => {
  const a = await ask(role('bot'));
  assert.equal(a.decision, 'Allow', JSON.stringify(a));
});

test('who-can lists the session bound, not its role', async () => {
  const w = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 'kubernetes:get', resource: POD });
  assert.equal(w.status, 200, JSON.stringify(w.json));
  const allowed = (w.json['allowed'] as { principal: string }[]).map((x) => x.principal);
  assert.ok(!allowed.includes(role('dev')), JSON.stringify(allowed));
  assert.ok(allowed.includes(session('dev', 'session')) && allowed.includes(role('team')) && allowed.includes(role('bot')), JSON.stringify(allowed));
});
