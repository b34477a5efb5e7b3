/**
 * Review jb, 3: the explanations of escalation-paths (and of who-can's `through`, which carries its steps) named no
 * policy: every step and gain said "iam: Allow: allowed by an identity policy", though the authorize API's answer to
 * the same question names the statement (`matched`: `user/eve/minting` statement 0, Sid `Mint`). An auditor told that
 * eve can come to act as bob could not tell which of eve's policies to change. And a role's trust policy was named by
 * the role's internal id in every answer that matched it (`trust:AROA…` in `/v1/authorize`'s and who-can's `matched`),
 * which says nothing of which role. Each step's and gain's `iam:` line now names the statements that decided it
 * (`identity policy \`user/eve/minting\` statement 0 (Sid \`Mint\`)`, `trust policy \`role/ops\` statement 0 …`), and a
 * trust policy is named `role/<path><name>` wherever it decides. The steps named are taken for real (the key minted,
 * the role assumed). Before the fix 3 of 3 tests failed. Real server (SQLite), SDK v3 IAM and STS, the admin API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

interface Step {
  readonly to: string;
  readonly how: string;
  readonly reasons: readonly string[];
}
interface Report {
  readonly canBecome: readonly { principal: string; path: readonly Step[] }[];
  readonly canGain: readonly { gain: { action: string; reasons: readonly string[] } }[];
}

describe('review jb3: escalation steps name the statements that allow them; trust policies are named by their role', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    keys['eve'] = await userWithPolicy(s, 'eve', doc({ Sid: 'Mint', Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: user('bob') }, { Sid: 'Self', Effect: 'Allow', Action: 'iam:PutUserPolicy', Resource: user('eve') }), 'minting');
    await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
    keys['carol'] = await userWithPolicy(s, 'carol', doc({ Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::jb3' }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ops', AssumeRolePolicyDocument: doc({ Sid: 'TrustCarol', Effect: 'Allow', Principal: { AWS: user('carol') }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'ops', PolicyName: 'read', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::jb3/*' }) }));
  });
  after(() => s?.stop());

  const report = async (name: string): Promise<Report> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal: user(name) });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['reports'] as Report[])[0] as Report;
  };

  it('a CreateAccessKey step and a PutUserPolicy gain name the statement of the policy that allows them; the key is minted', async () => {
    const r = await report('eve');
    const step = r.canBecome.find((b) => b.principal === user('bob'))?.path[0];
    assert.ok(step, JSON.stringify(r));
    assert.ok(step.reasons.some((x) => x.includes('identity policy `user/eve/minting` statement 0 (Sid `Mint`)')), JSON.stringify(step.reasons));
    const gain = r.canGain.find((g) => g.gain.action === 'iam:PutUserPolicy');
    assert.ok(gain?.gain.reasons.some((x) => x.includes('identity policy `user/eve/minting` statement 1 (Sid `Self`)')), JSON.stringify(gain));
    const key = await s.iam(keys['eve']).send(new I.CreateAccessKeyCommand({ UserName: 'bob' }));
    assert.match(key.AccessKey?.AccessKeyId ?? '', /^AKIA/);
  });

  it('an AssumeRole step names the role\'s trust statement by the role, not its id; the role is assumed', async () => {
    const r = await report('carol');
    const step = r.canBecome.find((b) => b.principal === role('ops'))?.path[0];
    assert.ok(step, JSON.stringify(r));
    assert.ok(step.reasons.some((x) => x.includes('trust policy `role/ops` statement 0 (Sid `TrustCarol`)')), JSON.stringify(step.reasons));
    assert.ok(!step.reasons.some((x) => x.includes('AROA')), JSON.stringify(step.reasons));
    const got = await s.sts(keys['carol']).send(new S.AssumeRoleCommand({ RoleArn: role('ops'), RoleSessionName: 'jb3' }));
    assert.match(got.AssumedRoleUser?.Arn ?? '', /assumed-role\/ops\/jb3$/);
  });

  it('the authorize API and who-can name the trust policy that matched by its role', async () => {
    const a = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: user('carol'), action: 'sts:AssumeRole', resource: role('ops') });
    assert.equal(a.json['decision'], 'Allow');
    assert.deepEqual((a.json['matched'] as { policy: string; type: string }[]).filter((m) => m.type === 'trust').map((m) => m.policy), ['role/ops']);
    const w = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 'sts:AssumeRole', resource: role('ops') });
    assert.equal(w.status, 200, JSON.stringify(w.json));
    const carol = (w.json['allowed'] as { principal: string; matched: { policy: string; type: string }[] }[]).find((x) => x.principal === user('carol'));
    assert.deepEqual(carol?.matched.filter((m) => m.type === 'trust').map((m) => m.policy), ['role/ops']);
  });
});
