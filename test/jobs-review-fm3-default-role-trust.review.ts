/**
 * Review fm, finding 3: a default-role job (`--role default`) was accepted whatever the trust policy of the account's
 * default training role said. The role is made on the first such submission trusting the training service, but it is a
 * role of the account like any other: an admin may change its trust (UpdateAssumeRolePolicy, `gatehouse apply`). Only a
 * custom role's trust was checked at submit, so a job submitted once the default role no longer trusted the service
 * started, and each of its processes was refused at every read of its credentials (503 `Unavailable`, which the SDKs
 * try again), the job Running and its submitter told nothing. The seed document, and DESIGN.md, say a submission whose
 * role's trust policy does not name the training service fails with `Failed to assume role for user`. Now the default
 * role's trust is decided at submit as a custom role's is (once it exists): refused with that message, naming the role
 * and the statement to add, nothing stored; a trust given back lets jobs in again. Real server (SQLite), SDK v3 IAM, the
 * admin API as the CLI signs it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const DEFAULT_ROLE = 'GatehouseTrainingDefaultRole';
const trust = (service: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: service } }] });

let server: TestServer;

before(async () => {
  server = await startTestServer();
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/fm3', { members: [{ user: 'admin' }] });
  assert.ok(ws.status === 200 || ws.status === 201, JSON.stringify(ws.json));
});
after(async () => {
  await server?.stop();
});

async function submitDefault(): Promise<{ status: number; message: string }> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'fm3', role: 'default', imds: false });
  return { status: r.status, message: String((r.json['error'] as { message?: string } | undefined)?.message ?? '') };
}

test('fm3: a default-role job is refused at submit while the default role does not trust the training service', async () => {
  // The first default-role job makes the role.
  assert.equal((await submitDefault()).status, 201);
  const iam = server.iam();
  await iam.send(new I.UpdateAssumeRolePolicyCommand({ RoleName: DEFAULT_ROLE, PolicyDocument: trust('ec2.amazonaws.com') }));
  const before = (await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs')).json['jobs'] as unknown[];
  const refused = await submitDefault();
  assert.equal(refused.status, 403, refused.message);
  assert.equal(
    refused.message,
    `Failed to assume role for user: the trust policy of role arn:aws:iam::000000000000:role/${DEFAULT_ROLE} does not allow the training service training.gatehouse.dev to assume it; add this statement to the role's trust policy: {"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Service":"training.gatehouse.dev"}}`,
  );
  const after = (await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs')).json['jobs'] as unknown[];
  assert.equal(after.length, before.length, 'nothing is stored');
  // Trust given back: jobs run again, and get their credentials.
  await iam.send(new I.UpdateAssumeRolePolicyCommand({ RoleName: DEFAULT_ROLE, PolicyDocument: trust('training.gatehouse.dev') }));
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'fm3', role: 'default', imds: false });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const got = await fetch(`${server.running.agentUrl}/v1/container-credentials`, { headers: { authorization: String(r.json['capability']) } });
  assert.equal(got.status, 200, await got.text());
});
