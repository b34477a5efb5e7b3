/**
 * Review qb, 1: Alibaba's STS answered Gatehouse's cap on an account's live scoped sessions (an AssumeRole with a
 * session `Policy` while the account holds `--max-scoped-sessions` such sessions: `LIMIT_EXCEEDED`, AWS's 409
 * `LimitExceeded`) as `400 InvalidParameter`, the code of a request whose parameters are wrong. Nothing in the request
 * was wrong, and the same request succeeds once some sessions expire (the message says so), but Alibaba's clients
 * read the code: `@alicloud/openapi-core` (the current SDKs, `@alicloud/sts20150401`) throws a code containing
 * `Throttling` as its `ThrottlingError` (with `retryAfter`, the class a caller backs off and retries on) and any other 4xx
 * as a `ClientError`, an error in the request. Alibaba answers the limits on its STS's issuance with Throttling errors
 * ("If you submit API requests more than the upper limit, the Throttling errors will be returned for the excessive
 * requests": Alibaba Cloud notice "Request Limit Upgrade of STS AssumeRole API",
 * https://alibabacloud.com/en/notice/upgradenotification_of_request_limit_upgrade_of_sts_assumerole_api_175), whose
 * per-user code is `Throttling.User`. Now the cap is `Throttling.User`, with its message, for AssumeRole and
 * AssumeRoleWithOIDC alike; AWS's STS still answers it `LimitExceeded`.
 *
 * Alibaba's own client (`@alicloud/sts20150401`) against a real server whose cap is 1 scoped session.
 * Before the fix 1 of 1 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import StsModule from '@alicloud/sts20150401';
import { alibabaStsWorld } from './support/alibaba-sts.ts';

// A CommonJS module: its ES default is `module.exports`.
const { AssumeRoleRequest } = StsModule;

const ACS = '350000000961';

describe('review qb1: the cap on live scoped sessions is a Throttling error to Alibaba clients', () => {
  const w = alibabaStsWorld(ACS, { maxScopedSessions: 1 });

  it('a second session with a Policy is refused Throttling.User (the client throws ThrottlingError), one without is issued', async () => {
    const policy = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }] });
    const ask = (roleSessionName: string, withPolicy: boolean) =>
      w.client(w.bob).assumeRole(new AssumeRoleRequest({ roleArn: `acs:ram::${ACS}:role/reader`, roleSessionName, durationSeconds: 900, ...(withPolicy ? { policy } : {}) }));
    const first = await ask('scoped-1', true);
    assert.match(first.body?.credentials?.accessKeyId ?? '', /^STS\./);

    await assert.rejects(ask('scoped-2', true), (e: { name?: string; code?: string; statusCode?: number; message?: string }) => {
      assert.equal(e.code, 'Throttling.User', String(e.message));
      assert.equal(e.name, 'ThrottlingError', String(e.message));
      assert.equal(e.statusCode, 400);
      assert.match(e.message ?? '', /live sessions with a session policy.*retry when some expire/);
      return true;
    });

    // The cap counts scoped sessions only: the same caller still gets one without a Policy.
    const plain = await ask('plain-1', false);
    assert.match(plain.body?.credentials?.accessKeyId ?? '', /^STS\./);
  });
});
