/**
 * Review fn, 5 (fn, 1 and fn, 3 through Alibaba's own client): `@alicloud/sts20150401`, the STS client of Alibaba's
 * current SDKs (on `@alicloud/openapi-core`, which signs with the V3 signature, ACS3-HMAC-SHA256), against a real
 * server on 127.0.0.1: a RAM user's GetCallerIdentity and AssumeRole, the session's own GetCallerIdentity signed with
 * its SecurityToken, and a wrong secret refused with Alibaba's SignatureDoesNotMatch, which the client throws as an
 * error carrying that code. fn3's own signer covers what no client sends (a tampered header, a nonce twice, a stale
 * date); this is the client users run.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import StsModule from '@alicloud/sts20150401';
import { alibabaStsWorld } from './support/alibaba-sts.ts';

// A CommonJS module: its ES default is `module.exports`.
const { AssumeRoleRequest } = StsModule;

const ACS = '350000000025';

describe('fn5: Alibaba STS through @alicloud/sts20150401', () => {
  const w = alibabaStsWorld(ACS);
  const { client } = w;

  it('a RAM user asks who it is, assumes a role, and the session asks who it is', async () => {
    const who = await client(w.bob).getCallerIdentity();
    assert.equal(who.statusCode, 200);
    assert.equal(who.body?.arn, `acs:ram::${ACS}:user/bob`);
    assert.equal(who.body?.identityType, 'RAMUser');
    assert.equal(who.body?.accountId, ACS);

    const assumed = await client(w.bob).assumeRole(new AssumeRoleRequest({ roleArn: `acs:ram::${ACS}:role/reader`, roleSessionName: 'sdk-session', durationSeconds: 900 }));
    const c = assumed.body?.credentials;
    assert.match(c?.accessKeyId ?? '', /^STS\./);
    assert.equal(assumed.body?.assumedRoleUser?.arn, `acs:ram::${ACS}:role/reader/sdk-session`);
    const ends = Date.parse(c?.expiration ?? '') - Date.now();
    assert.ok(ends > 800_000 && ends <= 900_000, `expires in ${ends} ms`);

    const session = await client({ accessKeyId: c?.accessKeyId ?? '', accessKeySecret: c?.accessKeySecret ?? '', securityToken: c?.securityToken ?? '' }).getCallerIdentity();
    assert.equal(session.body?.arn, `acs:ram::${ACS}:assumed-role/reader/sdk-session`);
    assert.equal(session.body?.identityType, 'AssumedRoleUser');
  });

  it('a wrong secret is refused with SignatureDoesNotMatch, and a role the user may not assume with NoPermission', async () => {
    await assert.rejects(client({ ...w.bob, accessKeySecret: `${w.bob.accessKeySecret}x` }).getCallerIdentity(), (e: { code?: string; statusCode?: number }) => {
      assert.equal(e.code, 'SignatureDoesNotMatch');
      assert.equal(e.statusCode, 400);
      return true;
    });
    await assert.rejects(client(w.bob).assumeRole(new AssumeRoleRequest({ roleArn: `acs:ram::${ACS}:role/absent`, roleSessionName: 'nope' })), (e: { code?: string; statusCode?: number }) => {
      assert.equal(e.statusCode, 403, String(e.code));
      return true;
    });
  });
});
