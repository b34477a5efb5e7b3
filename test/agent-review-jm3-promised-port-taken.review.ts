/**
 * Review jm, 3: the port a job's ranks read instance metadata from, taken by another process before the node agent
 * serves it. When `gatehouse jobs run --agent` cannot reach the agent at start, it gives the ranks
 * `AWS_EC2_METADATA_SERVICE_ENDPOINT` on a free port of 127.0.0.1 and asks the agent at each heartbeat to open it
 * (review hu, 2); after an agent restart it asks again for the port it had. Until the agent listens there, any user of
 * the node may: the agent then answers 409 (`cannot listen … EADDRINUSE`), and the launcher said only that the agent
 * does not serve the port, while that user's listener answered the ranks' instance-metadata reads with credentials of
 * its choosing, taken by a rank for the job's own (SDK v3 `fromInstanceMetadata`). Now, told 409, the launcher asks the
 * port as the SDKs do (review jm, 2's `foreignMetadataEndpoint`): a listener that serves another session than the job's
 * stops the job, saying why (the ranks' variable cannot be changed under them). One that hands out nothing is left.
 *
 * A real server, a node agent that starts after the launcher, a stand-in listener on the ranks' port, the launcher.
 * Before the fix 1 of 1 test failed (the job ran on, its rank reading the other listener's key).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { launch } from '../src/adapters/launcher/run.ts';
import { connectionTo, freePort } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let home: string;
let server: TestServer;
let relay: Relay | undefined;
let squatter: Server | undefined;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-jm3-'));
  server = await startTestServer();
  assert.ok((await call(connectionTo(server.url, server.admin), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
});
after(async () => {
  squatter?.closeAllConnections();
  squatter?.close();
  await relay?.close();
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

/**
 * The rank: writes its metadata endpoint to `seen`, then reads instance metadata (SDK v3) every 100 ms into `out`
 * until it is stopped or `release` appears.
 */
const RANK = `
const { existsSync, writeFileSync } = require('node:fs');
const [seen, out, release] = process.argv.slice(1);
writeFileSync(seen, process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? '');
const { fromInstanceMetadata } = require('@aws-sdk/credential-providers');
(async () => {
  while (!existsSync(release)) {
    try { writeFileSync(out, (await fromInstanceMetadata()()).accessKeyId); } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
})();
`;

test('jm3: a listener of another process on the ranks\' metadata port, serving other credentials, stops the job', async () => {
  const conn = connectionTo(server.url, server.admin);
  const r = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false, launcherUid: process.getuid?.() ?? 0 } });
  assert.ok(r.ok, JSON.stringify(r));
  const job = r.value;
  const seen = join(home, 'seen');
  const out = join(home, 'key');
  const release = join(home, 'release');
  // The agent's address, where nothing listens yet (restarting as the job starts).
  const agentPort = await freePort();
  const agentUrl = `http://127.0.0.1:${agentPort}`;
  const environment = Object.fromEntries(Object.entries(job.environment).map(([k, v]) => [k, v.replace(new URL(job.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').origin, agentUrl)]));
  const lines: string[] = [];
  const running = launch({
    jobId: job.job.id,
    capability: job.capability,
    agentUrl,
    environment,
    command: [process.execPath, '-e', RANK, seen, out, release],
    replicas: 1,
    credentialsFile: join(home, 'credentials'),
    profileDir: home,
    baseEnv: { PATH: process.env['PATH'] ?? '', HOME: home },
    log: (line) => void lines.push(line),
    heartbeatMs: 200,
    metadataFromAgent: true,
    ...(process.getuid ? { launcherUid: process.getuid() } : {}),
  });
  try {
    const until = Date.now() + 10_000;
    let endpoint = '';
    // Read once written whole (the rank creates the file, then writes it).
    while (!/\/$/.test(endpoint) && Date.now() < until) {
      await new Promise((res) => setTimeout(res, 20));
      endpoint = existsSync(seen) ? await readFile(seen, 'utf8') : '';
    }
    assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+\/$/, lines.join('\n'));
    // Another user of the node takes the promised port first, answering as IMDSv2 with a key of its own.
    squatter = createServer((req, res) => res.end(req.method === 'PUT' ? 'token' : req.url?.endsWith('/security-credentials/') ? 'other' : JSON.stringify({ Code: 'Success', AccessKeyId: 'ASIAOTHERUSEROTHERUS', SecretAccessKey: 's', Token: 't', Expiration: '2099-01-01T00:00:00Z' })));
    await new Promise<void>((res) => squatter?.listen(Number(new URL(endpoint).port), '127.0.0.1', res));
    // The agent comes up: it cannot open the port the ranks read.
    relay = createRelay({ upstream: server.running.agentUrl, revalidateMs: 60_000, metadataGraceMs: 100 });
    await relay.listen('127.0.0.1', agentPort);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stopped = await Promise.race([running.then((code) => ({ code })), new Promise<undefined>((res) => (timer = setTimeout(() => res(undefined), 20_000)))]);
    clearTimeout(timer);
    // Before the fix: the job ran on (undefined here), its rank reading ASIAOTHERUSEROTHERUS as its own.
    assert.ok(stopped !== undefined, `the job was not stopped; its rank read ${existsSync(out) ? await readFile(out, 'utf8') : 'nothing'}; launcher: ${lines.join(' | ')}`);
    assert.equal(stopped.code, 143, lines.join('\n'));
    const said = lines.find((l) => l.includes('is held by another process than the node agent'));
    assert.ok(said, lines.join('\n'));
    assert.match(said, new RegExp(`port ${new URL(endpoint).port}, where job ${job.job.id}'s processes read instance metadata \\(${endpoint.replace(/[.]/g, '\\.')}\\), is held by another process than the node agent, and it serves credentials of another session than the job's: .*stopping the job`));
  } finally {
    await writeFile(release, '');
    await running;
  }
});
