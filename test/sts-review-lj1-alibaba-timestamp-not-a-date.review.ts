/**
 * Review lj, 1: a signed Alibaba STS call's `Timestamp` (signature version 1.0) or `x-acs-date` (V3) was checked by its
 * form and read with `Date.parse`, which moves a day that does not exist into the next month (`2026-02-30` read as
 * 2 March, `2026-04-31` as 1 May) and `T24:00:00Z` into the next day. So a time that is no time was taken as another
 * instant: refused as `InvalidTimeStamp.Expired` ("more than 15 minutes from the server's time", sending the user to
 * check a clock that was right), or taken outright when the instant it rolled into was near (24:00 of yesterday at
 * midnight). Alibaba's gateway answers such a value `InvalidTimeStamp.Format`; now so does Gatehouse, naming the value.
 *
 * Through `@alicloud/sts20150401` (on `@alicloud/openapi-core`) against a real server: its V3 signer with `x-acs-date`
 * given as a global header, and its signature version 1.0 signer (`signatureAlgorithm: 'v2'`, HMAC-SHA1 in the
 * parameters) with `Timestamp` as a global query parameter; both sign what they send, so only the time is wrong.
 * Before the fix 2 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import StsModule from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';
import { alibabaStsWorld, type AlibabaKey } from './support/alibaba-sts.ts';

// CommonJS modules: their ES default is `module.exports`.
const { default: Sts } = StsModule;
const { $OpenApiUtil } = OpenApi;

const ACS = '350000000771';

describe('lj1: an Alibaba signed call whose time is not a real date is InvalidTimeStamp.Format', () => {
  const w = alibabaStsWorld(ACS);

  /** A client signing with `key`, V3 unless `v1`, sending `time` as its own signing time. */
  const clientAt = (key: AlibabaKey, time: string, v1: boolean) =>
    new Sts(
      new $OpenApiUtil.Config({
        ...key,
        endpoint: new URL(w.server.url).host,
        protocol: 'http',
        regionId: 'cn-hangzhou',
        readTimeout: 10_000,
        connectTimeout: 5_000,
        ...(v1 ? { signatureAlgorithm: 'v2' } : {}),
        globalParameters: new $OpenApiUtil.GlobalParameters(v1 ? { queries: { Timestamp: time } } : { headers: { 'x-acs-date': time } }),
      }),
    );

  const refusedAsFormat = async (time: string, v1: boolean): Promise<void> => {
    await assert.rejects(clientAt(w.bob, time, v1).getCallerIdentity(), (e: { code?: string; statusCode?: number; message?: string }) => {
      assert.equal(e.code, 'InvalidTimeStamp.Format', `${v1 ? 'Timestamp' : 'x-acs-date'} ${time}: ${e.message}`);
      assert.equal(e.statusCode, 400);
      assert.match(e.message ?? '', new RegExp(time.slice(0, 10)));
      return true;
    });
  };

  it('V3: x-acs-date on 30 February, 31 April, or at 24:00', async () => {
    for (const t of ['2026-02-30T00:00:00Z', '2026-04-31T10:00:00Z', '2026-01-01T24:00:00Z', '2026-13-01T00:00:00Z']) await refusedAsFormat(t, false);
  });

  it('signature version 1.0: Timestamp on 30 February or at 24:00 of a day', async () => {
    for (const t of ['2026-02-30T00:00:00Z', '2026-01-01T24:00:00Z']) await refusedAsFormat(t, true);
  });

  it('a real time now is still taken by both signers', async () => {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    for (const v1 of [false, true]) {
      const who = await clientAt(w.bob, now, v1).getCallerIdentity();
      assert.equal(who.body?.arn, `acs:ram::${ACS}:user/bob`);
    }
  });
});
