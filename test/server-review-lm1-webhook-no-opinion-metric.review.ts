/**
 * Review lm, 1 (fixed in src/app/kube.ts and src/adapters/metrics): a SubjectAccessReview the Kubernetes
 * authorization webhook answered with no opinion (neither `allowed` nor `denied`: no RBAC binding allows, so
 * kube-apiserver asks its next authorizer) was counted nowhere in `gatehouse_decisions_total`, which has no label value
 * for it. On a cluster where Gatehouse's RBAC is one authorizer among others most webhook answers are of that kind,
 * and the webhook's traffic did not show on /metrics at all. Now they are counted as `result="NoOpinion"`, a series
 * present at 0 from the start as the others are. Real server (SQLite), the webhook called over HTTP as
 * kube-apiserver calls it. Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const GROUP = 'rbac.authorization.k8s.io';
let server: TestServer;
let token = '';

const decisions = async (): Promise<Map<string, number>> => {
  const r = await fetch(`${server.url}/metrics`);
  assert.equal(r.status, 200);
  const text = await r.text();
  const out = new Map<string, number>();
  for (const m of text.matchAll(/^gatehouse_decisions_total\{result="([^"]*)"\} (\S+)$/gm)) out.set(m[1] as string, Number(m[2]));
  return out;
};

const review = async (user: string, groups: string[]): Promise<{ allowed: boolean; denied?: boolean }> => {
  const r = await fetch(`${server.url}/k8s/k1/authorize`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes: { namespace: 'team', verb: 'get', version: 'v1', resource: 'pods', name: 'p' }, user, groups } }),
  });
  assert.equal(r.status, 200);
  return ((await r.json()) as { status: { allowed: boolean; denied?: boolean } }).status;
};

before(async () => {
  server = await startTestServer();
  const apply = async (body: unknown) => assert.equal((await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', body)).status, 200);
  await apply({ documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} }] });
  await apply({
    cluster: 'k1',
    documents: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'view' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
      { apiVersion: `${GROUP}/v1`, kind: 'RoleBinding', metadata: { name: 'viewers', namespace: 'team' }, subjects: [{ kind: 'Group', name: 'devs', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'view', apiGroup: GROUP } },
    ],
  });
  token = String((await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
});

after(async () => {
  await server?.stop();
});

test('gatehouse_decisions_total has a NoOpinion series from the start, beside the other results', async () => {
  const d = await decisions();
  assert.deepEqual([...d.keys()].sort(), ['Allow', 'ExplicitDeny', 'ImplicitDeny', 'NoOpinion']);
  assert.equal(d.get('NoOpinion'), 0);
});

test('a webhook answer of no opinion is counted as NoOpinion; an allow still as Allow', async () => {
  const before = await decisions();
  const none = await review('mallory', ['outsiders']);
  assert.equal(none.allowed, false);
  assert.notEqual(none.denied, true);
  assert.equal((await review('bob', ['devs'])).allowed, true);
  const after = await decisions();
  assert.equal((after.get('NoOpinion') ?? NaN) - (before.get('NoOpinion') ?? 0), 1);
  assert.equal((after.get('Allow') ?? NaN) - (before.get('Allow') ?? NaN), 1);
  assert.equal(after.get('other') ?? 0, 0);
});
