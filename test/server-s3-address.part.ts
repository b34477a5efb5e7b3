/**
 * Where jobs find the S3 gateway when this instance does not serve it (the Kubernetes layout in
 * deploy/kubernetes: API replicas without a volume, one gateway with one): `--s3-listen off` opens no gateway
 * and no object store, `--s3-address` is what jobs get as AWS_ENDPOINT_URL_S3; bad values change nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';

/** The root admin's connection to `server` (its first start wrote the key). */
function adminOf(server: RunningServer): Connection {
  const creds = server.adminCredentials;
  assert.ok(creds, 'the first start bootstraps the root admin');
  return { endpoint: new URL(server.url), credentials: { accessKeyId: creds.AccessKeyId, secretAccessKey: creds.SecretAccessKey }, region: 'us-east-1', credentialsSource: 'test' };
}

const quiet = { listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} };

test('--s3-listen off with --s3-address: no gateway, no object store, jobs are sent to the address', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gh-s3-address-'));
  const logged: string[] = [];
  const server = await startServer({ ...quiet, dataDir: join(dir, 'data'), s3Listen: 'off', s3Address: 'https://gatehouse-s3.gatehouse.svc:8472/', log: (l) => logged.push(l) });
  try {
    assert.equal(server.s3Url, 'https://gatehouse-s3.gatehouse.svc:8472');
    assert.equal(existsSync(join(dir, 'data', 'objects')), false, 'no object store is opened');
    assert.ok(logged.some((l) => l.includes('no S3 gateway here (jobs use https://gatehouse-s3.gatehouse.svc:8472)')), logged.join('\n'));
    const conn = adminOf(server);
    const ws = await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }], defaultBucket: 'arn:aws:s3:::w-data' } });
    assert.ok(ws.ok, ws.ok ? '' : ws.message);
    const job = await call<{ environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default' } });
    assert.ok(job.ok, job.ok ? '' : job.message);
    assert.equal(job.value.environment['AWS_ENDPOINT_URL_S3'], 'https://gatehouse-s3.gatehouse.svc:8472');
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('--s3-listen off alone: jobs get no S3 endpoint at all', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gh-s3-address-'));
  const server = await startServer({ ...quiet, dataDir: join(dir, 'data'), s3Listen: 'off' });
  try {
    assert.equal(server.s3Url, '');
    const conn = adminOf(server);
    assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }], defaultBucket: 'arn:aws:s3:::w-data' } })).ok);
    const job = await call<{ environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default' } });
    assert.ok(job.ok, job.ok ? '' : job.message);
    assert.equal(job.value.environment['AWS_ENDPOINT_URL_S3'], undefined);
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a bad --s3-address, --s3-listen or --agent-listen is refused by name before anything is created', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gh-s3-address-'));
  try {
    const cases: [Parameters<typeof startServer>[0], RegExp][] = [
      [{ s3Address: 'ftp://files.example' }, /^--s3-address must be an http:\/\/ or https:\/\/ URL/],
      [{ s3Address: 'https://k:secret@s3.example' }, /^--s3-address must be an http:\/\/ or https:\/\/ URL without credentials, query or fragment/],
      [{ s3Address: 'not a url' }, /^--s3-address must be an http:\/\/ or https:\/\/ URL, got `not a url`$/],
      [{ s3Listen: 'everywhere' }, /^--s3-listen must be HOST:PORT, got `everywhere`$/],
      [{ agentListen: '8471' }, /^--agent-listen must be HOST:PORT, got `8471`$/],
    ];
    for (const [extra, message] of cases) {
      const data = join(dir, 'data');
      await assert.rejects(startServer({ ...quiet, dataDir: data, ...extra }), (e: Error) => message.test(e.message));
      assert.equal(existsSync(data), false, `${JSON.stringify(extra)} created the data dir`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the gateway\'s port taken: start-up fails by name and closes what it had opened (the API port is free again)', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gh-s3-address-'));
  const taken = createServer();
  await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
  const busy = (taken.address() as AddressInfo).port;
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const apiPort = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  try {
    await assert.rejects(startServer({ ...quiet, listen: `127.0.0.1:${apiPort}`, dataDir: join(dir, 'data'), s3Listen: `127.0.0.1:${busy}` }), new RegExp(`^Error: cannot listen on 127\\.0\\.0\\.1:${busy} \\(--s3-listen\\)`));
    const again = createServer();
    await new Promise<void>((resolve, reject) => {
      again.once('error', reject);
      again.listen(apiPort, '127.0.0.1', resolve);
    });
    await new Promise((r) => again.close(r));
  } finally {
    await new Promise((r) => taken.close(r));
    await rm(dir, { recursive: true, force: true });
  }
});
