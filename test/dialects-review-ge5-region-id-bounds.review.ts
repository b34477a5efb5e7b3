/**
 * Review ge, 5: a signed Alibaba STS call's `RegionId` parameter was recorded, unread, as its access key's last-used
 * region: any text of any length up to the request body's 1 MiB, line breaks included. A key holder made its key's
 * GetAccessKeyLastUsed answer, its account's credential report (what an auditor reads for every key) and the store carry
 * 200,000 characters or line breaks, where a SigV4 request's region must be `[a-z0-9-]{1,64}` (its credential scope)
 * before anything is noted. Now a `RegionId` that is no region name
 * (`cn-hangzhou`, `ap-southeast-1`: `[a-z0-9-]{1,64}`) is not recorded; one that is, is, as before. Real server,
 * signature version 1.0 signed as the RPC signature's definition says, POST with a form body as `@alicloud/credentials`
 * sends it, SDK v3 IAM for GetAccessKeyLastUsed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import * as I from '@aws-sdk/client-iam';
import { accountAdmin, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '350000000075';

/** RFC 3986 percent-encoding, as the RPC signature takes it. */
const percent = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

describe("ge5: an Alibaba STS call's RegionId is recorded only when it is a region name", () => {
  let s: TestServer;
  let bob: Credentials;
  let admin: Credentials;

  /** GetCallerIdentity as bob, with `RegionId`, every parameter in a signed form body. */
  const whoAmI = async (regionId: string): Promise<number> => {
    const params: Record<string, string> = {
      Action: 'GetCallerIdentity',
      Version: '2015-04-01',
      Format: 'JSON',
      RegionId: regionId,
      Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      SignatureNonce: randomUUID(),
      AccessKeyId: bob.accessKeyId,
    };
    const canonical = Object.keys(params).sort().map((k) => `${percent(k)}=${percent(params[k] as string)}`).join('&');
    const signature = createHmac('sha1', `${bob.secretAccessKey}&`).update(`POST&${percent('/')}&${percent(canonical)}`).digest('base64');
    const r = await fetch(`${s.url}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `${canonical}&Signature=${percent(signature)}` });
    await r.text();
    return r.status;
  };
  const lastRegion = async (): Promise<string | undefined> =>
    (await s.iam(admin).send(new I.GetAccessKeyLastUsedCommand({ AccessKeyId: bob.accessKeyId }))).AccessKeyLastUsed?.Region;

  before(async () => {
    s = await startTestServer();
    admin = await accountAdmin(s, ACS, 'acs');
    const iam = s.iam(admin);
    await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
    const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }))).AccessKey;
    bob = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
  });
  after(async () => {
    await s?.stop();
  });

  it('a region name is kept; 200,000 characters, or a line break, are not', async () => {
    assert.equal(await whoAmI('cn-hangzhou'), 200);
    assert.equal(await lastRegion(), 'cn-hangzhou');

    assert.equal(await whoAmI('x'.repeat(200_000)), 200);
    const huge = await lastRegion();
    assert.ok((huge ?? '').length <= 64, `recorded a region of ${(huge ?? '').length} characters`);

    assert.equal(await whoAmI('cn-hangzhou\nus-east-1'), 200);
    assert.doesNotMatch((await lastRegion()) ?? '', /\n/);
  });
});
