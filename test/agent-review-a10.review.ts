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
import { fromHttp } from '@aws-sdk/credential-providers';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { submitJob } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let relay: Relay | undefined;

before(async () => {
  s = await startTestServer();
});
after(async () => {
  await relay?.close();
  await s?.stop();
});

test('A10: a full cache forgets refused capabilities before a job\'s credentials', async () => {
  const job = await submitJob(s.url, s.admin);
  relay = createRelay({ upstream: job.upstream, revalidateMs: 600_000, maxEntries: 3 });
  const url = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
  const aws = () => fromHttp({ awsContainerCredentialsFullUri: `${url}/v1/container-credentials`, awsContainerAuthorizationToken: job.capability, maxRetries: 0 })();
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
