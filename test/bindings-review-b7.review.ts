/**
 * Review B7 (fixed: src/app/jobs.ts `unionRefusal`, src/app/revocation.ts): `POST /v1/authorize` answers
 * Allow for training:CreateJob on a workspace where a binding grants `ml.jobs.create` (`roles/ml.developer` on
 * `workspace/vision`), while job submission decides training:CreateJob by IAM policies only and refuses the same
 * caller ('check permission for sub user failed'). The authorize API and enforcement must answer alike: submission
 * (and GetJob, ListJobs, StopJob) should accept a binding's grant, unless IAM denies explicitly, cut by the
 * boundary and session policy, as they accept `iam.serviceAccounts.actAs` for PassRole.
 * Real server, AWS SDK v3 IAM client, SigV4-signed /v1/ calls, the gatehouse CLI.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
let server: TestServer;
let alice: Credentials;

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Workspace', metadata: { name: 'vision' }, spec: { members: [{ user: 'alice' }] } }] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const set = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: 'workspace/vision', bindings: [{ role: 'roles/ml.developer', members: ['user:alice'] }] });
  assert.equal(set.status, 200, JSON.stringify(set.json));
});
after(async () => {
  await server?.stop();
});

test('the authorize API and job submission answer training:CreateJob alike', async () => {
  const asked = await gatehouseJson(server.url, alice, 'POST', '/v1/authorize', { action: 'training:CreateJob', resource: `arn:aws:training::${A}:workspace/vision` });
  assert.equal(asked.status, 200, JSON.stringify(asked.json));
  const run = await cliAgainst(server, ['jobs', 'run', '--workspace', 'vision', '--role', 'none', '--', process.execPath, '-e', 'process.exit(0)'], alice);
  assert.equal(run.status === 0 ? 'Allow' : 'refused', asked.json['decision'] === 'Allow' ? 'Allow' : 'refused', `authorize: ${String(asked.json['decision'])}; jobs run: ${run.status} ${run.err}`);
});

test('bindings.permits answers what the authorize union’s bindings engine answers, for enforcement points to use', async () => {
  const app = await server.openApp();
  const who = await app.authenticate(alice.accessKeyId);
  assert.ok(who.ok);
  const ws = `arn:aws:training::${A}:workspace/vision`;
  assert.equal(app.bindings.permits(who.value.caller, 'training:CreateJob', ws).allowed, true);
  assert.match(app.bindings.permits(who.value.caller, 'training:CreateJob', ws).reason, /roles\/ml\.developer/);
  assert.equal(app.bindings.permits(who.value.caller, 'training:DeleteWorkspace', ws).allowed, false);
  assert.equal(app.bindings.permits(who.value.caller, 'training:CreateJob', `arn:aws:training::${A}:workspace/other`).allowed, false);
  assert.equal(app.bindings.permits(who.value.caller, 'sts:AssumeRole', `arn:aws:iam::${A}:role/x`).allowed, false);
});

test('a job is read and its sessions revoked through a binding, cut by the reader’s boundary, as the authorize API answers', async () => {
  const iam = server.iam();
  const keyOf = async (name: string): Promise<Credentials> => {
    await iam.send(new I.CreateUserCommand({ UserName: name }));
    const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: name }));
    return { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  };
  const carol = await keyOf('carol');
  const dave = await keyOf('dave');
  // dave's boundary allows reads of objects only: a binding's grant of ml.jobs.get is cut by it.
  const boundary = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'objects-only', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));
  await iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'dave', PermissionsBoundary: boundary.Policy?.Arn }));
  const current = await gatehouseJson(server.url, server.admin, 'GET', '/v1/iam-policies?resource=workspace%2Fvision');
  assert.equal(current.status, 200, JSON.stringify(current.json));
  const set = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', {
    resource: 'workspace/vision',
    etag: current.json['etag'],
    bindings: [
      { role: 'roles/ml.developer', members: ['user:alice'] },
      { role: 'roles/ml.admin', members: ['user:carol', 'user:dave'] },
    ],
  });
  assert.equal(set.status, 200, JSON.stringify(set.json));
  const run = await cliAgainst(server, ['jobs', 'run', '--workspace', 'vision', '--role', 'none', '--', process.execPath, '-e', 'process.exit(0)'], alice);
  assert.equal(run.status, 0, run.err);
  const listed = await gatehouseJson(server.url, server.admin, 'GET', '/v1/jobs');
  const id = String(((listed.json['jobs'] as { id: string }[]).at(-1) as { id: string }).id);
  const ws = `arn:aws:training::${A}:workspace/vision`;
  for (const [who, creds, expect] of [['carol', carol, 'Allow'], ['dave', dave, 'ImplicitDeny']] as const) {
    const asked = await gatehouseJson(server.url, creds, 'POST', '/v1/authorize', { action: 'training:GetJob', resource: ws });
    assert.equal(asked.json['decision'], expect, `${who}: ${JSON.stringify(asked.json)}`);
    const got = await gatehouseJson(server.url, creds, 'GET', `/v1/jobs/${id}`);
    assert.equal(got.status, expect === 'Allow' ? 200 : 403, `${who} GET /v1/jobs/${id}: ${JSON.stringify(got.json)}`);
    const revoked = await gatehouseJson(server.url, creds, 'POST', '/v1/sts/revoke-sessions', { jobId: id });
    assert.equal(revoked.status, expect === 'Allow' ? 200 : 403, `${who} revoke-sessions: ${JSON.stringify(revoked.json)}`);
  }
  const refused = await gatehouseJson(server.url, dave, 'GET', `/v1/jobs/${id}`);
  assert.match(JSON.stringify(refused.json), /permissions boundary/);
});
