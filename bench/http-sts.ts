/**
 * AssumeRole over HTTP on loopback: a real `gatehouse server` (startServer, SQLite in a temporary data dir)
 * in a child process, loaded by autocannon from this process, both on 127.0.0.1.
 *
 * Method:
 * - Setup through the IAM API: user `alice` (may assume roles), role `trainer` trusting alice, role `worker`
 *   trusting `trainer`'s sessions.
 * - AssumeRole must be signed per request. 4,096 distinct requests (distinct RoleSessionName, so distinct
 *   bodies and signatures) are signed in advance with `@smithy/signature-v4` (the SDK v3 signer, with the
 *   SDK's header set) and handed out round-robin by one autocannon `setupRequest` shared by every
 *   connection; all are signed at the start, well inside the ±15 min window. A replayed request is
 *   answered like a fresh one (as AWS does): every answer is a new session.
 * - Two callers: alice's long-term key (`AKIA…`, looked up in the store per request), and a `trainer`
 *   session's temporary credentials (`ASIA…`, role chaining to `worker`: authenticated from the token).
 * - Per caller: 1 s warm-up, then a timed run (4 s each; 2 s with `--quick`), 32 connections, no pipelining.
 *   Every answer must be 200 with an `<AssumeRoleResult>`; anything else fails the bench. The server's
 *   CPU time over the timed run (from the child's `process.cpuUsage()`) gives sessions per server CPU-second.
 *
 * Run alone: `npx node bench/http-sts.ts [--quick]`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { row, type BenchOptions, type BenchRow } from './report.ts';

const ACCT = '000000000000';
const REGION = 'us-east-1';
const CONNECTIONS = 32;
const DISTINCT = 4096;

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  readonly requests: { readonly average: number; readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number; readonly average: number; readonly max: number };
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly mismatches: number;
  readonly duration: number;
}
interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  pipelining?: number;
  requests: { setupRequest: (req: RawRequest) => RawRequest; onResponse?: (status: number, body: string) => void }[];
}) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface Creds {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Child mode: serve until the parent disconnects; answer `cpu` with `process.cpuUsage()`. */
async function serve(dataDir: string): Promise<void> {
  const { startServer } = await import('../src/main/server.ts');
  const running = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  process.on('message', (m) => {
    if (m === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  });
  process.on('disconnect', () => void running.stop().then(() => process.exit(0)));
  process.send?.({ url: running.url });
}

async function startChild(dataDir: string): Promise<{ child: ChildProcess; url: string; cpuMicros: () => Promise<number> }> {
  // GATEHOUSE_BENCH_SERVER_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server.
  const execArgv = (process.env['GATEHOUSE_BENCH_SERVER_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const child = fork(fileURLToPath(import.meta.url), ['--serve', dataDir], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'], execArgv });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`server child exited with ${code}`)));
  });
  const cpuMicros = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m) => {
        const c = (m as { cpu: { user: number; system: number } }).cpu;
        resolve(c.user + c.system);
      });
      child.send('cpu');
    });
  return { child, url, cpuMicros };
}

async function signAll(url: string, c: Creds, roleArn: string, prefix: string): Promise<RawRequest[]> {
  const u = new URL(url);
  const signer = new SignatureV4({ service: 'sts', region: REGION, credentials: c, sha256: Sha256 });
  const out: RawRequest[] = [];
  for (let i = 0; i < DISTINCT; i++) {
    const body = `Action=AssumeRole&Version=2011-06-15&RoleArn=${encodeURIComponent(roleArn)}&RoleSessionName=${prefix}-${i}&DurationSeconds=900`;
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: u.hostname,
      port: Number(u.port),
      path: '/',
      query: {},
      headers: {
        host: u.host,
        'content-type': 'application/x-www-form-urlencoded',
        'content-length': String(Buffer.byteLength(body)),
        'amz-sdk-invocation-id': `0d6b6c1e-2f4e-4c59-9d1a-${i.toString(16).padStart(12, '0')}`,
        'amz-sdk-request': 'attempt=1; max=1',
        'x-amz-user-agent': 'aws-sdk-js/3.1177.0',
      },
      body,
    });
    // autocannon writes `Content-Length` itself: hand the signed value under that spelling, so it is sent once.
    const { 'content-length': length, ...headers } = signed.headers as Record<string, string>;
    out.push({ method: 'POST', path: '/', headers: { ...headers, 'Content-Length': length ?? '0' }, body });
  }
  return out;
}

interface Run {
  readonly perSecond: number;
  readonly total: number;
  readonly p50: number;
  readonly p99: number;
  readonly perServerCpuSecond: number;
  /** CPU-seconds per second of the server process, and of this process (the load generator). */
  readonly serverCpuShare: number;
  readonly loadCpuShare: number;
}

async function load(url: string, requests: readonly RawRequest[], seconds: number, cpuMicros: () => Promise<number>): Promise<Run> {
  let k = 0;
  let bad = '';
  const spec = [
    {
      setupRequest: (req: RawRequest): RawRequest => {
        const r = requests[k++ % requests.length]!;
        return { ...req, method: r.method, path: r.path, headers: r.headers, body: r.body };
      },
      onResponse: (status: number, body: string) => {
        if (status !== 200 || !body.includes('<AssumeRoleResult>')) bad ||= `${status}: ${body.slice(0, 300)}`;
      },
    },
  ];
  await autocannon({ url, connections: CONNECTIONS, duration: 1, requests: spec });
  const cpu0 = await cpuMicros();
  const own0 = process.cpuUsage();
  const r = await autocannon({ url, connections: CONNECTIONS, duration: seconds, requests: spec });
  const own = process.cpuUsage(own0);
  const cpu = (await cpuMicros()) - cpu0;
  if (bad !== '' || r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) throw new Error(`AssumeRole over HTTP failed (${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts): ${bad}`);
  return {
    perSecond: r.requests.total / r.duration,
    total: r.requests.total,
    p50: r.latency.p50,
    p99: r.latency.p99,
    perServerCpuSecond: r.requests.total / (cpu / 1e6),
    serverCpuShare: cpu / 1e6 / r.duration,
    loadCpuShare: (own.user + own.system) / 1e6 / r.duration,
  };
}

export async function benchHttpSts(opts: BenchOptions): Promise<BenchRow[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'gh-bench-http-sts-'));
  const { child, url, cpuMicros } = await startChild(dataDir);
  const clients: { destroy(): void }[] = [];
  try {
    const adminFile = JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    const config = (credentials: Creds) => ({ endpoint: url, region: REGION, credentials, maxAttempts: 1 });
    const admin = new I.IAMClient(config({ accessKeyId: adminFile.AccessKeyId, secretAccessKey: adminFile.SecretAccessKey }));
    clients.push(admin);
    const doc = (Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
    await admin.send(new I.CreateUserCommand({ UserName: 'alice' }));
    await admin.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'sts', PolicyDocument: doc([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]) }));
    const key = await admin.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
    const alice: Creds = { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' };
    const trainer = `arn:aws:iam::${ACCT}:role/trainer`;
    const worker = `arn:aws:iam::${ACCT}:role/worker`;
    await admin.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:user/alice` }, Action: 'sts:AssumeRole' }]) }));
    await admin.send(new I.PutRolePolicyCommand({ RoleName: 'trainer', PolicyName: 'chain', PolicyDocument: doc([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: worker }]) }));
    await admin.send(new I.CreateRoleCommand({ RoleName: 'worker', AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { AWS: trainer }, Action: 'sts:AssumeRole' }]) }));
    const sts = new S.STSClient(config(alice));
    clients.push(sts);
    const s = (await sts.send(new S.AssumeRoleCommand({ RoleArn: trainer, RoleSessionName: 'bench', DurationSeconds: 3600 }))).Credentials;
    const session: Creds = { accessKeyId: s?.AccessKeyId ?? '', secretAccessKey: s?.SecretAccessKey ?? '', sessionToken: s?.SessionToken ?? '' };

    const seconds = opts.quick ? 2 : 4;
    const asUser = await load(url, await signAll(url, alice, trainer, 'user'), seconds, cpuMicros);
    opts.log(`http-sts: long-term key ${Math.round(asUser.perSecond).toLocaleString('en-US')} AssumeRole/s (server ${asUser.serverCpuShare.toFixed(2)} CPU, autocannon ${asUser.loadCpuShare.toFixed(2)} CPU)`);
    const asSession = await load(url, await signAll(url, session, worker, 'chain'), seconds, cpuMicros);
    opts.log(`http-sts: temporary credentials ${Math.round(asSession.perSecond).toLocaleString('en-US')} AssumeRole/s (server ${asSession.serverCpuShare.toFixed(2)} CPU, autocannon ${asSession.loadCpuShare.toFixed(2)} CPU)`);

    const target = (r: Run) => ({ text: '≥ 5,000', pass: r.perSecond >= 5_000 });
    return [
      row('http-sts', `setup: ${CONNECTIONS} connections, ${DISTINCT} pre-signed requests, ${seconds} s per caller`, 'loopback, server in a child process', ''),
      row('http-sts', 'AssumeRole, long-term key (AKIA) caller', Math.round(asUser.perSecond), 'requests/s', target(asUser)),
      row('http-sts', 'AssumeRole, long-term key: latency p50 / p99', `${asUser.p50} / ${asUser.p99}`, 'ms'),
      row('http-sts', 'AssumeRole, long-term key: per server CPU-second', Math.round(asUser.perServerCpuSecond), 'requests/s'),
      row('http-sts', 'AssumeRole, temporary-credential (ASIA) caller', Math.round(asSession.perSecond), 'requests/s', target(asSession)),
      row('http-sts', 'AssumeRole, temporary credentials: latency p50 / p99', `${asSession.p50} / ${asSession.p99}`, 'ms'),
      row('http-sts', 'AssumeRole, temporary credentials: per server CPU-second', Math.round(asSession.perServerCpuSecond), 'requests/s'),
    ];
  } finally {
    for (const c of clients) c.destroy();
    child.disconnect();
    await new Promise((r) => child.once('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const i = process.argv.indexOf('--serve');
  if (i >= 0) await serve(process.argv[i + 1] ?? '');
  else {
    const { table } = await import('./report.ts');
    const rows = await benchHttpSts({ quick: process.argv.includes('--quick'), log: (m) => process.stderr.write(`${m}\n`) });
    process.stdout.write(`${table(rows)}\n`);
  }
}
