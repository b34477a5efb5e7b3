/**
 * Review cc, 2 (left by review bz): escalation-paths did not look at principals an actor may create. A user allowed
 * `iam:CreateUser`, `iam:PutUserPolicy` (or `AttachUserPolicy`) and `iam:CreateAccessKey` on users it names creates a
 * user, gives it any policy and acts as it with a key it mints; one allowed `iam:CreateRole` and
 * `iam:PutRolePolicy`/`AttachRolePolicy` creates a role trusting itself and assumes it (Rhino Security's and AWS's
 * lists of escalations): the report said no path and `anyRight: false`. It now lists the new principal among those it
 * can become (`iam:CreateUser` / `iam:CreateRole` steps) and the policy written to it as a gain; a name pattern in the
 * actor's policy (`user/temp-*`, `user/team/dlg-*`) is followed, a boundary that `CreateUser` must set (the delegated-administration
 * pattern, `iam:PermissionsBoundary`) cuts the gain, and without a way to act as the new principal there is no path.
 * Each report is then taken for real through the IAM and STS APIs. Real server, SDK v3 IAM and STS.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*', Condition?: object) => ({ Effect: 'Allow', Action, Resource, ...(Condition ? { Condition } : {}) });
const LIMIT = `arn:aws:iam::${A}:policy/limit`;

interface Step {
  readonly from: string;
  readonly to: string;
  readonly how: string;
  readonly actions: readonly string[];
}
interface Report {
  readonly canBecome: readonly { principal: string; kind: string; path: readonly Step[] }[];
  readonly canGain: readonly { path: readonly Step[]; gain: { by: string; principal: string; action: string; resource: string; gives: string; policy?: string } }[];
  readonly anyRight: boolean;
}

describe('review cc2: creating a principal and acting as it', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'limit', PolicyDocument: doc(allow('s3:GetObject')) }));
    const users: Record<string, object[]> = {
      maker: [allow(['iam:CreateUser', 'iam:PutUserPolicy', 'iam:CreateAccessKey'], `arn:aws:iam::${A}:user/temp-*`)],
      roleMaker: [allow(['iam:CreateRole', 'iam:AttachRolePolicy'])],
      halfMaker: [allow(['iam:CreateUser', 'iam:PutUserPolicy'], `arn:aws:iam::${A}:user/half-*`)],
      delegate: [
        allow('iam:CreateUser', '*', { StringEquals: { 'iam:PermissionsBoundary': LIMIT } }),
        allow(['iam:PutUserPolicy', 'iam:CreateAccessKey'], `arn:aws:iam::${A}:user/team/dlg-*`),
      ],
    };
    for (const [name, statements] of Object.entries(users)) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc(...statements) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
  });
  after(() => s?.stop());

  const reportOf = async (name: string): Promise<Report> => {
    const r = await call<{ reports: Report[] }>(connectionTo(s.url, s.admin), 'POST', ['escalation-paths'], { body: { principal: user(name) } });
    assert.ok(r.ok, r.ok ? '' : `${r.code} ${r.message}`);
    return r.value.reports[0] as Report;
  };

  it('a user who may create users named temp-*, write their policy and mint their key gains any right', async () => {
    const r = await reportOf('maker');
    const made = r.canBecome.find((b) => b.principal.startsWith(user('temp-')));
    assert.ok(made, JSON.stringify(r));
    assert.deepEqual(made.path.map((st) => [st.from, st.how, st.actions]), [[user('maker'), 'iam:CreateUser', ['iam:CreateUser', 'iam:CreateAccessKey']]]);
    const gain = r.canGain.find((g) => g.gain.principal === made.principal);
    assert.deepEqual(gain && [gain.gain.by, gain.gain.action, gain.gain.gives, gain.path.length], [user('maker'), 'iam:PutUserPolicy', 'any', 0], JSON.stringify(r.canGain));
    assert.equal(r.anyRight, true);

    // Taken for real.
    const iam = s.iam(keys['maker']);
    await iam.send(new I.CreateUserCommand({ UserName: 'temp-x' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'temp-x', PolicyName: 'all', PolicyDocument: doc(allow('*')) }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'temp-x' }))).AccessKey;
    const made2 = s.iam({ accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' });
    await made2.send(new I.CreateUserCommand({ UserName: 'anything' }));
  });

  it('a user who may create a role and attach any policy to it assumes it with any right', async () => {
    const r = await reportOf('roleMaker');
    const made = r.canBecome.find((b) => b.kind === 'role');
    assert.ok(made, JSON.stringify(r));
    assert.deepEqual(made.path.map((st) => [st.how, st.actions]), [['iam:CreateRole', ['iam:CreateRole', 'sts:AssumeRole']]]);
    assert.ok(r.canGain.some((g) => g.gain.principal === made.principal && g.gain.action === 'iam:AttachRolePolicy' && g.gain.gives === 'any'), JSON.stringify(r.canGain));
    assert.equal(r.anyRight, true);

    const iam = s.iam(keys['roleMaker']);
    await iam.send(new I.CreateRoleCommand({ RoleName: 'mine', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: user('roleMaker') }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'mine', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
    const c = (await s.sts(keys['roleMaker']).send(new S.AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/mine`, RoleSessionName: 'xx' }))).Credentials;
    await s.iam({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' }).send(new I.CreateUserCommand({ UserName: 'anything2' }));
  });

  it('without a way to act as the new user there is no path; a boundary CreateUser must set cuts the gain', async () => {
    const half = await reportOf('halfMaker');
    assert.deepEqual([half.canBecome.length, half.canGain.length, half.anyRight], [0, 0, false], JSON.stringify(half));
    const d = await reportOf('delegate');
    const made = d.canBecome.find((b) => b.path[0]?.how === 'iam:CreateUser');
    assert.equal(made?.principal, user('team/dlg-new'), JSON.stringify(d));
    const gain = d.canGain.find((g) => g.gain.principal === made?.principal);
    assert.deepEqual(gain && [gain.gain.gives, gain.gain.policy], ['any-within-boundary', LIMIT], JSON.stringify(d.canGain));
    assert.equal(d.anyRight, false, JSON.stringify(d.canGain));
  });
});
