/**
 * Review vg, 4: who-can left out the principals a conditional binding would let in when its condition did not hold.
 * Those refused only because the conditions of their IAM Allow statements did not hold are listed apart
 * (`conditionallyExcluded`, review dv, 1: "asked without --context, someone who can read from the office network is not
 * silently missing"), but a binding's condition was not counted: carol, bound `roles/ml.viewer` on a model from 2030
 * (`request.time >= timestamp("2030-01-01T00:00:00Z")`), was in neither list asked now, nor bob, bound until 2030, asked
 * at `aws:CurrentTime` 2031, where dave, allowed until 2030 by an IAM statement, was listed with his condition. Now a
 * principal not allowed whom a binding naming it (as a user, through a group, as a role's service account) would grant
 * the permission had its condition held is listed there with the binding and its CEL expression, as `gatehouse who-can`
 * prints them. Real server, SDK v3 IAM, SigV4-signed /v1/ requests, CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const MODEL = `arn:aws:training::${A}:model/vg4`;
const UNTIL = 'request.time < timestamp("2030-01-01T00:00:00Z")';
const FROM = 'request.time >= timestamp("2030-01-01T00:00:00Z")';
const Y2031 = '2031-01-01T00:00:00Z';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

type Excluded = { kind: string; name: string; conditions: string[]; notMet: { engine: string; policy: string; statement?: number; conditions?: string[] }[] };
type Answer = { allowed: { name: string; conditional: boolean }[]; conditionallyExcluded: Excluded[] };

describe('review vg4: who-can lists those a binding’s condition keeps out', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (const UserName of ['bob', 'carol', 'dave', 'erin', 'frank']) await iam.send(new I.CreateUserCommand({ UserName }));
    await iam.send(new I.CreateGroupCommand({ GroupName: 'later' }));
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'later', UserName: 'erin' }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'dave', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'training:GetModel', Resource: MODEL, Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } }) }));
    const put = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', {
      resource: MODEL,
      bindings: [
        { role: 'roles/ml.viewer', members: ['user:bob'], condition: { title: 'until 2030', expression: UNTIL } },
        { role: 'roles/ml.viewer', members: ['user:carol', 'group:later', `serviceAccount:trainer@${A}.iam.gatehouse.dev`], condition: { title: 'from 2030', expression: FROM } },
      ],
    });
    assert.equal(put.status, 200, JSON.stringify(put.json));
  });
  after(() => s?.stop());

  const whoCan = async (context?: Record<string, string>): Promise<Answer> => {
    const r = await call<Answer>(connectionTo(s.url, s.admin), 'POST', ['who-can'], { body: { action: 'training:GetModel', resource: MODEL, ...(context ? { context } : {}) } });
    assert.ok(r.ok, JSON.stringify(r));
    return r.value;
  };
  const excluded = (a: Answer) => Object.fromEntries(a.conditionallyExcluded.map((x) => [`${x.kind}/${x.name}`, x.conditions]));

  it('asked now: a grant from 2030 lists carol, the group’s erin and the role as excluded, with the binding’s expression', async () => {
    const a = await whoCan();
    assert.deepEqual(a.allowed.filter((x) => x.name !== 'admin').map((x) => [x.name, x.conditional]), [['bob', true], ['dave', true]]);
    assert.deepEqual(excluded(a), { 'user/carol': [FROM], 'user/erin': [FROM], 'role/trainer': [FROM] }, JSON.stringify(a.conditionallyExcluded));
    const carol = a.conditionallyExcluded.find((x) => x.name === 'carol');
    assert.deepEqual(carol?.notMet.map((m) => [m.engine, m.policy, m.statement, m.conditions]), [['bindings', MODEL, 1, [FROM]]]);
  });

  it('asked at aws:CurrentTime 2031: bob is listed as dave is, each with the condition that did not hold', async () => {
    const a = await whoCan({ 'aws:CurrentTime': Y2031 });
    assert.deepEqual(excluded(a), { 'user/bob': [UNTIL], 'user/dave': ['DateLessThan aws:CurrentTime'] }, JSON.stringify(a.conditionallyExcluded));
    assert.deepEqual(a.allowed.filter((x) => x.name !== 'admin').map((x) => x.name).sort(), ['carol', 'erin', 'trainer']);
  });

  it('gatehouse who-can prints them after the table', async () => {
    const cli = await cliAgainst(s, ['who-can', '--action', 'training:GetModel', '--resource', MODEL]);
    assert.equal(cli.status, 0, cli.out + cli.err);
    const after = cli.out.slice(cli.out.indexOf('conditions of their Allow statements did not hold'));
    assert.match(after, /user\s+carol\s+request\.time >= timestamp/, cli.out);
  });
});
