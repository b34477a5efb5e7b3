/**
 * What the audit log costs a decision: `app.authorizer.authorize` in process, with the audit log off, on (every
 * decision recorded: the default `GATEHOUSE_AUDIT_ALLOW_SAMPLE=1`), and on with allows sampled at 1% (denials
 * always recorded). Target: recording every decision costs at most 10% of the decisions per second.
 *
 * The world: the root account with 16 users, each with an inline policy (reads and writes on its own bucket, a
 * deny on `secret/`, an allow conditioned on `aws:SourceIp`); each user asks about itself (the resource server's
 * usual question), `s3:GetObject|PutObject` on its bucket, another's, or `secret/` — about half the answers
 * allow. SQLite in a temp dir (WAL, synchronous=FULL), so the records really are written.
 *
 * Each round decides `n` questions in chunks of 500, yielding to the event loop between chunks (so the
 * flusher's timer runs, as it would between requests on a server), and for the audited configurations the
 * timed span ends only when every record is committed (`audit.flush()`): the figure includes linking, hashing
 * and writing, not just queueing. Configurations alternate round by round; the median round counts.
 *
 * Run alone: `npx node bench/audit.ts [--quick]`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type App, type Caller } from '../src/app/index.ts';
import type { AuditOptions } from '../src/app/audit.ts';
import { masterKeyFromBytes, openText, seal, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import type { AuthorizeInput } from '../src/app/authorize.ts';
import { percentile, row, type BenchOptions, type BenchRow } from './report.ts';

const USERS = 16;
const CHUNK = 500;

async function world(dir: string) {
  const store = await openSqliteStore({ dataDir: dir });
  const key = masterKeyFromBytes(randomBytes(32));
  const deps = {
    store,
    now: () => Date.now(),
    randomBytes: (n: number) => randomBytes(n),
    sealer: {
      seal: (p: string, aad: string) => seal(key, p, aad),
      open: (s: Parameters<typeof openText>[1], aad: string) => {
        const r = openText(key, s, aad);
        return r.ok ? r.value : undefined;
      },
    },
    sessions: sessionCrypto,
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
  return { deps, keys, close: () => store.close() };
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

async function round(app: App, callers: readonly Caller[], qs: ReturnType<typeof questions>): Promise<{ seconds: number; allowed: number }> {
  let allowed = 0;
  const started = performance.now();
  for (let i = 0; i < qs.length; i += CHUNK) {
    for (const q of qs.slice(i, i + CHUNK)) {
      const r = await app.authorizer.authorize(callers[q.user] as Caller, q.input);
      if (r.ok && r.value.decision === 'Allow') allowed++;
    }
    await new Promise((r) => setImmediate(r));
  }
  if (!(await app.audit.flush())) throw new Error(`audit flush failed: ${app.audit.status().lastError}`);
  return { seconds: (performance.now() - started) / 1000, allowed };
}

export async function benchAudit(opts: BenchOptions): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), 'gh-bench-audit-'));
  const w = await world(dir);
  try {
    const configs: { name: string; audit: AuditOptions }[] = [
      { name: 'audit off', audit: { enabled: false } },
      { name: 'audit on, every decision', audit: { allowSample: 1 } },
      { name: 'audit on, allows sampled 1%', audit: { allowSample: 0.01 } },
    ];
    const apps: App[] = [];
    for (const c of configs) {
      const app = createApp(w.deps, { audit: c.audit });
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
    // Warm-up: policies compiled, caches filled, JIT settled, in every configuration.
    for (const app of apps) await round(app, callers, questions(5_000));
    const rates: number[][] = configs.map(() => []);
    let allowShare = 0;
    let written = 0;
    for (let r = 0; r < rounds; r++) {
      for (const [i, app] of apps.entries()) {
        const before = app.audit.status().written;
        const res = await round(app, callers, qs);
        rates[i]?.push(n / res.seconds);
        allowShare = res.allowed / n;
        if (i === 1) written = app.audit.status().written - before;
      }
      opts.log(`audit: round ${r + 1}/${rounds}: ${configs.map((c, i) => `${c.name} ${Math.round(rates[i]?.at(-1) ?? 0)}/s`).join(', ')}`);
    }
    const median = (xs: number[]) => percentile(Float64Array.from(xs).sort(), 50);
    const [off, on, sampled] = rates.map(median) as [number, number, number];
    const ratio = on / off;
    return [
      row('audit', `decisions/s, ${configs[0]?.name}`, Math.round(off), 'decisions/s'),
      row('audit', `decisions/s, ${configs[1]?.name}`, Math.round(on), 'decisions/s'),
      row('audit', `decisions/s, ${configs[2]?.name}`, Math.round(sampled), 'decisions/s'),
      row('audit', 'every decision recorded: share of throughput kept', Number(ratio.toFixed(3)), 'ratio', { text: '≥ 0.90', pass: ratio >= 0.9 }),
      row('audit', 'allows sampled 1%: share of throughput kept', Number((sampled / off).toFixed(3)), 'ratio'),
      row('audit', 'records written per round (every decision)', written, 'records'),
      row('audit', 'share of decisions allowed', Number(allowShare.toFixed(2)), 'ratio'),
    ];
  } finally {
    await w.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await benchAudit({ quick: process.argv.includes('--quick'), log: (m) => process.stderr.write(`${m}\n`) });
  for (const r of rows) process.stdout.write(`${r.metric}: ${r.value} ${r.unit}${r.target ? ` (target ${r.target}: ${r.pass ? 'met' : 'MISSED'})` : ''}\n`);
}
