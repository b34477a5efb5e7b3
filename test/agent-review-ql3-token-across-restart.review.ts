/**
 * Review ql, 3: a job's IMDSv2 token stopped working when the process serving its metadata endpoint restarted. The
 * tokens were held in the endpoint's memory, so the server opening the endpoint again on its port after a restart
 * (`Job.metadataEndpoint`), or a node agent opening it again at the launcher's next heartbeat, answered every token
 * handed out before 401, though EC2 takes a token for its whole TTL (up to 6 h). Clients that fetch a token once and
 * keep it read no credentials until it ran out: a script that runs `TOKEN=$(curl -X PUT …)` once (resource-agents'
 * `aws` helpers keep theirs in a file), the Alibaba SDK's `EcsRamRoleCredential` with IMDSv2, which keeps its token for
 * its 6 h and asks for no other on a 401. Now a token is its expiry and a MAC under a key made from the job's own
 * secret (the server: its capability's hash in the store; the node agent: the launcher's capability), so the endpoint
 * opened again takes the tokens it handed out; a token of another job's endpoint, or a made-up one, is still 401.
 *
 * A real server stopped and started again on the same data dir and addresses, and real node agents (createRelay), the
 * second started in the first's place; the tokens used as `curl` would, with plain HTTP requests.
 *
 * Before the fix 2 of 2 tests failed (the token after the restart: 401 on the server's endpoint and the agent's).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import { call } from '../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { connectionTo, freePort, keysOf } from './support/processes.ts';
import { freshRequest } from './support/raw-answer.ts';

const ROLE = 'GatehouseTrainingDefaultRole';
let home: string;
let server: RunningServer | undefined;
let relay: Relay | undefined;
let start: () => Promise<RunningServer>;
/** The admin's keys, which only the first start hands out. */
let adminKeys: ReturnType<typeof keysOf>;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-agent-review-ql3-'));
  const dataDir = join(home, 'data');
  const listen = `127.0.0.1:${await freePort()}`;
  const agentListen = `127.0.0.1:${await freePort()}`;
  start = () => startServer({ dataDir, listen, agentListen, env: {}, log: () => {} });
  server = await start();
  assert.ok(server.adminCredentials);
  adminKeys = keysOf(server.adminCredentials);
  assert.ok((await call(connectionTo(server.url, adminKeys), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
});
after(async () => {
  await relay?.close();
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

const uid = process.getuid?.() ?? 0;

async function submit(imds: boolean): Promise<{ capability: string; environment: Record<string, string> }> {
  assert.ok(server);
  const r = await call<{ capability: string; environment: Record<string, string> }>(connectionTo(server.url, adminKeys), 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', launcherUid: uid, imds } });
  assert.ok(r.ok, JSON.stringify(r));
  return r.value;
}

const tokenAt = async (base: string): Promise<string> => {
  const t = await freshRequest(`${base}latest/api/token`, { 'x-aws-ec2-metadata-token-ttl-seconds': '21600' }, 'PUT');
  assert.equal(t.status, 200, t.body);
  return t.body;
};
const documentAt = (base: string, token: string): Promise<{ status: number; body: string }> => freshRequest(`${base}latest/meta-data/iam/security-credentials/${ROLE}`, { 'x-aws-ec2-metadata-token': token });

test("ql3: a token of the server's metadata endpoint is taken after the server restarts, for its TTL", async () => {
  const job = await submit(true);
  const other = await submit(true);
  const base = job.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? assert.fail('no metadata endpoint');
  const otherBase = other.environment['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? assert.fail('no metadata endpoint');
  const token = await tokenAt(base);
  assert.equal((await documentAt(base, token)).status, 200);
  await server?.stop();
  server = undefined;
  server = await start();
  const after = await documentAt(base, token);
  // Before the fix: 401 `unauthorized: PUT /latest/api/token first`.
  assert.equal(after.status, 200, after.body);
  assert.equal(typeof (JSON.parse(after.body) as { AccessKeyId?: unknown }).AccessKeyId, 'string');
  // Another job's endpoint does not take it, nor a token changed by one character.
  assert.equal((await documentAt(otherBase, token)).status, 401);
  const changed = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
  assert.equal((await documentAt(base, changed)).status, 401);
});

test("ql3: a token of a node agent's metadata endpoint is taken after the agent restarts and the launcher asks again", async () => {
  assert.ok(server);
  const job = await submit(false);
  const port = await freePort();
  const open = async (r: Relay): Promise<string> => {
    const at = await r.listen('127.0.0.1', 0);
    const res = await fetch(`http://127.0.0.1:${at.port}/v1/launcher/metadata`, { method: 'POST', headers: { authorization: job.capability }, body: JSON.stringify({ port, uid }) });
    assert.equal(res.status, 200, await res.clone().text());
    return `http://127.0.0.1:${((await res.json()) as { port: number }).port}/`;
  };
  relay = createRelay({ upstream: server.agentUrl, revalidateMs: 60_000 });
  const base = await open(relay);
  const token = await tokenAt(base);
  assert.equal((await documentAt(base, token)).status, 200);
  await relay.close();
  // The agent restarted: the launcher's next heartbeat asks it for the same port again.
  relay = createRelay({ upstream: server.agentUrl, revalidateMs: 60_000 });
  assert.equal(await open(relay), base);
  const after = await documentAt(base, token);
  // Before the fix: 401.
  assert.equal(after.status, 200, after.body);
});
