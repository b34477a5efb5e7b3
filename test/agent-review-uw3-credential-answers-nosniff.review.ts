/**
 * Review uw, 3: no answer of a job's credential port (the server's `--agent-listen`, a node agent's) said
 * `X-Content-Type-Options: nosniff`, which every answer of `--listen` says (review Q, Q2) and the metadata endpoints'
 * refusals said: not the credentials document, not the refusals, not the 404, which echoes the path it was sent (a port
 * any local web page can be pointed at: its Host is not checked). Nor did a metadata endpoint's documents (the role's,
 * the credentials URI's), or the 431 written on the socket; a node agent's `/healthz` said not even
 * `Cache-Control: no-store`. Every one now says both.
 *
 * A real server and the real node agent (relay) in front of it; a job submitted with a metadata endpoint.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { connectionTo } from './support/processes.ts';
import { rawAnswer } from './support/raw-answer.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let relay: Relay;
let relayUrl: string;
let job: { capability: string; environment: Record<string, string> };

before(async () => {
  s = await startTestServer();
  relay = createRelay({ upstream: s.running.agentUrl, log: () => {} });
  relayUrl = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
  const conn = connectionTo(s.url, s.admin);
  const ws = await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } });
  assert.ok(ws.ok, JSON.stringify(ws));
  // A job of no launcher's uid: its metadata endpoint serves any local process (this test's).
  const r = await call<{ capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default' } });
  assert.ok(r.ok, JSON.stringify(r));
  job = r.value;
});
after(async () => {
  await relay?.close();
  await s?.stop();
});

/**
 * The answers to `requests` (what, path, init, the status expected) on the port at `base` that do not say both headers,
 * or not with the status expected: `<what> <status>`.
 */
async function unsaid(base: string, requests: ReadonlyArray<readonly [string, string, RequestInit | undefined, number]>): Promise<string[]> {
  const missing: string[] = [];
  for (const [what, path, init, status] of requests) {
    const r = await fetch(`${base}${path}`, init);
    await r.arrayBuffer();
    if (r.status !== status || r.headers.get('x-content-type-options') !== 'nosniff' || r.headers.get('cache-control') !== 'no-store') missing.push(`${what} ${r.status}`);
  }
  return missing;
}

/** Every kind of answer of a credential port: the credentials (both shapes), its refusals, its 404 and 405, its health. */
const credentialPortRequests = (): Array<readonly [string, string, RequestInit | undefined, number]> => [
  ['container credentials', '/v1/container-credentials', { headers: { authorization: job.capability } }, 200],
  ['credentials URI', `/v1/credentials/${job.capability}`, undefined, 200],
  ['no capability', '/v1/container-credentials', undefined, 403],
  ['unknown capability', '/v1/credentials/0123456789abcdef0123', undefined, 403],
  ['no route (path echoed)', '/v1/%3Cb%3Ehello%3C%2Fb%3E', undefined, 404],
  ['wrong method', '/v1/container-credentials', { method: 'POST' }, 405],
  ['launcher body refused', '/v1/launcher/end', { method: 'POST', headers: { authorization: job.capability }, body: '[' }, 400],
  ['health', '/healthz', undefined, 200],
];

describe('review uw3: every answer of a credential port or metadata endpoint says nosniff and no-store', () => {
  it("the server's credential port, and its 431 written on the socket", async () => {
    const missing = await unsaid(s.running.agentUrl, credentialPortRequests());
    const big = await rawAnswer(Number(new URL(s.running.agentUrl).port), `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${'a'.repeat(20_000)}\r\n\r\n`);
    if (!/^x-content-type-options: nosniff\r$/im.test(big)) missing.push(`431 ${big.slice(0, 40)}`);
    assert.deepEqual(missing, []);
  });

  it("a node agent's port", async () => {
    // The launcher's end is taken by the agent's server, which answers it; the body refused is the server's 400.
    assert.deepEqual(await unsaid(relayUrl, credentialPortRequests()), []);
  });

  it("a job's metadata endpoint: the role listing, the role's document, the credentials URI's", async () => {
    const endpoint = (job.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? assert.fail('no metadata endpoint')).replace(/\/$/, '');
    const put = await fetch(`${endpoint}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': '60' } });
    const token = await put.text();
    assert.equal(put.status, 200, token);
    const listing = await fetch(`${endpoint}/latest/meta-data/iam/security-credentials/`, { headers: { 'x-aws-ec2-metadata-token': token } });
    const role = await listing.text();
    assert.equal(listing.status, 200, role);
    // The job's credentials URI is its metadata endpoint's (review tv, 2): the capability is not in it.
    const uri = new URL(job.environment['ALIBABA_CLOUD_CREDENTIALS_URI'] ?? assert.fail('no credentials URI'));
    assert.equal(uri.origin, new URL(endpoint).origin);
    const missing = await unsaid(endpoint, [
      ['role document', `/latest/meta-data/iam/security-credentials/${role}`, { headers: { 'x-aws-ec2-metadata-token': token } }, 200],
      ['role listing', '/latest/meta-data/iam/security-credentials/', { headers: { 'x-aws-ec2-metadata-token': token } }, 200],
      ['credentials URI', uri.pathname, undefined, 200],
    ]);
    assert.deepEqual(missing, []);
  });
});
