/**
 * Review vm, 6 (a guard, not a finding): POST /v1/simulate and POST /v1/authorize answer the same question from the
 * same code path (issue 8), whatever dialect decides it. A differential test over one world holding each: IAM identity
 * policies (a user's, a group's, a permissions boundary, policy variables on principal tags, conditions on the
 * request), resource policies (an S3 bucket's in IAM's dialect naming this and another account, an OSS bucket's in
 * RAM's), GCP-style bindings (on a model of each partition, to a user, a group and a role's service account), and RAM
 * policies of an `acs` account; every principal (users, a role by its ARN and by a session's, another account's user
 * and role, an account's root) asks every question, in contexts of request keys only (those the authorize API takes),
 * through /v1/authorize, /v1/authorize:batch and /v1/simulate. The decision, and the rules matched for it, must be the
 * same. The differences that are by design are left out: a simulation takes facts about the session as what-ifs (keys
 * the authorize API ignores), and names a role by its ARN as a session issued now (review bz, 1) where the authorize
 * API counts one issued at the earliest; the world holds no Deny on issue time, so both answer alike here.
 * Written while hunting review vm's leads; it passed on the code it was written against. Real server, SDK v3 IAM.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const B = '111122223333';
const C = '222233334444';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const rdoc = (...Statement: object[]) => JSON.stringify({ Version: '1', Statement });

type Matched = { engine: string; policy: string; statement?: number; effect: string };
type Answer = { decision: string; matched?: Matched[] };

describe('review vm6: /v1/simulate and /v1/authorize decide alike across dialects', () => {
  let s: TestServer;
  let acs: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (const u of ['alice', 'bob', 'carol', 'dave']) await iam.send(new I.CreateUserCommand({ UserName: u }));
    await iam.send(new I.CreateUserCommand({ UserName: 'tina', Tags: [{ Key: 'team', Value: 'ml' }] }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b1/*' }, { Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b1/secret*' }) }));
    await iam.send(new I.CreateGroupCommand({ GroupName: 'devs' }));
    await iam.send(new I.AddUserToGroupCommand({ GroupName: 'devs', UserName: 'bob' }));
    await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'devs', PolicyName: 'g', PolicyDocument: doc({ Effect: 'Allow', Action: ['training:GetModel', 's3:ListBucket'], Resource: '*' }) }));
    await iam.send(new I.CreatePolicyCommand({ PolicyName: 'bound', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'dave', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: '*', Resource: '*' }) }));
    await iam.send(new I.PutUserPermissionsBoundaryCommand({ UserName: 'dave', PermissionsBoundary: `arn:aws:iam::${A}:policy/bound` }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'tina', PolicyName: 'p', PolicyDocument: doc(
      { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::${aws:PrincipalTag/team}/*' },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: '*', Condition: { StringLike: { 's3:prefix': 'home/${aws:username}/*' } } },
      { Effect: 'Deny', Action: 's3:GetObject', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
    ) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'trainer', PolicyName: 'r', PolicyDocument: doc({ Effect: 'Allow', Action: ['s3:PutObject', 's3:GetObject'], Resource: 'arn:aws:s3:::b2/*' }) }));
    const other = s.iam(await accountAdmin(s, B, 'aws'));
    await other.send(new I.CreateUserCommand({ UserName: 'eve' }));
    await other.send(new I.PutUserPolicyCommand({ UserName: 'eve', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
    await other.send(new I.CreateRoleCommand({ RoleName: 'partner', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'sts:AssumeRole' }) }));
    await other.send(new I.PutRolePolicyCommand({ RoleName: 'partner', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }));
    acs = await accountAdmin(s, C, 'acs');
    const ram = s.iam(acs);
    for (const u of ['dan', 'eli']) await ram.send(new I.CreateUserCommand({ UserName: u }));
    await ram.send(new I.PutUserPolicyCommand({ UserName: 'dan', PolicyName: 'p', PolicyDocument: rdoc({ Effect: 'Allow', Action: 'oss:GetObject', Resource: 'acs:oss:*:*:bk/*' }) }));
    await ram.send(new I.PutUserPolicyCommand({ UserName: 'eli', PolicyName: 'p', PolicyDocument: rdoc({ Effect: 'Allow', Action: 'ram:PassRole', Resource: '*' }, { Effect: 'Deny', Action: 'oss:*', Resource: 'acs:oss:*:*:bk/secret/*' }) }));
    const put = async (who: Credentials, path: string, body: object) => {
      const r = await gatehouseJson(s.url, who, 'PUT', path, body);
      assert.ok(r.status < 300, JSON.stringify(r.json));
    };
    await put(s.admin, `/v1/resource-policies/${encodeURIComponent('arn:aws:s3:::b3')}`, { document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${A}:user/carol`, `arn:aws:iam::${B}:user/eve`, `arn:aws:iam::${B}:role/partner`] }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b3/*' }] } });
    await put(acs, `/v1/resource-policies/${encodeURIComponent('acs:oss:*:*:bk2')}`, { document: { Version: '1', Statement: [{ Effect: 'Allow', Principal: { RAM: [`acs:ram::${C}:user/eli`] }, Action: ['oss:GetObject'], Resource: ['acs:oss:*:*:bk2/*'] }] } });
    await put(s.admin, '/v1/iam-policies', { resource: `arn:aws:training::${A}:model/m2`, bindings: [{ role: 'roles/ml.viewer', members: ['user:carol', 'group:devs', `serviceAccount:trainer@${A}.iam.gatehouse.dev`] }, { role: 'roles/ml.developer', members: ['user:dave'] }] });
    await put(acs, '/v1/iam-policies', { resource: `acs:pai::${C}:model/m1`, bindings: [{ role: 'roles/ml.viewer', members: ['user:eli'] }] });
  });
  after(() => s?.stop());

  const principals = [
    `arn:aws:iam::${A}:user/alice`, `arn:aws:iam::${A}:user/bob`, `arn:aws:iam::${A}:user/carol`, `arn:aws:iam::${A}:user/dave`, `arn:aws:iam::${A}:user/tina`,
    `arn:aws:iam::${A}:role/trainer`, `arn:aws:sts::${A}:assumed-role/trainer/s1`, `arn:aws:iam::${A}:root`,
    `arn:aws:iam::${B}:user/eve`, `arn:aws:iam::${B}:role/partner`,
    `acs:ram::${C}:user/dan`, `acs:ram::${C}:user/eli`, `arn:aws:iam::${C}:user/eli`,
  ];
  const questions: [string, string][] = [
    ['s3:GetObject', 'arn:aws:s3:::b1/x'], ['s3:GetObject', 'arn:aws:s3:::b1/secret1'], ['s3:GetObject', 'arn:aws:s3:::b3/x'], ['s3:PutObject', 'arn:aws:s3:::b2/x'],
    ['s3:GetObject', 'arn:aws:s3:::ml/x'], ['s3:PutObject', 'arn:aws:s3:::ml/x'], ['s3:ListBucket', 'arn:aws:s3:::ml'],
    ['training:GetModel', `arn:aws:training::${A}:model/m2`], ['training:UpdateModel', `arn:aws:training::${A}:model/m2`], ['ml.models.get', `arn:aws:training::${A}:model/m2`], ['storage.objects.get', 'arn:aws:s3:::b3/x'],
    ['iam:PassRole', `arn:aws:iam::${A}:role/trainer`], ['sts:AssumeRole', `arn:aws:iam::${A}:role/trainer`], ['sts:AssumeRole', `arn:aws:iam::${B}:role/partner`],
    ['oss:GetObject', 'acs:oss:*:*:bk/x'], ['oss:GetObject', 'acs:oss:*:*:bk/secret/x'], ['oss:GetObject', 'acs:oss:*:*:bk2/x'], ['pai:GetModel', `acs:pai::${C}:model/m1`], ['ml.models.get', `acs:pai::${C}:model/m1`], ['ram:PassRole', `acs:ram::${C}:role/none`],
  ];
  const contexts: (Record<string, string> | undefined)[] = [undefined, { 'aws:SourceIp': '10.1.2.3' }, { 'aws:SourceIp': '192.168.1.1', 'aws:SecureTransport': 'false' }, { 's3:prefix': 'home/tina/a' }];
  const shape = (a: Answer) => ({ decision: a.decision, matched: (a.matched ?? []).map((m) => `${m.effect} ${m.engine} ${m.policy} ${m.statement ?? ''}`).sort() });

  for (const [i, context] of contexts.entries()) {
    it(`every principal and question, context ${i} (${JSON.stringify(context ?? {})}): the same decision and rules`, async () => {
      const conn = connectionTo(s.url, s.admin);
      const asked = principals.flatMap((principal) => questions.map(([action, resource]) => ({ principal, action, resource, ...(context ? { context } : {}) })));
      const batch = await call<{ results: (Answer | { error: unknown })[] }>(conn, 'POST', ['authorize:batch'], { body: { requests: asked } });
      assert.ok(batch.ok, JSON.stringify(batch));
      const differ: string[] = [];
      for (const [n, body] of asked.entries()) {
        const [one, sim] = await Promise.all([call<Answer>(conn, 'POST', ['authorize'], { body }), call<Answer>(conn, 'POST', ['simulate'], { body })]);
        const what = `${body.principal} ${body.action} ${body.resource}`;
        assert.ok(one.ok && sim.ok, `${what}: ${JSON.stringify(one)} ${JSON.stringify(sim)}`);
        const fromBatch = batch.value.results[n] as Answer;
        const [x, y, z] = [shape(one.value), shape(sim.value), shape(fromBatch)];
        if (JSON.stringify(x) !== JSON.stringify(y) || JSON.stringify(x) !== JSON.stringify(z)) differ.push(`${what}: authorize ${JSON.stringify(x)}, batch ${JSON.stringify(z)}, simulate ${JSON.stringify(y)}`);
      }
      assert.deepEqual(differ, []);
      // The world decides each way somewhere, so that agreement is not agreement on refusing everything.
      const decisions = new Set((batch.value.results as Answer[]).map((r) => r.decision));
      assert.deepEqual([...decisions].sort(), ['Allow', 'ExplicitDeny', 'ImplicitDeny']);
      assert.ok((batch.value.results as Answer[]).some((r) => r.decision === 'Allow' && (r.matched ?? []).some((m) => m.engine === 'bindings')), 'bindings allow somewhere');
      assert.ok((batch.value.results as Answer[]).some((r) => r.decision === 'Allow' && (r.matched ?? []).some((m) => m.policy.startsWith('resource policy') || m.engine === 'iam' && /bk2|b3/.test(m.policy))), 'a resource policy allows somewhere');
    });
  }
});
