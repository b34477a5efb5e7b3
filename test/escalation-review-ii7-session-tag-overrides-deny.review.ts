/**
 * Review ii, 7: escalation-paths did not count a session tag that overrides the role tag a Deny tests. A role that
 * carries `quarantine=yes` and whose policies deny while it does (`Deny … StringEquals aws:PrincipalTag/quarantine =
 * yes`) is open, in a session opened with `quarantine=x`, to whoever its trust policy lets pass session tags
 * (`sts:TagSession`): a session tag overrides the role tag of the same key (reference §A.1.8: "Session tags override role
 * tags with the same key"). Review eq, 3 counted removing the role's tag (`iam:UntagRole`); the report said nothing of
 * the override. It now lists the gain (`sts:TagSession` on the role, `gives: without-deny`, naming the tag) when
 * AssumeRole and sts:TagSession are both allowed with a value the Deny does not compare equal; not when the trust policy
 * does not allow sts:TagSession. The gain is then taken through STS. Real server, SDK v3 IAM and STS, authorize API.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { escalationGains, type Gain } from './support/escalation.ts';

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const role = (n: string) => `arn:aws:iam::${A}:role/${n}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const read = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::vault/*' };
const whileQuarantined = { Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { StringEquals: { 'aws:PrincipalTag/quarantine': 'yes' } } };
const QUARANTINED = [{ Key: 'quarantine', Value: 'yes' }];

describe('review ii7: a session tag that overrides the role tag its Deny tests', () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    for (const name of ['tagger', 'plain']) {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    }
    await iam.send(new I.CreateRoleCommand({ RoleName: 'guarded', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: user('tagger') }, Action: ['sts:AssumeRole', 'sts:TagSession'] }), Tags: QUARANTINED }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'closed', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: user('plain') }, Action: 'sts:AssumeRole' }), Tags: QUARANTINED }));
    for (const r of ['guarded', 'closed']) await iam.send(new I.PutRolePolicyCommand({ RoleName: r, PolicyName: 'p', PolicyDocument: doc(read, whileQuarantined) }));
  });
  after(() => s?.stop());

  const gainsOf = (name: string): Promise<Gain[]> => escalationGains(s, user(name));

  it('a user the trust policy lets pass session tags gains what the role’s Deny took away, by overriding its tag', async () => {
    const gains = (await gainsOf('tagger')).filter((g) => g.gives === 'without-deny');
    assert.deepEqual(gains.map((g) => [g.by, g.principal, g.action, g.resource]), [[user('tagger'), role('guarded'), 'sts:TagSession', role('guarded')]], JSON.stringify(gains));
    assert.ok(gains[0]?.reasons.some((r) => r.includes('quarantine=')), JSON.stringify(gains));
  });

  it('no sts:TagSession in the trust policy: no gain', async () => {
    assert.deepEqual((await gainsOf('plain')).filter((g) => g.gives === 'without-deny'), []);
  });

  it('the gain is real: a session opened with the tag reads the object, one without is denied', async () => {
    const sessionAsks = async (tags: S.Tag[] | undefined) => {
      const c = (await s.sts(keys['tagger']).send(new S.AssumeRoleCommand({ RoleArn: role('guarded'), RoleSessionName: 'probe', ...(tags ? { Tags: tags } : {}) }))).Credentials;
      const as = connectionTo(s.url, { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
      const r = await call<{ decision: string }>(as, 'POST', ['authorize'], { body: { action: 's3:GetObject', resource: 'arn:aws:s3:::vault/k' } });
      assert.ok(r.ok, r.ok ? '' : r.message);
      return r.value.decision;
    };
    assert.equal(await sessionAsks(undefined), 'ExplicitDeny');
    assert.equal(await sessionAsks([{ Key: 'quarantine', Value: 'x' }]), 'Allow');
  });
});
