/**
 * Review uh, 2: a binding's condition reads `resource.name` as GCP names resources, a child under its parent
 * (`projects/_/buckets/b/objects/o`), so that `!resource.name.startsWith(<parent>)` keeps a grant off the parent and
 * everything in it (GCP "Resource attributes for IAM Conditions", resource.name; DESIGN.md "GCP-style names": a
 * resource sits under its account and its workspace; docs/decisions.md "A job's actions are decided on the job's ARN,
 * in its workspace"). A job's ARN (`arn:aws:training::A:job/<id>`) names no workspace, and jobs allow a job's action
 * when it is allowed on the job's ARN or on its workspace's: an account's binding of `roles/ml.admin` under
 * `!resource.name.startsWith("arn:aws:training::A:workspace/prod")` let its member read and stop every job of prod,
 * decided on the job's ARN, and the authorize API answered Allow. Now a job's ARN is read by conditions with its names
 * under its workspace too (`<workspace name>/job/<id>`, in each of the workspace's spellings), in jobs, `sts
 * revoke-sessions --job` and the authorize API.
 *
 * Before the fix 3 of 4 tests failed.
 *
 * Real server (SQLite), IAM API through the AWS SDK v3, admin API (SigV4).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const jobArn = (id: string) => `arn:aws:training::${A}:job/${id}`;

describe('review uh2: a condition excluding a workspace keeps its jobs out of the grant', () => {
  let s: TestServer;
  let erin: Credentials;
  let bob: Credentials;
  const jobs: Record<string, string> = {};
  before(async () => {
    s = await startTestServer();
    erin = await userWithKey(s, 'erin');
    bob = await userWithKey(s, 'bob');
    await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: 'training:CreateJob', Resource: '*' }) }));
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [doc('Workspace', 'prod', { members: [{ user: 'erin' }] }), doc('Workspace', 'dev', { members: [{ user: 'erin' }] })] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    // bob administers the account's jobs, those of prod aside.
    const put = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', {
      resource: `account/${A}`,
      bindings: [{ role: 'roles/ml.admin', members: ['user:bob'], condition: { title: 'not prod', expression: `!resource.name.startsWith("arn:aws:training::${A}:workspace/prod")` } }],
    });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    for (const ws of ['prod', 'dev']) {
      const r = await gatehouseJson(s.url, erin, 'POST', '/v1/jobs', { workspace: ws, role: 'none', imds: false });
      assert.equal(r.status, 201, JSON.stringify(r.json));
      jobs[ws] = (r.json['job'] as { id: string }).id;
    }
  });
  after(() => s?.stop());

  it('bob reads a job of dev, which the condition lets in', async () => {
    const r = await gatehouseJson(s.url, bob, 'GET', `/v1/jobs/${jobs['dev']}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });

  it('bob neither reads nor stops a job of prod', async () => {
    const got = await gatehouseJson(s.url, bob, 'GET', `/v1/jobs/${jobs['prod']}`);
    assert.equal(got.status, 403, JSON.stringify(got.json));
    const stopped = await gatehouseJson(s.url, bob, 'POST', `/v1/jobs/${jobs['prod']}/stop`);
    assert.equal(stopped.status, 403, JSON.stringify(stopped.json));
    const job = await gatehouseJson(s.url, s.admin, 'GET', `/v1/jobs/${jobs['prod']}`);
    assert.equal(job.json['state'], 'Queued', JSON.stringify(job.json));
  });

  it('bob does not revoke the sessions of a job of prod', async () => {
    const r = await gatehouseJson(s.url, bob, 'POST', '/v1/sts/revoke-sessions', { jobId: jobs['prod'] });
    assert.equal(r.status, 403, JSON.stringify(r.json));
  });

  it('the authorize API answers as jobs decide', async () => {
    const ask = (id: string) => gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${A}:user/bob`, action: 'training:StopJob', resource: jobArn(id) });
    const prod = await ask(jobs['prod'] as string);
    assert.equal(prod.json['decision'], 'ImplicitDeny', JSON.stringify(prod.json));
    const dev = await ask(jobs['dev'] as string);
    assert.equal(dev.json['decision'], 'Allow', JSON.stringify(dev.json));
  });
});
