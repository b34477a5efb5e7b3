/**
 * Review ek, 2: the node agent kept two cache entries per job, one for the container endpoint and one for the
 * credentials URI, each revalidated on its own. The README says the agent serves both "from one cache per job (the
 * server sees one request per job every `--revalidate` seconds … however many ranks poll)", and DESIGN.md pins that
 * "every endpoint of a job serves the same session at a given moment". Neither held for a job whose processes read
 * both (an AWS SDK and an Alibaba SDK, or the launcher's credentials file, which reads the credentials URI, beside
 * AWS ranks): the server was asked once per endpoint per interval, and after the server replaced the job's session
 * (its refresh at half-life, or `sts revoke-sessions --job`) the two endpoints handed out two different sessions
 * until both entries were revalidated. Now the credentials URI is served from the job's container entry, rendered in
 * Alibaba's fields (as the job's metadata endpoint already renders its `ram/` path), and its path is never relayed.
 *
 * Real server, the relay, the AWS SDK v3 container provider and the Alibaba credentials SDK. Before the fix both
 * tests failed (2 requests upstream; two sessions after the revocation); after, both pass.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromHttp } from '@aws-sdk/credential-providers';
import Alibaba from '@alicloud/credentials';
import { call } from '../src/adapters/cli/client.ts';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { submitJob, type SubmittedJob } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
const relays: Relay[] = [];

before(async () => {
  s = await startTestServer();
});
after(async () => {
  for (const r of relays) await r.close();
  await s?.stop();
});

async function throughAgent(job: SubmittedJob): Promise<{ relay: Relay; url: string; logs: string[]; aws: () => Promise<string>; alibaba: () => Promise<string> }> {
  const logs: string[] = [];
  const relay = createRelay({ upstream: job.upstream, revalidateMs: 60_000, log: (l) => void logs.push(l) });
  relays.push(relay);
  const url = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
  return {
    relay,
    url,
    logs,
    aws: async () => (await fromHttp({ awsContainerCredentialsFullUri: `${url}/v1/container-credentials`, awsContainerAuthorizationToken: job.capability, maxRetries: 0 })()).accessKeyId,
    alibaba: async () => (await new Alibaba.default(new Alibaba.Config({ type: 'credentials_uri', credentialsURI: `${url}/v1/credentials/${job.capability}` })).getCredential()).accessKeyId ?? '',
  };
}

test('ek2: a job read through both the container endpoint and the credentials URI costs the server one request', async () => {
  const job = await submitJob(s.url, s.admin);
  const { relay, url, logs, aws, alibaba } = await throughAgent(job);
  const a = await aws();
  const b = await alibaba();
  assert.equal(b, a);
  for (let i = 0; i < 5; i++) assert.deepEqual([await aws(), await alibaba()], [a, a]);
  assert.equal(relay.stats().upstream, 1, 'the server was asked once per endpoint, not once per job');
  // A path no capability can be (a control character, a character past ASCII: neither can go upstream in a header)
  // is refused as an unknown capability is, not taken for an unreachable server.
  for (const odd of [`${job.capability}%0A`, `${job.capability}%C3%A9`]) {
    const r = await fetch(`${url}/v1/credentials/${odd}`);
    assert.equal(r.status, 403, await r.text());
  }
  assert.deepEqual(logs, []);
});

test('ek2: after the server replaces the job’s session, the agent’s two endpoints still serve one session', async () => {
  const job = await submitJob(s.url, s.admin);
  const { aws, alibaba } = await throughAgent(job);
  const first = await aws();
  const revoked = await call(job.conn, 'POST', ['sts', 'revoke-sessions'], { body: { jobId: job.id } });
  assert.ok(revoked.ok, JSON.stringify(revoked));
  // The server now issues another session on the next fetch; the agent serves its cached answer until it revalidates,
  // and both endpoints the same one.
  assert.equal(await alibaba(), await aws());
  assert.equal(await aws(), first);
});
