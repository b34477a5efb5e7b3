/**
 * Review hq, 4: escalation-paths decides a role's trust of the training (or compute) service for a new job as `job/*`
 * with the session tag `gatehouse:job = *`, since a job's id is drawn by the server (12 characters of a-z, 2-7), never
 * chosen. A trust policy tied to one job id (`StringEquals aws:RequestTag/gatehouse:job = <id>`) rightly gives no path:
 * no new job is drawn with an id a job already has. But one tied to a pattern of ids (`StringLike
 * aws:RequestTag/gatehouse:job = a*`, `ArnLike aws:SourceArn = …:job/b*`) lets about one job in 32 assume the role,
 * so a user who may submit jobs and pass the role gets it by submitting a few; the literal `*` matched no pattern and
 * the path was left out. Now the trust is also decided for an id of each pattern in its conditions (one a new job may
 * be drawn with), the PassRole with that job's ARN; the report lists the path. Real server (SQLite), SDK v3 IAM, the
 * admin API as the CLI signs it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, type TestServer } from './support/server.ts';

const A = '000000000000';
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const trust = (Condition: object) => policy({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole', Condition });

describe('review hq4: escalation-paths and trust policies tied to job ids', () => {
  let s: TestServer;
  let steps: { to: string; how: string }[] = [];
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'any-job', AssumeRolePolicyDocument: trust({}) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'by-tag-pattern', AssumeRolePolicyDocument: trust({ StringLike: { 'aws:RequestTag/gatehouse:job': 'a*' } }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'by-arn-pattern', AssumeRolePolicyDocument: trust({ ArnLike: { 'aws:SourceArn': `arn:aws:training::${A}:job/b?????????c?` } }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'one-job', AssumeRolePolicyDocument: trust({ StringEquals: { 'aws:RequestTag/gatehouse:job': 'ctoyhe3zuqmy' } }) }));
    // No id a job may be drawn with: upper case, and too long.
    await iam.send(new I.CreateRoleCommand({ RoleName: 'no-id', AssumeRolePolicyDocument: trust({ StringLike: { 'aws:RequestTag/gatehouse:job': ['A*', '?????????????*'] } }) }));
    await userWithKey(s, 'erin');
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: ['training:*', 'iam:PassRole'], Resource: '*' }) }));
    const ws = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/vision', { members: [{ user: 'erin' }] });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: `arn:aws:iam::${A}:user/erin` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    steps = ((r.json['reports'] as { canBecome: { path: { to: string; how: string }[] }[] }[])[0]?.canBecome ?? []).flatMap((b) => b.path);
  });
  after(() => s?.stop());

  const reached = (name: string) => steps.some((st) => st.to === `arn:aws:iam::${A}:role/${name}` && /training job/.test(st.how));

  it('a role trusting the jobs whose id matches a pattern is reached through a training job', () => {
    assert.ok(reached('any-job'), JSON.stringify(steps));
    // Before the fix: neither listed.
    assert.ok(reached('by-tag-pattern'), JSON.stringify(steps));
    assert.ok(reached('by-arn-pattern'), JSON.stringify(steps));
  });

  it('a role trusting one job, or ids no job is drawn with, is not', () => {
    assert.ok(!reached('one-job'), JSON.stringify(steps));
    assert.ok(!reached('no-id'), JSON.stringify(steps));
  });
});
