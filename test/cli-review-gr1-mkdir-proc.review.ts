/**
 * Review gr, 1: Node's `mkdir(path, { recursive: true })` spins at 100% CPU for ever when mkdir(2) answers ENOENT with
 * the parent there, as /proc does: it takes the ENOENT for a missing parent, makes the parent (EEXIST) and tries the
 * child again. Every place Gatehouse made a directory used it, so `gatehouse kube webhook-config --out /proc/x/y`,
 * `gatehouse jobs run --credentials-file /proc/x/credentials` (after the job was submitted), `gatehouse server
 * --data-dir /proc/x` and the SQLite store's open hung without a word, and every command hung before it began with
 * TMPDIR under /proc (the compile cache's directory, bin/gatehouse.js). Now directories are made one level at a time
 * (src/adapters/fs): the command fails at once naming the directory and why, exit non-zero, and leaves nothing made;
 * the credentials file's directory is refused before anything is submitted.
 *
 * Each command runs in its own process with a deadline, so a hang fails the test instead of stalling the suite.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startWorkspaceServer } from './support/jobs-world.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN, run } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';
import type { TestServer } from './support/server.ts';

const DEADLINE_MS = 20_000;
/** Under /proc, where mkdir answers ENOENT; never made. */
const PROC = '/proc/gatehouse-gr1';

let server: TestServer;
let home: string;
let stop: (() => Promise<void>) | undefined;

before(async () => {
  ({ server, home, stop } = await startWorkspaceServer('gh-gr1-'));
  const applied = await gatehouseInProcess(['apply', '-f', '-'], { HOME: home, AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey, GATEHOUSE_ENDPOINT: server.url }, { stdin: 'apiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata:\n  name: c1\nspec: {}\n' });
  assert.equal(applied.code, 0, applied.stderr);
});
after(async () => stop?.());

const env = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  HOME: home,
  TMPDIR: home,
  ...COMPILE_CACHE,
  AWS_ACCESS_KEY_ID: server.admin.accessKeyId,
  AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey,
  GATEHOUSE_ENDPOINT: server.url,
  ...extra,
});

const gatehouse = (args: readonly string[], e: NodeJS.ProcessEnv = env()) => run(process.execPath, [GATEHOUSE_BIN, ...args], e, { timeoutMs: DEADLINE_MS, killSignal: 'SIGKILL' });

test('gr1: kube webhook-config --out under /proc fails at once, naming the directory', async () => {
  const r = await gatehouse(['kube', 'webhook-config', '--cluster', 'c1', '--out', `${PROC}/webhooks`]);
  assert.notEqual(r.code, -1, 'the command hung (killed at its deadline)');
  assert.equal(r.code, EXIT.noInput, r.stderr);
  assert.match(r.stderr, /cannot create directory `\/proc\/gatehouse-gr1`: `\/proc` takes no new directories/);
  assert.doesNotMatch(r.stderr, /token/i);
});

test('gr1: jobs run --credentials-file under /proc is refused before the job is submitted', async () => {
  const jobs = async () => ((await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs')).json as { jobs: unknown[] }).jobs.length;
  const before = await jobs();
  const r = await gatehouse(['jobs', 'run', '--workspace', 'w', '--role', 'default', '--no-imds', '--credentials-file', `${PROC}/credentials`, '--', 'true']);
  assert.notEqual(r.code, -1, 'the command hung (killed at its deadline)');
  assert.equal(r.code, EXIT.usage, r.stderr);
  assert.match(r.stderr, /--credentials-file `\/proc\/gatehouse-gr1\/credentials`: its directory `\/proc\/gatehouse-gr1` cannot be made: `\/proc` takes no new directories/);
  assert.equal(await jobs(), before, 'no job is left behind');
});

test('gr1: server --data-dir under /proc fails at once, naming the directory', async () => {
  const r = await gatehouse(['server', '--data-dir', `${PROC}/data`, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off']);
  assert.notEqual(r.code, -1, 'the server hung (killed at its deadline)');
  assert.equal(r.code, EXIT.noInput, r.stderr);
  assert.match(r.stderr, /--data-dir `\/proc\/gatehouse-gr1\/data`: cannot create directory `\/proc\/gatehouse-gr1`/);
});

test('gr1: the SQLite store on a data dir under /proc throws instead of spinning', async () => {
  const store = new URL('../src/adapters/store-sqlite/index.ts', import.meta.url).href;
  const script = `import(${JSON.stringify(store)}).then(async (m) => { try { await m.openSqliteStore({ dataDir: ${JSON.stringify(`${PROC}/data`)} }); console.log('opened'); } catch (e) { console.log(e.message); } })`;
  const r = await run(process.execPath, ['-e', script], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...COMPILE_CACHE }, { timeoutMs: DEADLINE_MS, killSignal: 'SIGKILL' });
  assert.notEqual(r.code, -1, 'the open hung (killed at its deadline)');
  assert.match(r.stdout, /cannot create directory `\/proc\/gatehouse-gr1`/, r.stderr);
});

test('gr1: with TMPDIR under /proc a command still runs (without the compile cache)', async () => {
  const e = env({ TMPDIR: `${PROC}/tmp` });
  delete e['NODE_COMPILE_CACHE'];
  const r = await gatehouse(['--version'], e);
  assert.notEqual(r.code, -1, 'the command hung before it began (killed at its deadline)');
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!existsSync(PROC));
});
