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
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { A, excludedWorkspace, jobArnOf as jobArn } from './support/excluded-workspace.ts';

describe('review uh2: a condition excluding a workspace keeps its jobs out of the grant', () => {
  const world = excludedWorkspace();
  let s: ReturnType<typeof world>['s'];
  let bob: ReturnType<typeof world>['bob'];
  let jobs: Record<string, string>;
  before(() => {
    ({ s, bob, jobs } = world());
  });

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
