/**
 * Kubernetes documents in `gatehouse apply`, in process against SQLite: the HyperPod example's RBAC files
 * applied unchanged to the cluster named by `--cluster` (create, then unchanged, update, prune), their errors,
 * `kind: AccessEntry`, and the README's decision table through the cluster's compiled RBAC (src/app/kube.ts).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { createApp, type App, type Caller } from '../src/app/index.ts';
import { applyConfig, type ApplyInput, type ApplyResult, type PlannedChange } from '../src/app/apply.ts';
import { createKube, type Kube } from '../src/app/kube.ts';
import type { Store } from '../src/app/ports/store.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import type { Result } from '../src/core/errors.ts';

const ROOT = '000000000000';
const HYPERPOD = join(import.meta.dirname, 'fixtures', 'kube', 'hyperpod');
let dir = '';
let store: Store;
let app: App;
let kube: Kube;
let admin: Caller;
let hyperpod: unknown[] = [];

async function yamlDocs(file: string): Promise<unknown[]> {
  return parseAllDocuments(await readFile(file, 'utf8')).map((d) => d.toJS() as unknown);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-kube-apply-'));
  store = await openSqliteStore({ dataDir: dir });
  const key = masterKeyFromBytes(randomBytes(32));
  app = createApp({
    store,
    now: () => Date.now(),
    randomBytes: (n) => randomBytes(n),
    sealer: secretSealer(key),
    sessions: sessionCrypto,
  });
  await app.start();
  const creds = await app.bootstrap();
  assert.ok(creds);
  const who = await app.authenticate(creds.AccessKeyId);
  assert.ok(who.ok);
  admin = who.value.caller;
  kube = createKube(app, { podEnvironment: async () => ({}) });
  hyperpod = [...(await yamlDocs(join(HYPERPOD, 'cluster_level_config.yaml'))), ...(await yamlDocs(join(HYPERPOD, 'namespace_level_role.yaml')))];
});

after(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

async function apply(input: ApplyInput): Promise<Result<ApplyResult>> {
  const r = await applyConfig(app.deps, admin, input);
  await app.refresh();
  return r;
}

const line = (c: PlannedChange): string => `${c.action} ${c.kind}/${c.name}${c.fields.length > 0 ? ` (${c.fields.join(', ')})` : ''}`;
const cluster = (name: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'Cluster', metadata: { name }, spec: {} });

describe('RBAC documents go to the cluster named by --cluster', () => {
  test('without --cluster they are refused, naming the option', async () => {
    const r = await apply({ documents: hyperpod });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.errors.length, 4);
    assert.match(r.errors[0]?.message ?? '', /give `--cluster NAME`/);
  });

  test('a cluster that does not exist is an error', async () => {
    const r = await apply({ documents: hyperpod, cluster: 'hyperpod' });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.errors[0]?.message ?? '', /cluster `hyperpod` does not exist in account 000000000000/);
  });

  test('the HyperPod files apply unchanged, with the Cluster in the same apply', async () => {
    const r = await apply({ documents: [cluster('hyperpod'), ...hyperpod], cluster: 'hyperpod' });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    assert.deepEqual(r.value.changes.map(line), [
      'create Cluster/hyperpod',
      'create ClusterRole.rbac.authorization.k8s.io/hyperpod-scientist-user-cluster-role',
      'create ClusterRoleBinding.rbac.authorization.k8s.io/hyperpod-scientist-user-cluster-role-binding',
      'create Role.rbac.authorization.k8s.io/kubeflow/hyperpod-scientist-user-namespace-level-role',
      'create RoleBinding.rbac.authorization.k8s.io/kubeflow/hyperpod-scientist-user-namespace-level-role-binding',
    ]);
  });

  test('applying them again changes nothing', async () => {
    const r = await apply({ documents: hyperpod, cluster: 'hyperpod' });
    assert.ok(r.ok);
    assert.deepEqual(r.value.summary, { create: 0, update: 0, delete: 0, unchanged: 4 });
  });

  test('the same files for another cluster are that cluster’s objects', async () => {
    const r = await apply({ documents: [cluster('other'), ...hyperpod.slice(0, 2)], cluster: 'other' });
    assert.ok(r.ok);
    assert.equal(r.value.summary.create, 3);
  });

  test('an invalid object is refused with the RBAC parser’s code and path', async () => {
    const bad = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'x', namespace: 'kubeflow' }, rules: [{ verbs: ['get'], resources: ['pods'], apiGroup: [''] }] };
    const r = await apply({ documents: [bad], cluster: 'hyperpod' });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.errors[0]?.code, 'RBAC_UNKNOWN_FIELD');
    assert.equal(r.errors[0]?.path, 'rules[0].apiGroup');
  });

  test('a changed rule is an update of that object', async () => {
    const docs = structuredClone(hyperpod) as { rules?: { verbs: string[] }[] }[];
    docs[0]?.rules?.[0]?.verbs.push('watch');
    const r = await apply({ documents: docs, cluster: 'hyperpod', dryRun: true });
    assert.ok(r.ok);
    assert.deepEqual(r.value.changes.filter((c) => c.action !== 'unchanged').map(line), ['update ClusterRole.rbac.authorization.k8s.io/hyperpod-scientist-user-cluster-role (rules)']);
  });

  test('--prune deletes objects of the kinds in the files that the files no longer name, in that cluster only', async () => {
    const extra = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'extra' }, rules: [] };
    let r = await apply({ documents: [...hyperpod, extra], cluster: 'hyperpod' });
    assert.ok(r.ok);
    r = await apply({ documents: hyperpod, cluster: 'hyperpod', prune: true });
    assert.ok(r.ok);
    assert.deepEqual(r.value.changes.filter((c) => c.action === 'delete').map(line), ['delete ClusterRole.rbac.authorization.k8s.io/extra']);
    const other = await kube.cluster(ROOT, 'other');
    assert.equal(other?.rbac.stats.clusterRoles, 1, 'cluster `other` keeps its objects');
  });
});

describe('kind AccessEntry', () => {
  const entry = (groups: string[], name = 'scientists') => ({
    apiVersion: 'gatehouse.dev/v1',
    kind: 'AccessEntry',
    metadata: { name },
    spec: { cluster: 'hyperpod', principalArn: `arn:aws:iam::${ROOT}:role/ScientistUserRole`, kubernetesGroups: groups },
  });

  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] };
  const role = (name: string) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name }, spec: { trustPolicy: trust } });

  test('an entry for a principal that does not exist is refused, as EKS refuses it (review I, S7)', async () => {
    const r = await apply({ documents: [entry(['a'])], dryRun: true });
    assert.equal(r.ok, false);
    if (!r.ok) {
      assert.equal(r.errors[0]?.path.endsWith('spec.principalArn'), true, JSON.stringify(r.errors));
      assert.match(r.errors[0]?.message ?? '', /role\/ScientistUserRole is not an existing role: .*create the role first/);
    }
  });

  test('creates, leaves unchanged, updates', async () => {
    // The role in the same apply: the entry is written after it, with its id.
    const first = await apply({ documents: [role('ScientistUserRole'), entry(['hyperpod-scientist-user-namespace-level'])] });
    assert.ok(first.ok, JSON.stringify(!first.ok && first.errors));
    assert.deepEqual(first.value.changes.map((c) => `${c.action} ${c.kind}/${c.name}`), ['create Role/ScientistUserRole', 'create AccessEntry/scientists']);
    const id = (await app.deps.store.read((tx) => tx.roles.get(ROOT, 'ScientistUserRole')))?.id;
    assert.match(id ?? '', /^AROA/);
    assert.equal((await kube.cluster(ROOT, 'hyperpod'))?.entries.get(`arn:aws:iam::${ROOT}:role/scientistuserrole`)?.principalId, id);
    const again = await apply({ documents: [role('ScientistUserRole'), entry(['hyperpod-scientist-user-namespace-level'])] });
    assert.ok(again.ok);
    assert.deepEqual(again.value.changes.map(line), ['unchanged Role/ScientistUserRole', 'unchanged AccessEntry/scientists']);
    let r = await apply({ documents: [entry(['hyperpod-scientist-user-namespace-level'])] });
    assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
    assert.deepEqual(r.value.changes.map(line), ['unchanged AccessEntry/scientists']);
    r = await apply({ documents: [entry(['hyperpod-scientist-user-namespace-level', 'hyperpod-scientist-user-cluster-level'])] });
    assert.ok(r.ok);
    assert.deepEqual(r.value.changes.map(line), ['update AccessEntry/scientists (kubernetesGroups)']);
  });

  test('two documents for one principal and cluster are refused', async () => {
    const r = await apply({ documents: [entry(['a']), entry(['b'], 'again')], dryRun: true });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.errors[0]?.message ?? '', /already maps/);
  });

  test('system: groups and unknown templates are refused', async () => {
    let r = await apply({ documents: [entry(['system:masters'])], dryRun: true });
    assert.equal(r.ok, false);
    r = await apply({ documents: [{ ...entry(['a']), spec: { ...entry(['a']).spec, username: 'x-{{Nope}}' } }], dryRun: true });
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.errors[0]?.message ?? '', /unknown template `\{\{Nope\}\}`/);
  });

  test('the compiled cluster holds the entry', async () => {
    const c = await kube.cluster(ROOT, 'hyperpod');
    assert.deepEqual([...(c?.entries.values() ?? [])].map((e) => e.kubernetesGroups), [['hyperpod-scientist-user-namespace-level', 'hyperpod-scientist-user-cluster-level']]);
  });
});

describe('the HyperPod README’s table, decided by the cluster’s RBAC', () => {
  const groups = ['hyperpod-scientist-user-namespace-level', 'hyperpod-scientist-user-cluster-level', 'system:authenticated'];
  const cases: [string, { verb: string; resource: string; namespace?: string; subresource?: string; apiGroup?: string; name?: string }, boolean][] = [
    ['list pods in any namespace', { verb: 'list', resource: 'pods', namespace: 'default' }, true],
    ['list pods across namespaces', { verb: 'list', resource: 'pods' }, true],
    ['list nodes', { verb: 'list', resource: 'nodes' }, true],
    ['create a pod in kubeflow', { verb: 'create', resource: 'pods', namespace: 'kubeflow' }, true],
    ['create a pod in default', { verb: 'create', resource: 'pods', namespace: 'default' }, false],
    ['get pods/log in kubeflow', { verb: 'get', resource: 'pods', subresource: 'log', namespace: 'kubeflow', name: 'p' }, true],
    ['get pods/attach in kubeflow', { verb: 'get', resource: 'pods', subresource: 'attach', namespace: 'kubeflow', name: 'p' }, false],
    ['create pods/exec in kubeflow', { verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'kubeflow', name: 'p' }, true],
    ['create pytorchjobs in kubeflow', { verb: 'create', resource: 'pytorchjobs', apiGroup: 'kubeflow.org', namespace: 'kubeflow' }, true],
    ['patch pytorchjobs in kubeflow', { verb: 'patch', resource: 'pytorchjobs', apiGroup: 'kubeflow.org', namespace: 'kubeflow', name: 'j' }, false],
    ['update pytorchjobs/status in kubeflow', { verb: 'update', resource: 'pytorchjobs', subresource: 'status', apiGroup: 'kubeflow.org', namespace: 'kubeflow', name: 'j' }, true],
    ['delete secrets in kubeflow', { verb: 'delete', resource: 'secrets', namespace: 'kubeflow', name: 's' }, true],
    ['watch configmaps in kubeflow', { verb: 'watch', resource: 'configmaps', namespace: 'kubeflow' }, false],
    ['get nodes (cluster-scoped)', { verb: 'get', resource: 'nodes', name: 'n1' }, false],
  ];
  for (const [what, a, allowed] of cases) {
    test(`${what}: ${allowed ? 'yes' : 'no'}`, async () => {
      const c = await kube.cluster(ROOT, 'hyperpod');
      assert.ok(c);
      const r = await kube.accessReview(c, {
        apiVersion: 'authorization.k8s.io/v1',
        version: 'v1',
        attributes: { user: { name: 'arn:aws:sts::000000000000:assumed-role/ScientistUserRole/s', groups }, resourceRequest: true, namespace: '', apiGroup: '', subresource: '', name: '', ...a },
      });
      assert.equal(r.allowed, allowed, r.reason);
      assert.equal(r.denied, false, 'RBAC never denies');
    });
  }
});
