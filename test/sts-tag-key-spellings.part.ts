/**
 * Session tag keys are case-insensitive (`CLEARANCE` is the tag `aws:PrincipalTag/clearance` reads), so a Deny on
 * `aws:TagKeys` [clearance] for sts:TagSession must hold against `CLEARANCE` too, whether the Deny is in the role's
 * trust policy or the caller's own policies (review X, X1, the STS side of it). AWS SDK v3 STS against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const V = '2012-10-17';
const NO_CLEARANCE = { Effect: 'Deny', Action: 'sts:TagSession', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['clearance'] } } };

describe('sts:TagSession and aws:TagKeys across spellings', () => {
  let s: TestServer;
  let u: Credentials;
  let v: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    const user = async (name: string, extra: object[]): Promise<Credentials> => {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      const doc = { Version: V, Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }, ...extra] };
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify(doc) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      return { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    };
    u = await user('u', []);
    v = await user('v', [NO_CLEARANCE]);
    const trust = (deny: boolean) => ({
      Version: V,
      Statement: [
        { Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${A}:user/u`, `arn:aws:iam::${A}:user/v`] }, Action: ['sts:AssumeRole', 'sts:TagSession'] },
        ...(deny ? [{ ...NO_CLEARANCE, Principal: { AWS: '*' }, Resource: undefined }] : []),
      ],
    });
    await iam.send(new I.CreateRoleCommand({ RoleName: 'guarded', AssumeRolePolicyDocument: JSON.stringify(trust(true)) }));
    await iam.send(new I.CreateRoleCommand({ RoleName: 'open', AssumeRolePolicyDocument: JSON.stringify(trust(false)) }));
  });
  after(async () => {
    await s?.stop();
  });

  const assume = async (who: Credentials, role: string, key: string): Promise<string> => {
    try {
      await s.sts(who).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/${role}`, RoleSessionName: 's1', Tags: [{ Key: key, Value: 'top' }] }));
      return 'ok';
    } catch (e) {
      return (e as Error).name === 'ValidationError' ? `ValidationError: ${(e as Error).message}` : (e as Error).name;
    }
  };

  it("a Deny in the role's trust policy holds against every spelling of the key", async () => {
    assert.equal(await assume(u, 'guarded', 'clearance'), 'AccessDenied');
    assert.equal(await assume(u, 'guarded', 'CLEARANCE'), 'AccessDenied');
    assert.equal(await assume(u, 'guarded', 'Clearance'), 'AccessDenied');
    assert.equal(await assume(u, 'guarded', 'team'), 'ok');
  });

  it("a Deny in the caller's own policy holds against every spelling of the key", async () => {
    assert.equal(await assume(v, 'open', 'clearance'), 'AccessDenied');
    assert.equal(await assume(v, 'open', 'CLEARANCE'), 'AccessDenied');
    assert.equal(await assume(v, 'open', 'team'), 'ok');
    assert.equal(await assume(u, 'open', 'CLEARANCE'), 'ok');
  });
});
