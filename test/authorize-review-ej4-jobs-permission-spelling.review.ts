/**
 * Review ej, 4 (fixed in src/app/authorize.ts `jobsAction`). The authorize union answers the actions jobs enforce as
 * jobs decide them (review I, M2; J, j2): only a workspace's members may submit jobs to it whatever the policies allow
 * (`training:CreateJob`), its members may read it whatever the policies say short of an explicit deny
 * (`training:GetWorkspace`), and a job's submitter may read and stop it (`training:GetJob`, `training:StopJob`). Asked in
 * the bindings' spelling of the same requests (`ml.jobs.create`, `resourcemanager.workspaces.get`, `ml.jobs.get`,
 * `ml.jobs.cancel`: src/core/bindings/actions.ts), none of that applied: a non-member with `roles/ml.developer` was
 * answered Allow for `ml.jobs.create` on a workspace that refuses its job, a member was refused
 * `resourcemanager.workspaces.get` on a workspace it may read, and a submitter `ml.jobs.get` on its own job.
 *
 * Now those permissions are decided as the actions they are the permissions of. Real server (SQLite), SDK v3 IAM,
 * SigV4-signed /v1/ calls, the job submitted through `POST /v1/jobs`. Before the fix, 3 of the 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const WS = `arn:aws:training::${A}:workspace/ws1`;
const user = (name: string): string => `arn:aws:iam::${A}:user/${name}`;

let server: TestServer;
let alice: Credentials;
let carol: Credentials;
let jobArn = '';

type Answer = { decision?: string; reasons?: string[] };

before(async () => {
  server = await startTestServer();
  alice = await userWithKey(server, 'alice');
  await userWithKey(server, 'bob');
  carol = await userWithKey(server, 'carol');
  // carol may submit jobs (and nothing else); bob and carol are the workspace's members, alice is not.
  await server.iam().send(new I.PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'submit', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' }] }) }));
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/ws1', { members: [{ user: 'bob' }, { user: 'carol' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
  const bind = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: `account/${A}`, bindings: [{ role: 'roles/ml.developer', members: ['user:alice'] }] });
  assert.equal(bind.status, 200, JSON.stringify(bind.json));
  const job = await gatehouseJson(server.url, carol, 'POST', '/v1/jobs', { workspace: 'ws1', role: 'none', imds: false, name: 'ej4' });
  assert.ok(job.status === 200 || job.status === 201, JSON.stringify(job.json));
  jobArn = `arn:aws:training::${A}:job/${String((job.json['job'] as { id?: string } | undefined)?.id ?? '')}`;
});
after(() => server?.stop());

const ask = async (principal: string, action: string, resource: string): Promise<Answer> => {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as Answer;
};

test('a non-member may not submit a job to the workspace, in either spelling, as jobs refuse it', async () => {
  const submit = await gatehouseJson(server.url, alice, 'POST', '/v1/jobs', { workspace: 'ws1', role: 'none', imds: false, name: 'ej4-alice' });
  assert.ok(submit.status >= 400, JSON.stringify(submit.json));
  assert.equal((await ask(user('alice'), 'training:CreateJob', WS)).decision, 'ImplicitDeny');
  const asPermission = await ask(user('alice'), 'ml.jobs.create', WS);
  assert.equal(asPermission.decision, 'ImplicitDeny', JSON.stringify(asPermission));
  assert.ok(asPermission.reasons?.some((r) => r.startsWith('workspaces: ImplicitDeny:') && r.includes('is not a member of workspace `ws1`')), JSON.stringify(asPermission));
});

test('a member may read the workspace, in either spelling', async () => {
  assert.equal((await ask(user('bob'), 'training:GetWorkspace', WS)).decision, 'Allow');
  const asPermission = await ask(user('bob'), 'resourcemanager.workspaces.get', WS);
  assert.equal(asPermission.decision, 'Allow', JSON.stringify(asPermission));
  assert.equal((await ask(user('alice'), 'resourcemanager.workspaces.get', WS)).decision, 'ImplicitDeny');
});

test('the submitter may read and stop its job, in either spelling', async () => {
  assert.equal((await ask(user('carol'), 'training:GetJob', jobArn)).decision, 'Allow');
  for (const action of ['ml.jobs.get', 'ml.jobs.cancel']) {
    const a = await ask(user('carol'), action, jobArn);
    assert.equal(a.decision, 'Allow', `${action}: ${JSON.stringify(a)}`);
    assert.ok(a.reasons?.some((r) => r.startsWith('jobs: Allow:') && r.includes('submitted job')), JSON.stringify(a));
  }
  assert.equal((await ask(user('bob'), 'ml.jobs.get', jobArn)).decision, 'ImplicitDeny');
});
