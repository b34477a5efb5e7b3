/**
 * Review hq, 6: PassRole to a training job is decided with the job's ARN as `iam:AssociatedResourceArn` (review gb,
 * 5), the id drawn by the server. escalation-paths asked it for `job/*` only, so a user allowed to pass a role only
 * for the jobs whose id matches a pattern (`ArnLike iam:AssociatedResourceArn …:job/a*`), which about one new job in 32
 * satisfies, was listed with no path to the role, though a few submissions give one. Now the PassRole (and the role's
 * trust) is also decided for a drawable id of each such pattern in the user's policies, as review hq, 4 does for the
 * trust policy's. An exact job id still gives no path. Real server (SQLite), SDK v3 IAM, the admin API as the CLI
 * signs it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithKey, type TestServer } from './support/server.ts';

const A = '000000000000';
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const passFor = (arn: string) => ({ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*', Condition: { ArnLike: { 'iam:AssociatedResourceArn': arn } } });

describe('review hq6: escalation-paths and PassRole tied to a pattern of job ids', () => {
  let s: TestServer;
  const stepsOf = async (user: string) => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: `arn:aws:iam::${A}:user/${user}` });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return ((r.json['reports'] as { canBecome: { path: { to: string; how: string }[] }[] }[])[0]?.canBecome ?? []).flatMap((b) => b.path);
  };
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: policy({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    for (const [user, arn] of [['pia', `arn:aws:training::${A}:job/a*`], ['olaf', `arn:aws:training::${A}:job/ctoyhe3zuqmy`]] as const) {
      await userWithKey(s, user);
      await iam.send(new I.PutUserPolicyCommand({ UserName: user, PolicyName: 'p', PolicyDocument: policy({ Effect: 'Allow', Action: 'training:*', Resource: '*' }, passFor(arn)) }));
    }
    const ws = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/vision', { members: [{ user: 'pia' }, { user: 'olaf' }] });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
  });
  after(() => s?.stop());

  it('a user allowed to pass the role for the jobs whose id matches a pattern reaches it through a training job', async () => {
    const steps = await stepsOf('pia');
    // Before the fix: [].
    assert.ok(steps.some((st) => st.to === `arn:aws:iam::${A}:role/trainer` && /training job/.test(st.how)), JSON.stringify(steps));
  });

  it('one allowed for one job only does not', async () => {
    assert.deepEqual(await stepsOf('olaf'), []);
  });
});
