/**
 * Review iz, finding 9: a job's actions (`training:GetJob` and its events, `training:StopJob`, `training:ListJobs`, `sts
 * revoke-sessions --job`) are decided on the job's ARN and on its container's, its workspace's. A cluster node (and a
 * pod's job) has no workspace, and was decided on `arn:aws:training::A:workspace/`, an empty name. So a team lead
 * allowed those actions on every workspace (`workspace/*`) read and stopped every cluster's nodes; an operator allowed
 * them on `cluster/gpu` could read or stop none of gpu's nodes; and a Deny of `training:StopJob` on `cluster/prod` did
 * not keep prod's nodes from being stopped by someone allowed `training:*`. Now a node lies in its cluster: its actions
 * are decided on the job's ARN and on its cluster's, in jobs, the authorize API, the simulator and revoke-sessions.
 *
 * A real server on 127.0.0.1, its admin API as the CLI calls it. Before the fix 3 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
let server: TestServer;
const nodes: Record<string, string> = {};
let lead: Credentials;
let op: Credentials;
let guarded: Credentials;

const allow = (resource: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['training:GetJob', 'training:StopJob', 'training:ListJobs'], Resource: resource }] });

before(async () => {
  server = await startTestServer();
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'compute.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
  await server.iam().send(new CreateRoleCommand({ RoleName: 'node', AssumeRolePolicyDocument: JSON.stringify(trust) }));
  for (const c of ['gpu', 'prod', 'cpu']) {
    assert.equal((await gatehouseJson(server.url, server.admin, 'PUT', `/v1/clusters/${c}`, { instanceRole: 'node' })).status, 200);
    const n = await gatehouseJson(server.url, server.admin, 'POST', `/v1/clusters/${c}/nodes`, { imds: false });
    assert.equal(n.status, 201, JSON.stringify(n.json));
    nodes[c] = (n.json['job'] as { id: string }).id;
  }
  lead = await userWithPolicy(server, 'lead', allow(`arn:aws:training::${A}:workspace/*`));
  op = await userWithPolicy(server, 'op', allow(`arn:aws:training::${A}:cluster/gpu`));
  guarded = await userWithPolicy(server, 'guarded', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'training:*', Resource: '*' }, { Effect: 'Deny', Action: 'training:StopJob', Resource: `arn:aws:training::${A}:cluster/prod` }] }));
});
after(async () => server?.stop());

test('iz9: a grant on the cluster reaches its nodes, and one on every workspace does not', async () => {
  const got = await gatehouseJson(server.url, op, 'GET', `/v1/jobs/${nodes['gpu']}`);
  assert.equal(got.status, 200, JSON.stringify(got.json));
  const events = await gatehouseJson(server.url, op, 'GET', `/v1/jobs/${nodes['gpu']}/events`);
  assert.equal(events.status, 200, JSON.stringify(events.json));
  const other = await gatehouseJson(server.url, op, 'GET', `/v1/jobs/${nodes['cpu']}`);
  assert.equal(other.status, 403, JSON.stringify(other.json));
  const listed = await gatehouseJson(server.url, op, 'GET', '/v1/jobs');
  assert.deepEqual((listed.json['jobs'] as { id: string }[]).map((j) => j.id), [nodes['gpu']]);

  for (const id of [nodes['gpu'], nodes['cpu']]) {
    const r = await gatehouseJson(server.url, lead, 'GET', `/v1/jobs/${id}`);
    assert.equal(r.status, 403, `workspace/* reaches no node: ${JSON.stringify(r.json)}`);
  }
  const leadList = await gatehouseJson(server.url, lead, 'GET', '/v1/jobs');
  assert.deepEqual(leadList.json['jobs'], []);
});

test('iz9: a Deny on the cluster keeps its nodes from being stopped, and revoke-sessions decides the same', async () => {
  const denied = await gatehouseJson(server.url, guarded, 'POST', `/v1/jobs/${nodes['prod']}/stop`, {});
  assert.equal(denied.status, 403, JSON.stringify(denied.json));
  assert.match(JSON.stringify(denied.json), /explicitly denied by an identity policy \(on arn:aws:training::000000000000:cluster\/prod\)/);
  const revoke = await gatehouseJson(server.url, guarded, 'POST', '/v1/sts/revoke-sessions', { jobId: nodes['prod'] });
  assert.equal(revoke.status, 403, JSON.stringify(revoke.json));
  const still = await gatehouseJson(server.url, server.admin, 'GET', `/v1/jobs/${nodes['prod']}`);
  assert.equal(still.json['state'], 'Queued');
  const opRevoke = await gatehouseJson(server.url, op, 'POST', '/v1/sts/revoke-sessions', { jobId: nodes['gpu'] });
  assert.equal(opRevoke.status, 200, JSON.stringify(opRevoke.json));
  const stopped = await gatehouseJson(server.url, op, 'POST', `/v1/jobs/${nodes['gpu']}/stop`, {});
  assert.equal(stopped.status, 200, JSON.stringify(stopped.json));
});

test('iz9: the authorize API and the simulator answer a node\'s job as jobs decide it, on its cluster', async () => {
  const ask = async (who: Credentials, id: string | undefined) => {
    const r = await gatehouseJson(server.url, who, 'POST', '/v1/authorize', { action: 'training:GetJob', resource: `arn:aws:training::${A}:job/${id}` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json['decision'];
  };
  assert.equal(await ask(op, nodes['cpu']), 'ImplicitDeny');
  assert.equal(await ask(op, nodes['prod']), 'ImplicitDeny');
  assert.equal(await ask(lead, nodes['cpu']), 'ImplicitDeny');
  const opOnGpu = await gatehouseJson(server.url, op, 'POST', '/v1/authorize', { action: 'training:GetJob', resource: `arn:aws:training::${A}:job/${nodes['gpu']}` });
  assert.equal(opOnGpu.json['decision'], 'Allow', JSON.stringify(opOnGpu.json));
  assert.match(JSON.stringify(opOnGpu.json), /decided on cluster `arn:aws:training::000000000000:cluster\/gpu`/);
  const sim = await server.iam().send(new (await import('@aws-sdk/client-iam')).SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${A}:user/op`, ActionNames: ['training:StopJob'], ResourceArns: [`arn:aws:training::${A}:job/${nodes['cpu']}`, `arn:aws:training::${A}:job/${nodes['prod']}`] }));
  assert.deepEqual(sim.EvaluationResults?.map((e) => e.EvalDecision), ['implicitDeny', 'implicitDeny']);
  const simLead = await server.iam().send(new (await import('@aws-sdk/client-iam')).SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${A}:user/guarded`, ActionNames: ['training:StopJob'], ResourceArns: [`arn:aws:training::${A}:job/${nodes['prod']}`] }));
  assert.deepEqual(simLead.EvaluationResults?.map((e) => e.EvalDecision), ['explicitDeny']);
});
