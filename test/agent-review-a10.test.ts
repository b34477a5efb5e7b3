/**
 * Review agent, A10: made-up capabilities do not push the node's jobs out of the agent's cache. Any process that
 * reaches the agent may send `GET /v1/container-credentials` with any 16–128-character `Authorization`; each new
 * one took a cache entry, and a full cache forgot its oldest entry whatever it held, so a burst of them emptied the
 * cache of every job's credentials and each job's next poll went to the server again (and, with the server
 * unreachable, found nothing to serve). Now a full cache forgets the oldest entry holding no credentials first.
 * Against a real server, with a relay of 3 entries: a job's credentials stay cached (served without asking the
 * server) through 20 refused capabilities.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromHttp } from '@aws-sdk/credential-providers';
import { call } from '../src/adapters/cli/client.ts';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { connectionTo, keysOf } from './support/processes.ts';

let home: string;
let server: RunningServer;
let relay: Relay | undefined;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-a10-'));
  server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
});
after(async () => {
  await relay?.close();
  await server?.stop();
  await rm(home, { recursive: true, force: true });
});

test('A10: a full cache forgets refused capabilities before a job\'s credentials', async () => {
  assert.ok(server.adminCredentials);
  const conn = connectionTo(server.url, keysOf(server.adminCredentials));
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const r = await call<{ capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
  assert.ok(r.ok, JSON.stringify(r));
  relay = createRelay({ upstream: (r.value.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, ''), revalidateMs: 600_000, maxEntries: 3 });
  const url = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
  const aws = () => fromHttp({ awsContainerCredentialsFullUri: `${url}/v1/container-credentials`, awsContainerAuthorizationToken: r.value.capability, maxRetries: 0 })();
  const keyId = (await aws()).accessKeyId;
  assert.equal(relay.stats().upstream, 1);

  for (let i = 0; i < 20; i++) {
    const bogus = await fetch(`${url}/v1/container-credentials`, { headers: { authorization: `made-up-capability-${i}` } });
    assert.equal(bogus.status, 403);
    await bogus.body?.cancel();
  }
  assert.equal(relay.stats().upstream, 21);
  assert.equal(relay.stats().entries, 3);

  assert.equal((await aws()).accessKeyId, keyId);
  assert.equal(relay.stats().upstream, 21, 'the job\'s credentials were asked for again: the refusals pushed them out of the cache');
});
