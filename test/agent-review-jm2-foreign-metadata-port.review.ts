/**
 * Review jm, 2: `gatehouse jobs run` handed its ranks the server's metadata endpoint of the job as it came,
 * `AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:<port>/`, a port of the server's own loopback. Run against a
 * server on another machine (or in a container with a network of its own), that URL names a port of the launcher's
 * machine that nobody of the job holds; the launcher warned of the container endpoint (review af, 5), not of this.
 * Whoever listens there, any user of that machine, answered the ranks'
 * instance-metadata requests: a rank reading them (SDK v3 `fromInstanceMetadata`, as code written for EC2 does; the Java
 * SDK's chain falls through to them) took that user's credentials, and the job wrote its results with their identity.
 * Nothing listening there, the ranks' reads failed without a word.
 *
 * Now the launcher asks the endpoint, as the SDKs do, before the ranks start: one where nothing answers, or that serves
 * another session than the job's credentials URI, is not given to the ranks (`AWS_EC2_METADATA_DISABLED=true`, as with
 * `--no-imds`), and the launcher says why and what to do. The server's own endpoint on this machine is kept. Real
 * server (in process), the real launcher, ranks reading with SDK v3.
 *
 * A session of the same job that another instance (or worker) of the server issued, which differs from the one its
 * credentials URI serves, is the job's too: the server is asked whether both are the same principal (`GET /v1/whoami`).
 *
 * Before the fix 2 of 4 tests failed (the squatter's credentials reached the rank; the dead port was handed on).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { awsDocument } from '../src/adapters/agent/server.ts';
import { launch } from '../src/adapters/launcher/run.ts';
import { connectionTo, freePort } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let home: string;
/** An IMDSv2 look-alike another user of the machine runs on the port: its own credentials, to whoever asks. */
let squatter: Server;
let squatterUrl: string;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-jm2-'));
  server = await startTestServer();
  const conn = connectionTo(server.url, server.admin);
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  squatter = createServer((req, res) => {
    const body = req.method === 'PUT' ? 'squatter-token' : req.url?.endsWith('/security-credentials/') ? 'squatter-role' : JSON.stringify({ Code: 'Success', AccessKeyId: 'ASIASQUATTERSQUATTER', SecretAccessKey: 's', Token: 't', Expiration: '2099-01-01T00:00:00Z' });
    res.end(body);
  });
  await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', r));
  squatterUrl = `http://127.0.0.1:${(squatter.address() as { port: number }).port}/`;
});
after(async () => {
  squatter?.closeAllConnections();
  squatter?.close();
  await server?.stop();
  if (home !== undefined) await rm(home, { recursive: true, force: true });
});

/** What the rank saw: its metadata variables, and the key SDK v3's `fromInstanceMetadata` read (or its error). */
interface RankView {
  readonly endpoint: string | null;
  readonly disabled: string | null;
  readonly key?: string;
  readonly error?: string;
}

const RANK = `
const out = { endpoint: process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT ?? null, disabled: process.env.AWS_EC2_METADATA_DISABLED ?? null };
(async () => {
  if (out.endpoint) {
    try { out.key = (await require('@aws-sdk/credential-providers').fromInstanceMetadata()()).accessKeyId; } catch (e) { out.error = String(e.message); }
  }
  require('node:fs').writeFileSync(process.argv[1], JSON.stringify(out));
})();`;

/**
 * A job of the root admin run by the launcher with its ranks' metadata endpoint `endpoint` (undefined: the server's
 * own): what its rank saw, the launcher's lines and the job's session key (its container endpoint's).
 */
async function run(name: string, endpoint?: (own: string, capability: string) => string | Promise<string>): Promise<{ rank: RankView; lines: string[]; jobKey: string }> {
  const conn = connectionTo(server.url, server.admin);
  const r = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', launcherUid: process.getuid?.() ?? 0 } });
  assert.ok(r.ok, JSON.stringify(r));
  const env = r.value.environment;
  const own = env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? assert.fail('the server opened no metadata endpoint');
  const container = await fetch(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '', { headers: { authorization: r.value.capability } });
  const jobKey = ((await container.json()) as { AccessKeyId: string }).AccessKeyId;
  const out = join(home, `${name}.json`);
  const lines: string[] = [];
  const code = await launch({
    jobId: r.value.job.id,
    capability: r.value.capability,
    agentUrl: server.running.agentUrl,
    environment: { ...env, AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint === undefined ? own : await endpoint(own, r.value.capability) },
    command: [process.execPath, '-e', RANK, out],
    replicas: 1,
    credentialsFile: join(home, `${name}-credentials`),
    profileDir: await mkdtemp(join(home, `${name}-`)),
    baseEnv: { PATH: process.env['PATH'] ?? '', HOME: home },
    log: (line) => lines.push(line),
    heartbeatMs: 1000,
  });
  assert.equal(code, 0, lines.join('\n'));
  return { rank: JSON.parse(await readFile(out, 'utf8')) as RankView, lines, jobKey };
}

test('jm2: a port another user holds where the server\'s endpoint was is not given to the ranks, and they do not take its credentials', async () => {
  const { rank, lines, jobKey } = await run('squatted', () => squatterUrl);
  // Before the fix: { endpoint: squatterUrl, disabled: null, key: 'ASIASQUATTERSQUATTER' }.
  assert.notEqual(rank.key, 'ASIASQUATTERSQUATTER');
  assert.deepEqual(rank, { endpoint: null, disabled: 'true' });
  assert.notEqual(jobKey, 'ASIASQUATTERSQUATTER');
  const said = lines.find((l) => l.includes('metadata endpoint'));
  assert.ok(said, lines.join('\n'));
  assert.match(said, new RegExp(`metadata endpoint ${squatterUrl.replace(/[.]/g, '\\.')} is not the job's on this machine \\(it serves credentials of another session than the job's\\)`));
  assert.match(said, /AWS_EC2_METADATA_DISABLED=true/);
  assert.match(said, /--agent http:\/\/127\.0\.0\.1:PORT/);
});

test('jm2: where nothing answers (the server on another machine), the ranks are told there is no instance metadata', async () => {
  const dead = `http://127.0.0.1:${await freePort()}/`;
  const { rank, lines } = await run('dead', () => dead);
  // Before the fix: { endpoint: dead, disabled: null, error: 'connect ECONNREFUSED …' }.
  assert.deepEqual(rank, { endpoint: null, disabled: 'true' });
  assert.ok(lines.some((l) => l.includes(`metadata endpoint ${dead} is not the job's on this machine (nothing answers there`)), lines.join('\n'));
});

test('jm2: the server\'s own endpoint on this machine is kept, and serves the rank the job\'s session', async () => {
  const { rank, lines, jobKey } = await run('own');
  assert.equal(rank.disabled, null);
  assert.match(rank.endpoint ?? '', /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.equal(rank.key, jobKey, rank.error);
  assert.ok(!lines.some((l) => l.includes('metadata endpoint')), lines.join('\n'));
});

test('jm2: a session of the same job that another instance (or worker) of the server issued is the job\'s: kept', async () => {
  let other: Server | undefined;
  try {
    const { rank, lines, jobKey } = await run('other-instance', async (_own, capability) => {
      // A second instance on the same store, as `--workers` or a second server runs: it issues the job a session of its own.
      // Instances share the job's session since review oz, 1 (`jobsession/<id>`); one may still hold another (two that
      // issued at once): the shared one is taken away from it here, so that it issues its own.
      const app = await server.openApp();
      const held = await app.jobs.jobByCapability(capability);
      assert.ok(held !== undefined);
      await app.deps.store.write(async (tx) => void (await tx.kv.delete(`jobsession/${held.id}`)));
      const c = await app.jobs.credentialsFor(capability);
      assert.ok(c.ok, JSON.stringify(c));
      const session = c.value;
      const doc = JSON.stringify(awsDocument(session, Date.now()));
      other = createServer((req, res) => res.end(req.method === 'PUT' ? 'token' : req.url?.endsWith('/security-credentials/') ? session.roleName : doc));
      await new Promise<void>((r) => other?.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(other.address() as { port: number }).port}/`;
    });
    assert.equal(rank.disabled, null, lines.join('\n'));
    assert.match(rank.key ?? '', /^ASIA/, rank.error);
    assert.notEqual(rank.key, jobKey, 'the endpoint serves the other instance\'s session');
    assert.ok(!lines.some((l) => l.includes('metadata endpoint')), lines.join('\n'));
  } finally {
    other?.closeAllConnections();
    other?.close();
  }
});
