/**
 * Review hu, 2: a job started while its node agent could not open the job's metadata endpoint had no instance metadata
 * for the rest of its life. `gatehouse jobs run --agent` asks the agent for the endpoint once, before the ranks start,
 * and points `AWS_EC2_METADATA_SERVICE_ENDPOINT` at what it answers; when that one request failed (the agent restarting
 * at that moment, as when a node's agent is upgraded or a node boots with jobs queued on it, or the agent unable to
 * reach the server for a few seconds: 503) the launcher said so, gave the ranks `AWS_EC2_METADATA_DISABLED=true` and
 * never asked again, though its heartbeat asks the agent for an endpoint it holds at every beat. A rank reading
 * instance metadata an hour later still got nothing, while the container endpoint and the credentials URI, which the
 * ranks read from the agent at each fetch, worked again seconds later. Now a request that the agent could not take
 * (not reached, or a 5xx) gives the ranks an endpoint on a free port of 127.0.0.1 (the agent's default
 * `--metadata-host`) all the same, and the heartbeat asks the agent for that port until it serves it; a refusal
 * (4xx: an unknown capability, an ended job) is still final.
 *
 * A real server, a node agent that starts only after the launcher, the launcher, and the AWS SDK v3
 * `fromInstanceMetadata` in the rank. Before the fix 1 of 1 test failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { launch } from '../src/adapters/launcher/run.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { connectionTo, freePort, keysOf } from './support/processes.ts';

const require = createRequire(import.meta.url);
let home: string;
let server: RunningServer;
let relay: Relay | undefined;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-hu2-'));
  server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  assert.ok(server.adminCredentials);
  assert.ok((await call(connectionTo(server.url, keysOf(server.adminCredentials)), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
});
after(async () => {
  await relay?.close();
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

/** The rank: waits for `release`, then reads the job's credentials from instance metadata (SDK v3) into `out`. */
const RANK = `
const { readFileSync, existsSync, writeFileSync } = require('node:fs');
const [out, release] = process.argv.slice(1);
const { fromInstanceMetadata } = require(process.env.HU2_PROVIDERS);
(async () => {
  while (!existsSync(release)) await new Promise((r) => setTimeout(r, 50));
  let result;
  try {
    result = { accessKeyId: (await fromInstanceMetadata({ maxRetries: 1, timeout: 2000 })()).accessKeyId, endpoint: process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? null };
  } catch (e) {
    result = { error: String(e && e.message || e), endpoint: process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? null, disabled: process.env.AWS_EC2_METADATA_DISABLED ?? null };
  }
  writeFileSync(out, JSON.stringify(result));
})();
`;

test('hu2: a node agent that could not be reached when the job started serves its metadata endpoint once it is up', async () => {
  assert.ok(server.adminCredentials);
  const conn = connectionTo(server.url, keysOf(server.adminCredentials));
  const r = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false, launcherUid: process.getuid?.() ?? 0 } });
  assert.ok(r.ok, JSON.stringify(r));
  const job = r.value;
  const out = await mkdtemp(join(home, 'job-'));
  const release = join(out, 'release');
  const result = join(out, 'result.json');
  // The agent's address, where nothing listens yet: it is restarting as the job starts.
  const agentPort = await freePort();
  const agentUrl = `http://127.0.0.1:${agentPort}`;
  const environment = Object.fromEntries(Object.entries(job.environment).map(([k, v]) => [k, v.replace(new URL(job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').origin, agentUrl)]));
  const lines: string[] = [];
  const running = launch({
    jobId: job.job.id,
    capability: job.capability,
    agentUrl,
    environment,
    command: [process.execPath, '-e', RANK, result, release],
    replicas: 1,
    credentialsFile: join(out, 'credentials'),
    profileDir: out,
    baseEnv: { PATH: '/usr/bin:/bin', HOME: home, HU2_PROVIDERS: require.resolve('@aws-sdk/credential-providers') },
    log: (line) => void lines.push(line),
    heartbeatMs: 200,
    metadataFromAgent: true,
    ...(process.getuid ? { launcherUid: process.getuid() } : {}),
  });
  // The agent comes up a moment later, on its usual address.
  await new Promise((res) => setTimeout(res, 1_000));
  relay = createRelay({ upstream: server.agentUrl ?? '', revalidateMs: 60_000, metadataGraceMs: 100 });
  await relay.listen('127.0.0.1', agentPort);
  const until = Date.now() + 10_000;
  while (relay.stats().metadataEndpoints === 0 && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
  await writeFile(release, '');
  assert.equal(await running, 0, lines.join('\n'));
  const got = JSON.parse(await readFile(result, 'utf8')) as { accessKeyId?: string; error?: string; endpoint: string | null };
  assert.equal(got.error, undefined, `${got.error} (endpoint ${got.endpoint}); launcher: ${lines.join(' | ')}`);
  assert.match(got.accessKeyId ?? '', /^ASIA/);
  // The port the ranks were given is the one the agent opened (it closes a moment after the job's end).
  assert.ok(lines.some((l) => l.includes(`serves job ${job.job.id}'s metadata endpoint on port ${new URL(got.endpoint ?? '').port}`)), lines.join('\n'));
});
