/**
 * Review bz, 1: a role asked about by its ARN in a simulation (`gatehouse simulate --as ROLE_ARN`, who-can,
 * escalation-paths, which all say "roles as a session with no session policy") was decided as a session issued at the
 * epoch (`aws:TokenIssueTime` 1970), the fail-closed reading the authorize API gives an ARN that may name old sessions.
 * Once an administrator revoked the role's older sessions the AWS way (DESIGN.md "Revocation CLI": an inline policy
 * denying everything for `aws:TokenIssueTime` before a date), every simulation of the role answered ExplicitDeny,
 * who-can left the role out and escalation-paths found no path through it, while every new session of the role was
 * allowed. A simulation now takes the role's session as one issued now; `aws:TokenIssueTime` in the context asks
 * about an older one. The authorize API keeps its fail-closed reading. Real server, SDK v3 IAM and STS, CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const ROLE = `arn:aws:iam::${A}:role/r`;
const OBJECT = 'arn:aws:s3:::data/k';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

describe('review bz1: a simulated role is a session issued now', () => {
  let s: TestServer;
  let alice: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey;
    alice = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/alice` }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'work', PolicyDocument: doc({ Effect: 'Allow', Action: ['s3:*', 'iam:PutRolePolicy'], Resource: '*' }) }));
    // What the IAM console's "Revoke active sessions" writes.
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'AWSRevokeOlderSessions', PolicyDocument: doc({ Effect: 'Deny', Action: '*', Resource: '*', Condition: { DateLessThan: { 'aws:TokenIssueTime': '2026-01-01T00:00:00Z' } } }) }));
  });
  after(() => s?.stop());

  const post = async <T>(route: string, body: object): Promise<T> => {
    const r = await call<T>(connectionTo(s.url, s.admin), 'POST', [route], { body });
    assert.ok(r.ok, r.ok ? '' : `${r.code} ${r.message}`);
    return r.value;
  };

  it('a new session of the role is allowed, and so is the simulated role; an older session is asked about with aws:TokenIssueTime', async () => {
    const c = (await s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'now' }))).Credentials;
    const session = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
    const real = await call<{ decision: string }>(connectionTo(s.url, session), 'POST', ['authorize'], { body: { action: 's3:GetObject', resource: OBJECT } });
    assert.ok(real.ok && real.value.decision === 'Allow', JSON.stringify(real));

    const sim = await post<{ decision: string; reasons: string[] }>('simulate', { principal: ROLE, action: 's3:GetObject', resource: OBJECT });
    assert.equal(sim.decision, 'Allow', JSON.stringify(sim));
    const cli = await cliAgainst(s, ['simulate', '--as', ROLE, '--action', 's3:GetObject', '--resource', OBJECT]);
    assert.equal(cli.status, 0, cli.out + cli.err);

    const old = await post<{ decision: string }>('simulate', { principal: ROLE, action: 's3:GetObject', resource: OBJECT, context: { 'aws:TokenIssueTime': '2025-06-01T00:00:00Z' } });
    assert.equal(old.decision, 'ExplicitDeny', JSON.stringify(old));
  });

  it('the authorize API keeps the fail-closed reading of a role ARN (it may name an older session)', async () => {
    const a = await post<{ decision: string }>('authorize', { principal: ROLE, action: 's3:GetObject', resource: OBJECT });
    assert.equal(a.decision, 'ExplicitDeny', JSON.stringify(a));
  });

  it('who-can lists the role, and escalation-paths finds its way to any right', async () => {
    const who = await post<{ allowed: { kind: string; name: string }[] }>('who-can', { action: 's3:GetObject', resource: OBJECT });
    assert.ok(who.allowed.some((p) => p.kind === 'role' && p.name === 'r'), JSON.stringify(who.allowed));
    const esc = await post<{ reports: { canBecome: { principal: string }[]; canGain: { gain: { principal: string; action: string; gives: string } }[] }[] }>('escalation-paths', { principal: `arn:aws:iam::${A}:user/alice` });
    const report = esc.reports[0];
    assert.ok(report?.canBecome.some((b) => b.principal === ROLE), JSON.stringify(report));
    assert.ok(report?.canGain.some((g) => g.gain.principal === ROLE && g.gain.action === 'iam:PutRolePolicy' && g.gain.gives === 'any'), JSON.stringify(report?.canGain));
  });
});
