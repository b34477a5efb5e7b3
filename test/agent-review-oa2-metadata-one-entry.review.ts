/**
 * Review oa, finding 2: since the ranks got a capability of their own (review nn, 1), a node agent served a job's
 * metadata endpoint from another cache entry than its other endpoints, so they could hand out two sessions at once.
 *
 * The contract: DESIGN.md, "Delivery endpoints": "every endpoint of a job serves the same session at a given moment";
 * "Performance model": "A node agent serves all processes of all jobs on a node from a cache: one upstream issuance
 * per (job, role) per refresh"; docs/decisions.md ("The node agent opens each job's metadata endpoint…"): the agent
 * "keeps one entry per job, not one per shape … so every endpoint of the job on the node hands out one session and the
 * server hears one request per job per interval". The node agent keys its entries by capability. The launcher opens
 * the job's metadata endpoint with its own capability (`POST /v1/launcher/metadata`), so that endpoint read the
 * launcher's entry, while the ranks' container endpoint, credentials URI and the launcher's credentials file (read at
 * the credentials URI) read the ranks' entry: two requests to the server per job per interval, and after the server's
 * session changed (a refresh at half-life, a revocation) the metadata endpoint served the old session while the others
 * served the new one, until each entry was next revalidated. Now the launcher names the ranks' capability with its
 * request (as it does with its end), and the endpoint reads the ranks' entry.
 *
 * A real server and a real node agent (createRelay, 60 s revalidation), the job's tokens from the submit answer; the
 * launcher's request as launcher/run.ts sends it (`agentMetadata`); the metadata endpoint read by the AWS SDK v3.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { RANK_CAPABILITY_HEADER } from '../src/adapters/agent/imds.ts';
import { connectionTo } from './support/processes.ts';
import { imdsCredentials, startRelayWorld, type RelayWorld } from './support/relay-world.ts';

let w: RelayWorld;
let agentUrl: string;

before(async () => {
  w = await startRelayWorld();
  agentUrl = w.agentUrl;
});
after(() => w?.stop());

/** The launcher's request, as launcher/run.ts `agentMetadata` sends it: its capability, and the ranks' named. */
async function openMetadata(capability: string, rankToken: string): Promise<string> {
  const r = await fetch(`${agentUrl}/v1/launcher/metadata`, { method: 'POST', headers: { authorization: capability, 'content-type': 'application/json', [RANK_CAPABILITY_HEADER]: rankToken }, body: '{}' });
  const body = (await r.json()) as { host?: string; port?: number };
  assert.equal(r.status, 200, JSON.stringify(body));
  return `http://${body.host}:${body.port}/`;
}

const imdsKey = async (endpoint: string): Promise<string> => (await imdsCredentials(endpoint)).accessKeyId;

const containerKey = async (base: string, token: string): Promise<string> => {
  const r = await fetch(`${base}/v1/container-credentials`, { headers: { authorization: token } });
  assert.equal(r.status, 200);
  return ((await r.json()) as { AccessKeyId: string }).AccessKeyId;
};

test("oa2: the ranks' reads on the node are answered from the entry the job's metadata endpoint holds: no second request to the server", async () => {
  const { capability, rankToken, environment } = await w.submit();
  const endpoint = await openMetadata(capability, rankToken);
  const fromImds = await imdsKey(endpoint);
  const asked = w.relay.stats().upstream;
  const uri = environment['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? '';
  const viaUri = await fetch(`${agentUrl}${new URL(uri).pathname}`);
  assert.equal(viaUri.status, 200);
  assert.equal(((await viaUri.json()) as { AccessKeyId: string }).AccessKeyId, fromImds);
  assert.equal(await containerKey(agentUrl, rankToken), fromImds);
  assert.equal(w.relay.stats().upstream, asked, 'the agent asked the server again for the same job');
});

test("oa2: after the server's session of the job changes, the metadata endpoint serves the session the ranks' endpoints serve", async () => {
  const { job, capability, rankToken } = await w.submit();
  const endpoint = await openMetadata(capability, rankToken);
  const first = await imdsKey(endpoint);
  // The role's sessions revoked: the server gives the job a new session.
  const revoked = await call(connectionTo(w.server.url, w.server.admin), 'POST', ['sts', 'revoke-sessions'], { body: { roleArn: job.role.arn } });
  assert.ok(revoked.ok, JSON.stringify(revoked));
  const deadline = Date.now() + 10_000;
  let fresh = first;
  while (fresh === first && Date.now() < deadline) {
    fresh = await containerKey(w.server.running.agentUrl, rankToken);
    if (fresh === first) await new Promise((r) => setTimeout(r, 100));
  }
  assert.notEqual(fresh, first, 'the server serves a new session');
  // The ranks read through the agent (its cache of the job asked anew, or already the new one), and so does IMDS.
  const viaAgent = await containerKey(agentUrl, rankToken);
  assert.equal(await imdsKey(endpoint), viaAgent, 'the metadata endpoint and the container endpoint served two sessions at once');
});
