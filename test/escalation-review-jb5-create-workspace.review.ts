/**
 * Review jb, 5: escalation-paths looked for training-job steps only in workspaces that exist (those a user belongs
 * to, or may join: review bz, 4). A user allowed `training:CreateWorkspace`, `training:CreateJob` and `iam:PassRole` on
 * a role that trusts the training service, in an account with no workspace it could join, was answered "acts as no
 * other principal", though it creates a workspace naming itself a member (`PUT /v1/workspaces/W`) and runs a job as
 * the role. It now is listed, the step naming `training:CreateWorkspace` and the workspace it would create (one its
 * policies let it create: `workspace/team-*` read as `team-new`); not a user who may not create one, nor one the
 * submission is refused for beyond membership. The step is then taken for real with the admin API: the user's job
 * in an existing workspace is refused, it creates its own, and its job is given the role. Before the fix 1 of 2 tests
 * failed. Real server (SQLite), admin API (SigV4), SDK v3 IAM.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const BIG = `arn:aws:iam::${A}:role/big`;
const ws = (n: string) => `arn:aws:training::${A}:workspace/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*') => ({ Effect: 'Allow', Action, Resource });

interface Step {
  readonly how: string;
  readonly actions: readonly string[];
  readonly via?: string;
}

describe('review jb5: a workspace the user may create is a way to run a job as a role', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'big', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'big', PolicyName: 'all', PolicyDocument: doc(allow('s3:*')) }));
    // An existing workspace none of them belongs to, and that none may write.
    const put = await call(connectionTo(s.url, s.admin), 'PUT', ['workspaces', 'lab'], { body: { members: [{ user: 'admin' }] } });
    assert.ok(put.ok, put.ok ? '' : put.message);
    const run = allow(['training:CreateJob', 'iam:PassRole']);
    keys['dan'] = await userWithPolicy(s, 'dan', doc(run, allow('training:CreateWorkspace', ws('team-*'))));
    keys['nora'] = await userWithPolicy(s, 'nora', doc(run));
    // May create a workspace, not submit jobs: nothing.
    keys['ida'] = await userWithPolicy(s, 'ida', doc(allow('iam:PassRole'), allow('training:CreateWorkspace', ws('*'))));
  });
  after(() => s?.stop());

  const toBig = async (name: string): Promise<readonly Step[] | undefined> => {
    const r = await call<{ reports: { canBecome: { principal: string; path: Step[] }[] }[] }>(connectionTo(s.url, s.admin), 'POST', ['escalation-paths'], { body: { principal: user(name) } });
    assert.ok(r.ok, r.ok ? '' : `${r.code} ${r.message}`);
    return r.value.reports[0]?.canBecome.find((b) => b.principal === BIG)?.path;
  };

  it('a user who may create a workspace its policies name is listed with the creation; it does so and its job runs as the role', async () => {
    assert.deepEqual((await toBig('dan'))?.map((st) => [st.how, st.actions, st.via]), [['iam:PassRole to a training job', ['iam:PassRole', 'training:CreateWorkspace', 'training:CreateJob'], ws('team-new')]]);
    const as = connectionTo(s.url, keys['dan'] as Credentials);
    const refused = await call(as, 'POST', ['jobs'], { body: { workspace: 'lab', role: BIG, imds: false } });
    assert.equal(refused.ok ? 'ok' : refused.code, 'AccessDenied');
    const made = await call(as, 'PUT', ['workspaces', 'team-new'], { body: { members: [{ user: 'dan' }] } });
    assert.ok(made.ok, made.ok ? '' : made.message);
    const job = await call<{ job: { role: { mode: string; arn?: string } } }>(as, 'POST', ['jobs'], { body: { workspace: 'team-new', role: BIG, imds: false } });
    assert.ok(job.ok, job.ok ? '' : job.message);
    assert.deepEqual(job.value.job.role, { mode: 'custom', arn: BIG });
  });

  it('no such step for a user who may not create a workspace, or may not submit jobs; the server refuses them', async () => {
    assert.equal(await toBig('nora'), undefined);
    const nora = await call(connectionTo(s.url, keys['nora'] as Credentials), 'PUT', ['workspaces', 'nora-ws'], { body: { members: [{ user: 'nora' }] } });
    assert.equal(nora.ok ? 'ok' : nora.code, 'AccessDenied');
    assert.equal(await toBig('ida'), undefined);
    const as = connectionTo(s.url, keys['ida'] as Credentials);
    const made = await call(as, 'PUT', ['workspaces', 'ida-ws'], { body: { members: [{ user: 'ida' }] } });
    assert.ok(made.ok, made.ok ? '' : made.message);
    const job = await call(as, 'POST', ['jobs'], { body: { workspace: 'ida-ws', role: BIG, imds: false } });
    assert.equal(job.ok ? 'ok' : job.code, 'AccessDenied');
  });
});
