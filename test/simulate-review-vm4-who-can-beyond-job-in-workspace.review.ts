/**
 * Review vm, 4: who-can's `grantedBeyond` decided a binding's condition on a job's ARN alone, where the engine reads a
 * job under its workspace too (review uh, 2: `<workspace name>/job/<id>`). An account's binding of `roles/ml.admin`
 * to another account's service account under `!resource.name.startsWith(<prod's ARN>)` ("not prod") keeps it off
 * prod's jobs, as the authorize API and jobs decide, and keeps bob, bound alike, off them in who-can's own list; yet
 * who-can on a job of prod listed the service account as granted beyond the account (the condition read as holding),
 * and, since review vm, 3, not among those the condition keeps out. Such a binding is now decided on the job as
 * enforcement decides it, with the job's names under its workspace: asked about a job of prod, the service account is
 * listed in `conditionallyExcludedBeyond`, as bob in `conditionallyExcluded`; asked about a job of dev, in
 * `grantedBeyond`, as before. Real server (SQLite), IAM API through the AWS SDK v3, admin API (SigV4).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin } from './support/server.ts';
import { A, excludedWorkspace, jobArnOf as jobArn } from './support/excluded-workspace.ts';

const B = '111122223333';
const TRAINER = `serviceAccount:trainer@${B}.iam.gatehouse.dev`;
const NOT_PROD = `!resource.name.startsWith("arn:aws:training::${A}:workspace/prod")`;

type Beyond = { member: string };
type Answer = { allowed: { name: string }[]; conditionallyExcluded: { name: string }[]; grantedBeyond: Beyond[]; conditionallyExcludedBeyond: Beyond[] };

describe('review vm4: who-can decides a binding beyond the account on a job under its workspace', () => {
  const world = excludedWorkspace();
  let s: ReturnType<typeof world>['s'];
  let jobs: Record<string, string>;
  before(async () => {
    ({ s, jobs } = world());
    const other = await accountAdmin(s, B, 'aws');
    await s.iam(other).send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'sts:AssumeRole' }] }) }));
    const put = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', {
      resource: `account/${A}`,
      bindings: [{ role: 'roles/ml.admin', members: ['user:bob', TRAINER], condition: { title: 'not prod', expression: NOT_PROD } }],
    });
    assert.equal(put.status, 200, JSON.stringify(put.json));
  });

  const whoCan = async (job: string): Promise<Answer> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 'training:StopJob', resource: jobArn(job) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as unknown as Answer;
  };

  it('a job of prod: the service account is kept out by the condition, as bob is', async () => {
    const a = await whoCan(jobs['prod'] as string);
    assert.ok(!a.allowed.some((x) => x.name === 'bob'), JSON.stringify(a));
    assert.ok(a.conditionallyExcluded.some((x) => x.name === 'bob'), JSON.stringify(a));
    assert.deepEqual(a.grantedBeyond.map((g) => g.member), [], JSON.stringify(a));
    assert.deepEqual(a.conditionallyExcludedBeyond.map((g) => g.member), [TRAINER], JSON.stringify(a));
  });

  it('a job of dev: granted to it, as to bob', async () => {
    const a = await whoCan(jobs['dev'] as string);
    assert.ok(a.allowed.some((x) => x.name === 'bob'), JSON.stringify(a));
    assert.deepEqual(a.grantedBeyond.map((g) => g.member), [TRAINER], JSON.stringify(a));
    assert.deepEqual(a.conditionallyExcludedBeyond, [], JSON.stringify(a));
  });
});
