/**
 * Review af, 1: `gatehouse agent --metadata-host 0.0.0.0` (or `::`) with `gatehouse jobs run --agent http://NAME:PORT`,
 * NAME a DNS name of the node (its host name, say). The launcher pointed `AWS_EC2_METADATA_SERVICE_ENDPOINT` at
 * `http://NAME:<port>`, "the name the launcher reaches the agent by"; every SDK then sends `Host: NAME:<port>`, and
 * the metadata endpoint refuses any `Host` that is not an IP literal or `localhost` (imds.ts, the DNS-rebinding
 * guard): every rank's instance-metadata read got 403. The launcher now resolves such a name to an address and
 * points the ranks at the IP literal. Checked with the AWS SDK v3 `fromInstanceMetadata` in a rank (the probe).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { lookup } from 'node:dns/promises';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call } from '../src/adapters/cli/client.ts';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { launch } from '../src/adapters/launcher/run.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { connectionTo, keysOf } from './support/processes.ts';

const PROBE = fileURLToPath(new URL('./fixtures/jobs/probe.ts', import.meta.url));
const name = hostname();
/** The node's own name must resolve to one of its addresses (it does where the agent would be reached by it). */
const resolvable = await lookup(name).then(
  () => name.toLowerCase() !== 'localhost',
  () => false,
);

let home: string;
let server: RunningServer;
let relay: Relay;
let relayPort: number;

before(async () => {
  if (!resolvable) return;
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-af1-'));
  server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  assert.ok(server.adminCredentials);
  const conn = connectionTo(server.url, keysOf(server.adminCredentials));
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  relay = createRelay({ upstream: server.agentUrl ?? '', metadataHost: '0.0.0.0', revalidateMs: 60_000, metadataGraceMs: 100 });
  relayPort = (await relay.listen('0.0.0.0', 0)).port;
});
after(async () => {
  await relay?.close();
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

test('af1: a wildcard --metadata-host, the agent reached by a DNS name: the ranks read instance metadata', { skip: !resolvable && `the host name \`${name}\` does not resolve` }, async () => {
  assert.ok(server.adminCredentials);
  const conn = connectionTo(server.url, keysOf(server.adminCredentials));
  const r = await call<{ id: string; capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false, launcherUid: process.getuid?.() ?? 0 } });
  assert.ok(r.ok, JSON.stringify(r));
  const out = await mkdtemp(join(home, 'job-'));
  const code = await launch({
    jobId: r.value.id,
    capability: r.value.capability,
    agentUrl: `http://${name}:${relayPort}`,
    environment: r.value.environment,
    command: [process.execPath, PROBE, out, 'full'],
    replicas: 1,
    credentialsFile: join(out, 'credentials'),
    profileDir: out,
    baseEnv: { PATH: process.env['PATH'] ?? '', HOME: home },
    log: () => {},
    metadataFromAgent: true,
    ...(process.getuid ? { launcherUid: process.getuid() } : {}),
  });
  assert.equal(code, 0);
  const probe = JSON.parse(await readFile(join(out, 'rank-0.json'), 'utf8')) as { env: Record<string, string>; container: { accessKeyId: string }; imds: { accessKeyId?: string; error?: string } };
  const endpoint = new URL(probe.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? '');
  assert.equal(probe.imds.error, undefined, probe.imds.error);
  assert.notEqual(endpoint.hostname, name, 'an IP literal, not the DNS name');
  assert.equal(probe.imds.accessKeyId, probe.container.accessKeyId);
});
