/**
 * Review kv, 3: behind an HTTP proxy, a job whose node agent opens metadata endpoints on a `--metadata-host` that is
 * neither loopback nor link-local (an address of the node, or 100.100.100.200 put on it for Alibaba's default) got no
 * credentials from it in botocore. The launcher adds the hosts of the job's endpoints to `NO_PROXY` when the caller's
 * environment names a proxy (review fg, 3), but only loopback and link-local ones, so botocore sent its IMDS requests
 * to the proxy, which cannot reach the node's endpoint as the job's process (the endpoint serves only the launcher's
 * uid, found in this host's socket table): the chain ended without credentials. The metadata endpoint is always on the
 * node (a peer elsewhere is refused), so its host is now always added; a remote `AWS_ENDPOINT_URL` is still left to
 * the proxy.
 *
 * A real server and a real node agent whose metadata host is this machine's first non-loopback IPv4 address (skipped
 * without one), the endpoint opened as `gatehouse jobs run --agent` opens it, and Debian's botocore (skipped without
 * it) run with the environment the launcher gives a rank (`jobProcessEnv`) behind a proxy that does not answer.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { promisify } from 'node:util';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { call } from '../src/adapters/cli/client.ts';
import { jobProcessEnv } from '../src/adapters/launcher/run.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const run = promisify(execFile);
const PROXY = 'http://127.0.0.1:9';
const nodeAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a !== undefined && a.family === 'IPv4' && !a.internal && !a.address.startsWith('169.254.'))?.address;

let s: TestServer;
let relay: Relay | undefined;
let endpoint = '';

before(async () => {
  s = await startTestServer();
  if (nodeAddress === undefined) return;
  const conn = connectionTo(s.url, s.admin);
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const r = await call<{ capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
  assert.ok(r.ok, JSON.stringify(r));
  relay = createRelay({ upstream: (r.value.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, ''), metadataHost: nodeAddress });
  const agent = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
  // As the launcher asks for it (`jobs run --agent`): for this process's uid.
  const opened = await fetch(`${agent}/v1/launcher/metadata`, { method: 'POST', headers: { authorization: r.value.capability, 'content-type': 'application/json' }, body: JSON.stringify({ uid: process.getuid?.() ?? 0 }) });
  const at = (await opened.json()) as { host: string; port: number };
  assert.equal(opened.status, 200, JSON.stringify(at));
  endpoint = `http://${at.host}:${at.port}/`;
});
after(async () => {
  await relay?.close();
  await s?.stop();
});

test('kv3: behind a proxy, the metadata endpoint’s host is in NO_PROXY whatever its address; a remote server is not', (t) => {
  if (nodeAddress === undefined) return void t.skip('no non-loopback IPv4 address on this machine');
  const env = jobProcessEnv({ HTTPS_PROXY: PROXY, NO_PROXY: '.corp' }, { AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint, AWS_ENDPOINT_URL: 'https://gatehouse.example.com' });
  assert.equal(env['NO_PROXY'], `.corp,${nodeAddress}`);
  assert.equal(env['no_proxy'], `.corp,${nodeAddress}`);
});

test('kv3: botocore in a rank behind a proxy reads the job’s metadata endpoint on the node’s address', async (t) => {
  if (nodeAddress === undefined) return void t.skip('no non-loopback IPv4 address on this machine');
  try {
    await run('/usr/bin/python3', ['-c', 'import botocore']);
  } catch {
    return void t.skip('no Debian botocore (/usr/bin/python3)');
  }
  const env = jobProcessEnv({ PATH: process.env['PATH'] ?? '', HOME: '/nonexistent', HTTP_PROXY: PROXY, http_proxy: PROXY }, { AWS_EC2_METADATA_SERVICE_ENDPOINT: endpoint, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' });
  const script = 'import botocore.session\ntry:\n  c=botocore.session.get_session().get_credentials()\n  print(c.method if c else "none")\nexcept Exception as e:\n  print(type(e).__name__, str(e)[:200])\n';
  const { stdout } = await run('/usr/bin/python3', ['-c', script], { env });
  assert.equal(stdout.trim(), 'iam-role');
});
