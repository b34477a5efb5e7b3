/**
 * Review pi, 2: every instance compiles the clusters' Kubernetes state at start and at every change of it (src/app/kube.ts
 * `reload`: cluster records, RBAC objects, access entries, webhook tokens), and parsed each record unguarded. One record
 * that was not the JSON the server wrote (a database restored or edited by hand, a truncated write) stopped every start
 * with `cannot load the Kubernetes RBAC state from the database (…): Unterminated string in JSON at position 8`,
 * naming no record (IAM, STS and every job's credentials down with it), and made every reload of a running instance
 * fail. DESIGN.md: a restarted instance serves once it can, the union "fails closed on error"; the precedent is the
 * unreadable policy (src/app/unreadable-policy.ts) and bucket owner record (review ot1), and kube.ts's own rule for an
 * RBAC object that no longer parses ("grants nothing"). Now each record is logged once naming its key and fails closed:
 * an RBAC object or access entry is left out (RBAC only grants), a cluster whose record cannot be read is left out (its
 * webhooks answer as for no cluster), a webhook token that cannot be read or opened leaves the cluster without one
 * (every webhook call refused), and `POST /v1/clusters/<c>/webhook-config` makes a new one (it answered 500).
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertSaidOnce, restartAfterEdit, stopRestarted } from './support/edited-store.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const GROUP = 'rbac.authorization.k8s.io';
const ALICE = `arn:aws:iam::${ACCT}:user/alice`;
const binding = (name: string, namespace: string) => ({ apiVersion: `${GROUP}/v1`, kind: 'RoleBinding', metadata: { name, namespace }, subjects: [{ kind: 'Group', name: 'ops', apiGroup: GROUP }], roleRef: { kind: 'ClusterRole', name: 'ops', apiGroup: GROUP } });

let first: TestServer;
let server: TestServer | undefined;
let started: unknown;
let oldHook = '';
const broken: Record<'binding' | 'cluster' | 'token', string> = { binding: `k8s/${ACCT}/k1/RoleBinding/dev/ops`, cluster: `cluster/${ACCT}/k2`, token: `k8swebhook/${ACCT}/k1` };

const admin = async (s: TestServer, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> => {
  const r = await gatehouseJson(s.url, s.admin, method, path, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
};
const ask = async (s: TestServer, cluster: string, namespace: string): Promise<string> => String((await admin(s, 'POST', '/v1/authorize', { principal: ALICE, action: 'kubernetes:get', resource: `arn:aws:training::${ACCT}:cluster/${cluster}/namespaces/${namespace}/pods/web` }))['decision']);
const sar = (s: TestServer, bearer: string): Promise<Response> =>
  fetch(`${s.url}/k8s/k1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify({ kind: 'SubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', metadata: { creationTimestamp: null }, spec: { resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'dev' }, user: 'alice', groups: ['ops'] }, status: { allowed: false } }) });

before(async () => {
  first = await startTestServer({ keepDir: true });
  await admin(first, 'POST', '/v1/apply', {
    documents: [
      { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} },
      { apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k2' }, spec: {} },
      { apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice' }, spec: {} },
      { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'alice-k1' }, spec: { cluster: 'k1', principalArn: ALICE, kubernetesGroups: ['ops'] } },
      { apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'alice-k2' }, spec: { cluster: 'k2', principalArn: ALICE, kubernetesGroups: ['ops'] } },
    ],
  });
  const rbac = [{ apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'ops' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }, binding('ops', 'dev'), binding('ops', 'qa')];
  await admin(first, 'POST', '/v1/apply', { cluster: 'k1', documents: rbac });
  await admin(first, 'POST', '/v1/apply', { cluster: 'k2', documents: rbac });
  oldHook = String((await admin(first, 'POST', '/v1/clusters/k1/webhook-config', {}))['token']);
  for (const [c, ns] of [['k1', 'dev'], ['k1', 'qa'], ['k2', 'dev']] as const) assert.equal(await ask(first, c, ns), 'Allow', `${c} ${ns}`);
  assert.equal((await sar(first, oldHook)).status, 200);
  try {
    server = await restartAfterEdit(first, async (tx) => {
      for (const key of Object.values(broken)) {
        assert.notEqual(await tx.kv.get(key), undefined, key);
        await tx.kv.put(key, '{"broken');
      }
    });
  } catch (e) {
    started = e;
  }
});

after(() => stopRestarted(first, server));

describe('review pi2: unreadable cluster, RBAC object and webhook token records', () => {
  it('the server starts, and says each record once, naming it', () => {
    assert.ok(server !== undefined, String(started));
    assertSaidOnce(server, Object.values(broken), /CANNOT READ.*fails closed/);
  });

  it('each fails closed: the binding and the cluster grant nothing, the rest of k1 still grants, the old token is refused', async () => {
    assert.ok(server !== undefined, String(started));
    assert.notEqual(await ask(server, 'k1', 'dev'), 'Allow');
    assert.notEqual(await ask(server, 'k2', 'dev'), 'Allow');
    assert.equal(await ask(server, 'k1', 'qa'), 'Allow');
    const refused = await sar(server, oldHook);
    assert.ok(refused.status === 401 || refused.status === 403, String(refused.status));
  });

  it('webhook-config makes a new token, which the webhook takes', async () => {
    assert.ok(server !== undefined, String(started));
    const hook = String((await admin(server, 'POST', '/v1/clusters/k1/webhook-config', {}))['token']);
    assert.notEqual(hook, oldHook);
    const answered = await sar(server, hook);
    assert.equal(answered.status, 200, await answered.text());
  });
});
