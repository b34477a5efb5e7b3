/**
 * Review ge, 1: an Alibaba STS call signed with an `STS.` AccessKey ID but no SecurityToken (a script that copied the
 * AccessKeyId and AccessKeySecret of an AssumeRole answer and not its token, the commonest slip with temporary
 * credentials) was refused with 404 `InvalidAccessKeyId.NotFound`, "Specified access key is not found.": the user was
 * told that a key the server had just issued does not exist. Alibaba answers it `MissingSecurityToken`, "SecurityToken is
 * mandatory for this action." (STS documentation, "common errors when you access OSS by using STS"); so does Gatehouse
 * now, through `@alicloud/sts20150401` (V3 signature, the token in `x-acs-security-token`). With the token the same
 * session is served, and a key of nobody is still `InvalidAccessKeyId.NotFound`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import StsModule from '@alicloud/sts20150401';
import { alibabaStsWorld } from './support/alibaba-sts.ts';

// A CommonJS module: its ES default is `module.exports`.
const { AssumeRoleRequest } = StsModule;

const ACS = '350000000071';

describe('ge1: an STS. key without its SecurityToken', () => {
  const w = alibabaStsWorld(ACS);
  const { client } = w;
  const refusal = async (p: Promise<unknown>): Promise<{ code?: string; statusCode?: number; message?: string }> => {
    try {
      await p;
    } catch (e) {
      return e as { code?: string; statusCode?: number; message?: string };
    }
    assert.fail('the call was answered');
  };

  it('is refused with MissingSecurityToken, as Alibaba refuses it; with the token it is served', async () => {
    const assumed = await client(w.bob).assumeRole(new AssumeRoleRequest({ roleArn: `acs:ram::${ACS}:role/reader`, roleSessionName: 'copied', durationSeconds: 900 }));
    const c = assumed.body?.credentials;
    assert.match(c?.accessKeyId ?? '', /^STS\./);

    const e = await refusal(client({ accessKeyId: c?.accessKeyId ?? '', accessKeySecret: c?.accessKeySecret ?? '' }).getCallerIdentity());
    assert.equal(e.code, 'MissingSecurityToken', e.message);
    assert.equal(e.statusCode, 400);
    assert.match(e.message ?? '', /SecurityToken is mandatory for this action/);

    const who = await client({ accessKeyId: c?.accessKeyId ?? '', accessKeySecret: c?.accessKeySecret ?? '', securityToken: c?.securityToken ?? '' }).getCallerIdentity();
    assert.equal(who.body?.arn, `acs:ram::${ACS}:assumed-role/reader/copied`);

    const nobody = await refusal(client({ accessKeyId: 'LTAI00000000000000000000', accessKeySecret: 'x'.repeat(30) }).getCallerIdentity());
    assert.equal(nobody.code, 'InvalidAccessKeyId.NotFound', nobody.message);
  });
});
