/**
 * Soak (review eb1): is memory flat under steady traffic? A real server (`startServer`, SQLite in a temp dir, or
 * PostgreSQL in a schema of its own with `--pg`) in a child process started with `--expose-gc`, and a bounded mixed
 * load on 127.0.0.1 from this one, `--concurrency` requests at a time for `--seconds`:
 *
 * - `POST /v1/authorize` signed afresh by a resource server (`gate`, bench/authorize.ts's world), one in ten about a
 *   principal that does not exist (a distinct ARN each time), the others with a distinct `aws:SourceIp`;
 *   `POST /v1/authorize:batch` of 25;
 * - STS AssumeRole through SDK v3 (a distinct session name each), then GetCallerIdentity with the session;
 * - a job submitted, its container credentials read, its events listed, the job stopped (a third with IMDS);
 * - IAM writes through SDK v3: a user created, given an inline policy (a distinct resource), a quarter given a managed
 *   policy created, attached, detached and deleted, then the user deleted;
 * - audit queries, refused signatures (an unknown access key id, distinct each time, or a wrong secret), /metrics and
 *   /readyz.
 *
 * Every `--sample-ms` the child collects garbage (four full GCs) and reports the heap used, external memory, RSS, live
 * objects of a few constructors (`v8.queryObjects`), active handles and process listeners. `--snapshots PREFIX` writes
 * heap snapshots at `--snapshot-at` seconds and at the end, to compare (node ids are stable across them).
 *
 *   node_modules/.bin/node bench/soak.ts [--seconds 180] [--sample-ms 15000] [--concurrency 6] [--pg] [--snapshots /tmp/soak] [--skip audit,job]
 *
 * Not run by `npm run bench` (it exports no bench function, and runs only as the main module).
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STSClient, AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { IAMClient, CreateUserCommand, PutUserPolicyCommand, DeleteUserPolicyCommand, DeleteUserCommand, CreatePolicyCommand, DeletePolicyCommand, AttachUserPolicyCommand, DetachUserPolicyCommand } from '@aws-sdk/client-iam';
import { send, signerFor, type Creds } from './support/sign.ts';
import { questions, worldDocuments } from './authorize.ts';

const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
};

interface HeapSample {
  heapUsed: number;
  external: number;
  rss: number;
  counts: Record<string, number>;
  handles: number;
  listeners: Record<string, number>;
}

async function serveChild(): Promise<void> {
  const { startServer } = await import('../src/main/server.ts');
  const { queryObjects, writeHeapSnapshot } = await import('node:v8');
  const net = await import('node:net');
  const opts = JSON.parse(process.argv[process.argv.indexOf('--serve') + 1] ?? '{}') as { dataDir: string; databaseUrl?: string; databaseSchema?: string };
  let logged = 0;
  const running = await startServer({
    dataDir: opts.dataDir,
    listen: '127.0.0.1:0',
    agentListen: '127.0.0.1:0',
    env: {},
    log: (line) => {
      if (/internal error|failed|error|audit:/i.test(line) && logged++ < 20) process.stderr.write(`server: ${line.split('\n')[0] ?? ''}\n`);
    },
    ...(opts.databaseUrl !== undefined ? { databaseUrl: opts.databaseUrl, databaseSchema: opts.databaseSchema as string } : {}),
  });
  const t = setTimeout(() => {}, 1);
  const Timeout = t.constructor as new () => object;
  clearTimeout(t);
  const ctors: Record<string, new (...a: never[]) => object> = { Promise, Map, Set, Function, Array, Object, Timeout, Socket: net.Socket, Error, WeakRef, Buffer: Buffer as unknown as new () => object };
  const gc = (globalThis as { gc?: () => void }).gc;
  process.on('message', (m) => {
    const msg = m as { heap?: boolean; snapshot?: string };
    if (msg.heap) {
      for (let i = 0; i < 4; i++) gc?.();
      const mu = process.memoryUsage();
      const counts: Record<string, number> = {};
      for (const [k, c] of Object.entries(ctors)) counts[k] = queryObjects(c, { format: 'count' }) as number;
      const listeners: Record<string, number> = {};
      for (const e of process.eventNames()) listeners[String(e)] = process.listenerCount(e);
      const sample: HeapSample = { heapUsed: mu.heapUsed, external: mu.external, rss: mu.rss, counts, handles: process.getActiveResourcesInfo().length, listeners };
      process.send?.({ sample });
    }
    if (msg.snapshot) {
      for (let i = 0; i < 4; i++) gc?.();
      process.send?.({ snapshot: writeHeapSnapshot(msg.snapshot) });
    }
  });
  process.on('disconnect', () => void running.stop().then(() => process.exit(0)));
  const c = running.adminCredentials;
  process.send?.({ url: running.url, admin: { accessKeyId: c?.AccessKeyId, secretAccessKey: c?.SecretAccessKey } });
}

function ask<T>(child: ReturnType<typeof fork>, msg: object, key: string): Promise<T> {
  return new Promise((resolve) => {
    const on = (m: unknown) => {
      const r = m as Record<string, unknown>;
      if (key in r) {
        child.off('message', on);
        // The child's first message carries `url` and `admin` together.
        resolve((key === 'url' ? r : r[key]) as T);
      }
    };
    child.on('message', on);
    child.send(msg);
  });
}

async function main(): Promise<void> {
  const seconds = Number(arg('--seconds', '180'));
  const sampleMs = Number(arg('--sample-ms', '15000'));
  const concurrency = Number(arg('--concurrency', '6'));
  const pg = process.argv.includes('--pg');
  const snapshots = arg('--snapshots', '');
  const dataDir = await mkdtemp(join(tmpdir(), 'gh-soak-'));
  const schema = `gh_soak_${process.pid}`;
  const child = fork(fileURLToPath(import.meta.url), ['--serve', JSON.stringify({ dataDir, ...(pg ? { databaseUrl: 'postgres://postgres@127.0.0.1:5432/test', databaseSchema: schema } : {}) })], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const started = await ask<{ url: string; admin: Creds }>(child, {}, 'url');
  const url = started.url;
  const adminCreds = started.admin;
  process.stderr.write(`server child ${child.pid} at ${url} (${pg ? `PostgreSQL schema ${schema}` : `SQLite ${dataDir}`})\n`);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency + 2 });
  const adminG = signerFor(url, adminCreds, 'gatehouse');
  const json = async (method: string, path: string, body?: unknown) => {
    return send(url, agent, await adminG({ method, path, body: body === undefined ? '' : JSON.stringify(body), contentType: 'application/json' }));
  };
  const applied = await json('POST', '/v1/apply', {
    documents: [
      ...worldDocuments(),
      { apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'soak' }, spec: { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] }, inlinePolicies: { r: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] } } } },
    ],
  });
  if (applied.status !== 200) throw new Error(`apply: ${applied.status} ${applied.body.slice(0, 300)}`);
  const key = await json('POST', '/v1/access-keys', { userName: 'gate' });
  const gk = JSON.parse(key.body) as { accessKeyId: string; secretAccessKey: string };
  const gate = signerFor(url, { accessKeyId: gk.accessKeyId, secretAccessKey: gk.secretAccessKey }, 'gatehouse');
  const ws = await json('PUT', '/v1/workspaces/soak', { members: [{ user: 'admin' }], defaultBucket: 'arn:aws:s3:::soak-data' });
  if (ws.status >= 300) throw new Error(`workspace: ${ws.status} ${ws.body}`);
  await new Promise((r) => setTimeout(r, 500));

  const qs = questions(4096);
  const sts = new STSClient({ endpoint: url, region: 'us-east-1', credentials: adminCreds });
  const iam = new IAMClient({ endpoint: url, region: 'us-east-1', credentials: adminCreds });
  const counts: Record<string, number> = {};
  const failures: Record<string, number> = {};
  let n = 0;
  const ops: [string, number, () => Promise<void>][] = [
    [
      'authorize',
      40,
      async () => {
        const i = n++;
        // One in ten about a principal that does not exist (distinct each time): per-request keys must not be kept.
        const q = i % 10 === 0 ? { ...qs[i % qs.length], principal: `arn:aws:iam::000000000000:user/ghost-${i}` } : { ...qs[i % qs.length], context: { 'aws:SourceIp': `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` } };
        const r = await send(url, agent, await gate({ method: 'POST', path: '/v1/authorize', body: JSON.stringify(q), contentType: 'application/json' }));
        if (r.status !== (i % 10 === 0 ? 404 : 200)) throw new Error(`authorize ${r.status} ${r.body.slice(0, 200)}`);
      },
    ],
    [
      'batch',
      8,
      async () => {
        const i = n++;
        const requests = Array.from({ length: 25 }, (_, k) => qs[(i * 25 + k) % qs.length]);
        const r = await send(url, agent, await gate({ method: 'POST', path: '/v1/authorize:batch', body: JSON.stringify({ requests }), contentType: 'application/json' }));
        if (r.status !== 200) throw new Error(`batch ${r.status} ${r.body.slice(0, 200)}`);
      },
    ],
    [
      'sts',
      10,
      async () => {
        const i = n++;
        const a = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/soak', RoleSessionName: `s-${i}`, DurationSeconds: 900 }));
        const c = a.Credentials;
        const s = new STSClient({ endpoint: url, region: 'us-east-1', credentials: { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' } });
        const who = await s.send(new GetCallerIdentityCommand({}));
        s.destroy();
        if (!who.Arn?.includes('assumed-role/soak/')) throw new Error(`caller identity ${who.Arn}`);
      },
    ],
    [
      'job',
      6,
      async () => {
        const i = n++;
        const r = await json('POST', '/v1/jobs', { workspace: 'soak', role: 'default', name: `j${i}`, imds: i % 3 === 0, launcherUid: process.getuid?.() ?? 0 });
        if (r.status !== 201) throw new Error(`job ${r.status} ${r.body.slice(0, 200)}`);
        const j = JSON.parse(r.body) as { job: { id: string }; capability: string; environment: Record<string, string> };
        const cc = await fetch(j.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: j.capability } });
        const text = await cc.text();
        const body = (cc.status === 200 ? JSON.parse(text) : {}) as { AccessKeyId?: string };
        if (cc.status !== 200 || body.AccessKeyId === undefined) throw new Error(`container credentials ${cc.status} ${text.slice(0, 300)}`);
        const ev = await json('GET', `/v1/jobs/${j.job.id}/events?limit=10`);
        if (ev.status !== 200) throw new Error(`events ${ev.status}`);
        const st = await json('POST', `/v1/jobs/${j.job.id}/stop`);
        if (st.status !== 200) throw new Error(`stop ${st.status} ${st.body.slice(0, 200)}`);
      },
    ],
    [
      'iam-write',
      10,
      async () => {
        const i = n++;
        const u = `soak-u-${i}`;
        await iam.send(new CreateUserCommand({ UserName: u }));
        await iam.send(new PutUserPolicyCommand({ UserName: u, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::b-${i}/*` }] }) }));
        if (i % 4 === 0) {
          const p = await iam.send(new CreatePolicyCommand({ PolicyName: `soak-p-${i}`, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }] }) }));
          await iam.send(new AttachUserPolicyCommand({ UserName: u, PolicyArn: p.Policy?.Arn }));
          await iam.send(new DetachUserPolicyCommand({ UserName: u, PolicyArn: p.Policy?.Arn }));
          await iam.send(new DeletePolicyCommand({ PolicyArn: p.Policy?.Arn }));
        }
        await iam.send(new DeleteUserPolicyCommand({ UserName: u, PolicyName: 'p' }));
        await iam.send(new DeleteUserCommand({ UserName: u }));
      },
    ],
    [
      'audit',
      6,
      async () => {
        const i = n++;
        const q = i % 2 === 0 ? '/v1/audit?limit=20&since=5m' : `/v1/audit?limit=20&principal=${encodeURIComponent('arn:aws:iam::000000000000:user/gate')}&decision=Deny`;
        const r = await json('GET', q);
        if (r.status !== 200) throw new Error(`audit ${r.status} ${r.body.slice(0, 200)}`);
      },
    ],
    [
      'bad-auth',
      5,
      async () => {
        const i = n++;
        // An unknown access key id (distinct each time), and a known one with a wrong secret.
        const s = signerFor(url, { accessKeyId: i % 2 === 0 ? `AKIAUNKNOWN${String(i).padStart(9, '0')}` : gk.accessKeyId, secretAccessKey: 'wrong' }, 'gatehouse');
        const r = await send(url, agent, await s({ method: 'POST', path: '/v1/authorize', body: JSON.stringify(qs[0]), contentType: 'application/json' }));
        if (r.status !== 403 && r.status !== 401 && r.status !== 429) throw new Error(`bad auth answered ${r.status}`);
      },
    ],
    [
      'probes',
      5,
      async () => {
        const i = n++;
        const r = await send(url, agent, { method: 'GET', path: i % 2 === 0 ? '/metrics' : '/readyz', headers: {}, body: '' });
        if (r.status !== 200) throw new Error(`probe ${r.status}`);
      },
    ],
  ];
  // `--skip audit,job`: leave those kinds of request out of the mix.
  const skipped = new Set(arg('--skip', '').split(',').filter((x) => x !== ''));
  const wheel: (typeof ops)[number][] = [];
  for (const o of ops) if (!skipped.has(o[0])) for (let k = 0; k < o[1]; k++) wheel.push(o);
  const end = Date.now() + seconds * 1000;
  let stop = false;
  const worker = async (w: number) => {
    let k = w * 7;
    while (!stop && Date.now() < end) {
      const o = wheel[(k = (k * 31 + 17) % 1000003) % wheel.length] as (typeof ops)[number];
      try {
        await o[2]();
        counts[o[0]] = (counts[o[0]] ?? 0) + 1;
      } catch (e) {
        failures[o[0]] = (failures[o[0]] ?? 0) + 1;
        if ((failures[o[0]] ?? 0) <= 3) process.stderr.write(`${o[0]} failed: ${e instanceof Error ? e.message : String(e)}\n`);
      }
    }
  };
  const t0 = Date.now();
  const samples: { t: number; ops: number; s: HeapSample }[] = [];
  const sample = async () => {
    const s = await ask<HeapSample>(child, { heap: true }, 'sample');
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    samples.push({ t: Math.round((Date.now() - t0) / 1000), ops: total, s });
    const c = s.counts;
    process.stdout.write(
      `t=${String(Math.round((Date.now() - t0) / 1000)).padStart(4)}s ops=${String(total).padStart(6)} heapUsed=${(s.heapUsed / 1048576).toFixed(2)}MB ext=${(s.external / 1048576).toFixed(1)}MB rss=${(s.rss / 1048576).toFixed(0)}MB ` +
        `Promise=${c['Promise']} Map=${c['Map']} Set=${c['Set']} Fn=${c['Function']} Arr=${c['Array']} Obj=${c['Object']} Timeout=${c['Timeout']} Socket=${c['Socket']} Err=${c['Error']} Buf=${c['Buffer']} handles=${s.handles} listeners=${JSON.stringify(s.listeners)}\n`,
    );
  };
  await sample();
  const warmSnapshotAt = Number(arg('--snapshot-at', '60')) * 1000;
  if (snapshots) setTimeout(() => void ask<string>(child, { snapshot: `${snapshots}-0.heapsnapshot` }, 'snapshot').then((f) => process.stdout.write(`snapshot ${f}\n`)), warmSnapshotAt);
  const workers = Array.from({ length: concurrency }, (_, w) => worker(w));
  const timer = setInterval(() => void sample(), sampleMs);
  await Promise.all(workers);
  clearInterval(timer);
  stop = true;
  await new Promise((r) => setTimeout(r, 2000));
  await sample();
  if (snapshots) process.stdout.write(`snapshot ${await ask<string>(child, { snapshot: `${snapshots}-1.heapsnapshot` }, 'snapshot')}\n`);
  process.stdout.write(`ops ${JSON.stringify(counts)} failures ${JSON.stringify(failures)}\n`);
  sts.destroy();
  iam.destroy();
  agent.destroy();
  const gone = new Promise((r) => child.once('exit', r));
  child.disconnect();
  const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await gone;
  clearTimeout(kill);
  await rm(dataDir, { recursive: true, force: true });
  if (pg) {
    const pgm = await import('pg');
    const cl = new pgm.default.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await cl.connect();
    await cl.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await cl.end();
  }
}

if (import.meta.main) {
  if (process.argv.includes('--serve')) await serveChild();
  else await main();
}
