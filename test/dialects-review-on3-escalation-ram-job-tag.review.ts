/**
 * Dialects review on, finding 3: escalation-paths decides a role's trust of the training service for a new job with an
 * id of each pattern the trust's conditions name (review hq, 4: a trust tied to `StringLike aws:RequestTag/gatehouse:job
 * a*` lets one job in 32 assume the role, so a user who may submit jobs and pass it reaches it). The patterns were read
 * from `aws:RequestTag/gatehouse:job` and from `aws:SourceArn`/`acs:SourceArn`, but not from RAM's spelling of the tag
 * key, `acs:RequestTag/gatehouse:job` (reference §A.2 global keys: `acs:RequestTag/…`; the engine reads it as the `aws:`
 * key, docs/semantics.md "Conditions"): in an `acs` account, a RAM trust policy tied to a pattern of job ids gave no
 * path, while the same trust with `acs:SourceArn`, or in AWS's spelling, did. Now both spellings are read.
 * Real server (SQLite), an `acs` account, SDK v3 IAM, the admin API as the CLI signs it.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, iamUserWith, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '123456789012';
const v1 = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement });
const trust = (Condition: object) => v1({ Effect: 'Allow', Principal: { Service: ['pai.aliyuncs.com'] }, Action: 'sts:AssumeRole', ...(Object.keys(Condition).length ? { Condition } : {}) });

describe('review on3: escalation-paths and RAM trust policies tied to job-id patterns', () => {
  let s: TestServer;
  let steps: { to: string; how: string }[] = [];
  before(async () => {
    s = await startTestServer();
    const admin: Credentials = await accountAdmin(s, ACS, 'acs');
    const iam = s.iam(admin);
    await iam.send(new I.CreateRoleCommand({ RoleName: 'any-job', AssumeRolePolicyDocument: trust({}) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'by-ram-tag-pattern', AssumeRolePolicyDocument: trust({ StringLike: { 'acs:RequestTag/gatehouse:job': 'a*' } }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'one-job', AssumeRolePolicyDocument: trust({ StringEquals: { 'acs:RequestTag/gatehouse:job': 'ctoyhe3zuqmy' } }) }));
    await iamUserWith(iam, 'erin', { Version: '1', Statement: [{ Effect: 'Allow', Action: ['training:*', 'ram:PassRole'], Resource: '*' }] });
    const ws = await gatehouseJson(s.url, admin, 'PUT', '/v1/workspaces/vision', { members: [{ user: 'erin' }] });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
    const r = await gatehouseJson(s.url, admin, 'POST', '/v1/escalation-paths', { principal: `acs:ram::${ACS}:user/erin` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    steps = ((r.json['reports'] as { canBecome: { path: { to: string; how: string }[] }[] }[])[0]?.canBecome ?? []).flatMap((b) => b.path);
  });
  after(() => s?.stop());

  const reached = (name: string) => steps.some((st) => st.to === `acs:ram::${ACS}:role/${name}` && /training job/.test(st.how));

  it('a role whose RAM trust names a pattern of job ids under acs:RequestTag is reached through a training job', () => {
    assert.ok(reached('any-job'), JSON.stringify(steps));
    assert.ok(reached('by-ram-tag-pattern'), JSON.stringify(steps));
  });

  it('a role trusting one job is not', () => {
    assert.ok(!reached('one-job'), JSON.stringify(steps));
  });
});
