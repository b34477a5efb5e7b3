/**
 * Review hj, 4: Alibaba STS AssumeRole (and AssumeRoleWithOIDC) held a RAM session policy to AWS's character pattern for
 * STS session policies (botocore's `sessionPolicyDocumentType`, U+0009, U+000A, U+000D, U+0020–U+00FF), and answered a
 * policy outside it `InvalidParameter.PolicySize`, Alibaba's code for a policy over its 2,048 characters ("The size of
 * Policy must be smaller than 2048 bytes."), quoting AWS's regular expression: a 170-character policy naming an OSS path
 * in Chinese, `acs:oss:*:*:reports/报告/*`, was "too large", and a client retrying a PolicySize refusal with a compacted
 * policy retried in vain. Alibaba documents its `Policy` as 1 to 2,048 characters, no character class. Now the length is
 * the parameter's only constraint for an `acs` role; the characters are the policy grammar's, as for every policy
 * document of the account (PutRolePolicy refuses the same document), so such a policy is `InvalidParameter.PolicyGrammar`
 * naming the character and where it is. Over 2,048 characters is still PolicySize.
 *
 * Through `@alicloud/sts20150401` (V3 signature) against a real server.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import StsModule from '@alicloud/sts20150401';
import { alibabaStsWorld } from './support/alibaba-sts.ts';

// A CommonJS module: its ES default is `module.exports`.
const { AssumeRoleRequest } = StsModule;

const ACS = '350000000084';
const ROLE = `acs:ram::${ACS}:role/reader`;
const policy = (resource: string): string => JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:GetObject'], Resource: [resource] }] });

describe('hj4: a RAM session policy is refused for its length as PolicySize, for its characters as PolicyGrammar', () => {
  const w = alibabaStsWorld(ACS);
  const assume = (r: Record<string, unknown>) => w.client(w.bob).assumeRole(new AssumeRoleRequest({ roleArn: ROLE, roleSessionName: 'hj4-session', ...r }));
  const failure = async (p: Promise<unknown>): Promise<{ code?: string; statusCode?: number; message?: string }> => {
    try {
      await p;
    } catch (e) {
      return e as { code?: string; statusCode?: number; message?: string };
    }
    return { code: 'answered' };
  };

  it('a session policy naming an OSS path in Chinese is refused for its character, not as too large', async () => {
    const e = await failure(assume({ policy: policy('acs:oss:*:*:reports/报告/*') }));
    assert.equal(e.code, 'InvalidParameter.PolicyGrammar', e.message);
    assert.equal(e.statusCode, 400);
    assert.match(e.message ?? '', /character U\+62A5 is not allowed in a policy document/);
    assert.doesNotMatch(e.message ?? '', /regular expression pattern/);
    // A policy within the grammar narrows an issued session.
    const r = await assume({ policy: policy('acs:oss:*:*:reports/2026/*') });
    assert.match(r.body?.credentials?.accessKeyId ?? '', /^STS\./);
  });

  it('one over 2,048 characters is still InvalidParameter.PolicySize', async () => {
    const long = policy(`acs:oss:*:*:reports/${'a'.repeat(1900)}${'报'.repeat(200)}/*`);
    const e = await failure(assume({ policy: long }));
    assert.equal(e.code, 'InvalidParameter.PolicySize', e.message);
    assert.equal(e.statusCode, 400);
    assert.match(e.message ?? '', /Member must have length less than or equal to 2048/);
  });
});
