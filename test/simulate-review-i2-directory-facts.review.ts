/**
 * Review I, I2: the IAM Query API decides a request on a user or role with the entity's tags (`aws:ResourceTag/K`,
 * `iam:ResourceTag/K`) and, for the policy and boundary actions, its current boundary (`iam:PermissionsBoundary`),
 * read from the directory (src/app/directory.ts `authorizeOn`). The authorize API (and simulate, who-can and
 * escalation-paths, which ask it) decided the same question without them: an ABAC grant (`iam:PutRolePolicy` on
 * roles tagged `team=ml`) was answered ImplicitDeny although the Query API allowed it, and an asker could write the
 * tags into `context` and get Allow for a role the Query API refused. The facts are the directory's: a condition miss
 * does not quote them. Real server (SQLite) on 127.0.0.1, SDK v3.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const V = '2012-10-17';
const doc = (...Statement: object[]) => JSON.stringify({ Version: V, Statement });
const TRUST = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' });
const ROLE = (n: string) => `arn:aws:iam::${ROOT}:role/${n}`;
const BOUNDARY = `arn:aws:iam::${ROOT}:policy/fence`;

describe('authorize: questions on the directory\'s users and roles carry their tags and boundary (review I2)', () => {
  let s: TestServer;
  let alice: Credentials;
  const ask = async (body: object) => {
    const r = await gatehouseJson(s.url, alice, 'POST', '/v1/authorize', body);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json as { decision: string; diagnostics: string[] };
  };
  const put = (role: string) => s.iam(alice).send(new I.PutRolePolicyCommand({ RoleName: role, PolicyName: 'x', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }));

  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'fence', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ml', AssumeRolePolicyDocument: TRUST, Tags: [{ Key: 'team', Value: 'ml' }] }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: TRUST, Tags: [{ Key: 'team', Value: 'ops' }] }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'fenced', AssumeRolePolicyDocument: TRUST, PermissionsBoundary: BOUNDARY }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'open', AssumeRolePolicyDocument: TRUST }));
    await iam.send(new I.CreateUserCommand({ UserName: 'alice' }));
    await iam.send(new I.PutUserPolicyCommand({
      UserName: 'alice',
      PolicyName: 'abac',
      PolicyDocument: doc(
        { Sid: 'Team', Effect: 'Allow', Action: 'iam:PutRolePolicy', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'ml' } } },
        { Sid: 'Fenced', Effect: 'Allow', Action: 'iam:PutRolePolicy', Resource: '*', Condition: { StringEquals: { 'iam:PermissionsBoundary': BOUNDARY } } },
      ),
    }));
    const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
    alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  });
  after(() => s?.stop());

  it('the role\'s tags: Allow where the Query API allows, ImplicitDeny where it refuses, whatever the context claims', async () => {
    await put('ml');
    assert.equal((await ask({ action: 'iam:PutRolePolicy', resource: ROLE('ml') })).decision, 'Allow');
    assert.equal((await sdkFailure(put('ops'))).code, 'AccessDenied');
    const claimed = await ask({ action: 'iam:PutRolePolicy', resource: ROLE('ops'), context: { 'aws:ResourceTag/team': 'ml' } });
    assert.equal(claimed.decision, 'ImplicitDeny', JSON.stringify(claimed));
    assert.ok(claimed.diagnostics.some((d) => d.includes('`aws:ResourceTag/team` replaced')), JSON.stringify(claimed.diagnostics));
    // The condition miss does not quote the role's tag (iam:ListRoleTags reads it), only that it did not hold.
    assert.ok(!claimed.diagnostics.some((d) => d.includes('= `ops`')), JSON.stringify(claimed.diagnostics));
    assert.ok(claimed.diagnostics.some((d) => d.includes('`aws:ResourceTag/team` (the directory’s value) does not satisfy')), JSON.stringify(claimed.diagnostics));
  });

  it('the role\'s current boundary, for the actions the Query API reads it on', async () => {
    await put('fenced');
    assert.equal((await ask({ action: 'iam:PutRolePolicy', resource: ROLE('fenced') })).decision, 'Allow');
    assert.equal((await sdkFailure(put('open'))).code, 'AccessDenied');
    assert.equal((await ask({ action: 'iam:PutRolePolicy', resource: ROLE('open'), context: { 'iam:PermissionsBoundary': BOUNDARY } })).decision, 'ImplicitDeny');
  });

  it('simulate and who-can answer the same', async () => {
    const sim = await gatehouseJson(s.url, s.admin, 'POST', '/v1/simulate', { principal: `arn:aws:iam::${ROOT}:user/alice`, action: 'iam:PutRolePolicy', resource: ROLE('ml') });
    assert.equal(sim.json['decision'], 'Allow', JSON.stringify(sim.json));
    const who = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 'iam:PutRolePolicy', resource: ROLE('ml') });
    assert.ok((who.json['allowed'] as { name: string }[]).some((x) => x.name === 'alice'), JSON.stringify(who.json));
  });
});
