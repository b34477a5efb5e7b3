/**
 * Review ny, 3: Alibaba's RPC APIs take GET as well as POST, whichever signature signs them (Alibaba, "Request syntax
 * and signature method V3": the method is GET or POST for an RPC-style API; alibaba-sts-api.ts serves its STS "on the
 * Query API's POST / (and GET /)"), and docs/decisions.md (review fn, 3) makes a request with no `Action` parameter and
 * `x-acs-version: 2015-04-01` Alibaba's. But the edge sent a `GET /` to the Query APIs only when its query carried
 * `Action`: a V3 GET (`@alicloud/openapi-core`'s default signature, which names the action in `x-acs-action` and sends
 * no `Action` parameter) reached the console's route and was answered 404 `no route for GET /` in the admin API's JSON,
 * which the client reports as "code: 404, undefined request id: undefined". The same generic call signed with signature
 * version 1.0 (`signatureAlgorithm: 'v2'`, `Action` in the query) was answered.
 *
 * Now a `GET /` whose `x-acs-version` is STS's 2015-04-01 is Alibaba's STS, as a POST is. The real client: the
 * generic call (`callApi`) of `@alicloud/openapi-core`, the library under `@alicloud/sts20150401`, with `method: 'GET'`,
 * against a real server on 127.0.0.1.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import OpenApi from '@alicloud/openapi-core';
import { alibabaStsWorld, type AlibabaKey } from './support/alibaba-sts.ts';

// A CommonJS module: its ES default is `module.exports`.
const { default: Client, $OpenApiUtil, OpenApiUtil } = OpenApi;

const ACS = '350000000063';

describe('ny3: Alibaba STS over GET with the V3 signature', () => {
  const w = alibabaStsWorld(ACS);

  /** `action` as `@alicloud/openapi-core`'s generic call sends it (V3, ACS3-HMAC-SHA256), by GET, `query` in the URL. */
  async function get(key: AlibabaKey, action: string, query: Record<string, string> = {}): Promise<Record<string, unknown>> {
    const client = new Client(new $OpenApiUtil.Config({ ...key, endpoint: new URL(w.server.url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 10_000, connectTimeout: 5_000 }));
    const params = new $OpenApiUtil.Params({ action, version: '2015-04-01', protocol: 'HTTP', pathname: '/', method: 'GET', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json' });
    const request = new $OpenApiUtil.OpenApiRequest({ query: OpenApiUtil.query(query) });
    // The runtime options are read field by field (`runtime.readTimeout || …`): an empty object is the defaults.
    const answer = (await client.callApi(params, request, {} as never)) as { statusCode?: number; body?: Record<string, unknown> };
    assert.equal(answer.statusCode, 200);
    return answer.body ?? {};
  }

  it('GetCallerIdentity by GET is answered', async () => {
    const who = await get(w.bob, 'GetCallerIdentity');
    assert.equal(who['Arn'], `acs:ram::${ACS}:user/bob`);
    assert.equal(who['IdentityType'], 'RAMUser');
  });

  it('AssumeRole by GET, its parameters in the query, is answered with the session', async () => {
    const assumed = await get(w.bob, 'AssumeRole', { RoleArn: `acs:ram::${ACS}:role/reader`, RoleSessionName: 'by-get', DurationSeconds: '900' });
    const c = assumed['Credentials'] as Record<string, string> | undefined;
    assert.match(c?.['AccessKeyId'] ?? '', /^STS\./);
    assert.equal((assumed['AssumedRoleUser'] as Record<string, string> | undefined)?.['Arn'], `acs:ram::${ACS}:role/reader/by-get`);
  });
});
