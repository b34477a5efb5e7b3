/**
 * Review N, N3: `gatehouse apply --cluster C --prune` prunes Roles and RoleBindings only in the namespaces its
 * documents name, as `kubectl apply --prune` prunes namespaced kinds only in the namespaces it visited (kubectl
 * `pkg/cmd/apply/prune.go`, `visitedNamespaces`); ClusterRoles and ClusterRoleBindings across the cluster, as kubectl.
 * Before, `apply -n a --prune -f team-a.yaml` deleted every RoleBinding of every other namespace of the cluster —
 * another team's access, gone, from a file that never named their namespace.
 *
 * The file is what `kubectl create rolebinding --dry-run=client -o yaml` prints, applied with the CLI's program in
 * this process (test/support/gatehouse-cli.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { keysOf } from './support/processes.ts';

const KUBECTL = '/usr/bin/kubectl';
const GROUP = 'rbac.authorization.k8s.io';
let server: TestServer;
let home = '';
let token = '';

async function admin(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await gatehouseJson(server.url, server.admin, method, path, body);
  assert.ok(r.status >= 200 && r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.json;
}

const binding = (name: string, namespace: string, group: string) => ({
  apiVersion: `${GROUP}/v1`,
  kind: 'RoleBinding',
  metadata: { name, namespace },
  subjects: [{ kind: 'Group', name: group, apiGroup: GROUP }],
  roleRef: { kind: 'ClusterRole', name: 'view', apiGroup: GROUP },
});

async function allowed(namespace: string, group: string): Promise<boolean> {
  const r = await fetch(`${server.url}/k8s/k1/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes: { namespace, verb: 'get', version: 'v1', resource: 'pods', name: 'p' }, user: 'u', groups: [group] } }),
  });
  return ((await r.json()) as { status: { allowed: boolean } }).status.allowed;
}

before(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'gh-n3-'));
  await admin('POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name: 'k1' }, spec: {} }] });
  await admin('POST', '/v1/apply', {
    cluster: 'k1',
    documents: [
      { apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'view' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
      binding('old', 'a', 'team-a'),
      binding('theirs', 'b', 'team-b'),
    ],
  });
  token = String((await admin('POST', '/v1/clusters/k1/webhook-config', {}))['token']);
});

after(async () => {
  await server?.stop();
});

describe('N3: --prune keeps to the namespaces the files name', () => {
  test('apply -n a --prune deletes a’s RoleBindings the file does not name, never b’s', async () => {
    assert.equal(await allowed('b', 'team-b'), true);
    const yaml = existsSync(KUBECTL)
      ? execFileSync(KUBECTL, ['create', 'rolebinding', 'new', '--clusterrole=view', '--group=team-a', '-n', 'a', '--dry-run=client', '-o', 'yaml'], { encoding: 'utf8' })
      : `apiVersion: ${GROUP}/v1\nkind: RoleBinding\nmetadata:\n  name: new\n  namespace: a\nroleRef:\n  apiGroup: ${GROUP}\n  kind: ClusterRole\n  name: view\nsubjects:\n- apiGroup: ${GROUP}\n  kind: Group\n  name: team-a\n`;
    const file = join(home, 'team-a.yaml');
    await writeFile(file, yaml);
    const r = await gatehouseCliInProcess(['apply', '--cluster', 'k1', '-n', 'a', '--prune', '-f', file], keysOf({ AccessKeyId: server.admin.accessKeyId, SecretAccessKey: server.admin.secretAccessKey }), { endpoint: server.url, home });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\+ create RoleBinding\.rbac\.authorization\.k8s\.io\/a\/new/);
    assert.match(r.stdout, /- delete RoleBinding\.rbac\.authorization\.k8s\.io\/a\/old/);
    assert.doesNotMatch(r.stdout, /b\/theirs/);
    assert.equal(await allowed('b', 'team-b'), true, 'team b keeps its access');
    assert.equal(await allowed('a', 'team-a'), true);
  });

  test('cluster-scoped kinds are still pruned across the cluster', async () => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      cluster: 'k1',
      prune: true,
      documents: [{ apiVersion: `${GROUP}/v1`, kind: 'ClusterRole', metadata: { name: 'other' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] }],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /"action":"delete","kind":"ClusterRole\.rbac\.authorization\.k8s\.io"[^}]*"name":"view"/);
  });
});
