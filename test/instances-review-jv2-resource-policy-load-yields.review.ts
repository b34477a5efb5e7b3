/**
 * Review jv, 2: a full load of the resource policies (at start, after a restore, or when a change to one of them
 * reaches an instance) compiled them all in one synchronous run: with a few thousand policies the event loop was
 * blocked for seconds, so health probes, decisions and session checks stalled behind it. The load now lets the event
 * loop turn every few milliseconds of compiling, and swaps the new state in whole once it is complete: decisions
 * meanwhile read the state compiled before, never a half-loaded one.
 *
 * Before the fix 1 of 1 tests failed: loading 4,000 policies, the longest block of the event loop was 280 ms of the
 * main thread's CPU (1.4 to 1.8 s of wall time on the review's machine, shared with other test runs); now 14 to 16 ms
 * of CPU (its wall time, 180 to 280 ms there, is the OS running other processes).
 *
 * One app on a throw-away schema of the machine's PostgreSQL; the policies are written in one statement.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { createApp, type App, type AppDeps } from '../src/app/index.ts';
import { resourcePolicyKey } from '../src/app/resource-policies.ts';
import type { Store } from '../src/app/ports/store.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';

const skip = await pgSkip();
const N = 4_000;
const ACCOUNT = '000000000000';

const bucket = (i: number): string => `arn:aws:s3:::jv2-bucket-${i}`;
const documentFor = (i: number, tag: string): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: `Read${tag}`, Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: ['s3:GetObject', 's3:ListBucket'], Resource: [bucket(i), `${bucket(i)}/*`], Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.168.0.0/16'] } } },
      { Sid: 'DenyInsecure', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: `${bucket(i)}/*`, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    ],
  });
const recordOf = (i: number, tag: string): string => JSON.stringify({ resource: bucket(i), account: ACCOUNT, document: documentFor(i, tag), updated: '2026-12-06T00:00:00Z' });

describe('review jv2: a full load of resource policies lets the event loop turn, and swaps in whole', { skip, timeout: 120_000 }, () => {
  const schema = `gh_jv2_${randomBytes(6).toString('hex')}`;
  let store: Store;
  let app: App;

  before(async () => {
    store = await openPostgresStore({ url: PG_URL, schema, poolSize: 3 });
    const deps: AppDeps = { store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto };
    app = createApp(deps, { audit: { enabled: false } });
    await app.start();
    await store.write((tx) => tx.kv.put(resourcePolicyKey(bucket(0)), recordOf(0, 'Old')));
    await app.refresh();
    assert.equal(app.resourcePolicies.list().length, 1);
  });
  after(async () => {
    await app?.audit.stop();
    await store?.close();
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
  });

  it(`${N} policies: no block of the event loop over 200 ms of CPU, and decisions read the old state or the new one whole`, async (t) => {
    // In one statement (a put each is three round trips); the put of the first one, through the store, is the change
    // that reaches the app and makes it load them all.
    const keys = Array.from({ length: N - 1 }, (_, i) => resourcePolicyKey(bucket(i + 1)));
    const values = Array.from({ length: N - 1 }, (_, i) => recordOf(i + 1, 'New'));
    await pgAdmin((c) => c.query(`INSERT INTO ${schema}.kv (kv_key, kv_value, updated) SELECT k, v, '2026-12-06T00:00:00Z' FROM unnest($1::text[], $2::text[]) AS t(k, v)`, [keys, values]));
    await store.write((tx) => tx.kv.put(resourcePolicyKey(bucket(0)), recordOf(0, 'New')));
    // What a decision would read, looked at on every turn of the event loop during the load; and the main thread's CPU
    // time between two turns (a block of the loop as the code makes it: wall time on a shared machine adds the time the
    // OS gave other processes, which no code can yield away; monitorEventLoopDelay's figure is said alongside).
    const seen = new Set<string>();
    let looks = 0;
    let longestCpu = 0;
    let lastCpu = process.threadCpuUsage();
    const look = (): void => {
      looks++;
      const cpu = process.threadCpuUsage();
      longestCpu = Math.max(longestCpu, (cpu.user + cpu.system - lastCpu.user - lastCpu.system) / 1000);
      const count = app.resourcePolicies.list().length;
      const first = app.resourcePolicies.get(bucket(0))?.document.includes('ReadOld') ? 'old' : 'new';
      seen.add(`${count}:${first}`);
      lastCpu = process.threadCpuUsage();
    };
    const ticker = setInterval(look, 2);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();
    try {
      await app.refresh();
    } finally {
      delay.disable();
      clearInterval(ticker);
    }
    const took = performance.now() - started;
    look();
    const said = `the load of ${N} resource policies took ${Math.round(took)} ms; the longest block of the event loop: ${Math.round(longestCpu)} ms of CPU, ${Math.round(delay.max / 1e6)} ms of wall time`;
    t.diagnostic(said);
    // 200 ms: a whole load in one block took 280 ms of CPU on a faster host than these (the header); yielding, a block
    // is 14–47 ms, but once read 151 ms in a CI run of eight test processes on two cores (a collection in the block,
    // stop 56), so 100 ms failed a working load.
    assert.ok(longestCpu < 200, said);
    assert.ok(looks > 3, `the event loop turned during the load (${looks} looks): ${said}`);
    assert.deepEqual([...seen].sort(), [`1:old`, `${N}:new`].filter((s) => seen.has(s)).sort(), `only whole states were seen: ${[...seen].join(', ')}`);
    assert.ok(seen.has(`${N}:new`), 'the new state is in place once the load ends');
  });
});
