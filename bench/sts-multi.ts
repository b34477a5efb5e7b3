/**
 * AssumeRole/s over HTTP through one `gatehouse server` vs two, both on PostgreSQL (the machine's, a throw-away
 * schema), in the same run: the scale-out claim of issue 7 measured, not assumed.
 *
 * Method:
 * - Two server processes (`bin/gatehouse.js server`, the same master key and schema, their own data dirs and
 *   ports), started once; setup through A's IAM API: user `alice` allowed sts:AssumeRole, role `trainer` trusting
 *   her. Both must answer before timing (B learns the role through the change notification).
 * - 2,048 distinct AssumeRole requests per instance (distinct RoleSessionName), pre-signed with the SDK's SigV4
 *   signer for that instance's host, handed out round-robin by autocannon from this process.
 * - "one": 32 connections to A. "two": 16 connections to A and 16 to B at the same time (a load balancer's even
 *   split), requests/s summed. Each timed run is preceded by a 1 s warm-up; the two shapes alternate (one, two,
 *   one, two, one, two; once each with `--quick`) and the best of each is reported, with their ratio. The
 *   servers' CPU time over each timed run (`/proc/<pid>/stat`) gives requests per server CPU-second: what a
 *   request costs in each shape, whatever the machine's cores.
 * - Every answer must be 200 with an `<AssumeRoleResult>`; anything else fails the bench. Every session issued is
 *   an audit record, so both instances append to the one hash chain in PostgreSQL: that shared cost is part of
 *   what is measured.
 *
 * On a machine with fewer cores than two servers, PostgreSQL and the load generator need, "two" cannot beat
 * "one": the figure then says what a second instance costs, not what it buys.
 *
 * Needs PostgreSQL: `GATEHOUSE_BENCH_DATABASE_URL`, else `GATEHOUSE_DATABASE_URL`, else
 * `postgres://postgres@127.0.0.1:5432/test`; without it the bench reports why and measures nothing.
 * Run alone: `npx node bench/sts-multi.ts [--quick]`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { row, type BenchOptions, type BenchRow } from './report.ts';

const ACCT = '000000000000';
const REGION = 'us-east-1';
const CONNECTIONS = 32;
const DISTINCT = 2048;
const PG_URL = process.env['GATEHOUSE_BENCH_DATABASE_URL'] ?? process.env['GATEHOUSE_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const BIN = join(dirname(dirname(fileURLToPath(import.meta.url))), 'bin', 'gatehouse.js');

/** The part of autocannon's API used here (the package ships no types). */
interface AutocannonResult {
  readonly requests: { readonly total: number };
  readonly latency: { readonly p50: number; readonly p99: number };
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
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
  requests: { setupRequest: (req: RawRequest) => RawRequest; onResponse?: (status: number, body: string) => void }[];
}) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface Creds {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

interface Instance {
  readonly child: ChildProcess;
  readonly url: string;
  readonly dataDir: string;
}

async function spawnServer(name: string, env: Record<string, string>): Promise<Instance> {
  const dataDir = await mkdtemp(join(tmpdir(), `gh-bench-multi-${name}-`));
  const child = spawn(process.execPath, [BIN, 'server', '--data-dir', dataDir, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', '127.0.0.1:0'], {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? tmpdir(), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server ${name} did not start within 30 s: ${output}`)), 30_000);
    child.stderr?.on('data', (b: Buffer) => {
      output += b.toString();
      const m = /gatehouse listening on (http:\/\/[^\s,]+)/.exec(output);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server ${name} exited with ${code}: ${output}`));
    });
  });
  return { child, url, dataDir };
}

async function stop(i: Instance): Promise<void> {
  if (i.child.exitCode === null && i.child.signalCode === null) {
    const exited = new Promise((r) => i.child.once('exit', r));
    i.child.kill('SIGTERM');
    const timer = setTimeout(() => i.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  await rm(i.dataDir, { recursive: true, force: true });
}

async function pgQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
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
      headers: { host: u.host, 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) },
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
  readonly p50: number;
  readonly p99: number;
}

/** CPU seconds a process has used (Linux `/proc/<pid>/stat`: utime + stime, in ticks of 1/100 s); undefined elsewhere. */
function cpuSeconds(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Requests per server CPU-second over `fn`, summed over `servers`: what a request costs, whatever the cores. */
async function withCpu<T>(servers: readonly Instance[], fn: () => Promise<T>, requests: (r: T) => number): Promise<{ result: T; perCpuSecond: number | undefined }> {
  const before = servers.map((s) => cpuSeconds(s.child.pid));
  const result = await fn();
  const after = servers.map((s) => cpuSeconds(s.child.pid));
  if (before.some((x) => x === undefined) || after.some((x) => x === undefined)) return { result, perCpuSecond: undefined };
  const used = after.reduce((sum: number, x, i) => sum + (x as number) - (before[i] as number), 0);
  return { result, perCpuSecond: used > 0 ? requests(result) / used : undefined };
}

async function load(url: string, requests: readonly RawRequest[], connections: number, seconds: number): Promise<Run> {
  let k = 0;
  let bad = '';
  const spec = [
    {
      setupRequest: (req: RawRequest): RawRequest => {
        const r = requests[k++ % requests.length] as RawRequest;
        return { ...req, method: r.method, path: r.path, headers: r.headers, body: r.body };
      },
      onResponse: (status: number, body: string) => {
        if (status !== 200 || !body.includes('<AssumeRoleResult>')) bad ||= `${status}: ${body.slice(0, 300)}`;
      },
    },
  ];
  const r = await autocannon({ url, connections, duration: seconds, requests: spec });
  if (bad !== '' || r.non2xx > 0 || r.errors > 0 || r.timeouts > 0) throw new Error(`AssumeRole over HTTP failed (${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts): ${bad}`);
  return { perSecond: r.requests.total / r.duration, p50: r.latency.p50, p99: r.latency.p99 };
}

export async function benchStsMulti(opts: BenchOptions): Promise<BenchRow[]> {
  try {
    await pgQuery('SELECT 1');
  } catch (e) {
    return [row('sts-multi', 'skipped', `PostgreSQL unreachable at ${PG_URL.replace(/\/\/[^@]*@/, '//…@')} (${(e as Error).message})`, '')];
  }
  const schema = `gh_bench_${randomBytes(6).toString('hex')}`;
  const env = { GATEHOUSE_DATABASE_URL: PG_URL, GATEHOUSE_DATABASE_SCHEMA: schema, GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64') };
  const instances: Instance[] = [];
  const clients: { destroy(): void }[] = [];
  try {
    const a = await spawnServer('a', env);
    instances.push(a);
    const b = await spawnServer('b', env);
    instances.push(b);
    const file = JSON.parse(await readFile(join(a.dataDir, 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    const config = (url: string, credentials: Creds) => ({ endpoint: url, region: REGION, credentials, maxAttempts: 1 });
    const admin = new I.IAMClient(config(a.url, { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey }));
    clients.push(admin);
    const doc = (Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
    await admin.send(new I.CreateUserCommand({ UserName: 'alice' }));
    await admin.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'sts', PolicyDocument: doc([{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }]) }));
    const key = await admin.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
    const alice: Creds = { accessKeyId: key.AccessKey?.AccessKeyId ?? '', secretAccessKey: key.AccessKey?.SecretAccessKey ?? '' };
    const trainer = `arn:aws:iam::${ACCT}:role/trainer`;
    await admin.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:user/alice` }, Action: 'sts:AssumeRole' }]) }));
    for (const i of [a, b]) {
      const sts = new S.STSClient(config(i.url, alice));
      clients.push(sts);
      await sts.send(new S.AssumeRoleCommand({ RoleArn: trainer, RoleSessionName: 'ready' }));
    }

    const seconds = opts.quick ? 2 : 4;
    const signedA = await signAll(a.url, alice, trainer, 'a');
    const signedB = await signAll(b.url, alice, trainer, 'b');
    const one = async () => {
      await load(a.url, signedA, CONNECTIONS, 1);
      return withCpu([a], () => load(a.url, signedA, CONNECTIONS, seconds), (r) => r.perSecond * seconds);
    };
    const two = async () => {
      await Promise.all([load(a.url, signedA, CONNECTIONS / 2, 1), load(b.url, signedB, CONNECTIONS / 2, 1)]);
      return withCpu(
        [a, b],
        async () => {
          const [ra, rb] = await Promise.all([load(a.url, signedA, CONNECTIONS / 2, seconds), load(b.url, signedB, CONNECTIONS / 2, seconds)]);
          return { total: ra.perSecond + rb.perSecond, a: ra, b: rb };
        },
        (r) => r.total * seconds,
      );
    };
    type One = Awaited<ReturnType<typeof one>>;
    type Two = Awaited<ReturnType<typeof two>>;
    let bestOne: One | undefined;
    let bestTwo: Two | undefined;
    const rounds = opts.quick ? 1 : 3;
    for (let round = 0; round < rounds; round++) {
      const r1 = await one();
      opts.log(`sts-multi: one instance ${Math.round(r1.result.perSecond).toLocaleString('en-US')} AssumeRole/s`);
      if (!bestOne || r1.result.perSecond > bestOne.result.perSecond) bestOne = r1;
      const r2 = await two();
      opts.log(`sts-multi: two instances ${Math.round(r2.result.total).toLocaleString('en-US')} AssumeRole/s (${Math.round(r2.result.a.perSecond)} + ${Math.round(r2.result.b.perSecond)})`);
      if (!bestTwo || r2.result.total > bestTwo.result.total) bestTwo = r2;
    }
    const o = (bestOne as One).result;
    const t = (bestTwo as Two).result;
    const perCpu = (x: number | undefined) => (x === undefined ? 'n/a' : Math.round(x));
    return [
      row('sts-multi', `setup: PostgreSQL, ${CONNECTIONS} connections in all, ${DISTINCT} pre-signed requests per instance, ${seconds} s per run, best of ${rounds}`, 'loopback, servers in child processes', ''),
      row('sts-multi', 'AssumeRole, one instance', Math.round(o.perSecond), 'requests/s'),
      row('sts-multi', 'AssumeRole, one instance: latency p50 / p99', `${o.p50} / ${o.p99}`, 'ms'),
      row('sts-multi', 'AssumeRole, two instances (load split evenly)', Math.round(t.total), 'requests/s'),
      row('sts-multi', 'AssumeRole, two instances: A + B', `${Math.round(t.a.perSecond)} + ${Math.round(t.b.perSecond)}`, 'requests/s'),
      row('sts-multi', 'AssumeRole, two instances: latency p50 / p99 (A; B)', `${t.a.p50} / ${t.a.p99}; ${t.b.p50} / ${t.b.p99}`, 'ms'),
      row('sts-multi', 'two instances ÷ one', Number((t.total / o.perSecond).toFixed(2)), '×'),
      row('sts-multi', 'per server CPU-second: one instance / two instances', `${perCpu(bestOne?.perCpuSecond)} / ${perCpu(bestTwo?.perCpuSecond)}`, 'requests'),
    ];
  } finally {
    for (const c of clients) c.destroy();
    await Promise.all(instances.map(stop));
    await pgQuery(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
  }
}

if (import.meta.main) {
  const { table } = await import('./report.ts');
  const rows = await benchStsMulti({ quick: process.argv.includes('--quick'), log: (m) => process.stderr.write(`${m}\n`) });
  process.stdout.write(`${table(rows)}\n`);
}
