/**
 * Review mb, 3: escalation-paths asked `iam:Attach…Policy` and `iam:Put…PermissionsBoundary` first without the policy
 * they name, and took an Allow there as "any policy" (`gives: any`, `own-policies`). Enforcement never asks them so:
 * IAM always gives `iam:PolicyARN` on AttachUserPolicy/AttachGroupPolicy/AttachRolePolicy and `iam:PermissionsBoundary`
 * on Put…PermissionsBoundary (AWS IAM User Guide, "IAM condition context keys": iam:PolicyARN "checks the ARN of a
 * managed policy in requests that involve a managed policy"; reference policy-semantics.md; src/app/directory.ts asks
 * them with it). So the guard AWS's own examples write, an Allow of the action with a Deny of some policies
 * (`ArnLike iam:PolicyARN arn:aws:iam::aws:policy/*`: no AWS managed policy, AdministratorAccess included), did not
 * apply to the question without the key: a user allowed to attach only the account's `s3-read` to itself was reported
 * able to get any right (`anyRight: true`), and one allowed to set its boundary to anything but the built-ins was
 * reported free of its boundary. Where a policy of the actor reads the key, those questions are now asked only with it,
 * for each policy that could be named (as review T, T5 did where the Allow itself reads it): the answer lists
 * `s3-read` and the other customer policies (`gives: policy`), the wider customer boundary, and no right beyond. The answers are then taken for real
 * with the user's own key through the IAM API.
 *
 * Before the fix 2 of 3 tests failed. Real server (SQLite), SDK v3 IAM, the escalation-paths API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { errorName, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const policyArn = (n: string) => `arn:aws:iam::${A}:policy/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const NO_AWS_MANAGED = { ArnLike: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/*' } };
const NO_AWS_BOUNDARY = { ArnLike: { 'iam:PermissionsBoundary': 'arn:aws:iam::aws:policy/*' } };

interface Report {
  readonly anyRight: boolean;
  readonly canGain: readonly { readonly gain: { readonly principal: string; readonly action: string; readonly gives: string; readonly policy?: string } }[];
}

describe('review mb3: a Deny naming the policy attached or the boundary put holds in escalation-paths', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 's3-read', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }));
    // Two boundaries that let their holder put a boundary: the small one lets it read S3, the big one do anything there.
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'fence-small', PolicyDocument: doc({ Effect: 'Allow', Action: ['iam:PutUserPermissionsBoundary', 's3:GetObject'], Resource: '*' }) }));
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'fence-big', PolicyDocument: doc({ Effect: 'Allow', Action: ['iam:PutUserPermissionsBoundary', 's3:*'], Resource: '*' }) }));
    keys['attacher'] = await userWithPolicy(s, 'attacher', doc(
      { Effect: 'Allow', Action: 'iam:AttachUserPolicy', Resource: user('attacher') },
      { Effect: 'Deny', Action: 'iam:AttachUserPolicy', Resource: '*', Condition: NO_AWS_MANAGED },
    ));
    // Bounded by fence-small, it may put any boundary on itself but the AWS managed ones: fence-big is wider, nothing else.
    keys['rebounder'] = await userWithPolicy(s, 'rebounder', doc(
      { Effect: 'Allow', Action: ['iam:PutUserPermissionsBoundary', 's3:*'], Resource: '*' },
      { Effect: 'Deny', Action: 'iam:PutUserPermissionsBoundary', Resource: '*', Condition: NO_AWS_BOUNDARY },
    ));
    await iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'rebounder', PermissionsBoundary: policyArn('fence-small') }));
  });
  after(() => s?.stop());

  const report = async (name: string): Promise<Report> => {
    const r = await call<{ reports: Report[] }>(connectionTo(s.url, s.admin), 'POST', ['escalation-paths'], { body: { principal: user(name) } });
    assert.ok(r.ok, r.ok ? '' : r.message);
    return r.value.reports[0] as Report;
  };
  const gains = (r: Report, action: string) => r.canGain.filter((g) => g.gain.action === action).map((g) => [g.gain.principal, g.gain.gives, g.gain.policy]).sort((a, b) => String(a[2]).localeCompare(String(b[2])));

  it('allowed to attach only the account\'s own policies: s3-read is its gain, not any right', async () => {
    const r = await report('attacher');
    assert.deepEqual(gains(r, 'iam:AttachUserPolicy'), ['fence-big', 'fence-small', 's3-read'].map((n) => [user('attacher'), 'policy', policyArn(n)]));
    assert.equal(r.anyRight, false);
  });

  it('allowed to put any boundary but the AWS managed ones: the wider fence-big is its gain, not its boundary gone', async () => {
    const r = await report('rebounder');
    assert.deepEqual(gains(r, 'iam:PutUserPermissionsBoundary'), [[user('rebounder'), 'own-policies', policyArn('fence-big')]]);
    assert.equal(r.anyRight, false);
  });

  it('the answers hold: IAM refuses AdministratorAccess, as attachment and as boundary, and takes the customer policies', async () => {
    const attacher = s.iam(keys['attacher']);
    assert.equal(await errorName(attacher.send(new I.AttachUserPolicyCommand({ UserName: 'attacher', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }))), 'AccessDenied');
    await attacher.send(new I.AttachUserPolicyCommand({ UserName: 'attacher', PolicyArn: policyArn('s3-read') }));
    const rebounder = s.iam(keys['rebounder']);
    assert.equal(await errorName(rebounder.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'rebounder', PermissionsBoundary: 'arn:aws:iam::aws:policy/AdministratorAccess' }))), 'AccessDenied');
    await rebounder.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'rebounder', PermissionsBoundary: policyArn('fence-big') }));
  });
});
