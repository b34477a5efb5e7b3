/**
 * Review ml, 3: a Deny that a user's policies apply by its path (`ArnLike aws:PrincipalArn …:user/contractors/*`) was never listed as lifted by the user moving itself elsewhere with iam:UpdateUser, though the move takes the Deny away.
 *
 * Review eq, 3 listed the ways a principal's own Deny statements may be taken away (`gives: without-deny`): an inline
 * policy deleted, a managed one detached, a group left, a principal tag removed. A guardrail keyed on the user's path
 * (AWS's `aws:PrincipalArn` condition key, "the ARN of the principal that made the request", which follows the user's
 * current path) was not among them, so a contractor allowed `iam:UpdateUser` on users (NewPath is decided on the user's
 * ARN and on the ARN it moves to) was reported with no gain, though `update-user --new-path /` frees it of the Deny and
 * gives it what its other policies grant; a user that may move only within /contractors/ has no such gain. Now each
 * Deny bound to the user under `/` or a path its conditions name, that no longer applies there, is listed
 * (`iam:UpdateUser`, `without-deny`, the policy holding it); the answer is then taken for real.
 *
 * Before the fix 1 of 3 tests failed. Real server (SQLite), SDK v3 IAM, the authorize API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { errorName, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const guard = doc({ Effect: 'Deny', Action: ['iam:List*', 's3:*'], Resource: '*', Condition: { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${A}:user/contractors/*` } } });

interface Gain { readonly by: string; readonly principal: string; readonly action: string; readonly gives: string; readonly policy?: string }
interface Report { readonly canGain: readonly { gain: Gain }[]; readonly anyRight: boolean }

describe('review ml3: a user that may move itself out of the path a Deny names is freed of that Deny', () => {
  let s: TestServer;
  let guardArn = '';
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    guardArn = (await iam.send(new I.CreatePolicyCommand({ PolicyName: 'contractor-guard', PolicyDocument: guard }))).Policy?.Arn ?? '';
    await iam.send(new I.CreateGroupCommand({ GroupName: 'staff' }));
    await iam.send(new I.AttachGroupPolicyCommand({ GroupName: 'staff', PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess' }));
    await iam.send(new I.AttachGroupPolicyCommand({ GroupName: 'staff', PolicyArn: guardArn }));
    for (const [name, moves] of [['carl', `arn:aws:iam::${A}:user/*`], ['dora', `arn:aws:iam::${A}:user/contractors/*`]] as const) {
      await iam.send(new I.CreateUserCommand({ UserName: name, Path: '/contractors/' }));
      await iam.send(new I.AddUserToGroupCommand({ GroupName: 'staff', UserName: name }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'move', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:UpdateUser', Resource: moves }) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
  });
  after(() => s?.stop());

  const reportOf = async (name: string): Promise<Report> => {
    const r = await call<{ reports: Report[] }>(connectionTo(s.url, s.admin), 'POST', ['escalation-paths'], { body: { principal: `arn:aws:iam::${A}:user/contractors/${name}` } });
    assert.ok(r.ok, r.ok ? '' : `${r.code} ${r.message}`);
    return r.value.reports[0] as Report;
  };
  const moves = (r: Report) => r.canGain.filter((g) => g.gain.action === 'iam:UpdateUser').map((g) => [g.gain.gives, g.gain.policy]);
  const listUsers = async (c: Credentials): Promise<string> => {
    const r = await call<{ decision: string }>(connectionTo(s.url, c), 'POST', ['authorize'], { body: { action: 'iam:ListUsers', resource: '*' } });
    assert.ok(r.ok, r.ok ? '' : r.message);
    return r.value.decision;
  };

  it('carl, allowed UpdateUser on any user: moving itself lifts the Deny of the group\'s guard policy', async () => {
    const r = await reportOf('carl');
    assert.deepEqual(moves(r), [['without-deny', guardArn]], JSON.stringify(r));
  });

  it('dora, allowed UpdateUser only within /contractors/: no such gain, and IAM refuses the move', async () => {
    const r = await reportOf('dora');
    assert.deepEqual(moves(r), [], JSON.stringify(r));
    assert.equal(await errorName(s.iam(keys['dora']).send(new I.UpdateUserCommand({ UserName: 'dora', NewPath: '/' }))), 'AccessDenied');
  });

  it('the gain is real: carl is denied ListUsers, moves itself to /, and is allowed it', async () => {
    assert.equal(await listUsers(keys['carl'] as Credentials), 'ExplicitDeny');
    await s.iam(keys['carl']).send(new I.UpdateUserCommand({ UserName: 'carl', NewPath: '/' }));
    assert.equal(await listUsers(keys['carl'] as Credentials), 'Allow');
  });
});
