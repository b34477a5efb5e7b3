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
 * - Allowed reviews are audited as the authorize API's decisions (src/app/audit.ts): all of them by default,
 *   a share with `GATEHOUSE_AUDIT_ALLOW_SAMPLE`; each pair of runs is made with every allow audited, then
 *   with 1% (a server of its own, `startServer({ audit: { allowSample } })`, in a child process).
 * - Per run: 1 s warm-up, then 5 s (2 s with `--quick`). Every answer must be 200 with a `status.allowed`;
 *   each distinct review's answer is checked once before. Target ≥ 10,000 reviews/s.
 *
 * Run alone: `npx node bench/k8s.ts [--quick]`.
 */
import { fork } from 'node:child_process';
import { Agent } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { row, type BenchOptions, type BenchRow } from './report.ts';
import { fileURLToPath } from 'node:url';
import { send, signerFor, type Creds, type RawRequest } from './support/sign.ts';

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

/** Child mode: a server with the given audit sampling, until the parent disconnects. */
async function serve(dataDir: string, allowSample: number): Promise<void> {
  const { startServer } = await import('../src/main/server.ts');
  const running = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {}, audit: { allowSample } });
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
  process.on('disconnect', () => void running.stop().then(() => process.exit(0)));
  const c = running.adminCredentials;
  process.send?.({ url: running.url, admin: c && { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey } });
}

interface ServerChild {
  readonly url: string;
  readonly admin: Creds;
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

async function startChild(dataDir: string, allowSample: number): Promise<ServerChild> {
  // GATEHOUSE_BENCH_SERVER_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server.
  const execArgv = (process.env['GATEHOUSE_BENCH_SERVER_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const child = fork(fileURLToPath(import.meta.url), ['--serve', dataDir, String(allowSample)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv });
  const started = await new Promise<{ url: string; admin: Creds }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { url: string; admin: Creds }));
    child.once('exit', (code) => reject(new Error(`server child exited with ${code}`)));
  });
  return {
    ...started,
    cpuMicros: () =>
      new Promise<number>((resolve) => {
        child.once('message', (m) => {
          const c = (m as { cpu: { user: number; system: number } }).cpu;
          resolve(c.user + c.system);
        });
        child.send('cpu');
      }),
    stop: async () => {
      const gone = new Promise((r) => child.once('exit', r));
      child.disconnect();
      await gone;
    },
  };
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

/** A server with the cluster set up, and the cluster's webhook token. */
async function setUp(allowSample: number): Promise<{ server: ServerChild; token: string; objects: number; dataDir: string; agent: Agent }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gh-bench-k8s-'));
  const server = await startChild(dataDir, allowSample);
  const agent = new Agent({ keepAlive: true });
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
  // The scientists also read one team namespace (so `list pods in team-42` is allowed).
  rbac.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'scientists', namespace: 'team-42' }, subjects: [{ kind: 'Group', name: GROUPS[0], apiGroup: 'rbac.authorization.k8s.io' }], roleRef: { kind: 'Role', name: 'team', apiGroup: 'rbac.authorization.k8s.io' } });
  await call('POST', '/v1/apply', { documents: rbac, cluster: 'hyperpod' });
  const token = (await call('POST', '/v1/clusters/hyperpod/webhook-config', {}))['token'] as string;
  return { server, token, objects: rbac.length, dataDir, agent };
}

export async function benchK8s(opts: BenchOptions): Promise<BenchRow[]> {
  const seconds = opts.quick ? 2 : 5;
  const plain = reviews(undefined);
  const withArn = reviews('yes');
  const target = (r: Run) => ({ text: '≥ 10,000', pass: r.perSecond >= 10_000 });
  const rows: BenchRow[] = [];
  for (const allowSample of [1, 0.01]) {
    const s = await setUp(allowSample);
    try {
      const { server, token } = s;
      await check(server.url, token, plain, s.agent);
      await check(server.url, token, withArn, s.agent);
      const label = allowSample === 1 ? 'every allow audited' : 'allows audited at 1%';
      if (rows.length === 0) rows.push(row('k8s', `setup: ${s.objects} RBAC objects, ${DISTINCT} distinct reviews (9 of 16 allowed), ${CONNECTIONS} connections, ${seconds} s per run`, 'loopback, server in a child process', ''));
      const a = await load(server.url, token, plain, seconds, () => server.cpuMicros());
      opts.log(`k8s: RBAC only, ${label}: ${Math.round(a.perSecond).toLocaleString('en-US')} reviews/s (server ${a.serverCpuShare.toFixed(2)} CPU)`);
      const b = await load(server.url, token, withArn, seconds, () => server.cpuMicros());
      opts.log(`k8s: RBAC + IAM, ${label}: ${Math.round(b.perSecond).toLocaleString('en-US')} reviews/s (server ${b.serverCpuShare.toFixed(2)} CPU)`);
      for (const [what, r] of [['RBAC only', a], ['RBAC + IAM explicit-deny check', b]] as const) {
        rows.push(row('k8s', `SubjectAccessReview, ${what}, ${label}`, Math.round(r.perSecond), 'reviews/s', target(r)));
        rows.push(row('k8s', `  same: latency p50 / p99 (ms); reviews per server CPU-second`, `${r.p50} / ${r.p99}; ${Math.round(r.perServerCpuSecond)}`, ''));
      }
    } finally {
      s.agent.destroy();
      await s.server.stop();
      await rm(s.dataDir, { recursive: true, force: true });
    }
  }
  return rows;
}

if (import.meta.main) {
  const i = process.argv.indexOf('--serve');
  if (i >= 0) await serve(process.argv[i + 1] ?? '', Number(process.argv[i + 2] ?? '1'));
  else {
    const { table } = await import('./report.ts');
    const rows = await benchK8s({ quick: process.argv.includes('--quick'), log: (m) => process.stderr.write(`${m}\n`) });
    process.stdout.write(`${table(rows)}\n`);
  }
}
