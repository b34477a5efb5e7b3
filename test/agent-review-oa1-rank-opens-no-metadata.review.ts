/**
 * Review oa, finding 1: a node agent's `POST /v1/launcher/metadata` took any capability of a job, a rank's too.
 *
 * The contract (docs/decisions.md, "The launcher is the job's keeper on the node", review nn, 1): the ranks hold a
 * capability of their own, which "reads the same credentials … and is refused 403 as a launcher"; the launcher's
 * routes are `/v1/launcher/*` (src/adapters/agent/relay.ts: heartbeat, end, metadata). The server's agent and the
 * node agent refused a rank's token at heartbeat and end, but the node agent opened a job's metadata endpoint for it
 * (200 `{host, port}`): it checked only that the token read the job's credentials. So code in a rank (it has
 * `AWS_CONTAINER_AUTHORIZATION_TOKEN`) could take the port its launcher asks for again at every heartbeat, after an
 * agent restart, and have the agent hold a second metadata port per job. Now the node agent asks the server whether
 * the capability is the job's launcher's (the launcher's heartbeat, which the server answers 403 for a rank's token)
 * before it opens anything, and refuses a rank's 403 as the server's agent does.
 *
 * A real server, a real node agent (createRelay) in front of its credential endpoints, the job's tokens as the submit
 * answer gives them; the launcher's own request still opens the endpoint, which the AWS SDK v3 reads.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { imdsCredentials, startRelayWorld, type RelayWorld } from './support/relay-world.ts';

let w: RelayWorld;
let agentUrl: string;

before(async () => {
  w = await startRelayWorld();
  agentUrl = w.agentUrl;
});
after(() => w?.stop());

const open = (token: string): Promise<Response> => fetch(`${agentUrl}/v1/launcher/metadata`, { method: 'POST', headers: { authorization: token, 'content-type': 'application/json' }, body: '{}' });

test("oa1: a rank's token does not open its job's metadata endpoint on a node agent", async () => {
  const { rankToken, capability } = await w.submit();
  assert.notEqual(rankToken, capability);
  // The rank's token reads the job's credentials through the agent.
  const read = await fetch(`${agentUrl}/v1/container-credentials`, { headers: { authorization: rankToken } });
  assert.equal(read.status, 200, await read.text());
  const before = w.relay.stats().metadataEndpoints;
  const r = await open(rankToken);
  const text = await r.text();
  assert.equal(r.status, 403, `a rank's token opened a metadata endpoint: ${text}`);
  assert.equal(JSON.parse(text).Code, 'Forbidden');
  assert.equal(w.relay.stats().metadataEndpoints, before, 'no endpoint is opened for a rank');
});

test("oa1: the launcher's capability opens it, and the AWS SDK reads the job's credentials there", async () => {
  const { capability, rankToken } = await w.submit();
  const r = await open(capability);
  const body = (await r.json()) as { host?: string; port?: number; Message?: string };
  assert.equal(r.status, 200, JSON.stringify(body));
  assert.equal(typeof body.port, 'number');
  const fromImds = await imdsCredentials(`http://127.0.0.1:${body.port}/`);
  const viaContainer = (await (await fetch(`${agentUrl}/v1/container-credentials`, { headers: { authorization: rankToken } })).json()) as { AccessKeyId: string };
  assert.equal(fromImds.accessKeyId, viaContainer.AccessKeyId, 'one session per job at every endpoint');
  // Asked again at the next heartbeat: the same port.
  const again = (await (await open(capability)).json()) as { port?: number };
  assert.equal(again.port, body.port);
});
