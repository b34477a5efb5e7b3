/**
 * The S3 gateway's data path (issue "Data access for real"): `gatehouse server --s3-listen` in a child
 * process (`process.execPath bin/gatehouse.js server`, SQLite and objects in a temporary data dir on the
 * same file system as the peer's files), driven over loopback with a role session's credentials (AssumeRole).
 *
 * Client: a lean one, `node:http` with a keep-alive agent and SigV4 headers signed by `@smithy/signature-v4`
 * over `node:crypto`, and `x-amz-content-sha256: UNSIGNED-PAYLOAD`: the client hashes nothing but the
 * canonical request, so the figures are the server's (an SDK client that signs the payload, or adds a CRC32,
 * spends a core-second per ~1–2 GB on it, on the same 2 cores). Bodies are read and dropped. The GET throughput
 * figures use `FastGet` instead, for the gateway and the floor alike: the same signer, but a socket reading into
 * one reused buffer and a minimal response reader, because node:http's client spent more CPU per 1 MiB GET
 * (~2 ms, 0.8 of it collecting the fresh buffers it reads into) than the gateway did; the gateway read through
 * node:http's client is shown beside it.
 *
 * - GET and PUT throughput, one request at a time, for 1 MiB objects (64 per round) and 64 MiB objects (4 per
 *   round), and GETs 4 in flight on 4 connections (2 for the 64 MiB quick run), as a data loader's workers read,
 *   beside node:fs reading 4 at a time; peer in the same round: `node:fs` writing (`writeFile`, and write + fsync since the store makes
 *   each commit durable) and reading (`readFile` for 1 MiB, `createReadStream` for 64 MiB) the same bytes as
 *   files in the same file system. Rounds interleave the
 *   gateway and the peer; the median round of each is reported, and the ratio of the medians (target: GET
 *   at least 0.5× of node:fs). GETs are also put beside a floor: a plain node:http file server in its own
 *   process serving the peer's files to the same client (what loopback HTTP and a second process cost).
 * - 1 KiB objects: PUT then GET operations/s, 16 requests in flight; the same node:fs peers at that width.
 * - The server's resident set during a 1 GiB multipart upload (64 parts of 16 MiB, 4 in flight) and during
 *   a full GET of it: `/proc/<pid>/status` VmRSS sampled every 20 ms; peak and the value before; VmHWM too
 *   (the process's high-water mark since start). Target: under 200 MB. This runs first, before the other
 *   workloads have grown the heap.
 *
 * Run alone: `npm run bench -- --only s3` (or `npx node bench/s3.ts [--quick]`).
 * `GATEHOUSE_BENCH_SERVER_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof"` profiles the server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, get, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignatureV4 } from '@smithy/signature-v4';
import { row, type BenchOptions, type BenchRow } from './report.ts';
import { freePort } from './support/server.ts';
import { NodeSha256, REGION, type Creds } from './support/sign.ts';

const BIN = join(dirname(dirname(fileURLToPath(import.meta.url))), 'bin', 'gatehouse.js');
const MIB = 1 << 20;
const BUCKET = 'bench-data';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  /** The body when asked to keep it, else empty (the bytes are counted and dropped). */
  readonly body: Buffer;
  readonly bytes: number;
}

/** A lean S3 client: path-style, SigV4 headers, UNSIGNED-PAYLOAD, keep-alive. */
export class Lean {
  private readonly u: URL;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly signer: SignatureV4;
  private readonly s3: boolean;
  constructor(endpoint: string, creds: Creds, service = 's3') {
    this.u = new URL(endpoint);
    this.s3 = service === 's3';
    this.signer = new SignatureV4({ service, region: REGION, credentials: creds, sha256: NodeSha256, uriEscapePath: service !== 's3', applyChecksum: false });
  }
  async send(method: string, path: string, opts: { query?: Record<string, string>; body?: Buffer | string; headers?: Record<string, string>; keep?: boolean } = {}): Promise<Answer> {
    const body = opts.body ?? '';
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    const signed = await this.signer.sign({
      method,
      protocol: this.u.protocol,
      hostname: this.u.hostname,
      port: Number(this.u.port),
      path,
      query: opts.query ?? {},
      // IAM and STS (the setup) want their bodies signed; S3 takes UNSIGNED-PAYLOAD.
      headers: { host: this.u.host, 'content-length': String(length), ...(this.s3 ? { 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' } : {}), ...opts.headers },
      ...(this.s3 ? {} : { body }),
    });
    const qs = new URLSearchParams(opts.query ?? {}).toString();
    return new Promise((resolve, reject) => {
      const req = request({ host: this.u.hostname, port: Number(this.u.port), method, path: `${path}${qs ? `?${qs}` : ''}`, headers: signed.headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (c: Buffer) => {
          bytes += c.length;
          if (opts.keep === true || (res.statusCode ?? 0) >= 300) chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), bytes }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }
  /** Sends and fails loudly on anything but 2xx: a bench that measures errors measures nothing. */
  async ok(method: string, path: string, opts: Parameters<Lean['send']>[2] = {}): Promise<Answer> {
    const a = await this.send(method, path, opts);
    if (a.status < 200 || a.status >= 300) throw new Error(`${method} ${path}: ${a.status} ${a.body.toString('utf8').slice(0, 300)}`);
    return a;
  }
  destroy(): void {
    this.agent.destroy();
  }
}

/**
 * A GET-only client for the throughput figures, fairer to both servers than node:http's: one keep-alive socket
 * (`noDelay`) whose reads land in one reused 1 MiB buffer (`net.connect`'s `onread`), and a minimal HTTP/1.1
 * response reader (status line, headers, a Content-Length body, counted). node:http's client reads each 64 KiB
 * into a fresh buffer and its parser copies every body piece into another: on a 1 MiB GET it spent ~2 ms of CPU,
 * 0.8 of it in garbage collection, more than either server, so the figures measured the load generator. Each
 * request is still signed (SigV4 headers, the same signer as `Lean`), and every byte of every body still crosses
 * into this process (into that buffer) and is counted.
 */
const EMPTY = Buffer.alloc(0);

export class FastGet {
  private readonly u: URL;
  private readonly signer: SignatureV4;
  private socket: Socket | undefined;
  private pending: { resolve: (a: Answer) => void; reject: (e: Error) => void } | undefined;
  private head: Buffer = EMPTY;
  private status = 0;
  private headers: Record<string, string> = {};
  private remaining = -1;
  private bytes = 0;
  private errorBody: Buffer[] = [];
  private readonly buffer = Buffer.allocUnsafe(MIB);
  constructor(endpoint: string, creds: Creds) {
    this.u = new URL(endpoint);
    this.signer = new SignatureV4({ service: 's3', region: REGION, credentials: creds, sha256: NodeSha256, uriEscapePath: false, applyChecksum: false });
  }

  private connect(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.u.hostname, port: Number(this.u.port), noDelay: true, onread: { buffer: this.buffer, callback: (n: number, buf: Uint8Array) => this.onData(buf, n) } });
      socket.once('connect', () => resolve(socket));
      socket.once('error', (e) => {
        reject(e);
        this.fail(e);
      });
      socket.once('close', () => {
        if (this.socket === socket) this.socket = undefined;
        this.fail(new Error('connection closed'));
      });
    });
  }

  private fail(e: Error): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
  }

  private onData(buf: Uint8Array, n: number): boolean {
    let at = 0;
    if (this.remaining < 0) {
      // Headers: up to the blank line (they fit in the first read or two); only they become text.
      const view = Buffer.from(buf.buffer, buf.byteOffset, n);
      const joined = this.head.length > 0 ? Buffer.concat([this.head, view]) : view;
      const end = joined.indexOf('\r\n\r\n');
      if (end < 0) {
        this.head = Buffer.from(joined);
        return true;
      }
      const lines = joined.subarray(0, end).toString('latin1').split('\r\n');
      this.status = Number(/^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
      this.headers = {};
      for (const l of lines.slice(1)) {
        const c = l.indexOf(':');
        if (c > 0) this.headers[l.slice(0, c).trim().toLowerCase()] = l.slice(c + 1).trim();
      }
      const length = this.headers['content-length'];
      if (length === undefined) {
        this.fail(new Error(`FastGet: no Content-Length (status ${this.status})`));
        this.socket?.destroy();
        return false;
      }
      this.remaining = Number(length);
      at = n - (joined.length - (end + 4));
      this.head = EMPTY;
    }
    const take = Math.min(n - at, this.remaining);
    if (this.status >= 300) this.errorBody.push(Buffer.from(buf.subarray(at, at + take)));
    this.bytes += take;
    this.remaining -= take;
    if (this.remaining === 0) {
      const p = this.pending;
      this.pending = undefined;
      const answer: Answer = { status: this.status, headers: this.headers, body: Buffer.concat(this.errorBody), bytes: this.bytes };
      this.remaining = -1;
      this.bytes = 0;
      this.errorBody = [];
      p?.resolve(answer);
    }
    return true;
  }

  async get(path: string): Promise<Answer> {
    const signed = await this.signer.sign({
      method: 'GET',
      protocol: this.u.protocol,
      hostname: this.u.hostname,
      port: Number(this.u.port),
      path,
      query: {},
      headers: { host: this.u.host, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
    });
    this.socket ??= await this.connect();
    const text = `GET ${path} HTTP/1.1\r\n${Object.entries(signed.headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
    return new Promise<Answer>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.socket!.write(text, 'latin1');
    });
  }

  /** GET that fails loudly on anything but 2xx. */
  async ok(path: string): Promise<Answer> {
    const a = await this.get(path);
    if (a.status < 200 || a.status >= 300) throw new Error(`GET ${path}: ${a.status} ${a.body.toString('utf8').slice(0, 300)}`);
    return a;
  }

  destroy(): void {
    this.socket?.destroy();
  }
}

function status(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Samples the child's VmRSS every 20 ms while `f` runs; returns the peak (MB). */
async function peakRss<T>(pid: number | undefined, f: () => Promise<T>): Promise<{ value: T; peakMb: number }> {
  let peak = status(pid, 'VmRSS');
  const timer = setInterval(() => {
    const v = status(pid, 'VmRSS');
    if (v > peak) peak = v;
  }, 20);
  try {
    const value = await f();
    return { value, peakMb: Math.max(peak, status(pid, 'VmRSS')) };
  } finally {
    clearInterval(timer);
  }
}

interface Child {
  readonly child: ChildProcess;
  readonly url: string;
  readonly s3Url: string;
  readonly admin: Creds;
}

function readyz(port: number): Promise<number> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/readyz', agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => req.destroy());
  });
}

export async function startChild(dataDir: string): Promise<Child> {
  const [port, agentPort, s3Port] = [await freePort(), await freePort(), await freePort()];
  const execArgv = (process.env['GATEHOUSE_BENCH_SERVER_ARGS'] ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...execArgv, BIN, 'server', '--data-dir', dataDir, '--listen', `127.0.0.1:${port}`, '--agent-listen', `127.0.0.1:${agentPort}`, '--s3-listen', `127.0.0.1:${s3Port}`], {
    // GLIBC_TUNABLES passes through, to see what the allocator's choices do to the resident set.
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dataDir, ...(process.env['GLIBC_TUNABLES'] ? { GLIBC_TUNABLES: process.env['GLIBC_TUNABLES'] } : {}) },
    stdio: ['ignore', process.env['GATEHOUSE_BENCH_SERVER_STDOUT'] ? 'inherit' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-4000)));
  const credentials = join(dataDir, 'admin-credentials.json');
  const t0 = performance.now();
  while ((await readyz(port)) !== 200 || !existsSync(credentials)) {
    if (child.exitCode !== null) throw new Error(`gatehouse server exited with ${child.exitCode}: ${stderr.trim()}`);
    if (performance.now() - t0 > 60_000) throw new Error(`gatehouse server not ready after 60 s: ${stderr.trim()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const a = JSON.parse(await readFile(credentials, 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
  return { child, url: `http://127.0.0.1:${port}`, s3Url: `http://127.0.0.1:${s3Port}`, admin: { accessKeyId: a.AccessKeyId, secretAccessKey: a.SecretAccessKey } };
}

export async function stopChild(c: Child): Promise<void> {
  if (c.child.exitCode !== null || c.child.signalCode !== null) return;
  const gone = new Promise((r) => c.child.once('exit', r));
  c.child.kill('SIGTERM');
  const timer = setTimeout(() => c.child.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

/**
 * The transport's floor: a plain `node:http` server in its own process that answers `GET /<name>` with the
 * file `<dir>/<name>` (`createReadStream().pipe(res)`), no authentication, no checks. The gateway's GET over
 * this floor is what the gateway itself costs; this floor over node:fs is what loopback HTTP and a second
 * process cost.
 */
const PLAIN_SERVER = `
const { createServer } = require('node:http');
const { createReadStream, statSync } = require('node:fs');
const { join, basename } = require('node:path');
const dir = process.argv[1];
const server = createServer((req, res) => {
  const path = join(dir, basename(req.url ?? '/'));
  let size;
  try { size = statSync(path).size; } catch { res.writeHead(404).end(); return; }
  res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
  createReadStream(path, { highWaterMark: 1 << 20 }).pipe(res);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
process.on('disconnect', () => process.exit(0));
`;

async function startPlain(dir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-e', PLAIN_SERVER, dir], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const port = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`plain file server exited with ${code}`)));
    child.stdout?.once('data', (c: Buffer) => resolve(c.toString('utf8').trim()));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

/** A role the root account may assume, allowed everything on the bench bucket; its session's credentials. */
export async function session(c: Child): Promise<Creds> {
  const iam = new Lean(c.url, c.admin, 'iam');
  const form = (p: Record<string, string>) => ({ body: new URLSearchParams({ Version: '2010-05-08', ...p }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  const doc = (s: object) => JSON.stringify({ Version: '2012-10-17', Statement: [s] });
  await iam.ok('POST', '/', form({ Action: 'CreateRole', RoleName: 'bench', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }) }));
  await iam.ok('POST', '/', form({ Action: 'PutRolePolicy', RoleName: 'bench', PolicyName: 's3', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`] }) }));
  iam.destroy();
  const sts = new Lean(c.url, c.admin, 'sts');
  const body = new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15', RoleArn: 'arn:aws:iam::000000000000:role/bench', RoleSessionName: 'bench', DurationSeconds: '3600' }).toString();
  const a = await sts.ok('POST', '/', { body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, keep: true });
  sts.destroy();
  const xml = a.body.toString('utf8');
  const tag = (t: string) => new RegExp(`<${t}>([^<]+)</${t}>`).exec(xml)?.[1] ?? '';
  return { accessKeyId: tag('AccessKeyId'), secretAccessKey: tag('SecretAccessKey'), sessionToken: tag('SessionToken') };
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const mbps = (bytes: number, ms: number): number => bytes / MIB / (ms / 1000);
const round1 = (x: number): number => Math.round(x * 10) / 10;
const round2 = (x: number): number => Math.round(x * 100) / 100;

/** What a durable write costs with node:fs alone: the bytes, then fsync, as the object store commits. */
async function writeSynced(path: string, body: Buffer): Promise<void> {
  const fh = await open(path, 'w');
  try {
    await fh.write(body);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function timed(f: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await f();
  return performance.now() - t0;
}

async function inFlight(total: number, width: number, f: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < total) await f(next++);
  }));
}

/** The 1 GiB multipart upload and its full GET, with the server's RSS sampled. */
async function memory(c: Child, s3: Lean, quick: boolean): Promise<BenchRow[]> {
  const b = 's3';
  const partSize = 16 * MIB;
  const parts = quick ? 16 : 64;
  const size = parts * partSize;
  const key = `/${BUCKET}/big.bin`;
  // Four distinct part bodies (one per request in flight), so the server never sees two identical parts in a row.
  const bodies = Array.from({ length: 4 }, () => randomBytes(partSize));
  const before = status(c.child.pid, 'VmRSS');
  const up = await peakRss(c.child.pid, async () => {
    const created = await s3.ok('POST', key, { query: { uploads: '' }, keep: true });
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.body.toString('utf8'))?.[1] ?? '';
    const etags: string[] = [];
    const t0 = performance.now();
    await inFlight(parts, 4, async (i) => {
      const a = await s3.ok('PUT', key, { query: { partNumber: String(i + 1), uploadId }, body: bodies[i % 4] ?? Buffer.alloc(0) });
      etags[i] = String(a.headers['etag'] ?? '');
    });
    const xml = `<CompleteMultipartUpload>${etags.map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`).join('')}</CompleteMultipartUpload>`;
    await s3.ok('POST', key, { query: { uploadId }, body: xml, headers: { 'content-type': 'application/xml' } });
    return performance.now() - t0;
  });
  const down = await peakRss(c.child.pid, () => timed(async () => {
    const a = await s3.ok('GET', key);
    if (a.bytes !== size) throw new Error(`GET ${key}: ${a.bytes} bytes, expected ${size}`);
  }));
  const hwm = status(c.child.pid, 'VmHWM');
  await s3.ok('DELETE', key);
  const label = `${size / MIB / 1024} GiB`;
  const target = (mb: number) => ({ text: '< 200', pass: mb < 200 });
  return [
    row(b, 'server RSS before the big upload', round1(before), 'MB'),
    row(b, `server RSS peak during a ${label} multipart upload (${parts} × 16 MiB, 4 in flight)`, round1(up.peakMb), 'MB', target(up.peakMb)),
    row(b, `  that upload's throughput`, round1(mbps(size, up.value)), 'MB/s'),
    row(b, `server RSS peak during a full GET of it`, round1(down.peakMb), 'MB', target(down.peakMb)),
    row(b, `  that GET's throughput`, round1(mbps(size, down.value)), 'MB/s'),
    row(b, 'server VmHWM (high-water mark since start)', round1(hwm), 'MB'),
  ];
}

/** PUT then GET of `count` objects of `size` bytes, one at a time, against node:fs on the same bytes; `rounds` interleaved. */
/** Requests in flight for the second GET figure, as a data loader with several workers reads (the peers at the same width). */
const WIDTH = 4;

/** The GET clients of the throughput figures: WIDTH FastGet connections to each server; [0] for one at a time. */
interface Getters {
  readonly s3: readonly FastGet[];
  readonly plain: readonly FastGet[];
}

/**
 * PUT then GET of `count` objects of `size` bytes against node:fs on the same bytes, `rounds` interleaved: one at
 * a time, then GETs WIDTH in flight (node:fs reads at the same width). GETs go through `FastGet`, to the gateway
 * and to the floor alike; the gateway is also read through node:http's client (`Lean`) one at a time, to show
 * what the load generator costs.
 */
async function throughput(s3: Lean, gets: Getters, peerDir: string, size: number, count: number, rounds: number): Promise<BenchRow[]> {
  const b = 's3';
  const body = randomBytes(size);
  const label = size >= MIB ? `${size / MIB} MiB` : `${size / 1024} KiB`;
  const total = size * count;
  const width = Math.min(WIDTH, count);
  const m = { put: [] as number[], get: [] as number[], getLean: [] as number[], fsWrite: [] as number[], fsSync: [] as number[], fsRead: [] as number[], plain: [] as number[], getW: [] as number[], fsReadW: [] as number[], plainW: [] as number[] };
  await mkdir(peerDir, { recursive: true });
  const key = (i: number) => `/${BUCKET}/t${label.replace(' ', '')}/${i}`;
  const file = (i: number) => join(peerDir, `${label.replace(' ', '')}-${i}`);
  const readPeer = async (i: number): Promise<void> => {
    if (size <= 8 * MIB) await readFile(file(i));
    else for await (const _ of createReadStream(file(i), { highWaterMark: 256 * 1024 })) void _;
  };
  const getFrom = async (client: FastGet | undefined, path: string): Promise<void> => {
    const a = await client!.ok(path);
    if (a.bytes !== size) throw new Error(`GET ${path}: ${a.bytes} bytes, expected ${size}`);
  };
  /** `count` reads, `width` at a time, reader w using client w. */
  const wide = (f: (w: number, i: number) => Promise<void>): Promise<void> => {
    let next = 0;
    return Promise.all(Array.from({ length: width }, async (_, w) => {
      while (next < count) await f(w, next++);
    })).then(() => undefined);
  };
  for (let r = 0; r < rounds; r++) {
    m.put.push(mbps(total, await timed(async () => {
      for (let i = 0; i < count; i++) await s3.ok('PUT', key(i), { body });
    })));
    m.fsWrite.push(mbps(total, await timed(async () => {
      for (let i = 0; i < count; i++) await writeFile(file(i), body);
    })));
    m.fsSync.push(mbps(total, await timed(async () => {
      for (let i = 0; i < count; i++) await writeSynced(`${file(i)}.synced`, body);
    })));
    m.get.push(mbps(total, await timed(async () => {
      for (let i = 0; i < count; i++) await getFrom(gets.s3[0], key(i));
    })));
    m.fsRead.push(mbps(total, await timed(async () => {
      for (let i = 0; i < count; i++) await readPeer(i);
    })));
    m.plain.push(mbps(total, await timed(async () => {
      for (let i = 0; i < count; i++) await getFrom(gets.plain[0], `/${label.replace(' ', '')}-${i}`);
    })));
    m.getLean.push(mbps(total, await timed(async () => {
      for (let i = 0; i < count; i++) {
        const a = await s3.ok('GET', key(i));
        if (a.bytes !== size) throw new Error(`GET ${key(i)}: ${a.bytes} bytes, expected ${size}`);
      }
    })));
    m.getW.push(mbps(total, await timed(() => wide((w, i) => getFrom(gets.s3[w], key(i))))));
    m.fsReadW.push(mbps(total, await timed(() => wide((_, i) => readPeer(i)))));
    m.plainW.push(mbps(total, await timed(() => wide((w, i) => getFrom(gets.plain[w], `/${label.replace(' ', '')}-${i}`)))));
  }
  const [put, get, fw, fs, fr, pl, gl] = [median(m.put), median(m.get), median(m.fsWrite), median(m.fsSync), median(m.fsRead), median(m.plain), median(m.getLean)];
  const [gw, frw, plw] = [median(m.getW), median(m.fsReadW), median(m.plainW)];
  const reader = size <= 8 * MIB ? 'readFile' : 'createReadStream';
  return [
    row(b, `GET ${label} objects, 1 at a time (FastGet client)`, round1(get), 'MB/s'),
    row(b, `  peer: node:fs ${reader} of the same bytes`, round1(fr), 'MB/s'),
    row(b, `  GET ${label} / node:fs read`, round2(get / fr), '×', { text: '≥ 0.5', pass: get / fr >= 0.5 }),
    row(b, '  floor: plain node:http file server (child process, no auth, no checks), same client', round1(pl), 'MB/s'),
    row(b, `  GET ${label} / that floor`, round2(get / pl), '×'),
    row(b, `  floor / node:fs read`, round2(pl / fr), '×'),
    row(b, `  the same GETs through node:http's client (Lean)`, round1(gl), 'MB/s'),
    row(b, `GET ${label} objects, ${width} in flight (FastGet, ${width} connections)`, round1(gw), 'MB/s'),
    row(b, `  peer: node:fs ${reader} of the same bytes, ${width} at a time`, round1(frw), 'MB/s'),
    row(b, `  GET ${label} ×${width} / node:fs read ×${width}`, round2(gw / frw), '×', { text: '≥ 0.5', pass: gw / frw >= 0.5 }),
    row(b, `  floor, ${width} in flight`, round1(plw), 'MB/s'),
    row(b, `  GET ${label} ×${width} / that floor`, round2(gw / plw), '×'),
    row(b, `PUT ${label} objects, 1 at a time`, round1(put), 'MB/s'),
    row(b, '  peer: node:fs writeFile of the same bytes', round1(fw), 'MB/s'),
    row(b, `  PUT ${label} / node:fs write`, round2(put / fw), '×'),
    row(b, '  peer: node:fs write + fsync of the same bytes (the store syncs each commit)', round1(fs), 'MB/s'),
    row(b, `  PUT ${label} / node:fs write + fsync`, round2(put / fs), '×'),
  ];
}

/** 1 KiB PUTs then GETs, `width` in flight, against node:fs writeFile/readFile at the same width. */
async function small(s3: Lean, peerDir: string, count: number, width: number): Promise<BenchRow[]> {
  const b = 's3';
  const body = randomBytes(1024);
  await mkdir(join(peerDir, 'small'), { recursive: true });
  const put = await timed(() => inFlight(count, width, async (i) => void (await s3.ok('PUT', `/${BUCKET}/small/${i}`, { body }))));
  const get = await timed(() => inFlight(count, width, async (i) => void (await s3.ok('GET', `/${BUCKET}/small/${i}`))));
  const fw = await timed(() => inFlight(count, width, (i) => writeFile(join(peerDir, 'small', String(i)), body)));
  const fs = await timed(() => inFlight(count, width, (i) => writeSynced(join(peerDir, 'small', `${i}.synced`), body)));
  const fr = await timed(() => inFlight(count, width, async (i) => void (await readFile(join(peerDir, 'small', String(i))))));
  const ops = (ms: number) => Math.round(count / (ms / 1000));
  return [
    row(b, `PUT 1 KiB objects, ${width} in flight`, ops(put), 'ops/s'),
    row(b, `GET 1 KiB objects, ${width} in flight`, ops(get), 'ops/s'),
    row(b, `  peer: node:fs writeFile 1 KiB, ${width} in flight`, ops(fw), 'ops/s'),
    row(b, `  peer: node:fs write + fsync 1 KiB, ${width} in flight`, ops(fs), 'ops/s'),
    row(b, `  peer: node:fs readFile 1 KiB, ${width} in flight`, ops(fr), 'ops/s'),
  ];
}

export async function benchS3(opts: BenchOptions): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'gh-bench-s3-'));
  let c: Child | undefined;
  let s3: Lean | undefined;
  let plain: { child: ChildProcess; url: string } | undefined;
  let gets: Getters | undefined;
  try {
    opts.log('  starting gatehouse server --s3-listen (child process)…');
    c = await startChild(join(dir, 'data'));
    const s3Creds = await session(c);
    s3 = new Lean(c.s3Url, s3Creds);
    await s3.ok('PUT', `/${BUCKET}`);
    const rows: BenchRow[] = [
      row('s3', 'workload', 'gatehouse server in a child process; lean client: node:http keep-alive, SigV4 headers, UNSIGNED-PAYLOAD, one role session; peer: node:fs on the same file system, same run', ''),
    ];
    opts.log(`  ${opts.quick ? '256 MiB' : '1 GiB'} multipart upload, RSS sampled…`);
    rows.push(...(await memory(c, s3, opts.quick)));
    await mkdir(join(dir, 'peer'), { recursive: true });
    plain = await startPlain(join(dir, 'peer'));
    const creds = s3Creds;
    gets = {
      s3: Array.from({ length: WIDTH }, () => new FastGet(c!.s3Url, creds)),
      plain: Array.from({ length: WIDTH }, () => new FastGet(plain!.url, { accessKeyId: 'unused', secretAccessKey: 'unused' })),
    };
    opts.log('  1 MiB objects…');
    rows.push(...(await throughput(s3, gets, join(dir, 'peer'), MIB, opts.quick ? 16 : 64, opts.quick ? 3 : 5)));
    opts.log('  64 MiB objects…');
    rows.push(...(await throughput(s3, gets, join(dir, 'peer'), 64 * MIB, opts.quick ? 2 : 4, opts.quick ? 3 : 5)));
    opts.log('  1 KiB objects…');
    rows.push(...(await small(s3, join(dir, 'peer'), opts.quick ? 1_000 : 5_000, 16)));
    return rows;
  } finally {
    s3?.destroy();
    for (const g of [...(gets?.s3 ?? []), ...(gets?.plain ?? [])]) g.destroy();
    plain?.child.kill('SIGTERM');
    if (c) await stopChild(c);
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { table } = await import('./report.ts');
  const rows = await benchS3({ quick: process.argv.includes('--quick'), log: (m) => process.stderr.write(`${m}\n`) });
  process.stdout.write(`${table(rows)}\n`);
}
