/**
 * Review J, finding j2: a job's actions (`training:GetJob`, its events, `training:StopJob`, `training:ListJobs` for
 * each job listed) were decided on the job's workspace's ARN only, never on the job's own
 * (`arn:aws:training::A:job/<id>`, the ARN the bindings type `ml.gatehouse.dev/Job` and `jobArn` name). So an Allow on
 * `…:job/*` refused `jobs get` while `gatehouse authorize` asked about the job's ARN answered Allow, and a Deny on one
 * job's ARN did not hold (authorize: ExplicitDeny; the job was read). Now they are decided on the job's ARN, with its
 * workspace as its container: a grant on the workspace's ARN still covers the workspace's jobs (it was the rule, and
 * `sts revoke-sessions --job` documents it), and an explicit deny on either refuses. The submitter may always.
 * IAM SimulatePrincipalPolicy answers the same, and so does the authorize API (its patch applied at integration), and
 * `sts revoke-sessions --job` decides training:StopJob the same way.
 * Real server (SQLite): the admin API as the gatehouse CLI calls it, and SDK v3 for IAM.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const WS = `arn:aws:training::${A}:workspace/vision`;

let server: TestServer;
let iam: I.IAMClient;
let id = '';
let jobArn = '';
const who: Record<string, Credentials> = {};

/** A user with `statements` (and gatehouse:Authorize, to ask about itself). */
async function user(name: string, ...statements: object[]): Promise<void> {
  await iam.send(new I.CreateUserCommand({ UserName: name }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'gatehouse:Authorize', Resource: '*' }, ...statements) }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  who[name] = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
}
const get = (name: string, path = '') => gatehouseJson(server.url, who[name] as Credentials, 'GET', `/v1/jobs/${id}${path}`);
const asked = async (name: string, action: string, resource: string): Promise<string> => {
  const r = await gatehouseJson(server.url, who[name] as Credentials, 'POST', '/v1/authorize', { action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return String(r.json['decision']);
};
const simulated = async (name: string, action: string, resource: string): Promise<string | undefined> =>
  (await iam.send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: `arn:aws:iam::${A}:user/${name}`, ActionNames: [action], ResourceArns: [resource] }))).EvaluationResults?.[0]?.EvalDecision;

before(async () => {
  server = await startTestServer();
  iam = server.iam();
  const ws = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/vision', { members: [{ user: 'admin' }] });
  assert.equal(ws.status, 200, JSON.stringify(ws.json));
  const submitted = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'vision', role: 'none' });
  assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
  id = String((submitted.json['job'] as { id: string }).id);
  jobArn = `arn:aws:training::${A}:job/${id}`;
  // On the job's ARN.
  await user('dave', { Effect: 'Allow', Action: ['training:GetJob', 'training:ListJobs', 'training:StopJob'], Resource: `arn:aws:training::${A}:job/*` });
  // Everything but this job.
  await user('carol', { Effect: 'Allow', Action: ['training:GetJob', 'training:ListJobs', 'training:StopJob'], Resource: '*' }, { Effect: 'Deny', Action: 'training:*', Resource: jobArn });
  // On the workspace, as before.
  await user('erin', { Effect: 'Allow', Action: ['training:GetJob', 'training:ListJobs'], Resource: WS });
  // Everything but the workspace.
  await user('frank', { Effect: 'Allow', Action: ['training:GetJob', 'training:ListJobs'], Resource: '*' }, { Effect: 'Deny', Action: 'training:GetJob', Resource: WS });
  // Another job's ARN only.
  await user('gina', { Effect: 'Allow', Action: ['training:GetJob', 'training:ListJobs'], Resource: `arn:aws:training::${A}:job/other` });
});
after(async () => {
  await server?.stop();
});

describe("review J, j2: a job's actions are decided on the job's ARN, in its workspace", () => {
  test("an Allow on the job's ARN lets its holder read the job, its events and the listing, and stop it", async () => {
    assert.equal((await get('dave')).status, 200);
    assert.equal((await get('dave', '/events')).status, 200);
    const listed = await gatehouseJson(server.url, who['dave'] as Credentials, 'GET', '/v1/jobs');
    assert.deepEqual((listed.json['jobs'] as { id: string }[]).map((j) => j.id), [id]);
    assert.equal(await asked('dave', 'training:GetJob', jobArn), 'Allow');
    assert.equal(await simulated('dave', 'training:GetJob', jobArn), 'allowed');
    assert.equal((await get('gina')).status, 403, "another job's ARN grants nothing");
  });

  test("a Deny on the job's ARN holds, as authorize and the simulator say", async () => {
    const r = await get('carol');
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(JSON.stringify(r.json), /explicitly denied/);
    assert.equal((await get('carol', '/events')).status, 403);
    assert.equal(await asked('carol', 'training:GetJob', jobArn), 'ExplicitDeny');
    assert.equal(await simulated('carol', 'training:GetJob', jobArn), 'explicitDeny');
    const listed = await gatehouseJson(server.url, who['carol'] as Credentials, 'GET', '/v1/jobs');
    assert.deepEqual(listed.json['jobs'], []);
    const stop = await gatehouseJson(server.url, who['carol'] as Credentials, 'POST', `/v1/jobs/${id}/stop`);
    assert.equal(stop.status, 403);
  });

  test("the workspace still covers its jobs: an Allow on it grants, a Deny on it refuses", async () => {
    assert.equal((await get('erin')).status, 200);
    assert.equal(await simulated('erin', 'training:GetJob', jobArn), 'allowed');
    assert.equal(await asked('erin', 'training:GetJob', WS), 'Allow');
    const r = await get('frank');
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.equal(await simulated('frank', 'training:GetJob', jobArn), 'explicitDeny');
    assert.equal(await asked('frank', 'training:GetJob', WS), 'ExplicitDeny');
  });

  test("the authorize API asked about the job's ARN answers as enforcement for a workspace grant or deny", async () => {
    assert.equal(await asked('erin', 'training:GetJob', jobArn), 'Allow');
    assert.equal(await asked('frank', 'training:GetJob', jobArn), 'ExplicitDeny');
  });

  test("sts revoke-sessions --job is decided as jobs stop: on the job's ARN, in its workspace", async () => {
    const revoke = (name: string) => gatehouseJson(server.url, who[name] as Credentials, 'POST', '/v1/sts/revoke-sessions', { jobId: id });
    assert.equal((await revoke('dave')).status, 200);
    assert.equal((await revoke('carol')).status, 403);
  });

  test('the gatehouse CLI: jobs get and jobs stop by the holder of the job ARN', async () => {
    const got = await cliAgainst(server, ['jobs', 'get', id], who['dave']);
    assert.equal(got.status, 0, got.err);
    assert.match(got.out, new RegExp(`id:\\s+${id}`));
    const refused = await cliAgainst(server, ['jobs', 'get', id], who['carol']);
    assert.equal(refused.status, 9, refused.err);
    const stopped = await cliAgainst(server, ['jobs', 'stop', id], who['dave']);
    assert.equal(stopped.status, 0, stopped.err);
  });
});
