/**
 * Review fm, finding 1: a role whose trust in the training service carries AWS's cross-service confused-deputy guard
 * (`Condition: {StringEquals: {aws:SourceAccount: <the account>}}`, or `ArnLike aws:SourceArn <the account's jobs>`,
 * as SageMaker's, ECS's and the other services' documentation recommend for an execution role) could run no job: the
 * trust policy was decided with no context at all, so every such condition failed, and `jobs run` answered `Failed to
 * assume role for user: the trust policy … does not allow the training service training.gatehouse.dev to assume it; add
 * this statement …`, naming as the fix the very statement the trust policy already held. Now the service assumes a
 * role with `aws:SourceAccount` (the job's account) and `aws:SourceArn` (the job's ARN,
 * `arn:aws:training::A:job/<id>`; SageMaker gives its training job's), at submit and at each issuance of the job's
 * sessions (a cluster node's start too; a pod's admission with `aws:SourceAccount`); a condition naming another
 * account, or an ARN that is not the job's, still refuses. Real server (SQLite), SDK v3 IAM and STS, the admin API as
 * the CLI signs it, the container endpoint as the SDKs read it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const ROLE = (name: string) => `arn:aws:iam::${A}:role/${name}`;

let server: TestServer;

/** A role trusting the training service under `Condition`. */
async function role(name: string, Condition: object): Promise<void> {
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'training.gatehouse.dev' }, Condition }] };
  await server.iam().send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify(trust) }));
}

/** Submits a job with `name`'s role as the admin: its status, error message, and when it started, its id and capability. */
async function submit(name: string): Promise<{ status: number; message: string; id?: string; capability?: string }> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'fm1', role: ROLE(name), imds: false });
  const job = r.json['job'] as { id?: string } | undefined;
  return { status: r.status, message: String((r.json['error'] as { message?: string } | undefined)?.message ?? ''), ...(job?.id !== undefined ? { id: job.id, capability: String(r.json['capability']) } : {}) };
}

before(async () => {
  server = await startTestServer();
  await role('source-account', { StringEquals: { 'aws:SourceAccount': A } });
  await role('source-arn', { ArnLike: { 'aws:SourceArn': `arn:aws:training::${A}:job/*` } });
  await role('both', { StringEquals: { 'aws:SourceAccount': A }, ArnLike: { 'aws:SourceArn': `arn:aws:training::${A}:*` } });
  await role('other-account', { StringEquals: { 'aws:SourceAccount': '111122223333' } });
  await role('workspace-arn', { ArnLike: { 'aws:SourceArn': `arn:aws:training::${A}:workspace/*` } });
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/fm1', { members: [{ user: 'admin' }] });
  assert.ok(ws.status === 200 || ws.status === 201, JSON.stringify(ws.json));
});
after(async () => {
  await server?.stop();
});

describe('review fm1: the training service assumes a role with aws:SourceAccount and aws:SourceArn', () => {
  for (const name of ['source-account', 'source-arn', 'both']) {
    test(`a trust conditioned as AWS recommends (${name}) runs the job, and its sessions are issued`, async () => {
      const r = await submit(name);
      assert.equal(r.status, 201, r.message);
      const got = await fetch(`${server.running.agentUrl}/v1/container-credentials`, { headers: { authorization: r.capability as string } });
      const body = await got.text();
      assert.equal(got.status, 200, body);
      const c = JSON.parse(body) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
      const sts = new STSClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.Token } });
      const me = await sts.send(new GetCallerIdentityCommand({}));
      assert.equal(me.Arn, `arn:aws:sts::${A}:assumed-role/${name}/job-${r.id}`);
    });
  }

  test('a condition naming another account, or an ARN that is not the job’s, still refuses', async () => {
    for (const name of ['other-account', 'workspace-arn']) {
      const r = await submit(name);
      assert.equal(r.status, 403, `${name}: ${r.message}`);
      assert.match(r.message, /^Failed to assume role for user: the trust policy of role arn:aws:iam::000000000000:role\//);
    }
  });
});
