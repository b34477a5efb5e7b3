/**
 * Review tg, 2: a user allowed `training:CreateJob` in its workspace, and allowed to add itself to a group whose policy
 * allows `iam:PassRole` on a role trusting the training service (or to attach to itself a managed policy that does, by
 * `iam:PolicyARN`), joins (attaches), then runs a job as the role; escalation-paths listed no path to the role: the
 * job step asked PassRole with the user's current policies only, and the join or attachment was a gain ending there
 * ("gives: policy"), so who-can's `through` left the user out too. Reviews sx, 2 and 3 made the join and the
 * attachment steps towards AssumeRole and left PassRole to a job (docs/decisions.md); a member is decided with its
 * groups' and attached policies (reference/policy-semantics.md §A.1), so the job step is now also asked with the policy
 * the join or attachment adds: `iam:PassRole`, `iam:AddUserToGroup` (or `iam:AttachUserPolicy`), `training:CreateJob`.
 * A user without the join, or whose own explicit Deny of PassRole stays, is still no path. Taken for real: the job
 * refused before, the user joins the group, the job is given the role. Real server (SQLite), SDK v3 IAM, admin API.
 *
 * Before the fix 2 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { passRoleGrants, pathSteps, serviceRole, usersWithKeys, whoCan, type HowStep } from './support/escalation.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const BIG = `arn:aws:iam::${A}:role/big`;
const WS = `arn:aws:training::${A}:workspace/lab`;
const PASSERS = `arn:aws:iam::${A}:group/passers`;
const PASSBIG = `arn:aws:iam::${A}:policy/passbig`;
const allow = (Action: string | string[], Resource: string | string[] = '*', Condition?: object) => ({ Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {}) });

describe('review tg2: joining a group or attaching a policy, then passing a role to a job', () => {
  let s: TestServer;
  let keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await serviceRole(iam, 'big', 'training.gatehouse.dev');
    await passRoleGrants(iam, BIG, 'passbig');
    const run = allow('training:CreateJob', WS);
    const users: Record<string, object[]> = {
      gus: [run, allow('iam:AddUserToGroup', PASSERS)],
      ann: [run, allow('iam:AttachUserPolicy', user('ann'), { ArnEquals: { 'iam:PolicyARN': PASSBIG } })],
      hal: [run],
      jon: [run, allow('iam:AddUserToGroup', PASSERS), { Effect: 'Deny', Action: 'iam:PassRole', Resource: '*' }],
    };
    keys = await usersWithKeys(iam, users);
    const put = await call(connectionTo(s.url, s.admin), 'PUT', ['workspaces', 'lab'], { body: { members: Object.keys(users).map((u) => ({ user: u })) } });
    assert.ok(put.ok, put.ok ? '' : put.message);
  });
  after(() => s?.stop());

  const toBig = (name: string): Promise<readonly HowStep[] | undefined> => pathSteps(s, user(name), BIG);

  it('a group joined, or a policy attached to oneself, then PassRole to a job in its workspace', async () => {
    assert.deepEqual((await toBig('gus'))?.map((st) => [st.how, st.actions, st.via]), [['iam:PassRole to a training job', ['iam:PassRole', 'iam:AddUserToGroup', 'training:CreateJob'], WS]]);
    assert.deepEqual((await toBig('ann'))?.map((st) => [st.how, st.actions, st.via]), [['iam:PassRole to a training job', ['iam:PassRole', 'iam:AttachUserPolicy', 'training:CreateJob'], WS]]);
  });

  it('no path: no join (hal), an explicit Deny of PassRole that stays (jon)', async () => {
    assert.equal(await toBig('hal'), undefined);
    assert.equal(await toBig('jon'), undefined);
  });

  it("who-can: big's rights are reached through gus and ann, not hal nor jon", async () => {
    const w = await whoCan(s, 's3:GetObject', 'arn:aws:s3:::data/x');
    const big = (w['allowed'] as { name: string; through?: { name: string }[] }[]).find((a) => a.name === 'big');
    assert.ok(big, JSON.stringify(w['allowed']));
    const through = (big.through ?? []).map((t) => t.name);
    for (const n of ['gus', 'ann']) assert.ok(through.includes(n), `${n} in ${through.join(', ')}`);
    for (const n of ['hal', 'jon']) assert.ok(!through.includes(n), `${n} not in ${through.join(', ')}`);
  });

  it('the step is real: the job refused, gus joins passers, its job runs as the role', async () => {
    const as = connectionTo(s.url, keys['gus'] as Credentials);
    const job = { workspace: 'lab', role: BIG, imds: false };
    const refused = await call(as, 'POST', ['jobs'], { body: job });
    assert.equal(refused.ok ? 'ok' : refused.code, 'AccessDenied');
    await s.iam(keys['gus']).send(new I.AddUserToGroupCommand({ GroupName: 'passers', UserName: 'gus' }));
    const created = await call(as, 'POST', ['jobs'], { body: job });
    assert.ok(created.ok, created.ok ? '' : created.message);
  });
});
