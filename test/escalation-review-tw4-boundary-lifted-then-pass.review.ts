/**
 * Review tw, 4: a principal whose own policy allows `sts:AssumeRole` on an administrator role (or `iam:PassRole` on a
 * role trusting the training service), held back only by its permissions boundary, and allowed to lift that boundary
 * (`iam:DeleteUserPermissionsBoundary` on itself, or `iam:CreatePolicyVersion` on the boundary policy), becomes the
 * role after two calls. escalation-paths listed the lift as a gain ending there (`gives: own-policies`) and followed it
 * no further: dee read `anyRight: false` and `canBecome: []`, jay no path to the job's role. The boundary caps the
 * principal's own policies (reference/policy-semantics.md §A: the intersection of identity policies and boundary), so
 * with it gone they apply in full, as AWS's delegated-administration example warns (it denies both calls for this
 * reason). The AssumeRole step and the job, node and pod steps now also ask with the boundary lifted (a boundary
 * allowing everything in its place) and name the lift. Not for eli, whose own policies allow no AssumeRole, nor dan,
 * who may not lift its boundary. Taken for real: AssumeRole refused, dee deletes its boundary, AssumeRole answers.
 * Real server (SQLite), SDK v3 IAM and STS, admin API.
 *
 * Before the fix 2 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { assumeRefusedUntil, pathsReport, pathTo, startHopWorld } from './support/escalation.ts';
import { iamUserWith, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const ADM = `arn:aws:iam::${A}:role/adm`;
const BIG = `arn:aws:iam::${A}:role/big`;
const WS = `arn:aws:training::${A}:workspace/lab`;
const FENCE = `arn:aws:iam::${A}:policy/fence`;
const allow = (Action: string | string[], Resource: string | string[] = '*') => ({ Effect: 'Allow', Action, Resource });

describe('review tw4: a permissions boundary lifted, then AssumeRole or PassRole', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startHopWorld('big');
    const iam = s.iam();
    // The boundary lets its holders lift it and submit jobs; it allows neither AssumeRole nor PassRole.
    const fence = [allow(['iam:DeleteUserPermissionsBoundary', 'iam:CreatePolicyVersion', 's3:GetObject']), allow('training:CreateJob', WS)];
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'fence', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: fence }) }));
    const users: Record<string, object[]> = {
      dee: [allow('sts:AssumeRole', ADM), allow('iam:DeleteUserPermissionsBoundary', user('dee'))],
      cpv: [allow('sts:AssumeRole', ADM), allow('iam:CreatePolicyVersion', FENCE)],
      jay: [allow('training:CreateJob', WS), allow('iam:PassRole', BIG), allow('iam:DeleteUserPermissionsBoundary', user('jay'))],
      eli: [allow('s3:GetObject'), allow('iam:DeleteUserPermissionsBoundary', user('eli'))],
      dan: [allow('sts:AssumeRole', ADM), allow('training:CreateJob', WS), allow('iam:PassRole', BIG)],
    };
    for (const [name, Statement] of Object.entries(users)) keys[name] = await iamUserWith(iam, name, { Version: '2012-10-17', Statement }, { PermissionsBoundary: FENCE });
    const put = await call(connectionTo(s.url, s.admin), 'PUT', ['workspaces', 'lab'], { body: { members: ['jay', 'dan'].map((u) => ({ user: u })) } });
    assert.ok(put.ok, JSON.stringify(put));
  });
  after(() => s?.stop());

  it('dee deletes its boundary, cpv rewrites it, then AssumeRole on adm (any right)', async () => {
    const dee = await pathsReport(s, user('dee'));
    assert.deepEqual(pathTo(dee, ADM), ['iam:DeleteUserPermissionsBoundary+sts:AssumeRole']);
    assert.equal(dee.anyRight, true);
    assert.deepEqual(pathTo(await pathsReport(s, user('cpv')), ADM), ['iam:CreatePolicyVersion+sts:AssumeRole']);
  });

  it('jay deletes its boundary, then PassRole to a job in its workspace', async () => {
    assert.deepEqual(pathTo(await pathsReport(s, user('jay')), BIG), ['iam:PassRole+iam:DeleteUserPermissionsBoundary+training:CreateJob']);
  });

  it('no path for eli (its own policies allow no AssumeRole) nor dan (it may not lift its boundary)', async () => {
    const eli = await pathsReport(s, user('eli'));
    assert.equal(pathTo(eli, ADM), undefined);
    assert.equal(eli.anyRight, false);
    const dan = await pathsReport(s, user('dan'));
    assert.equal(pathTo(dan, ADM), undefined);
    assert.equal(pathTo(dan, BIG), undefined);
  });

  it('the step is real: AssumeRole refused, dee deletes its boundary, AssumeRole answers', async () => {
    await assumeRefusedUntil(s, keys['dee'] as Credentials, ADM, () => s.iam(keys['dee']).send(new I.DeleteUserPermissionsBoundaryCommand({ UserName: 'dee' })));
  });
});
