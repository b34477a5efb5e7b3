/**
 * Review ri, 3: review ri, 1 has the server name the revoked session it held in its refusal, so that a node agent holding
 * it drops it; but a server that held none of the job's, restarted since, or another worker or instance behind the
 * same `--agent-listen` address, named none, though the job's shared session (`jobSessionKey`, review oz, 1) is the very
 * one the agent holds: it read it from the store, found it revoked, and answered the refused issuance (409: the role's
 * trust policy no longer lets the training service assume it) as if it knew of nothing held. The agent kept serving
 * the revoked session (refused by every call, `ExpiredToken`) until 30 min before its expiry, hours on. DESIGN.md:
 * every endpoint of a job serves the same session at a given moment; docs/errors.md's 409 row. Now an instance that
 * finds the job's shared session revoked (or of a role made again) holds it as its issuer would, dead, and names it.
 *
 * A test server, an instance of the app beside it on its store started after the revocation (a server restarted) with
 * the credential endpoints of `createAgent` in front of it, and a node agent (`createRelay`) behind a proxy that moves
 * from the first to the second.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, IAMClient, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { createAgent, type Agent } from '../src/adapters/agent/server.ts';
import { createRelay, type Relay } from '../src/adapters/agent/relay.ts';
import type { Store } from '../src/app/ports/store.ts';
import { call } from '../src/adapters/cli/client.ts';
import { instanceBeside } from './support/instances.ts';
import { connectionTo } from './support/processes.ts';
import { REGION, startTestServer, type TestServer } from './support/server.ts';
import { forwardingProxy, type ForwardingProxy } from './support/forwarding-proxy.ts';

let server: TestServer;
let iam: IAMClient;
let proxy: ForwardingProxy | undefined;
let relay: Relay;
let agentUrl = '';
/** Where the proxy sends the node agent's requests: the server's credential endpoints, then the restarted instance's. */
let target: URL;
let restarted: { agent: Agent; store: Store } | undefined;

before(async () => {
  server = await startTestServer({ jobHeartbeatTimeoutMs: 600_000 });
  assert.ok((await call(connectionTo(server.url, server.admin), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  iam = new IAMClient({ endpoint: server.url, region: REGION, credentials: server.admin, maxAttempts: 1 });
  target = new URL(server.running.agentUrl ?? '');
  proxy = await forwardingProxy(() => target);
  relay = createRelay({ upstream: proxy.url, revalidateMs: 1, revalidationWaitMs: 10_000, firstAnswerWaitMs: 10_000, timeoutMs: 10_000 });
  agentUrl = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
});
after(async () => {
  await relay?.close();
  await proxy?.close();
  await restarted?.agent.close();
  await restarted?.store.close().catch(() => {});
  iam?.destroy();
  await server?.stop();
});

const trustOf = (service: string): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });

async function read(capability: string): Promise<{ status: number; doc: { AccessKeyId?: string; Code?: string; Message?: string } }> {
  const res = await fetch(`${agentUrl}/v1/container-credentials`, { headers: { authorization: capability } });
  return { status: res.status, doc: (await res.json()) as { AccessKeyId?: string; Code?: string; Message?: string } };
}

test('ri3: a server restarted since (holding nothing of the job) names the revoked shared session, and the node agent drops it', async () => {
  await iam.send(new CreateRoleCommand({ RoleName: 'kicked', AssumeRolePolicyDocument: trustOf('training.gatehouse.dev') }));
  const arn = `arn:aws:iam::${server.adminFile.AccountId}:role/kicked`;
  const r = await call<{ environment: Record<string, string> }>(connectionTo(server.url, server.admin), 'POST', ['jobs'], { body: { workspace: 'w', role: arn, imds: false } });
  assert.ok(r.ok, JSON.stringify(r));
  const capability = r.value.environment['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? assert.fail('no token');
  const first = await read(capability);
  assert.equal(first.status, 200);
  // The role taken from its jobs: its trust changed, its sessions revoked.
  await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'kicked', PolicyDocument: trustOf('ec2.amazonaws.com') }));
  assert.ok((await call(connectionTo(server.url, server.admin), 'POST', ['sts', 'revoke-sessions'], { body: { roleArn: arn } })).ok);
  // The server restarted: an instance that holds nothing of the job's, on the same store, now answers the node agent.
  const made = await instanceBeside(server, { now: () => Date.now() });
  const agent = createAgent({ app: made.app });
  restarted = { agent, store: made.store };
  const bound = await agent.listen('127.0.0.1', 0);
  target = new URL(`http://127.0.0.1:${bound.port}`);
  const next = await read(capability);
  // Not from the cache as if the server were out of reach: it answered.
  assert.equal(relay.stats().servedStale, 0);
  // Before the fix: 200 with the revoked session, while the instance answered 409 naming none.
  assert.notEqual(next.doc.AccessKeyId, first.doc.AccessKeyId, `the node agent served the revoked session ${first.doc.AccessKeyId ?? ''}`);
  assert.equal(next.status, 409, JSON.stringify(next.doc));
  assert.equal(next.doc.Code, 'AccessDenied');
});
