/**
 * Review vz, finding 2: the credential ports' 404 repeated the request's path, so a credentials URI asked at a path
 * a little off (`//v1/credentials/<capability>`, which a base URL with a trailing `/` joined to a path makes, or
 * `/V1/…`, `/v1/credential/…`) answered `no route for GET //v1/credentials/<capability>`: the job's capability, a
 * secret that reads its credentials, in the answer, which SDKs print in their errors and jobs write to their logs. So
 * did the server's API port (`--listen`), where a credentials URI given the wrong port lands. Secrets never appear in
 * errors (DESIGN.md "Tokens and secrets"): a capability-shaped part of a path is now shown as `…`, the rest of the
 * path as before; nothing the server logs or records holds it either.
 *
 * A real server (the test server's), its credential port, a real node agent, and its API port; raw HTTP.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let relay: Relay;
let capability = '';
let agentPort = '';
let relayUrl = '';

before(async () => {
  s = await startTestServer();
  const conn = connectionTo(s.url, s.admin);
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const r = await call<{ capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
  assert.ok(r.ok, JSON.stringify(r));
  capability = r.value.capability;
  agentPort = (r.value.environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '').replace(/\/v1\/container-credentials$/, '');
  relay = createRelay({ upstream: agentPort });
  relayUrl = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
});
after(async () => {
  await relay?.close();
  await s?.stop();
});

/** Paths a credentials URI may be mistyped into, each holding the capability (`C`). */
const PATHS = ['//v1/credentials/C', '/v1//credentials/C', '/V1/credentials/C', '/v1/credential/C', '/credentials/C', '/v1/credentials-C', '/x/C.json', `/x/%ENC`];
const pathFor = (p: string): string => p.replace('%ENC', [...capability].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join('')).replace('C', capability);

async function answers(base: string): Promise<{ path: string; status: number; text: string }[]> {
  const out = [];
  for (const p of PATHS) {
    const r = await fetch(`${base}${pathFor(p)}`);
    out.push({ path: p, status: r.status, text: await r.text() });
  }
  return out;
}

test('vz2: no 404 of a credential port or of the API repeats a capability given in the path', async () => {
  for (const [where, base] of [['server credential port', agentPort], ['node agent', relayUrl], ['API port', s.url]] as const) {
    for (const a of await answers(base)) {
      assert.ok(a.status >= 400, `${where} ${a.path}: ${a.status}`);
      assert.ok(!a.text.includes(capability.slice(0, 12)) && !a.text.includes(capability.slice(-12)), `${where} answered ${a.path} with the capability in it: ${a.text}`);
    }
  }
  for (const line of s.logs) assert.ok(!line.includes(capability.slice(0, 12)), `the server logged the capability: ${line}`);
});

test('vz2: the 404 still shows the path asked, the capability as `…`', async () => {
  const r = await fetch(`${agentPort}//v1/credentials/${capability}`);
  assert.equal(r.status, 404);
  assert.match(((await r.json()) as { Message: string }).Message, /^no route for GET \/\/v1\/credentials\/…/);
  const viaRelay = await fetch(`${relayUrl}/v1/credential/${capability}`);
  assert.equal(viaRelay.status, 404);
  assert.match(((await viaRelay.json()) as { Message: string }).Message, /^no route for GET \/v1\/credential\/…$/);
  // A path with nothing capability-shaped is shown as given.
  const plain = await fetch(`${agentPort}/v1/container-credential`);
  assert.match(((await plain.json()) as { Message: string }).Message, /^no route for GET \/v1\/container-credential\b/);
});
