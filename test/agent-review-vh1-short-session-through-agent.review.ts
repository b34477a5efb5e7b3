/**
 * Review vh, 1: a server whose jobs get sessions shorter than an hour (`GATEHOUSE_JOB_SESSION_SECONDS`, 10 to 43200,
 * which the server's help gives as the way to bound how long a leaked copy works) serves each session until
 * `servableUntil`, 30 minutes or half its lifetime before it expires, whichever is less (core/jobs; credential-protocols
 * §1), and refreshes it at half-life. The node agent held every session to a fixed 30 minutes instead: a 30-minute
 * session was never served through it (503 "the server answered credentials that expire too soon to be served", to
 * the AWS SDK's container provider and the Alibaba credentials URI alike, while the server itself served it), and a
 * 40-minute one only for its first 10 minutes of every 20. The agent now holds a session to the server's own bound,
 * read from the document it relays (`LastUpdated`, the issue time, to the real expiry): it serves what the server
 * serves, and no longer than the server would.
 *
 * Real server (30-minute job sessions), the relay, the AWS SDK v3 container provider and the Alibaba credentials SDK;
 * the agent's clock moved on with its `now` option.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHttp } from '@aws-sdk/credential-providers';
import Alibaba from '@alicloud/credentials';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { submitJob, type SubmittedJob } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const MINUTE = 60_000;
let s: TestServer;
let job: SubmittedJob;
const relays: Relay[] = [];

before(async () => {
  s = await startTestServer({ env: { GATEHOUSE_JOB_SESSION_SECONDS: '1800' } });
  job = await submitJob(s.url, s.admin);
});
after(async () => {
  for (const r of relays) await r.close();
  await s?.stop();
});

/** A node agent in front of the server whose clock is `ahead` ms past the server's; its base URL. */
async function agent(ahead = 0): Promise<string> {
  const relay = createRelay({ upstream: job.upstream, revalidateMs: 60_000, now: () => Date.now() + ahead });
  relays.push(relay);
  return `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
}

const aws = async (url: string): Promise<string> => (await fromHttp({ awsContainerCredentialsFullUri: `${url}/v1/container-credentials`, awsContainerAuthorizationToken: job.capability, maxRetries: 0 })()).accessKeyId;
const alibaba = async (url: string): Promise<string> => (await new Alibaba.default(new Alibaba.Config({ type: 'credentials_uri', credentialsURI: `${url}/v1/credentials/${job.capability}` })).getCredential()).accessKeyId ?? '';

test('vh1: a job of 30-minute sessions reads them through the node agent, as from the server', async () => {
  const direct = await aws(job.upstream);
  const url = await agent();
  assert.equal(await aws(url), direct);
  assert.equal(await alibaba(url), direct);
});

test('vh1: 10 minutes into a 30-minute session (the server serves it 15) the agent still serves it', async () => {
  const url = await agent(10 * MINUTE);
  const r = await fetch(`${url}/v1/container-credentials`, { headers: { authorization: job.capability } });
  assert.equal(r.status, 200, await r.clone().text());
  assert.equal(((await r.json()) as { AccessKeyId?: string }).AccessKeyId, await aws(job.upstream));
});

test('vh1: past the server’s own bound (15 minutes before the end of a 30-minute session) the agent serves it no more', async () => {
  const url = await agent(16 * MINUTE);
  const r = await fetch(`${url}/v1/container-credentials`, { headers: { authorization: job.capability } });
  assert.equal(r.status, 503, await r.text());
});
