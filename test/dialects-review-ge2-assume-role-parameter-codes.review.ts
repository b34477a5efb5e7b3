/**
 * Review ge, 2: Alibaba STS AssumeRole answers a malformed `ExternalId` with `InvalidParameter.ExternalId` and a `Policy`
 * over its 2,048 characters with `InvalidParameter.PolicySize` ("The size of Policy must be smaller than 2048 bytes.":
 * the STS API reference's error codes; the parameter is "1 to 2,048 characters in length", as sent, white space
 * included). Gatehouse answered the first with a bare `InvalidParameter` and the second with `InvalidParameter.Policy`,
 * a code Alibaba does not have: code that switches on the code (retrying with a compact policy, telling a caller its
 * external id is wrong) took neither branch. A policy that does not parse is still `InvalidParameter.PolicyGrammar`.
 * Through `@alicloud/sts20150401`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import StsModule from '@alicloud/sts20150401';
import { alibabaStsWorld } from './support/alibaba-sts.ts';

// A CommonJS module: its ES default is `module.exports`.
const { AssumeRoleRequest } = StsModule;

const ACS = '350000000072';
const ROLE = `acs:ram::${ACS}:role/reader`;

describe('ge2: AssumeRole names the parameter it refuses, as Alibaba does', () => {
  const w = alibabaStsWorld(ACS);
  const assume = (r: Record<string, unknown>) => w.client(w.bob).assumeRole(new AssumeRoleRequest({ roleArn: ROLE, roleSessionName: 'ge2-session', ...r }));
  const code = async (p: Promise<unknown>): Promise<{ code?: string; statusCode?: number; message?: string }> => {
    try {
      await p;
    } catch (e) {
      return e as { code?: string; statusCode?: number; message?: string };
    }
    return { code: 'answered' };
  };
  /** A session policy granting reads of `n` buckets, as written (`indent`) or compact. */
  const policy = (n: number, indent?: number): string =>
    JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: ['oss:GetObject'], Resource: Array.from({ length: n }, (_, i) => `acs:oss:*:*:bucket-${i}/*`) }] }, null, indent);

  it('a malformed ExternalId is InvalidParameter.ExternalId', async () => {
    const e = await code(assume({ externalId: 'a' }));
    assert.equal(e.code, 'InvalidParameter.ExternalId', e.message);
    assert.equal(e.statusCode, 400);
  });

  it('a Policy over 2,048 characters is InvalidParameter.PolicySize, white space counted; one within is taken', async () => {
    const indented = policy(60, 2);
    assert.ok(indented.length > 2048 && indented.replace(/\s+/g, '').length < 2048, `${indented.length}`);
    const spaced = await code(assume({ policy: indented }));
    assert.equal(spaced.code, 'InvalidParameter.PolicySize', spaced.message);
    assert.equal(spaced.statusCode, 400);

    const compact = policy(80);
    assert.ok(compact.length > 2048, `${compact.length}`);
    const large = await code(assume({ policy: compact }));
    assert.equal(large.code, 'InvalidParameter.PolicySize', large.message);

    const fits = policy(60);
    assert.ok(fits.length <= 2048, `${fits.length}`);
    const ok = await assume({ policy: fits });
    assert.match(ok.body?.credentials?.accessKeyId ?? '', /^STS\./);

    const broken = await code(assume({ policy: '{"Version":"1","Statement":[{"Effect":"Allow"}]}' }));
    assert.equal(broken.code, 'InvalidParameter.PolicyGrammar', broken.message);
  });
});
