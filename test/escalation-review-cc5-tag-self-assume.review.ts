/**
 * Review cc, 5 (left by review bz): escalation-paths did not follow attribute-based trust. A role whose trust policy
 * admits principals of the account carrying a tag (`StringEquals aws:PrincipalTag/team = admins`, AWS's ABAC pattern)
 * is assumed by any user who may tag itself (`iam:TagUser` on its own ARN, or `iam:TagRole` for a role): the report
 * listed no step, since the user carries no such tag today. It now lists an `sts:AssumeRole` step with `iam:TagUser`
 * first among its actions, when the tagging is allowed for that key and value (`aws:TagKeys`, `aws:RequestTag/K`) and
 * the role's trust check then allows; not for a user who may not tag itself, or only with other keys. The step is
 * then taken through the IAM and STS APIs. Real server, SDK v3 IAM and STS.
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
const ROLE = `arn:aws:iam::${A}:role/team-admin`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

interface Step {
  readonly how: string;
  readonly actions: readonly string[];
}

describe('review cc5: tagging itself to meet a role’s trust policy', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'team-admin', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'aws:PrincipalTag/team': 'admins' } } }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'team-admin', PolicyName: 'all', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
    const assume = { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' };
    const users: Record<string, object[]> = {
      tagger: [assume, { Effect: 'Allow', Action: 'iam:TagUser', Resource: user('tagger') }],
      notagger: [assume],
      keyLimited: [assume, { Effect: 'Allow', Action: 'iam:TagUser', Resource: user('keyLimited'), Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['project'] } } }],
    };
    for (const [name, statements] of Object.entries(users)) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc(...statements) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
  });
  after(() => s?.stop());

  const toRole = async (name: string): Promise<readonly Step[] | undefined> => {
    const r = await call<{ reports: { canBecome: { principal: string; path: Step[] }[] }[] }>(connectionTo(s.url, s.admin), 'POST', ['escalation-paths'], { body: { principal: user(name) } });
    assert.ok(r.ok, r.ok ? '' : `${r.code} ${r.message}`);
    return r.value.reports[0]?.canBecome.find((b) => b.principal === ROLE)?.path;
  };

  it('a user who may tag itself with the key the trust policy reads assumes the role', async () => {
    assert.deepEqual((await toRole('tagger'))?.map((st) => [st.how, st.actions]), [['sts:AssumeRole', ['iam:TagUser', 'sts:AssumeRole']]]);
  });

  it('no tagging, or tagging limited to other keys: no step', async () => {
    assert.equal(await toRole('notagger'), undefined);
    assert.equal(await toRole('keyLimited'), undefined);
  });

  it('the step is real: refused before, the user tags itself and assumes the role', async () => {
    const sts = s.sts(keys['tagger']);
    await assert.rejects(sts.send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'before' })));
    await s.iam(keys['tagger']).send(new I.TagUserCommand({ UserName: 'tagger', Tags: [{ Key: 'team', Value: 'admins' }] }));
    const c = await sts.send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'after' }));
    assert.ok(c.Credentials?.AccessKeyId);
  });
});
