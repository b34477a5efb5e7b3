/**
 * Review da, finding 2: once a job's session can no longer be issued (its role's trust no longer names the training
 * service, the role was deleted), every read of its credentials tried again and wrote a `denied` event: one write
 * transaction, under the store's one write lock, and one more event in `jobs events`, for each read. Eight ranks whose
 * SDKs retry (SDK v3 asks the container endpoint four times for each attempt on a 503), or a process that polls, wrote
 * thousands an hour and buried the job's history under one line said again and again. The refusal is now held a few
 * seconds for the job's reads (one issuance asked for at most every `ISSUANCE_REFUSAL_HOLD_MS`), and the same refusal
 * is recorded once until a session is issued again.
 *
 * A real server: a job with a custom role, its trust changed and the role's sessions revoked, 40 reads; then the trust
 * given back: the next reads after the hold get a session; then taken away again: recorded again.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { connectionTo, keysOf } from './support/processes.ts';

let home: string;
let server: RunningServer;
let conn: Connection;
let iam: IAMClient;

const trust = (service: string): string => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-jobs-review-da2-'));
  server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  assert.ok(server.adminCredentials);
  const keys = keysOf(server.adminCredentials);
  conn = connectionTo(server.url, keys);
  iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: keys });
  await iam.send(new CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: trust('training.gatehouse.dev') }));
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
});
after(async () => {
  await server?.stop();
  await rm(home, { recursive: true, force: true });
});

test('da2: a refused issuance is held a moment and recorded once, not at every read', async () => {
  const account = server.adminCredentials?.AccountId ?? '';
  const roleArn = `arn:aws:iam::${account}:role/trainer`;
  const submitted = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: roleArn, imds: false } });
  assert.ok(submitted.ok, JSON.stringify(submitted));
  const { job, capability, environment } = submitted.value;
  const endpoint = environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '';
  const read = async (): Promise<number> => (await fetch(endpoint, { headers: { authorization: capability } })).status;
  const events = async (): Promise<{ type: string; message: string }[]> => {
    const r = await call<{ events: { type: string; message: string }[] }>(conn, 'GET', ['jobs', job.id, 'events']);
    assert.ok(r.ok, JSON.stringify(r));
    return r.value.events;
  };
  const count = async (type: string): Promise<number> => (await events()).filter((e) => e.type === type).length;
  assert.equal(await read(), 200);

  // The role no longer trusts the training service, and its sessions are revoked: no new session can be issued.
  await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'trainer', PolicyDocument: trust('compute.gatehouse.dev') }));
  assert.ok((await call(conn, 'POST', ['sts', 'revoke-sessions'], { body: { roleArn } })).ok);
  const statuses: number[] = [];
  for (let i = 0; i < 40; i++) statuses.push(await read());
  // 409 with the reason since review km, 2 (it was a 503 the SDKs took for an outage).
  assert.ok(statuses.every((s) => s === 409), statuses.join(' '));
  const denied = (await events()).filter((e) => e.type === 'denied');
  assert.equal(denied.length, 1, `one refusal, recorded ${denied.length} times:\n${denied.map((e) => e.message).join('\n')}`);
  assert.match(denied[0]?.message ?? '', /trust policy of role .*trainer does not allow the service training\.gatehouse\.dev/);

  // Trusted again: a session within the hold.
  await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'trainer', PolicyDocument: trust('training.gatehouse.dev') }));
  const issuedBefore = await count('credentials-issued');
  const deadline = Date.now() + 15_000;
  let status = await read();
  while (status !== 200 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    status = await read();
  }
  assert.equal(status, 200, 'no session once the role trusts the service again');
  assert.equal(await count('credentials-issued'), issuedBefore + 1);

  // Refused again after a session was issued: said again.
  await iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'trainer', PolicyDocument: trust('compute.gatehouse.dev') }));
  assert.ok((await call(conn, 'POST', ['sts', 'revoke-sessions'], { body: { roleArn } })).ok);
  for (let i = 0; i < 10; i++) assert.equal(await read(), 409);
  assert.equal(await count('denied'), 2);
});
