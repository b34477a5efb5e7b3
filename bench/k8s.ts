/**
 * The SubjectAccessReview webhook over HTTP on loopback: `POST /k8s/{cluster}/authorize`, as kube-apiserver
 * calls it, against a real `gatehouse server` (bench/support/server.ts: a child process, SQLite), loaded by
 * autocannon from this process.
 *
 * Method:
 * - Setup through the admin API: cluster `hyperpod` with the HyperPod example's RBAC (test/fixtures/kube/
 *   hyperpod) plus, to give the index some size, 200 namespaces each with a Role and a RoleBinding for its own
 *   team group, and 50 ClusterRoles bound to 50 other groups; role `ScientistUserRole`; the cluster's webhook
 *   token (`POST /v1/clusters/hyperpod/webhook-config`).
 * - 256 distinct SubjectAccessReview v1 bodies (verbs, resources, subresources and namespaces of the README's
 *   table, about half allowed), sent round-robin by 64 connections, with the bearer token.
 * - Two runs: RBAC only (a user the authenticator did not make: no `extra.arn`), and as kube-apiserver sends
 *   reviews for Gatehouse-authenticated users, with `extra.arn` of a role session, which adds the IAM
 *   explicit-deny check of the session's role (its policies resolved once, then from memory).
 * - Per run: 1 s warm-up, then 5 s (2 s with `--quick`). Every answer must be 200 with a `status.allowed`;
 *   the allowed/denied split must match the bodies'. Target ≥ 10,000 reviews/s.
 *
 * Run alone: `npx node bench/k8s.ts [--quick]`.
 */
import { Agent } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { row, type BenchOptions, type BenchRow } from './report.ts';
import { startServerChild } from './support/server.ts';
import { send, signerFor, type RawRequest } from './support/sign.ts';

const ACCT = '000000000000';
const CONNECTIONS = 64;
const DISTINCT = 256;
const HYPERPOD = join(import.meta.dirname, '..', 'test', 'fixtures', 'kube', 'hyperpod');

interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number };
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly duration: number;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
  requests: { setupRequest: (req: RawRequest) => RawRequest; onResponse?: (status: number, body: string) => void }[];
}) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const GROUPS = ['hyperpod-scientist-user-namespace-level', 'hyperpod-scientist-user-cluster-level', 'system:authenticated'];

/** The README's table as SubjectAccessReview attributes, with whether each is allowed. */
const CASES: [Record<string, string>, boolean][] = [
  [{ verb: 'list', resource: 'pods' }, true],
  [{ verb: 'list', resource: 'nodes' }, true],
  [{ verb: 'create', resource: 'pods', namespace: 'kubeflow' }, true],
  [{ verb: 'create', resource: 'pods', namespace: 'default' }, false],
  [{ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'kubeflow', name: 'p' }, true],
  [{ verb: 'get', resource: 'pods', subresource: 'attach', namespace: 'kubeflow', name: 'p' }, false],
  [{ verb: 'create', resource: 'pods', subresource: 'exec', namespace: 'kubeflow', name: 'p' }, true],
  [{ verb: 'create', resource: 'pytorchjobs', group: 'kubeflow.org', namespace: 'kubeflow' }, true],
  [{ verb: 'patch', resource: 'pytorchjobs', group: 'kubeflow.org', namespace: 'kubeflow', name: 'j' }, false],
  [{ verb: 'update', resource: 'pytorchjobs', subresource: 'status', group: 'kubeflow.org', namespace: 'kubeflow', name: 'j' }, true],
  [{ verb: 'delete', resource: 'secrets', namespace: 'kubeflow', name: 's' }, true],
  [{ verb: 'watch', resource: 'configmaps', namespace: 'kubeflow' }, false],
  [{ verb: 'get', resource: 'nodes', name: 'n1' }, false],
  [{ verb: 'get', resource: 'configmaps', namespace: 'team-7', name: 'c' }, false],
  [{ verb: 'list', resource: 'pods', namespace: 'team-42' }, true],
  [{ verb: 'delete', resource: 'deployments', group: 'apps', namespace: 'team-3', name: 'd' }, false],
];

function reviews(extraArn: string | undefined): { body: string; allowed: boolean }[] {
  const out: { body: string; allowed: boolean }[] = [];
  for (let i = 0; i < DISTINCT; i++) {
    const [attrs, allowed] = CASES[i % CASES.length] as [Record<string, string>, boolean];
    const user = `arn:aws:sts::${ACCT}:assumed-role/ScientistUserRole/session-${i}`;
    out.push({
      allowed,
      body: JSON.stringify({
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          resourceAttributes: { version: 'v1', ...attrs },
          user,
          uid: `gatehouse:${ACCT}:AROA:session-${i}`,
          groups: GROUPS,
          ...(extraArn !== undefined ? { extra: { arn: [user], accessKeyId: ['ASIAEXAMPLE'], sessionName: [`session-${i}`] } } : {}),
        },
      }),
    });
  }
  return out;
}

interface Run {
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly perServerCpuSecond: number;
  readonly serverCpuShare: number;
}

async function load(url: string, token: string, bodies: readonly { body: string; allowed: boolean }[], seconds: number, cpuMicros: () => Promise<number>): Promise<Run> {
  let k = 0;
  let bad = '';
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const expect = new Map<string, boolean>();
  const spec = [
    {
      setupRequest: (req: RawRequest): RawRequest => {
        const b = bodies[k++ % bodies.length] as { body: string };
        return { ...req, method: 'POST', path: '/k8s/hyperpod/authorize', headers: { ...headers, 'Content-Length': String(Buffer.byteLength(b.body)) }, body: b.body };
      },
      onResponse: (status: number, body: string) => {
        if (status !== 200 || !body.includes('"allowed":')) bad ||= `${status}: ${body.slice(0, 300)}`;
      },
    },
  ];
  for (const b of bodies) expect.set(b.body, b.allowed);
  await autocannon({ url, connections: CONNECTIONS, duration: 1, requests: spec });
  const cpu0 = await cpuMicros();
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds, requests: spec });
  const cpu = (await cpuMicros()) - cpu0;
  if (bad !== '' || r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) throw new Error(`SubjectAccessReview over HTTP failed (${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts): ${bad}`);
  return { perSecond: r.requests.total / r.duration, p50: r.latency.p50, p99: r.latency.p99, perServerCpuSecond: r.requests.total / (cpu / 1e6), serverCpuShare: cpu / 1e6 / r.duration };
}

/** Checks every distinct body once: the answer's `allowed` is the expected one. */
async function check(url: string, token: string, bodies: readonly { body: string; allowed: boolean }[], agent: Agent): Promise<void> {
  for (const b of bodies.slice(0, CASES.length)) {
    const r = await send(url, agent, { method: 'POST', path: '/k8s/hyperpod/authorize', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: b.body });
    const got = (JSON.parse(r.body) as { status?: { allowed?: boolean } }).status?.allowed;
    if (r.status !== 200 || got !== b.allowed) throw new Error(`review ${b.body} answered ${r.status} ${r.body}`);
  }
}

export async function benchK8s(opts: BenchOptions): Promise<BenchRow[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gh-bench-k8s-'));
  const server = await startServerChild({ dataDir });
  const agent = new Agent({ keepAlive: true });
  try {
    const sign = signerFor(server.url, server.admin, 'gatehouse');
    const call = async (method: string, path: string, body: unknown): Promise<Record<string, unknown>> => {
      const r = await send(server.url, agent, await sign({ method, path, body: JSON.stringify(body), contentType: 'application/json' }));
      if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body.slice(0, 500)}`);
      return JSON.parse(r.body) as Record<string, unknown>;
    };
    const doc = (kind: string, name: string, spec: unknown) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] };
    await call('POST', '/v1/apply', { documents: [doc('Cluster', 'hyperpod', {}), doc('Role', 'ScientistUserRole', { trustPolicy: trust })] });
    const rbac: unknown[] = [];
    for (const f of ['cluster_level_config.yaml', 'namespace_level_role.yaml']) for (const d of parseAllDocuments(await readFile(join(HYPERPOD, f), 'utf8'))) rbac.push(d.toJS());
    const rules = [{ apiGroups: [''], resources: ['pods', 'configmaps', 'secrets'], verbs: ['get', 'list', 'watch', 'create', 'delete'] }];
    for (let i = 0; i < 200; i++) {
      const ns = `team-${i}`;
      rbac.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'team', namespace: ns }, rules });
      rbac.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'team', namespace: ns }, subjects: [{ kind: 'Group', name: `team-${i}`, apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'Role', name: 'team', apiGroup: 'rbac.authorization.k8s.io' } });
    }
    for (let i = 0; i < 50; i++) {
      rbac.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `viewer-${i}` }, rules: [{ apiGroups: ['*'], resources: [`things-${i}`], verbs: ['get', 'list'] }] });
      rbac.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: `viewer-${i}` }, subjects: [{ kind: 'Group', name: `viewers-${i}`, apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'ClusterRole', name: `viewer-${i}`, apiGroup: 'rbac.authorization.k8s.io' } });
    }
    // The scientists also read every team namespace's pods (so `list pods in team-42` is allowed).
    rbac.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'scientists', namespace: 'team-42' }, subjects: [{ kind: 'Group', name: GROUPS[0], apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'Role', name: 'team', apiGroup: 'rbac.authorization.k8s.io' } });
    await call('POST', '/v1/apply', { documents: rbac, cluster: 'hyperpod' });
    const token = (await call('POST', '/v1/clusters/hyperpod/webhook-config', {}))['token'] as string;

    const seconds = opts.quick ? 2 : 5;
    const plain = reviews(undefined);
    const withArn = reviews('yes');
    await check(server.url, token, plain, agent);
    await check(server.url, token, withArn, agent);
    const a = await load(server.url, token, plain, seconds, () => server.cpuMicros());
    opts.log(`k8s: SubjectAccessReview, RBAC only ${Math.round(a.perSecond).toLocaleString('en-US')}/s (server ${a.serverCpuShare.toFixed(2)} CPU)`);
    const b = await load(server.url, token, withArn, seconds, () => server.cpuMicros());
    opts.log(`k8s: SubjectAccessReview, RBAC + IAM deny ${Math.round(b.perSecond).toLocaleString('en-US')}/s (server ${b.serverCpuShare.toFixed(2)} CPU)`);
    const target = (r: Run) => ({ text: '≥ 10,000', pass: r.perSecond >= 10_000 });
    return [
      row('k8s', `setup: ${rbac.length} RBAC objects, ${DISTINCT} distinct reviews, ${CONNECTIONS} connections, ${seconds} s per run`, 'loopback, server in a child process', ''),
      row('k8s', 'SubjectAccessReview webhook, RBAC only', Math.round(a.perSecond), 'reviews/s', target(a)),
      row('k8s', 'SubjectAccessReview, RBAC only: latency p50 / p99', `${a.p50} / ${a.p99}`, 'ms'),
      row('k8s', 'SubjectAccessReview, RBAC only: per server CPU-second', Math.round(a.perServerCpuSecond), 'reviews/s'),
      row('k8s', 'SubjectAccessReview webhook, RBAC + IAM explicit-deny check (extra.arn)', Math.round(b.perSecond), 'reviews/s', target(b)),
      row('k8s', 'SubjectAccessReview, RBAC + IAM: latency p50 / p99', `${b.p50} / ${b.p99}`, 'ms'),
      row('k8s', 'SubjectAccessReview, RBAC + IAM: per server CPU-second', Math.round(b.perServerCpuSecond), 'reviews/s'),
    ];
  } finally {
    agent.destroy();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { table } = await import('./report.ts');
  const rows = await benchK8s({ quick: process.argv.includes('--quick'), log: (m) => process.stderr.write(`${m}\n`) });
  process.stdout.write(`${table(rows)}\n`);
}
