/**
 * Review `readme`, gy3: README §4 starts the node agent with `npx gatehouse agent --upstream http://<server>:8471`,
 * the server's credential endpoints (`--agent-listen`). Given the server's API address instead (8470, the one every
 * other command of the tour names), the agent started and said `serving job credentials on …, from
 * http://…:8470`; `gatehouse jobs run --agent …` submitted the job (its launcher calls, which the API serves too,
 * went through), and the ranks failed with the AWS SDK's `CredentialsProviderError: Could not load credentials from
 * any providers`, the agent's log silent: it had passed the API's 404 `no route for GET /v1/container-credentials`
 * on. Now the agent warns at start that the upstream serves no job credentials and which address to give, and a
 * job's credential request gets a 502 saying so (logged once). A real server on 127.0.0.1 and a real agent (port 0);
 * the request is the container endpoint's, as the AWS SDKs send it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './support/server.ts';
import { settled, SETTLE_MS } from './support/settle.ts';
import { startAgent, type RunningAgent } from '../src/main/agent.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});

after(async () => {
  await server?.stop();
});

async function agentOn(upstream: string): Promise<{ agent: RunningAgent; logs: string[] }> {
  const logs: string[] = [];
  const agent = await startAgent({ upstream, listen: '127.0.0.1:0', revalidateSeconds: 30, metadataHost: '127.0.0.1', log: (line) => void logs.push(line) });
  return { agent, logs };
}

/** The first log line `pattern` matches, waited for to a bound of time (settle.ts), not 50 tries. */
async function settle(logs: string[], pattern: RegExp): Promise<string | undefined> {
  return settled(async () => logs.find((l) => pattern.test(l)), (line) => line !== undefined, SETTLE_MS, 20);
}

test('gy3: an agent given the server\'s API address warns at start which address --upstream takes', async () => {
  const { agent, logs } = await agentOn(server.url);
  try {
    const line = await settle(logs, /serves no job credentials/);
    assert.ok(line !== undefined, logs.join('\n'));
    assert.match(line, /^gatehouse agent: warning: the server at http:\/\/127\.0\.0\.1:\d+ serves no job credentials: .*--upstream must be the server's credential endpoints \(its --agent-listen, port 8471 by default\)$/);
  } finally {
    await agent.stop();
  }
});

test('gy3: a job\'s credential request through such an agent is a 502 saying why, not the API\'s 404', async () => {
  const { agent, logs } = await agentOn(server.url);
  try {
    const r = await fetch(`${agent.url}/v1/container-credentials`, { headers: { authorization: 'some-capability-0123456789abcdef' } });
    const body = (await r.json()) as { Code?: string; Message?: string };
    assert.equal(r.status, 502);
    assert.equal(body.Code, 'BadGateway');
    assert.match(body.Message ?? '', /serves no job credentials: .*--upstream must be the server's credential endpoints/);
    assert.equal(logs.filter((l) => /serves no job credentials/.test(l)).length, 1, 'said once');
  } finally {
    await agent.stop();
  }
});

test('gy3: the right upstream (the server\'s credential endpoints) brings no such warning', async () => {
  const { agent, logs } = await agentOn(server.running.agentUrl);
  try {
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!logs.some((l) => /serves no job credentials/.test(l)), logs.join('\n'));
    const r = await fetch(`${agent.url}/v1/container-credentials`, { headers: { authorization: 'some-capability-0123456789abcdef' } });
    await r.arrayBuffer();
    assert.equal(r.status, 403, 'an unknown capability is refused as before');
  } finally {
    await agent.stop();
  }
});
