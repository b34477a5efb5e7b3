/**
 * Review jm, 4: a job's metadata port taken by another process across a restart of the server. `gatehouse jobs run`
 * (without `--agent`) gives its ranks the server's endpoint of the job, `http://127.0.0.1:<port>/`; a restarted server
 * opens it again on that port (its recorded `metadataEndpoint`), unless another process took the port while the server
 * was down, which the server only logs (metadata-restart.part.ts). The ranks kept reading that process's answers: a
 * listener of another user of the machine handed a rank credentials of its own, taken by SDK v3 `fromInstanceMetadata`
 * for the job's, and the launcher, whose heartbeats came back, said nothing. Now a launcher whose heartbeats fail and
 * then work again asks the ranks' port as the SDKs do (review jm, 2's check): one that serves another session than the
 * job's stops the job, saying why, as review jm, 3 does through a node agent. One that the server got back is left.
 *
 * A real server (stopped and started again on the same data dir and addresses), the real launcher, a stand-in
 * listener on the job's port. Before the fix 1 of 1 test failed (the job ran on, its rank reading the other key).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { launch } from '../src/adapters/launcher/run.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { connectionTo, freePort, keysOf } from './support/processes.ts';

let home: string;
let server: RunningServer | undefined;
let squatter: Server | undefined;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-jm4-'));
});
after(async () => {
  squatter?.closeAllConnections();
  squatter?.close();
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

/** The rank: reads instance metadata (SDK v3) every 100 ms into `out` until it is stopped or `release` appears. */
const RANK = `
const { existsSync, writeFileSync } = require('node:fs');
const [out, release] = process.argv.slice(1);
const { fromInstanceMetadata } = require('@aws-sdk/credential-providers');
(async () => {
  while (!existsSync(release)) {
    try { writeFileSync(out, (await fromInstanceMetadata()()).accessKeyId); } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
})();
`;

test('jm4: a job whose metadata port another process took while the server restarted is stopped, saying why', async () => {
  const dataDir = join(home, 'data');
  const listen = `127.0.0.1:${await freePort()}`;
  const agentListen = `127.0.0.1:${await freePort()}`;
  const start = (): Promise<RunningServer> => startServer({ dataDir, listen, agentListen, env: {}, log: () => {} });
  server = await start();
  assert.ok(server.adminCredentials);
  const conn = connectionTo(server.url, keysOf(server.adminCredentials));
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const r = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', launcherUid: process.getuid?.() ?? 0 } });
  assert.ok(r.ok, JSON.stringify(r));
  const job = r.value;
  const endpoint = job.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? assert.fail('no metadata endpoint');
  const out = join(home, 'key');
  const release = join(home, 'release');
  const lines: string[] = [];
  const running = launch({
    jobId: job.job.id,
    capability: job.capability,
    agentUrl: server.agentUrl,
    environment: job.environment,
    command: [process.execPath, '-e', RANK, out, release],
    replicas: 1,
    credentialsFile: join(home, 'credentials'),
    profileDir: home,
    baseEnv: { PATH: process.env['PATH'] ?? '', HOME: home },
    log: (line) => void lines.push(line),
    heartbeatMs: 200,
    ...(process.getuid ? { launcherUid: process.getuid() } : {}),
  });
  try {
    // The rank reads the job's session from the server's endpoint.
    const until = Date.now() + 10_000;
    while (!existsSync(out) && Date.now() < until) await new Promise((res) => setTimeout(res, 50));
    assert.match(await readFile(out, 'utf8'), /^ASIA/, lines.join('\n'));
    // The server stops; another user of the machine takes the job's port, answering as IMDSv2 with a key of its own.
    await server.stop();
    squatter = createServer((req, res) => res.end(req.method === 'PUT' ? 'token' : req.url?.endsWith('/security-credentials/') ? 'other' : JSON.stringify({ Code: 'Success', AccessKeyId: 'ASIAOTHERUSEROTHERUS', SecretAccessKey: 's', Token: 't', Expiration: '2099-01-01T00:00:00Z' })));
    await new Promise<void>((res) => squatter?.listen(Number(new URL(endpoint).port), '127.0.0.1', res));
    await new Promise((res) => setTimeout(res, 500));
    // The server comes back (the job's port cannot be opened again: logged there), and the launcher's heartbeats work.
    server = await start();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stopped = await Promise.race([running.then((code) => ({ code })), new Promise<undefined>((res) => (timer = setTimeout(() => res(undefined), 20_000)))]);
    clearTimeout(timer);
    // Before the fix: the job ran on (undefined here), its rank reading ASIAOTHERUSEROTHERUS as its own.
    assert.ok(stopped !== undefined, `the job was not stopped; its rank read ${await readFile(out, 'utf8')}; launcher: ${lines.join(' | ')}`);
    assert.equal(stopped.code, 143, lines.join('\n'));
    const said = lines.find((l) => l.includes('is held by another process than the Gatehouse server'));
    assert.ok(said, lines.join('\n'));
    assert.match(said, new RegExp(`port ${new URL(endpoint).port}, where job ${job.job.id}'s processes read instance metadata \\(${endpoint.replace(/[.]/g, '\\.')}\\), is held by another process than the Gatehouse server, and it serves credentials of another session than the job's: .*stopping the job`));
  } finally {
    await writeFile(release, '');
    await running;
  }
});
