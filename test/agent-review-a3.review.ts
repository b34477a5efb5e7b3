/**
 * Review agent, A3: when a job's launcher reports its end through the node agent, the agent stops serving the
 * job's credentials at once. It closed the job's metadata endpoint but kept the cached container and credentials
 * URI answers, so the job's processes left running (a daemon the command started, a rank still polling) were handed
 * the ended job's credentials for up to the revalidation time (30 s by default; here a minute) instead of the
 * server's 410 `job <id> has ended`. Against a real server: the AWS SDK v3 container provider and the Alibaba
 * credentials SDK read through the agent, `POST /v1/launcher/end` through it, then both are refused with 410.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHttp } from '@aws-sdk/credential-providers';
import Alibaba from '@alicloud/credentials';
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

test('A3: a job ended through the node agent gets 410 from it at once, not its cached credentials', async () => {
  const job = await submitJob(s.url, s.admin);
  const cap = job.capability;
  const upstream = job.upstream;
  relay = createRelay({ upstream, revalidateMs: 60_000 });
  const url = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
  const aws = () => fromHttp({ awsContainerCredentialsFullUri: `${url}/v1/container-credentials`, awsContainerAuthorizationToken: cap, maxRetries: 0 })();
  const alibaba = () => new Alibaba.default(new Alibaba.Config({ type: 'credentials_uri', credentialsURI: `${url}/v1/credentials/${cap}` })).getCredential();
  const keyId = (await aws()).accessKeyId;
  assert.equal((await alibaba()).accessKeyId, keyId);

  const beat = await fetch(`${url}/v1/launcher/heartbeat`, { method: 'POST', headers: { authorization: cap } });
  assert.equal(beat.status, 200, await beat.text());
  const end = await fetch(`${url}/v1/launcher/end`, { method: 'POST', headers: { authorization: cap, 'content-type': 'application/json' }, body: JSON.stringify({ exitCode: 0 }) });
  assert.equal(end.status, 200, await end.text());

  const container = await fetch(`${url}/v1/container-credentials`, { headers: { authorization: cap } });
  assert.equal(container.status, 410, 'the container endpoint still served the ended job');
  assert.match(((await container.json()) as { Message: string }).Message, new RegExp(`job ${job.id} has ended`));
  const uri = await fetch(`${url}/v1/credentials/${cap}`);
  assert.equal(uri.status, 410, 'the credentials URI still served the ended job');
  await uri.body?.cancel();
  await assert.rejects(aws(), /410|has ended/);
  await assert.rejects(alibaba(), /410/);
});
