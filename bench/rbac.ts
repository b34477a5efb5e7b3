/**
 * Kubernetes RBAC engine throughput and latency on a 1,000-role training cluster, decided in process with the
 * compiled authorizer (src/core/rbac).
 *
 * Workload (seeded, `rng(0x4b8c)`; objects built as the parsed YAML a cluster administrator would apply, then
 * run through `parseRbacObjects` and `compileRbac` as a server would on load):
 * - 48 team namespaces (`team-00`…`team-47`) plus `kubeflow`, `monitoring`; 18 Roles in each team namespace
 *   (pod manager, job submitter for pytorchjobs/mpijobs/trainjobs, log reader, exec, config editor and secret
 *   reader with resourceNames, scaler with `*\/scale`, PVC user, …), 3–8 rules each: 864 Roles;
 * - 136 ClusterRoles: `ml-view`/`ml-edit`/`ml-admin` aggregated (nested, matchLabels and matchExpressions)
 *   from 120 labelled feature roles, node and storage viewers, a `/metrics`, `/healthz*` URL reader, a
 *   discovery role, `cluster-admin`, and unbound vendor roles: 1,000 roles in all;
 * - 400 users in 48 team groups and 6 function groups (each user in one team, one or two functions and
 *   `system:authenticated`), 5 service accounts per team namespace;
 * - bindings: per team namespace, RoleBindings of the team group to 8 Roles, of `ml-edit` to the team, of
 *   individual users (leads) to 4 more Roles, of the namespace's service accounts; ClusterRoleBindings of
 *   `ml-view` and the node viewer to function groups, of discovery to `system:authenticated`, of
 *   cluster-admin to `sre`: 968 bindings;
 * - 100,000 requests: a user in the own team namespace (45%), in another team's (20%), cluster-scoped (10%),
 *   across all namespaces (5%), a service account in its namespace (12%), non-resource URLs (8%); verbs,
 *   resources, subresources and names drawn from what those roles name, plus near misses.
 *
 * Method: as bench/iam.ts. Requests are built before timing. Throughput: whole passes over the requests, the
 * best after warm-up, with decisions per CPU-second beside it. Latency: each decision between two
 * `hrtime.bigint()` reads minus the median cost of two back-to-back reads; batches of 16 as a cross-check.
 */
import { compileRbac, parseRbacObjects, type CompiledRbac, type RbacAttributes } from '../src/core/rbac/index.ts';
import { percentile, row, type BenchOptions, type BenchRow } from './report.ts';
import { rng, type Rng } from './workload.ts';

const V1 = 'rbac.authorization.k8s.io/v1';
const G = 'rbac.authorization.k8s.io';
const TEAMS = 48;
const USERS = 400;
const FUNCTIONS = ['ml-engineers', 'data-engineers', 'researchers', 'sre', 'ci', 'platform'] as const;
const SA_PER_NS = 5;

type Obj = Record<string, unknown>;
const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): Obj => ({ apiGroups, resources, verbs, ...(resourceNames ? { resourceNames } : {}) });
const urlRule = (nonResourceURLs: string[], verbs: string[]): Obj => ({ nonResourceURLs, verbs });
const role = (ns: string, name: string, rules: Obj[]): Obj => ({ apiVersion: V1, kind: 'Role', metadata: { name, namespace: ns }, rules });
const clusterRole = (name: string, rules: Obj[], labels?: Record<string, string>, selectors?: Obj[]): Obj => ({
  apiVersion: V1,
  kind: 'ClusterRole',
  metadata: labels ? { name, labels } : { name },
  ...(selectors ? { aggregationRule: { clusterRoleSelectors: selectors } } : {}),
  rules,
});
const subject = (kind: 'User' | 'Group' | 'ServiceAccount', name: string, namespace?: string): Obj =>
  kind === 'ServiceAccount' ? { kind, name, ...(namespace ? { namespace } : {}) } : { kind, name, apiGroup: G };
const roleBinding = (ns: string, name: string, kind: 'Role' | 'ClusterRole', ref: string, subjects: Obj[]): Obj => ({ apiVersion: V1, kind: 'RoleBinding', metadata: { name, namespace: ns }, subjects, roleRef: { apiGroup: G, kind, name: ref } });
const clusterRoleBinding = (name: string, ref: string, subjects: Obj[]): Obj => ({ apiVersion: V1, kind: 'ClusterRoleBinding', metadata: { name }, subjects, roleRef: { apiGroup: G, kind: 'ClusterRole', name: ref } });

const team = (t: number): string => `team-${String(t).padStart(2, '0')}`;
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete'];
const JOBS: readonly [string, string][] = [
  ['kubeflow.org', 'pytorchjobs'],
  ['kubeflow.org', 'mpijobs'],
  ['trainer.kubeflow.org', 'trainjobs'],
  ['batch', 'jobs'],
  ['ray.io', 'rayjobs'],
];

/** The 18 Roles of one team namespace. */
function teamRoles(ns: string, r: Rng): Obj[] {
  const cfg = [`${ns}-config`, `${ns}-hparams`];
  const secrets = [`${ns}-hf-token`, `${ns}-wandb`];
  const some = <T>(xs: readonly T[], n: number): T[] => Array.from({ length: n }, () => r.pick(xs));
  const job = (verbs: string[]): Obj[] => JOBS.slice(0, 2 + r.int(3)).map(([g, res]) => rule([g], [res, `${res}/status`], verbs));
  return [
    role(ns, 'pod-manager', [rule([''], ['pods'], ['create', 'get', 'list', 'delete']), rule([''], ['pods/log'], ['get']), rule([''], ['events'], READ)]),
    role(ns, 'pod-viewer', [rule([''], ['pods', 'pods/log', 'events'], READ)]),
    role(ns, 'job-submitter', [...job(['create', 'get', 'list', 'delete']), rule([''], ['configmaps'], ['get', 'list'])]),
    role(ns, 'job-operator', [...job(['*']), rule([''], ['pods', 'pods/log'], READ)]),
    role(ns, 'job-viewer', job(READ)),
    role(ns, 'log-reader', [rule([''], ['pods/log'], ['get', 'list'])]),
    role(ns, 'exec', [rule([''], ['pods/exec', 'pods/attach'], ['create', 'get']), rule([''], ['pods'], ['get'])]),
    role(ns, 'config-editor', [rule([''], ['configmaps'], ['get', 'update', 'patch'], cfg), rule([''], ['configmaps'], ['create', 'list'])]),
    role(ns, 'secret-reader', [rule([''], ['secrets'], ['get'], secrets)]),
    role(ns, 'scaler', [rule(['apps'], ['*/scale'], ['get', 'update', 'patch']), rule(['apps'], ['deployments', 'statefulsets'], READ)]),
    role(ns, 'pvc-user', [rule([''], ['persistentvolumeclaims'], ['create', 'get', 'list', 'delete']), rule(['storage.k8s.io'], ['volumeattachments'], READ)]),
    role(ns, 'notebook-user', [rule(['kubeflow.org'], ['notebooks'], [...READ, ...WRITE]), rule([''], ['services'], READ)]),
    role(ns, 'service-editor', [rule([''], ['services', 'endpoints'], [...READ, ...WRITE]), rule(['networking.k8s.io'], ['ingresses'], READ)]),
    role(ns, 'deployer', [rule(['apps'], ['deployments', 'replicasets'], [...READ, ...WRITE]), rule([''], ['configmaps'], READ)]),
    role(ns, 'dataset-manager', [rule(['datasets.gatehouse.dev'], ['datasets', 'datasets/status'], some([...READ, ...WRITE], 4)), rule([''], ['persistentvolumeclaims'], READ)]),
    role(ns, 'tensorboard', [rule(['tensorboard.kubeflow.org'], ['tensorboards'], [...READ, 'create', 'delete'])]),
    role(ns, 'quota-viewer', [rule([''], ['resourcequotas', 'limitranges'], READ)]),
    role(ns, 'ns-admin', [rule(['*'], ['*'], ['*']), rule([''], ['secrets'], ['*'], secrets)]),
  ];
}

interface Cluster {
  readonly objects: Obj[];
  readonly users: readonly { name: string; groups: string[]; team: number }[];
}

export function rbacWorkload(seed = 0x4b8c): Cluster {
  const r = rng(seed);
  const objects: Obj[] = [];
  const nss = Array.from({ length: TEAMS }, (_, t) => team(t));
  for (const ns of nss) objects.push(...teamRoles(ns, r));

  // Aggregated ClusterRoles, nested: ml-admin ⊇ ml-edit ⊇ ml-view.
  objects.push(clusterRole('ml-admin', [], undefined, [{ matchLabels: { 'gatehouse.dev/aggregate-to-ml-admin': 'true' } }]));
  objects.push(clusterRole('ml-edit', [], { 'gatehouse.dev/aggregate-to-ml-admin': 'true' }, [{ matchLabels: { 'gatehouse.dev/aggregate-to-ml-edit': 'true' } }]));
  objects.push(clusterRole('ml-view', [], { 'gatehouse.dev/aggregate-to-ml-edit': 'true' }, [{ matchExpressions: [{ key: 'gatehouse.dev/aggregate-to-ml-view', operator: 'In', values: ['true'] }, { key: 'gatehouse.dev/deprecated', operator: 'DoesNotExist' }] }]));
  const CRDS = ['pytorchjobs', 'mpijobs', 'tfjobs', 'xgboostjobs', 'paddlejobs', 'notebooks', 'experiments', 'trials', 'suggestions', 'inferenceservices', 'trainedmodels', 'profiles', 'tensorboards', 'pipelines', 'runs', 'datasets', 'models', 'checkpoints', 'evaluations', 'queues'];
  for (let i = 0; i < 120; i++) {
    const res = CRDS[i % CRDS.length] as string;
    const group = `g${Math.floor(i / CRDS.length)}.kubeflow.org`;
    const level = i % 3 === 0 ? 'view' : i % 3 === 1 ? 'edit' : 'admin';
    const verbs = level === 'view' ? READ : level === 'edit' ? [...READ, ...WRITE] : ['*'];
    const labels: Record<string, string> = { [`gatehouse.dev/aggregate-to-ml-${level}`]: 'true' };
    if (i % 17 === 0) labels['gatehouse.dev/deprecated'] = 'true';
    objects.push(clusterRole(`${res}-${group}-${level}`, [rule([group], [res, `${res}/status`], verbs)], labels));
  }
  objects.push(clusterRole('node-viewer', [rule([''], ['nodes', 'nodes/metrics'], READ), rule(['metrics.k8s.io'], ['nodes', 'pods'], READ)]));
  objects.push(clusterRole('storage-viewer', [rule([''], ['persistentvolumes'], READ), rule(['storage.k8s.io'], ['storageclasses', 'csidrivers'], READ)]));
  objects.push(clusterRole('namespace-viewer', [rule([''], ['namespaces'], ['get', 'list'])]));
  objects.push(clusterRole('monitoring', [urlRule(['/metrics', '/metrics/*', '/healthz*', '/livez', '/readyz'], ['get'])]));
  objects.push(clusterRole('discovery', [urlRule(['/api', '/api/*', '/apis', '/apis/*', '/version', '/openapi/*'], ['get'])]));
  objects.push(clusterRole('gpu-scheduler', [rule(['scheduling.k8s.io'], ['priorityclasses'], READ), rule(['resource.k8s.io'], ['resourceclaims', 'deviceclasses'], READ)]));
  objects.push(clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urlRule(['*'], ['*'])]));
  // Unbound ClusterRoles of other vendors' CRDs, up to 1,000 roles in all.
  for (let i = objects.length; i < 1000; i++) objects.push(clusterRole(`vendor-${i}`, [rule([`vendor${i}.example.com`], ['widgets', 'gadgets'], READ)]));

  // Users: each in one team, one or two functions, and system:authenticated.
  const users = Array.from({ length: USERS }, (_, u) => {
    const t = u % TEAMS;
    const fns = [r.pick(FUNCTIONS)];
    if (r.chance(0.4)) fns.push(r.pick(FUNCTIONS));
    return { name: `user-${String(u).padStart(3, '0')}@example.com`, groups: [team(t), ...new Set(fns), 'system:authenticated'], team: t };
  });

  const TEAM_ROLES = ['pod-manager', 'job-submitter', 'job-viewer', 'log-reader', 'exec', 'config-editor', 'pvc-user', 'notebook-user'];
  const LEAD_ROLES = ['job-operator', 'secret-reader', 'scaler', 'deployer'];
  nss.forEach((ns, t) => {
    for (const ref of TEAM_ROLES) objects.push(roleBinding(ns, `${ref}-team`, 'Role', ref, [subject('Group', ns)]));
    objects.push(roleBinding(ns, 'ml-edit-team', 'ClusterRole', 'ml-edit', [subject('Group', ns)]));
    const leads = users.filter((u) => u.team === t).slice(0, 2);
    for (const ref of LEAD_ROLES) objects.push(roleBinding(ns, `${ref}-leads`, 'Role', ref, leads.map((u) => subject('User', u.name))));
    for (let s = 0; s < SA_PER_NS; s++) {
      objects.push(roleBinding(ns, `sa-${s}`, 'Role', s === 0 ? 'job-operator' : s === 1 ? 'pod-viewer' : s === 2 ? 'config-editor' : s === 3 ? 'dataset-manager' : 'tensorboard', [subject('ServiceAccount', `runner-${s}`)]));
    }
    objects.push(roleBinding(ns, 'quota', 'Role', 'quota-viewer', [subject('Group', 'system:serviceaccounts:' + ns), subject('Group', ns)]));
    objects.push(roleBinding(ns, 'admin', 'Role', 'ns-admin', [subject('User', users.find((u) => u.team === t)?.name ?? 'nobody')]));
  });
  objects.push(clusterRoleBinding('ml-view-everyone', 'ml-view', FUNCTIONS.map((f) => subject('Group', f))));
  objects.push(clusterRoleBinding('node-viewers', 'node-viewer', [subject('Group', 'sre'), subject('Group', 'platform'), subject('Group', 'ml-engineers')]));
  objects.push(clusterRoleBinding('storage-viewers', 'storage-viewer', [subject('Group', 'sre'), subject('Group', 'data-engineers')]));
  objects.push(clusterRoleBinding('namespace-viewers', 'namespace-viewer', [subject('Group', 'system:authenticated')]));
  objects.push(clusterRoleBinding('discovery', 'discovery', [subject('Group', 'system:authenticated')]));
  objects.push(clusterRoleBinding('monitoring', 'monitoring', [subject('ServiceAccount', 'prometheus', 'monitoring'), subject('Group', 'sre')]));
  objects.push(clusterRoleBinding('gpu-scheduler', 'gpu-scheduler', [subject('Group', 'system:serviceaccounts')]));
  objects.push(clusterRoleBinding('cluster-admins', 'cluster-admin', [subject('Group', 'sre')]));
  return { objects, users };
}

const REQ_RESOURCES: readonly [string, string, string][] = [
  ['', 'pods', ''], ['', 'pods', 'log'], ['', 'pods', 'exec'], ['', 'pods', 'attach'], ['', 'configmaps', ''], ['', 'secrets', ''],
  ['', 'services', ''], ['', 'persistentvolumeclaims', ''], ['', 'events', ''], ['apps', 'deployments', ''], ['apps', 'deployments', 'scale'],
  ['apps', 'statefulsets', 'scale'], ['kubeflow.org', 'pytorchjobs', ''], ['kubeflow.org', 'pytorchjobs', 'status'], ['kubeflow.org', 'mpijobs', ''],
  ['trainer.kubeflow.org', 'trainjobs', ''], ['batch', 'jobs', ''], ['kubeflow.org', 'notebooks', ''], ['g1.kubeflow.org', 'experiments', ''],
  ['g3.kubeflow.org', 'inferenceservices', ''], ['datasets.gatehouse.dev', 'datasets', ''], ['', 'resourcequotas', ''],
];
const VERBS = ['get', 'get', 'list', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

export function rbacRequests(cluster: Cluster, n: number, seed = 0x5eed): RbacAttributes[] {
  const r = rng(seed);
  const out: RbacAttributes[] = [];
  for (let i = 0; i < n; i++) {
    const x = r.next();
    const u = r.pick(cluster.users);
    const user = { name: u.name, groups: u.groups };
    if (x < 0.08) {
      out.push({ user: r.chance(0.3) ? { name: 'system:serviceaccount:monitoring:prometheus', groups: [] } : user, verb: r.chance(0.9) ? 'get' : 'post', resourceRequest: false, path: r.pick(['/metrics', '/metrics/cadvisor', '/healthz', '/healthz/etcd', '/livez', '/api/v1', '/apis', '/version', '/debug/pprof']) });
      continue;
    }
    if (x < 0.18) {
      const [group, resource] = r.pick([['', 'nodes'], ['', 'nodes'], ['', 'namespaces'], ['', 'persistentvolumes'], ['storage.k8s.io', 'storageclasses'], ['metrics.k8s.io', 'nodes'], ['scheduling.k8s.io', 'priorityclasses']] as const);
      out.push({ user, verb: r.pick(['get', 'list', 'list', 'watch', 'delete']), resourceRequest: true, namespace: '', apiGroup: group, resource, name: r.chance(0.4) ? `node-${r.int(64)}` : '' });
      continue;
    }
    const [apiGroup, resource, subresource] = r.pick(REQ_RESOURCES);
    const verb = subresource === 'exec' || subresource === 'attach' ? 'create' : r.pick(VERBS);
    const collection = verb === 'list' || verb === 'watch' || verb === 'create' || verb === 'deletecollection';
    const name = collection && subresource === '' ? '' : resource === 'configmaps' || resource === 'secrets' ? r.pick([`${team(u.team)}-config`, `${team(u.team)}-hf-token`, 'other']) : `${resource}-${r.int(100)}`;
    if (x < 0.30) {
      const ns = team(r.int(TEAMS));
      const s = r.int(SA_PER_NS + 1);
      out.push({ user: { name: `system:serviceaccount:${ns}:runner-${s}`, groups: [] }, verb, resourceRequest: true, namespace: ns, apiGroup, resource, subresource, name });
      continue;
    }
    const namespace = x < 0.75 ? team(u.team) : x < 0.95 ? team(r.int(TEAMS)) : '';
    out.push({ user, verb, resourceRequest: true, namespace, apiGroup, resource, subresource, name });
  }
  return out;
}

function pass(c: CompiledRbac, reqs: readonly RbacAttributes[]): number {
  let allows = 0;
  for (let i = 0; i < reqs.length; i++) if (c.authorize(reqs[i] as RbacAttributes).verdict === 'allow') allows++;
  return allows;
}

function timerOverhead(n: number): number {
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const t1 = process.hrtime.bigint();
    samples[i] = Number(t1 - t0);
  }
  samples.sort();
  return percentile(samples, 50);
}

export interface RbacFigures {
  readonly roles: number;
  readonly bindings: number;
  readonly users: number;
  readonly requests: number;
  readonly allowShare: number;
  readonly compileMs: number;
  readonly decisionsPerSecond: number;
  readonly medianPerSecond: number;
  readonly decisionsPerCpuSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
  readonly timerOverheadNs: number;
  readonly batch16: { readonly p50: number; readonly p99: number; readonly p999: number };
}

export function measureRbac(opts: { quick: boolean; log: (m: string) => void }): RbacFigures {
  const w = rbacWorkload();
  const t0 = process.hrtime.bigint();
  const parsed = parseRbacObjects(w.objects);
  if (!parsed.ok) throw new Error(`workload objects rejected: ${JSON.stringify(parsed.errors.slice(0, 3))}`);
  const cluster = compileRbac(parsed.value);
  const compileMs = Number(process.hrtime.bigint() - t0) / 1e6;
  if (cluster.diagnostics.length > 0) throw new Error(`workload diagnostics: ${JSON.stringify(cluster.diagnostics.slice(0, 3))}`);
  const s = cluster.stats;
  const n = opts.quick ? 50_000 : 100_000;
  const reqs = rbacRequests(w, n);

  const warmup = opts.quick ? 2 : 4;
  const roundsN = opts.quick ? 4 : 10;
  let sink = 0;
  for (let i = 0; i < warmup; i++) sink += pass(cluster, reqs);
  const allows = pass(cluster, reqs);
  const rounds: number[] = [];
  let cpuBest = 0;
  for (let i = 0; i < roundsN; i++) {
    const c = process.cpuUsage();
    const st = process.hrtime.bigint();
    sink += pass(cluster, reqs);
    const ns = Number(process.hrtime.bigint() - st);
    const cpu = process.cpuUsage(c);
    rounds.push(n / (ns / 1e9));
    cpuBest = Math.max(cpuBest, n / ((cpu.user + cpu.system) / 1e6));
  }
  opts.log(`rbac: rounds ${rounds.map((x) => Math.round(x).toLocaleString('en-US')).join(', ')} decisions/s`);

  const overhead = timerOverhead(n);
  const lat = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const req = reqs[i] as RbacAttributes;
    const st = process.hrtime.bigint();
    const d = cluster.authorize(req);
    const e = process.hrtime.bigint();
    lat[i] = Math.max(0, Number(e - st) - overhead);
    if (d.verdict === 'allow') sink++;
  }
  lat.sort();
  const batches = Math.floor(n / 16);
  const blat = new Float64Array(batches);
  for (let b = 0; b < batches; b++) {
    const st = process.hrtime.bigint();
    for (let i = b * 16; i < b * 16 + 16; i++) if (cluster.authorize(reqs[i] as RbacAttributes).verdict === 'allow') sink++;
    blat[b] = Number(process.hrtime.bigint() - st) / 16;
  }
  blat.sort();
  if (sink < 0) opts.log('unreachable');

  const sorted = [...rounds].sort((a, b) => a - b);
  return {
    roles: s.roles + s.clusterRoles,
    bindings: s.roleBindings + s.clusterRoleBindings,
    users: w.users.length,
    requests: n,
    allowShare: allows / n,
    compileMs,
    decisionsPerSecond: Math.max(...rounds),
    medianPerSecond: sorted[Math.floor(sorted.length / 2)] ?? 0,
    decisionsPerCpuSecond: cpuBest,
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    p999: percentile(lat, 99.9),
    max: lat[n - 1] ?? Number.NaN,
    timerOverheadNs: overhead,
    batch16: { p50: percentile(blat, 50), p99: percentile(blat, 99), p999: percentile(blat, 99.9) },
  };
}

export function benchRbac(opts: BenchOptions): BenchRow[] {
  const f = measureRbac(opts);
  const us = (ns: number): number => ns / 1000;
  return [
    row('rbac', 'workload', `${f.roles.toLocaleString('en-US')} roles, ${f.bindings.toLocaleString('en-US')} bindings, ${f.users} users; ${f.requests.toLocaleString('en-US')} requests`, ''),
    row('rbac', 'decision mix (allow / no opinion)', `${(100 * f.allowShare).toFixed(1)}% / ${(100 * (1 - f.allowShare)).toFixed(1)}%`, ''),
    row('rbac', 'parse + compile the cluster', f.compileMs, 'ms'),
    row('rbac', 'throughput (best round)', Math.round(f.decisionsPerSecond), 'decisions/s', { text: '≥ 1,000,000', pass: f.decisionsPerSecond >= 1_000_000 }),
    row('rbac', 'throughput (median round)', Math.round(f.medianPerSecond), 'decisions/s'),
    row('rbac', 'throughput per CPU-second (best round)', Math.round(f.decisionsPerCpuSecond), 'decisions/s'),
    row('rbac', 'latency p50', us(f.p50), 'µs'),
    row('rbac', 'latency p99', us(f.p99), 'µs'),
    row('rbac', 'latency p99.9', us(f.p999), 'µs'),
    row('rbac', 'latency max', us(f.max), 'µs'),
    row('rbac', 'timer overhead subtracted', f.timerOverheadNs, 'ns'),
    row('rbac', 'latency p50 / p99 / p99.9 (batches of 16)', `${us(f.batch16.p50).toFixed(3)} / ${us(f.batch16.p99).toFixed(3)} / ${us(f.batch16.p999).toFixed(3)}`, 'µs'),
  ];
}
