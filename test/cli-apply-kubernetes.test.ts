/**
 * `gatehouse apply --cluster` through the real executable takes Kubernetes RBAC files as kubectl applies them
 * (review I, U1): a Role or RoleBinding without `metadata.namespace` goes to `default`, or to `--namespace`/`-n`;
 * a document naming another namespace than `-n` is refused, as kubectl refuses it; a `v1 List` (what
 * `kubectl get … -o yaml` prints for several objects) is applied item by item, its items' errors placed in the file.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import type { Run } from './support/processes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

let server: RunningServer;
let work = '';
let dataDir = '';
const CLUSTER = 'arn:aws:training::000000000000:cluster/gpu-a';

const asAdmin = (...args: string[]): Promise<Run> => gatehouseInProcess([...args, '--data-dir', dataDir], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work });

async function file(name: string, text: string): Promise<string> {
  const path = join(work, name);
  await writeFile(path, text);
  return path;
}

/** The reviewer's file: a Role and a RoleBinding without a namespace, and a v1 List of a ClusterRole. */
const RBAC3 = `apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: nons}
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: nons}
subjects: [{kind: Group, name: g-nons, apiGroup: rbac.authorization.k8s.io}]
roleRef: {kind: Role, name: nons, apiGroup: rbac.authorization.k8s.io}
---
apiVersion: v1
kind: List
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: from-list}
  rules: [{apiGroups: [""], resources: ["nodes"], verbs: ["get"]}]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: from-list}
  subjects: [{kind: Group, name: g-nons, apiGroup: rbac.authorization.k8s.io}]
  roleRef: {kind: ClusterRole, name: from-list, apiGroup: rbac.authorization.k8s.io}
`;

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-cli-apply-kube-'));
  dataDir = join(work, 'data');
  server = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: () => {} });
  const setup = await file(
    'setup.yaml',
    `apiVersion: gatehouse.dev/v1
kind: Cluster
metadata: {name: gpu-a}
spec: {}
---
apiVersion: gatehouse.dev/v1
kind: User
metadata: {name: nina}
---
apiVersion: gatehouse.dev/v1
kind: AccessEntry
metadata: {name: nina}
spec: {cluster: gpu-a, principalArn: "arn:aws:iam::000000000000:user/nina", kubernetesGroups: [g-nons]}
`,
  );
  const r = await asAdmin('apply', '-f', setup);
  assert.equal(r.code, EXIT.ok, r.stderr);
});

after(async () => {
  await server.stop();
  await rm(work, { recursive: true, force: true });
});

describe('apply --cluster as kubectl apply', () => {
  test('namespaced objects without a namespace go to `default`, and a List applies its items', async () => {
    const f = await file('rbac3.yaml', RBAC3);
    const apply = await asAdmin('apply', '--cluster', 'gpu-a', '-f', f);
    assert.equal(apply.code, EXIT.ok, apply.stderr);
    for (const line of ['Role.rbac.authorization.k8s.io/default/nons', 'RoleBinding.rbac.authorization.k8s.io/default/nons', 'ClusterRole.rbac.authorization.k8s.io/from-list', 'ClusterRoleBinding.rbac.authorization.k8s.io/from-list']) {
      assert.match(apply.stdout, new RegExp(`^ {2}\\+ create ${line.replaceAll('.', '\\.')}$`, 'm'), apply.stdout);
    }
    assert.match(apply.stdout, /^applied: 4 created, 0 updated, 0 deleted, 0 unchanged$/m);
    // Stored with the namespace: applied again, nothing changes.
    const again = await asAdmin('apply', '--cluster', 'gpu-a', '-f', f);
    assert.equal(again.code, EXIT.ok, again.stderr);
    assert.match(again.stdout, /^applied: 0 created, 0 updated, 0 deleted, 4 unchanged$/m);
    // And the cluster's RBAC holds them: the RoleBinding in `default`, the List's ClusterRoleBinding.
    const decide = async (action: string, resource: string): Promise<string> => {
      const r = await asAdmin('authorize', '--principal', 'arn:aws:iam::000000000000:user/nina', '--action', action, '--resource', resource, '--json');
      return (JSON.parse(r.stdout) as { decision: string }).decision;
    };
    assert.equal(await decide('kubernetes:get', `${CLUSTER}/namespaces/default/pods/p`), 'Allow');
    assert.equal(await decide('kubernetes:get', `${CLUSTER}/namespaces/other/pods/p`), 'ImplicitDeny');
    assert.equal(await decide('kubernetes:get', `${CLUSTER}/nodes/n1`), 'Allow');
  });

  test('-n/--namespace names the namespace of objects without one', async () => {
    const f = await file('nons-ml.yaml', RBAC3.split('---\n').slice(0, 2).join('---\n'));
    const plan = await asAdmin('plan', '--cluster', 'gpu-a', '-n', 'ml', '-f', f);
    assert.equal(plan.code, EXIT.ok, plan.stderr);
    assert.match(plan.stdout, /^ {2}\+ create Role\.rbac\.authorization\.k8s\.io\/ml\/nons$/m);
    assert.match(plan.stdout, /^ {2}\+ create RoleBinding\.rbac\.authorization\.k8s\.io\/ml\/nons$/m);
    const long = await asAdmin('plan', '--cluster', 'gpu-a', '--namespace', 'ml', '-f', f);
    assert.equal(long.code, EXIT.ok, long.stderr);
    assert.match(long.stdout, /ml\/nons/);
  });

  test('a document naming another namespace than -n is refused, as kubectl refuses it', async () => {
    const f = await file('other-ns.yaml', RBAC3.split('---\n')[0]?.replace('{name: nons}', '{name: nons, namespace: other}') ?? '');
    const plan = await asAdmin('plan', '--cluster', 'gpu-a', '-n', 'ml', '-f', f);
    assert.equal(plan.code, EXIT.invalidInput, plan.stdout + plan.stderr);
    assert.match(plan.stderr, /metadata\.namespace: the namespace of the document, `other`, does not match `--namespace ml`; give `--namespace other` or remove one of them/);
    // Without -n, the document's own namespace.
    const own = await asAdmin('plan', '--cluster', 'gpu-a', '-f', f);
    assert.equal(own.code, EXIT.ok, own.stderr);
    assert.match(own.stdout, /Role\.rbac\.authorization\.k8s\.io\/other\/nons/);
  });

  test('an invalid item of a List is reported under items[i], at its line in the file', async () => {
    const f = await file('bad-list.yaml', `apiVersion: v1
kind: List
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: ok}
  rules: []
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: bad}
  subjects: [{kind: Group, name: g, apiGroup: rbac.authorization.k8s.io}]
`);
    const plan = await asAdmin('plan', '--cluster', 'gpu-a', '-f', f);
    assert.notEqual(plan.code, EXIT.ok, plan.stdout + plan.stderr);
    assert.match(plan.stderr, /bad-list\.yaml:8:3: document 1 \(ClusterRoleBinding bad\): items\[1\]\.roleRef: /);
    const notList = await file('not-list.yaml', 'apiVersion: v1\nkind: List\nitems: {a: 1}\n');
    const r = await asAdmin('plan', '--cluster', 'gpu-a', '-f', notList);
    assert.equal(r.code, EXIT.invalidInput);
    assert.match(r.stderr, /items: a `List` holds its objects in `items`, a list/);
  });
});
