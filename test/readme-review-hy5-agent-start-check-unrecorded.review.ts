/**
 * Review `hy` (a new user walks the README's tour), 5: every start of §4's node agent left a refusal in the audit log.
 *
 * `npx gatehouse agent --upstream http://<server>:8471 …` checks at start that its upstream serves job credentials
 * (review gy, 3) by asking the server's container endpoint with no capability. The server records such a request as
 * a refused authentication, so that guessing capabilities leaves a trail (review V, P6): each agent start, restart or
 * upgrade on each node added `anonymous gatehouse:GetJobCredentials Deny` (`no job capability`) from the node's
 * address, which §7's `audit query --decision AccessDenied` lists beside the tour's real refusals, and which reads as
 * someone probing for credentials. Now the agent marks its own check as it marks its sweeps (`x-gatehouse-agent-sweep`),
 * and the server does not record a request that carries no capability when the agent says it is its own; a request
 * with no capability otherwise, and any capability no job holds (the guesses the trail is for), are recorded as before.
 * A real server (startTestServer) and a real agent (startAgent, port 0) relaying its credential endpoints.
 *
 * Before the fix 1 of 2 tests failed (the second holds the trail the fix keeps).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';
import { startAgent } from '../src/main/agent.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});

after(async () => {
  await server?.stop();
});

const refusals = async () => (await auditRecords(server, { principal: 'anonymous', action: 'gatehouse:GetJobCredentials' })).map((r) => (r.detail as { message?: string } | undefined)?.message);

test('hy5: an agent started on the right upstream leaves no refusal in the audit log', async () => {
  const before = await refusals();
  const logs: string[] = [];
  const agent = await startAgent({ upstream: server.running.agentUrl, listen: '127.0.0.1:0', revalidateSeconds: 30, metadataHost: '127.0.0.1', log: (line) => void logs.push(line) });
  try {
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(logs.filter((l) => /warning: the server/.test(l)), [], 'the check found the credential endpoints');
    assert.deepEqual(await refusals(), before, 'the agent\'s start check is not a refused authentication');
  } finally {
    await agent.stop();
  }
});

test('hy5: a request with no capability, or a capability no job holds, is still recorded', async () => {
  const before = (await refusals()).length;
  const none = await fetch(`${server.running.agentUrl}/v1/container-credentials`);
  assert.equal(none.status, 403);
  const guessed = await fetch(`${server.running.agentUrl}/v1/container-credentials`, { headers: { authorization: 'guessed-capability-0123456789abcdef', 'x-gatehouse-agent-sweep': '1' } });
  assert.equal(guessed.status, 403);
  const after = await refusals();
  assert.equal(after.length, before + 2, JSON.stringify(after));
});
