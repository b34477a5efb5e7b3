/**
 * STS hot paths in process, single thread: issuing a session (`app.sts.assumeRole`, the whole use case:
 * parameter checks, trust decision, claims, sealing with AES-256-GCM) and authenticating a SigV4 request
 * made with temporary credentials (`parseSigV4` + `app.authenticate` (opens the token, checks expiry and
 * revocation, builds the caller) + `verify`).
 *
 * Method:
 * - A real app over a SQLite store in a temporary directory (what `gatehouse server` runs), one account, a
 *   role `trainer` whose trust policy names the account, and the root admin (AdministratorAccess) as caller.
 * - Issuance: `assumeRole` awaited one call after another; each call is a distinct session (fresh ids,
 *   secrets and nonce). Warm: the role's compiled policies and trust policy are cached after the first call.
 * - Verification: 64 sessions issued up front; 4,096 distinct `GetCallerIdentity` requests (distinct
 *   invocation ids, so distinct signatures) signed by `@smithy/signature-v4` with the header set SDK v3
 *   sends, round-robin over the sessions, verified at the signing time. Warm: every session's principal
 *   and signing key are cached after the first pass; the token is opened (decrypted) on every request,
 *   as the server does.
 * - Rounds of a fixed count, timed with `hrtime`; the best round is the figure (median shown too), and
 *   process CPU time per round gives the per-CPU-second figure that other processes cannot lower.
 *
 * Run alone: `npx node bench/sts.ts [--quick]`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { createApp, type App, type AppDeps, type Caller } from '../src/app/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { parseSigV4, type SigV4Request } from '../src/adapters/sigv4/index.ts';
import { openSqliteStore, type SqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { auditWorker } from '../src/adapters/audit-worker/index.ts';
import { row, type BenchOptions, type BenchRow } from './report.ts';

export const ROLE_ARN = 'arn:aws:iam::000000000000:role/trainer';
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] });
const ROLE_POLICY = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: 'arn:aws:s3:::training-data/*' }] });

export interface StsFixture {
  readonly app: App;
  /** What the app was made of, its audit writer aside. */
  readonly deps: AppDeps;
  readonly caller: Caller;
  readonly store: SqliteStore;
  close(): Promise<void>;
}

/** A started app on a fresh SQLite store with the root account, a `trainer` role, and the admin as caller. */
export async function stsFixture(): Promise<StsFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-sts-'));
  const store = await openSqliteStore({ dataDir: dir });
  const key = masterKeyFromBytes(randomBytes(32));
  const deps: AppDeps = {
    store,
    now: () => Date.now(),
    randomBytes: (n) => randomBytes(n),
    sealer: secretSealer(key),
    sessions: sessionCrypto,
  };
  // The audit log as `gatehouse server` writes it: linked, hashed and written by a worker thread.
  const app = createApp({ ...deps, auditAppender: auditWorker({ dialect: 'sqlite', file: store.file }) });
  await app.start();
  const admin = await app.bootstrap();
  if (!admin) throw new Error('bootstrap created no admin');
  const who = await app.authenticate(admin.AccessKeyId);
  if (!who.ok) throw new Error('admin key does not authenticate');
  const caller = who.value.caller;
  const role = await app.directory.createRole(caller, { roleName: 'trainer', assumeRolePolicyDocument: TRUST });
  if (!role.ok) throw new Error(`createRole: ${role.errors[0]?.message}`);
  const put = await app.directory.putInlinePolicy(caller, 'role', { name: 'trainer', policyName: 'data', policyDocument: ROLE_POLICY });
  if (!put.ok) throw new Error(`putRolePolicy: ${put.errors[0]?.message}`);
  await app.refresh();
  return {
    app,
    deps,
    caller,
    store,
    close: async () => {
      await app.audit.stop();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const params = (i: number) => ({ roleArn: ROLE_ARN, roleSessionName: `job-${i % 1000}-rank-${i % 8}`, durationSeconds: 3600, policyArns: [], tags: [], transitiveTagKeys: [] });

interface Rounds {
  readonly best: number;
  readonly median: number;
  readonly bestPerCpuSecond: number;
  readonly rounds: readonly number[];
}

/**
 * `settle` runs inside each timed round, after its requests: work the requests leave behind (the audit records
 * of the sessions issued) is paid for in the figure, and never piles up from round to round.
 */
async function rounds(n: number, count: number, warmup: number, body: (i: number) => Promise<void>, settle: () => Promise<unknown> = async () => {}): Promise<Rounds> {
  for (let i = 0; i < warmup; i++) await body(i);
  await settle();
  const out: number[] = [];
  let cpuBest = 0;
  let k = 0;
  for (let r = 0; r < count; r++) {
    const c = process.cpuUsage();
    const s = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await body(k++);
    await settle();
    const ns = Number(process.hrtime.bigint() - s);
    const cpu = process.cpuUsage(c);
    out.push(n / (ns / 1e9));
    cpuBest = Math.max(cpuBest, n / ((cpu.user + cpu.system) / 1e6));
  }
  const sorted = [...out].sort((a, b) => a - b);
  return { best: Math.max(...out), median: sorted[Math.floor(sorted.length / 2)] ?? 0, bestPerCpuSecond: cpuBest, rounds: out };
}

export async function measureIssuance(f: StsFixture, quick: boolean, app: App = f.app): Promise<Rounds> {
  return rounds(quick ? 20_000 : 50_000, quick ? 3 : 7, 5_000, async (i) => {
    const r = await app.sts.assumeRole(f.caller, params(i));
    if (!r.ok) throw new Error(`assumeRole failed: ${r.errors[0]?.message}`);
    // A turn of the event loop every 500 sessions, as a server takes between requests: the audit log's flusher
    // hands its batches to the writer thread then, which writes them while sessions go on being issued.
    if (i % 500 === 499) await new Promise((resolve) => setImmediate(resolve));
  }, () => app.audit.flush());
}

/** The same issuance by an app over the same store with the audit log off: the peer of the audited figure. */
async function unaudited(f: StsFixture): Promise<App> {
  const app = createApp(f.deps, { audit: { enabled: false } });
  await app.start();
  return app;
}

/** `n` distinct GetCallerIdentity requests signed with `sessions` round-robin, at `at`. */
export async function signedRequests(sessions: readonly { accessKeyId: string; secretAccessKey: string; sessionToken: string }[], n: number, at: number, host = 'sts.us-east-1.amazonaws.com'): Promise<SigV4Request[]> {
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  const out: SigV4Request[] = [];
  for (let i = 0; i < n; i++) {
    const s = sessions[i % sessions.length]!;
    const signer = new SignatureV4({ service: 'sts', region: 'us-east-1', credentials: s, sha256: Sha256 });
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: host,
        path: '/',
        query: {},
        headers: {
          host,
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(body.length),
          'amz-sdk-invocation-id': `0d6b6c1e-2f4e-4c59-9d1a-${i.toString(16).padStart(12, '0')}`,
          'amz-sdk-request': 'attempt=1; max=3',
          'x-amz-user-agent': 'aws-sdk-js/3.1177.0',
        },
        body,
      },
      { signingDate: new Date(at) },
    );
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers)) headers[k.toLowerCase()] = String(v);
    out.push({ method: 'POST', path: '/', headers, body });
  }
  return out;
}

/**
 * The verification path, and for comparison the SigV4 verifier alone on the same requests (the secret from
 * a `Map` by access key id instead of `app.authenticate`).
 */
export async function measureVerification(f: StsFixture, quick: boolean): Promise<{ full: Rounds; sigv4Only: Rounds }> {
  const sessions = [];
  for (let i = 0; i < 64; i++) {
    const r = await f.app.sts.assumeRole(f.caller, params(i));
    if (!r.ok) throw new Error('assumeRole failed');
    sessions.push(r.value.credentials);
  }
  const at = Date.now();
  const requests = await signedRequests(sessions, 4096, at);
  const n = quick ? 40_000 : 100_000;
  const count = quick ? 3 : 7;
  const full = await rounds(n, count, 8_192, async (i) => {
    const parsed = parseSigV4(requests[i & 4095]!, at);
    if (!parsed.ok) throw new Error(parsed.message);
    const who = await f.app.authenticate(parsed.accessKeyId, parsed.sessionToken);
    if (!who.ok) throw new Error(who.errors[0]?.message);
    if (!parsed.verify(who.value.secret).ok) throw new Error('signature does not verify');
  });
  const secrets = new Map(sessions.map((s) => [s.accessKeyId, s.secretAccessKey]));
  const sigv4Only = await rounds(n, count, 8_192, async (i) => {
    const parsed = parseSigV4(requests[i & 4095]!, at);
    if (!parsed.ok || !parsed.verify(secrets.get(parsed.accessKeyId) ?? '').ok) throw new Error('signature does not verify');
  });
  return { full, sigv4Only };
}

export async function benchSts(opts: BenchOptions): Promise<BenchRow[]> {
  const f = await stsFixture();
  try {
    const plain = await unaudited(f);
    const bare = await measureIssuance(f, opts.quick, plain);
    opts.log(`sts: issuance rounds, audit off ${bare.rounds.map((r) => Math.round(r).toLocaleString('en-US')).join(', ')} sessions/s`);
    const issue = await measureIssuance(f, opts.quick);
    opts.log(`sts: issuance rounds ${issue.rounds.map((r) => Math.round(r).toLocaleString('en-US')).join(', ')} sessions/s`);
    const { full: verify, sigv4Only } = await measureVerification(f, opts.quick);
    opts.log(`sts: verification rounds ${verify.rounds.map((r) => Math.round(r).toLocaleString('en-US')).join(', ')} requests/s`);
    return [
      row('sts', 'issue: app.sts.assumeRole, best round', Math.round(issue.best), 'sessions/s', { text: '≥ 50,000', pass: issue.best >= 50_000 }),
      row('sts', 'issue: median round', Math.round(issue.median), 'sessions/s'),
      row('sts', 'issue: per CPU-second (both threads), best round', Math.round(issue.bestPerCpuSecond), 'sessions/s'),
      row('sts', 'issue with the audit log off (same store, same run), best round', Math.round(bare.best), 'sessions/s'),
      row('sts', 'issue: audited / audit off, best rounds', Number((issue.best / bare.best).toFixed(3)), 'ratio'),
      row('sts', 'verify: parseSigV4 + authenticate + verify, temporary credentials, best round', Math.round(verify.best), 'requests/s', { text: '≥ 100,000', pass: verify.best >= 100_000 }),
      row('sts', 'verify: median round', Math.round(verify.median), 'requests/s'),
      row('sts', 'verify: per CPU-second, best round', Math.round(verify.bestPerCpuSecond), 'requests/s'),
      row('sts', 'verify: SigV4 alone (parseSigV4 + verify, secret from a Map), best round', Math.round(sigv4Only.best), 'requests/s'),
      row('sts', 'verify: SigV4 alone, per CPU-second', Math.round(sigv4Only.bestPerCpuSecond), 'requests/s'),
    ];
  } finally {
    await f.close();
  }
}

if (import.meta.main) {
  const { table } = await import('./report.ts');
  const rows = await benchSts({ quick: process.argv.includes('--quick'), log: (m) => process.stderr.write(`${m}\n`) });
  process.stdout.write(`${table(rows)}\n`);
}
