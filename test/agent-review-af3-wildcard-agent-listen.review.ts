/**
 * Review af, 3: a server started with `--agent-listen 0.0.0.0:PORT` (so that nodes reach it) hands its jobs
 * `AWS_CONTAINER_CREDENTIALS_FULL_URI=http://0.0.0.0:PORT/v1/container-credentials`. Every AWS SDK refuses a
 * container credentials URL over http to a host that is not loopback (SDK v3 `fromHttp`: "URL not accepted";
 * `fromContainerMetadata`: "not a valid container metadata service hostname"; botocore: "Unsupported host":
 * credential-protocols §2.1, §3.1), so the ranks of `gatehouse jobs run` got no AWS credentials from it. The
 * launcher named such an endpoint by 127.0.0.1; the server now advertises 127.0.0.1 itself (P1, stop 26), and the
 * launcher's own rewrite is gone. Checked end to end with the AWS SDK v3 default chain in a rank (the probe, `hold`
 * mode).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { call } from '../src/adapters/cli/client.ts';
import { launch } from '../src/adapters/launcher/run.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { connectionTo, keysOf } from './support/processes.ts';

const PROBE = fileURLToPath(new URL('./fixtures/jobs/probe.ts', import.meta.url));

let home: string;
let server: RunningServer;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-af3-'));
  server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '0.0.0.0:0', env: {}, log: () => {} });
  assert.ok(server.adminCredentials);
  const conn = connectionTo(server.url, keysOf(server.adminCredentials));
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
});
after(async () => {
  await server?.stop();
  await rm(home, { recursive: true, force: true });
});

test('af3: with the server\'s agent endpoints on 0.0.0.0, the ranks\' AWS SDK reads the container endpoint', async () => {
  assert.ok(server.adminCredentials);
  const conn = connectionTo(server.url, keysOf(server.adminCredentials));
  const r = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
  assert.ok(r.ok, JSON.stringify(r));
  // The server advertises the wildcard as 127.0.0.1 (P1).
  const env = r.value.environment;
  assert.equal(new URL(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').hostname, '127.0.0.1');
  const out = await mkdtemp(join(home, 'job-'));
  const code = await launch({
    jobId: r.value.job.id,
    capability: r.value.capability,
    agentUrl: new URL(env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').origin,
    environment: env,
    command: [process.execPath, PROBE, out, 'hold'],
    replicas: 1,
    credentialsFile: join(out, 'credentials'),
    profileDir: out,
    baseEnv: { PATH: process.env['PATH'] ?? '', HOME: home },
    log: () => {},
  });
  assert.equal(code, 0);
  const probe = JSON.parse(await readFile(join(out, 'rank-0.json'), 'utf8')) as { env: Record<string, string>; container: { accessKeyId?: string; arn?: string; error?: string } };
  assert.equal(probe.container.error, undefined, probe.container.error);
  assert.match(probe.container.arn ?? '', /:assumed-role\/GatehouseTrainingDefaultRole\//);
  assert.equal(new URL(probe.env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').hostname, '127.0.0.1');
  assert.equal(new URL(probe.env['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '').hostname, '127.0.0.1');
});
