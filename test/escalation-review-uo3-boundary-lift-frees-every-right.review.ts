/**
 * Review uo, 3: escalation-paths' `anyRight` (and so the account's table of principals that can reach any right, which
 * `escalation-paths` prints without `--principal`) counted only gains of kind `any`. A user whose own policy allows every
 * action on every resource, held back only by a permissions boundary it may delete (`iam:DeleteUserPermissionsBoundary`
 * on itself), or replace by one allowing everything (`iam:PutUserPermissionsBoundary` allowed for that policy only, by
 * `iam:PermissionsBoundary`), was listed with the gain `gives: own-policies` and `anyRight: false`, and left out of the
 * table, though one call makes it an administrator. `anyRight` now also holds for such a gain when the principal's own
 * policies allow everything (an unconditional Allow of `*` on `*`, no Deny among them); a user whose own policies allow
 * less, or hold a Deny, is still `anyRight: false`. The first is taken for real with SDK v3 (the boundary deleted, a user
 * created). Contract: README ("with those that can reach any right"), DESIGN.md (the auditor's question). Before the fix
 * 2 of 3 tests failed. Real server (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { pathsReport } from './support/escalation.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const policy = (n: string) => `arn:aws:iam::${A}:policy/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const ALL = { Effect: 'Allow', Action: '*', Resource: '*' };

describe('review uo3: a boundary lifted from a principal whose own policies allow everything is any right', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'wide', PolicyDocument: doc(ALL) }));
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'deletable', PolicyDocument: doc({ Effect: 'Allow', Action: ['s3:GetObject', 'iam:DeleteUserPermissionsBoundary'], Resource: '*' }) }));
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'replaceable', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }, { Effect: 'Allow', Action: 'iam:PutUserPermissionsBoundary', Resource: '*', Condition: { StringEquals: { 'iam:PermissionsBoundary': policy('wide') } } }) }));
    for (const [name, own, boundary] of [
      ['dave', doc(ALL), 'deletable'],
      ['erin', doc(ALL), 'replaceable'],
      ['frank', doc({ Effect: 'Allow', Action: ['s3:*', 'iam:DeleteUserPermissionsBoundary'], Resource: '*' }), 'deletable'],
      ['gina', doc(ALL, { Effect: 'Deny', Action: 'iam:*', Resource: '*' }), 'deletable'],
    ] as const) {
      keys[name] = await userWithPolicy(s, name, own);
      await iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: name, PermissionsBoundary: policy(boundary) }));
    }
  });
  after(() => s?.stop());

  it('a user allowed everything but for a boundary it may delete reaches any right, in its report and the account’s; and does', async () => {
    const r = await pathsReport(s, user('dave'));
    assert.equal(r.anyRight, true);
    const all = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', {});
    assert.equal(all.status, 200, JSON.stringify(all.json));
    const reports = all.json['reports'] as { principal: string; anyRight: boolean }[];
    assert.equal(reports.find((x) => x.principal === user('dave'))?.anyRight, true);
    assert.equal(reports.find((x) => x.principal === user('frank'))?.anyRight, false);
    const iam = s.iam(keys['dave']);
    assert.equal(await iam.send(new I.CreateUserCommand({ UserName: 'by-dave' })).then(() => 'created', (e: Error) => e.name), 'AccessDenied');
    await iam.send(new I.DeleteUserPermissionsBoundaryCommand({ UserName: 'dave' }));
    await iam.send(new I.CreateUserCommand({ UserName: 'by-dave' }));
  });

  it('so does one that may replace its boundary only by a policy allowing everything', async () => {
    assert.equal((await pathsReport(s, user('erin'))).anyRight, true);
  });

  it('not one whose own policies allow less, or deny something', async () => {
    for (const name of ['frank', 'gina']) assert.equal((await pathsReport(s, user(name))).anyRight, false, name);
  });
});
