/**
 * Review ii, 2: escalation-paths did not follow a trust policy that asks for session tags. A role whose trust policy lets
 * the account's principals in when they pass a tag (`Action: [sts:AssumeRole, sts:TagSession]`, `Condition StringEquals
 * aws:RequestTag/project = ml`, AWS's pattern for requiring session tags) is assumed by any user whose own policies allow
 * `sts:AssumeRole` and `sts:TagSession`: the tags are the caller's to pick, as AssumeRole's `Tags` parameter. The report
 * listed no step, since the question was asked with no tags. It now lists an `sts:AssumeRole` step with
 * `sts:TagSession` among its actions when AssumeRole and sts:TagSession are both allowed with the tags the trust policy
 * (or the caller's own policies) compare `aws:RequestTag/K` with; not for a user who may not pass tags. The step is then
 * taken through STS. Real server, SDK v3 IAM and STS.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const ROLE = `arn:aws:iam::${A}:role/ml-project`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

interface Step {
  readonly how: string;
  readonly to: string;
  readonly actions: readonly string[];
  readonly reasons: readonly string[];
}

describe('review ii2: session tags a trust policy asks for, which the caller passes', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    const users: Record<string, string[]> = { tagger: ['sts:AssumeRole', 'sts:TagSession'], assumer: ['sts:AssumeRole'] };
    for (const [name, actions] of Object.entries(users)) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: actions, Resource: ROLE }) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ml-project', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'], Condition: { StringEquals: { 'aws:RequestTag/project': 'ml' } } }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'ml-project', PolicyName: 'all', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
  });
  after(() => s?.stop());

  const stepsOf = async (name: string): Promise<Step[]> => {
    const r = await call<{ reports: { canBecome: { principal: string; path: Step[] }[] }[] }>(connectionTo(s.url, s.admin), 'POST', ['escalation-paths'], { body: { principal: user(name) } });
    assert.ok(r.ok, r.ok ? '' : `${r.code} ${r.message}`);
    return (r.value.reports[0]?.canBecome ?? []).flatMap((b) => b.path);
  };

  it('a user who may pass the tag the trust policy asks for may assume the role', async () => {
    const steps = await stepsOf('tagger');
    assert.deepEqual(steps.map((st) => [st.how, st.to, st.actions]), [['sts:AssumeRole', ROLE, ['sts:AssumeRole', 'sts:TagSession']]], JSON.stringify(steps));
    assert.ok(steps[0]?.reasons.some((r) => r.includes('project=ml')), JSON.stringify(steps));
  });

  it('a user who may not pass tags has no step', async () => {
    assert.deepEqual(await stepsOf('assumer'), []);
  });

  it('the step is real: AssumeRole with the tag is allowed, without it refused', async () => {
    const assume = (who: string, tags?: S.Tag[]) => s.sts(keys[who]).send(new S.AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'probe', ...(tags ? { Tags: tags } : {}) }));
    assert.equal((await sdkFailure(assume('tagger'))).code, 'AccessDenied');
    const c = (await assume('tagger', [{ Key: 'project', Value: 'ml' }])).Credentials;
    assert.ok(c?.AccessKeyId);
    assert.equal((await sdkFailure(assume('assumer', [{ Key: 'project', Value: 'ml' }]))).code, 'AccessDenied');
  });
});
