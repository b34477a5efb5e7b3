/**
 * Review vm, 3: who-can answered a binding to principals beyond the account (another account's service account, a
 * federated subject) whose condition did not hold at the question's time as if no binding named them. Such a binding
 * holding is listed in `grantedBeyond` (`conditional`, with its expression: review kj, 2), and a principal of the
 * account that a binding's unmet condition keeps out is listed in `conditionallyExcluded` (review vg, 4), but the other
 * account's `trainer`, bound `roles/ml.viewer` on a model from 2030, was in neither list asked now: the answer read as
 * "nobody beyond the account, now or later". Decided: `grantedBeyond` stays what holds (a reader of it is told who is
 * let in), and such bindings are listed apart, in `conditionallyExcludedBeyond` (its counterpart, as
 * `conditionallyExcluded` is `allowed`'s), each `conditional` with the condition not met; asked at a time the
 * condition holds, the binding moves to `grantedBeyond`, as before. `gatehouse who-can` prints them after the table. A
 * binding whose condition fails to evaluate grants at no time and is listed in neither.
 * Real server, SDK v3 IAM, SigV4-signed /v1/ requests, CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const B = '111122223333';
const MODEL = `arn:aws:training::${A}:model/vm3`;
const FROM = 'request.time >= timestamp("2030-01-01T00:00:00Z")';
const TRAINER = `serviceAccount:trainer@${B}.iam.gatehouse.dev`;
const Y2031 = '2031-01-01T00:00:00Z';

type Beyond = { member: string; policy: string; index: number; role: string; conditional: boolean; conditions: string[] };
type Answer = { allowed: { name: string }[]; conditionallyExcluded: { name: string }[]; grantedBeyond: Beyond[]; conditionallyExcludedBeyond?: Beyond[]; note: string };

describe('review vm3: who-can lists a binding beyond the account that its condition keeps out', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await s.iam().send(new I.CreateUserCommand({ UserName: 'carol' }));
    const other = await accountAdmin(s, B, 'aws');
    await s.iam(other).send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'sts:AssumeRole' }] }) }));
    const put = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', {
      resource: MODEL,
      bindings: [{ role: 'roles/ml.viewer', members: ['user:carol', TRAINER], condition: { title: 'from 2030', expression: FROM } }],
    });
    assert.equal(put.status, 200, JSON.stringify(put.json));
  });
  after(() => s?.stop());

  const whoCan = async (context?: Record<string, string>): Promise<Answer> => {
    const r = await call<Answer>(connectionTo(s.url, s.admin), 'POST', ['who-can'], { body: { action: 'training:GetModel', resource: MODEL, ...(context ? { context } : {}) } });
    assert.ok(r.ok, JSON.stringify(r));
    return r.value;
  };
  const grant: Beyond = { member: TRAINER, policy: MODEL, index: 0, role: 'roles/ml.viewer', conditional: true, conditions: [FROM] };

  it('asked now: the other account’s service account is listed as kept out by the condition, as carol is', async () => {
    const a = await whoCan();
    assert.deepEqual(a.conditionallyExcluded.map((x) => x.name), ['carol'], JSON.stringify(a));
    assert.deepEqual(a.grantedBeyond, [], JSON.stringify(a));
    assert.deepEqual(a.conditionallyExcludedBeyond, [grant], JSON.stringify(a));
    assert.match(a.note, /see conditionallyExcludedBeyond/);
  });

  it('asked at 2031: the binding holds, and is listed in grantedBeyond alone, as before', async () => {
    const a = await whoCan({ 'aws:CurrentTime': Y2031 });
    assert.ok(a.allowed.some((x) => x.name === 'carol'), JSON.stringify(a));
    assert.deepEqual(a.grantedBeyond, [grant], JSON.stringify(a));
    assert.deepEqual(a.conditionallyExcludedBeyond, [], JSON.stringify(a));
    assert.doesNotMatch(a.note, /conditionallyExcludedBeyond/);
  });

  it('gatehouse who-can prints it after the table, with the condition not met', async () => {
    const cli = await cliAgainst(s, ['who-can', '--action', 'training:GetModel', '--resource', MODEL]);
    assert.equal(cli.status, 0, cli.out + cli.err);
    const after = cli.out.slice(cli.out.indexOf('the condition of their binding did not hold'));
    assert.ok(after.length < cli.out.length, cli.out);
    assert.match(after, new RegExp(`${TRAINER.replace(/\./g, '\\.')}\\s+roles/ml\\.viewer\\s+bindings\\[0\\] of the policy on ${MODEL}\\s+request\\.time >= timestamp`), cli.out);
  });
});
