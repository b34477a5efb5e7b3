/**
 * What the audit log costs a decision: `app.authorizer.authorize` in process, with the audit log off, on with
 * every decision recorded (the default `GATEHOUSE_AUDIT_ALLOW_SAMPLE=1`) and on with allows sampled at 1%
 * (denials always recorded) — both written by the writer thread `gatehouse server` runs
 * (src/adapters/audit-worker) — and, for comparison, every decision written on the deciding thread.
 * Target: recording every decision costs at most 10% of the decisions per second.
 *
 * The world: the root account with 16 users, each with an inline policy (reads and writes on its own bucket, a
 * deny on `secret/`, an allow conditioned on `aws:SourceIp`); each user asks about itself (the resource server's
 * usual question), `s3:GetObject|PutObject` on its bucket, another's, or `secret/` — about 64% of the answers
 * allow. SQLite in a temp dir (WAL, synchronous=FULL), so the records really are written.
 *
 * Each round decides `n` questions in chunks of 500, yielding to the event loop between chunks (so the
 * flusher's timer and the writer's answers run, as they would between requests on a server). Two figures per
 * configuration:
 * - decisions/s, the timed span ending only when every record of the round is committed (`audit.flush()`):
 *   the sustained rate, which the writer must keep up with;
 * - CPU time of the deciding thread per decision (`process.threadCpuUsage`): what recording costs the thread
 *   that decides, whatever the writer thread does meanwhile.
 * Configurations alternate round by round; each ratio is the median of the rounds' own pairs (audited over off). Then the writer thread alone: the records
 * of one round fed to it back to back (its capacity, records/s, and its CPU per record: the process's CPU less
 * the feeding thread's, since on a shared machine the thread's CPU matters as much as its wall-clock rate).
 *
 * Run alone: `npx node bench/audit.ts [--quick]`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type App, type Caller } from '../src/app/index.ts';
import type { AuditAppender, AuditOptions } from '../src/app/audit.ts';
import type { TimedEvent } from '../src/core/audit/index.ts';
import { auditWorker } from '../src/adapters/audit-worker/index.ts';
import { auditChainKey, chainDigest, masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import type { AuthorizeInput } from '../src/app/authorize.ts';
import { median, row, type BenchOptions, type BenchRow } from './report.ts';

const USERS = 16;
const CHUNK = 500;

async function world(dir: string) {
  const store = await openSqliteStore({ dataDir: dir });
  const key = masterKeyFromBytes(randomBytes(32));
  const chainKey = auditChainKey(key);
  const deps = {
    store,
    now: () => Date.now(),
    randomBytes: (n: number) => randomBytes(n),
    sealer: secretSealer(key),
    sessions: sessionCrypto,
    // Keyed, as a server's chain is (src/main/server.ts): the writer thread gets the same key.
    chainDigest: chainDigest(chainKey),
  };
  const setup = createApp(deps, { audit: { enabled: false } });
  await setup.start();
  const creds = await setup.bootstrap();
  if (!creds) throw new Error('bootstrap created no admin');
  const admin = await setup.authenticate(creds.AccessKeyId);
  if (!admin.ok) throw new Error('admin does not authenticate');
  const keys: string[] = [];
  for (let i = 0; i < USERS; i++) {
    const name = `u${i}`;
    const bucket = `arn:aws:s3:::bucket-${i}`;
    const must = <T>(r: { ok: true; value: T } | { ok: false; errors: readonly { message: string }[] }): T => {
      if (!r.ok) throw new Error(r.errors[0]?.message);
      return r.value;
    };
    must(await setup.directory.createUser(admin.value.caller, { userName: name }));
    must(
      await setup.directory.putInlinePolicy(admin.value.caller, 'user', {
        name,
        policyName: 'data',
        policyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: `${bucket}/*` },
            { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucket },
            { Effect: 'Deny', Action: 's3:*', Resource: `${bucket}/secret/*` },
            { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
          ],
        }),
      }),
    );
    keys.push(must(await setup.directory.createAccessKey(admin.value.caller, { userName: name })).key.id);
  }
  return { deps, keys, chainKey, file: store.file, close: () => store.close() };
}

function questions(n: number): { user: number; input: AuthorizeInput }[] {
  const out: { user: number; input: AuthorizeInput }[] = [];
  for (let i = 0; i < n; i++) {
    const user = i % USERS;
    const own = i % 4 !== 3;
    const bucket = own ? user : (user + 1) % USERS;
    const key = i % 7 === 0 ? `secret/k${i % 100}` : `data/k${i % 1000}`;
    out.push({ user, input: { action: i % 2 === 0 ? 's3:GetObject' : 's3:PutObject', resource: `arn:aws:s3:::bucket-${bucket}/${key}`, context: { 'aws:SourceIp': '10.1.2.3' } } });
  }
  return out;
}

/** CPU time of the calling thread, µs: the deciding thread's own cost, whatever a worker thread does meanwhile. */
const threadCpu = (): number => {
  const u = process.threadCpuUsage();
  return u.user + u.system;
};

async function round(app: App, callers: readonly Caller[], qs: ReturnType<typeof questions>): Promise<{ seconds: number; cpuMicros: number; allowed: number }> {
  let allowed = 0;
  const cpu = threadCpu();
  const started = performance.now();
  for (let i = 0; i < qs.length; i += CHUNK) {
    for (const q of qs.slice(i, i + CHUNK)) {
      const r = await app.authorizer.authorize(callers[q.user] as Caller, q.input);
      if (r.ok && r.value.decision === 'Allow') allowed++;
    }
    await new Promise((r) => setImmediate(r));
  }
  if (!(await app.audit.flush())) throw new Error(`audit flush failed: ${app.audit.status().lastError}`);
  return { seconds: (performance.now() - started) / 1000, cpuMicros: threadCpu() - cpu, allowed };
}

export async function benchAudit(opts: BenchOptions): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'gh-bench-audit-'));
  const w = await world(dir);
  const appenders: AuditAppender[] = [];
  try {
    // `worker`: the writer `gatehouse server` runs (src/adapters/audit-worker); `inline`: the same work on the
    // deciding thread, for comparison.
    const configs: { name: string; audit: AuditOptions; writer?: 'worker' | 'inline' }[] = [
      { name: 'audit off', audit: { enabled: false } },
      { name: 'every decision recorded, writer thread', audit: { allowSample: 1 }, writer: 'worker' },
      { name: 'allows sampled 1%, writer thread', audit: { allowSample: 0.01 }, writer: 'worker' },
      { name: 'every decision recorded, written on the deciding thread', audit: { allowSample: 1 }, writer: 'inline' },
    ];
    const apps: App[] = [];
    for (const c of configs) {
      const appender = c.writer === 'worker' ? auditWorker({ dialect: 'sqlite', file: w.file }, w.chainKey) : undefined;
      if (appender) appenders.push(appender);
      const app = createApp({ ...w.deps, ...(appender ? { auditAppender: appender } : {}) }, { audit: c.audit });
      await app.start();
      apps.push(app);
    }
    const callers = await Promise.all(
      w.keys.map(async (k) => {
        const r = await (apps[0] as App).authenticate(k);
        if (!r.ok) throw new Error('user does not authenticate');
        return r.value.caller;
      }),
    );
    const n = opts.quick ? 10_000 : 40_000;
    const rounds = opts.quick ? 3 : 7;
    const qs = questions(n);
    // Warm-up: policies compiled, caches filled, JIT settled, writer threads started, in every configuration.
    for (const app of apps) await round(app, callers, questions(5_000));
    const rates: number[][] = configs.map(() => []);
    const cpus: number[][] = configs.map(() => []);
    let allowShare = 0;
    let written = 0;
    for (let r = 0; r < rounds; r++) {
      for (const [i, app] of apps.entries()) {
        const before = app.audit.status().written;
        const res = await round(app, callers, qs);
        rates[i]?.push(n / res.seconds);
        cpus[i]?.push(res.cpuMicros / n);
        allowShare = res.allowed / n;
        if (i === 1) written = app.audit.status().written - before;
      }
      opts.log(`audit: round ${r + 1}/${rounds}: ${configs.map((c, i) => `${c.name} ${Math.round(rates[i]?.at(-1) ?? 0)}/s (${(cpus[i]?.at(-1) ?? 0).toFixed(2)} µs CPU)`).join(', ')}`);
    }
    // The writer thread's capacity: the records of one round (captured as the deciding thread hands them over),
    // fed to a writer thread back to back, in batches as large as it takes.
    const captured: TimedEvent[] = [];
    const capture = createApp({ ...w.deps, auditAppender: { maxBatch: 4000, append: async (evs) => void captured.push(...evs) } }, { audit: { allowSample: 1 } });
    await capture.start();
    await round(capture, callers, qs);
    const writer = auditWorker({ dialect: 'sqlite', file: w.file }, w.chainKey);
    appenders.push(writer);
    await writer.append(captured.slice(0, 100));
    const capacities: number[] = [];
    const writerCpus: number[] = [];
    for (let r = 0; r < (opts.quick ? 2 : 4); r++) {
      const t0 = performance.now();
      // The writer thread's CPU: the process's, less this thread's (which packs the batches and waits).
      const p0 = process.cpuUsage();
      const m0 = threadCpu();
      for (let i = 0; i < captured.length; i += 4000) await writer.append(captured.slice(i, i + 4000));
      const p1 = process.cpuUsage();
      writerCpus.push((p1.user + p1.system - p0.user - p0.system - (threadCpu() - m0)) / captured.length);
      capacities.push(captured.length / ((performance.now() - t0) / 1000));
    }
    opts.log(`audit: writer thread alone: ${capacities.map((c) => Math.round(c)).join(', ')} records/s, ${writerCpus.map((c) => c.toFixed(2)).join(', ')} µs CPU per record`);
    const [off, on, sampled, inline] = rates.map(median) as [number, number, number, number];
    const [offCpu, onCpu, , inlineCpu] = cpus.map(median) as [number, number, number, number];
    // Each round's own pair, audited over off, then the median of those: configurations run one after the other within
    // a round, so a pair shares the machine's state of the moment, where the medians of each configuration apart may
    // come from rounds the machine ran at different speeds (stop 21: off spread 2.7–6.9 µs over seven rounds, and
    // median(on) / median(off) read 1.00 while six of the seven pairs were 1.26–1.68).
    const paired = (i: number): number => median((cpus[i] ?? []).map((c, r) => c / ((cpus[0] ?? [])[r] ?? c)));
    const cost = paired(1);
    const pairedRate = (i: number): number => median((rates[i] ?? []).map((x, r) => x / ((rates[0] ?? [])[r] ?? x)));
    const sustained = pairedRate(1);
    return [
      row('audit', `decisions/s, ${configs[0]?.name}`, Math.round(off), 'decisions/s'),
      row('audit', `decisions/s, ${configs[1]?.name}, all committed within the round`, Math.round(on), 'decisions/s'),
      row('audit', 'every decision recorded: share of throughput kept (records committed; median of the rounds’ pairs)', Number(sustained.toFixed(3)), 'ratio', { text: '≥ 0.90', pass: sustained >= 0.9 }),
      row('audit', 'deciding thread CPU per decision, audit off', Number(offCpu.toFixed(2)), 'µs'),
      row('audit', 'deciding thread CPU per decision, every decision recorded (writer thread)', Number(onCpu.toFixed(2)), 'µs'),
      row('audit', 'every decision recorded: deciding thread cost, on / off (median of the rounds’ pairs)', Number(cost.toFixed(3)), 'ratio', { text: '≤ 1.10', pass: cost <= 1.1 }),
      row('audit', 'writer thread alone: records committed per second (batches of 4,000)', Math.round(median(capacities)), 'records/s'),
      row('audit', 'writer thread alone: CPU per record committed (process less the feeding thread)', Number(median(writerCpus).toFixed(2)), 'µs'),
      row('audit', `decisions/s, ${configs[2]?.name}`, Math.round(sampled), 'decisions/s'),
      row('audit', 'allows sampled 1%: share of throughput kept', Number(pairedRate(2).toFixed(3)), 'ratio'),
      row('audit', 'allows sampled 1%: deciding thread cost, on / off', Number(paired(2).toFixed(3)), 'ratio'),
      row('audit', `decisions/s, ${configs[3]?.name}`, Math.round(inline), 'decisions/s'),
      row('audit', 'written on the deciding thread: share of throughput kept', Number(pairedRate(3).toFixed(3)), 'ratio'),
      row('audit', 'written on the deciding thread: CPU per decision', Number(inlineCpu.toFixed(2)), 'µs'),
      row('audit', 'records written per round (every decision)', written, 'records'),
      row('audit', 'share of decisions allowed', Number(allowShare.toFixed(2)), 'ratio'),
    ];
  } finally {
    for (const a of appenders) await a.close?.();
    await w.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await benchAudit({ quick: process.argv.includes('--quick'), log: (m) => process.stderr.write(`${m}\n`) });
  for (const r of rows) process.stdout.write(`${r.metric}: ${r.value} ${r.unit}${r.target ? ` (target ${r.target}: ${r.pass ? 'met' : 'MISSED'})` : ''}\n`);
}
