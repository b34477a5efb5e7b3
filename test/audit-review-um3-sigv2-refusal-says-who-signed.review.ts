/**
 * Review um, 3: the S3 gateway's SigV2 door recorded a request refused for its time (RequestTimeTooSkewed: a Date more
 * than 15 minutes off) or its key (an inactive access key: InvalidAccessKeyId) without saying whether the key's secret
 * signed it, while its SigV4 door says `detail.signatureVerified` for both (review tu, 2 and 3; docs/decisions.md "A
 * request refused for its time says whether the key's secret signed it", which listed SigV2 as not checking it yet).
 *
 * Now both record `signatureVerified` (true: the key's secret signed it, checked as of its own time; false: it did
 * not) and say it in the message; answers unchanged. So does an expired presigned URL (`Expires=` past: 403
 * AccessDenied "Request has expired", as S3), checked as of its Expires; the commit said so, its test came with review
 * us, 2. Real server (SQLite), SigV2 requests signed by hand (HMAC-SHA1,
 * S3's "Signing and authenticating REST requests"), the records read through /v1/audit.
 *
 * Before the fix 3 of 3 tests failed (the third run against the code before review um, 3).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import * as I from '@aws-sdk/client-iam';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

describe("review um3: SigV2 refusals for time or key say whether the key's secret signed them", () => {
  let s: TestServer;
  const keys: Record<string, Credentials> = {};
  before(async () => {
    s = await startTestServer();
    for (const name of ['ann', 'ben']) {
      await s.iam().send(new I.CreateUserCommand({ UserName: name }));
      const key = (await s.iam().send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      keys[name] = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
    }
    await s.iam().send(new I.UpdateAccessKeyCommand({ UserName: 'ben', AccessKeyId: keys['ben']?.accessKeyId ?? '', Status: 'Inactive' }));
    await s.running.app.refresh();
  });
  after(() => s?.stop());

  /** A SigV2 GET of /b/k signed under `secret`, dated `at` (x-amz-date); the answer's status. */
  const get = async (k: Credentials, secret: string, at = new Date()): Promise<number> => {
    const date = at.toUTCString();
    const signature = createHmac('sha1', secret).update(`GET\n\n\n\nx-amz-date:${date}\n/b/k`, 'utf8').digest('base64');
    const r = await fetch(`${s.running.s3Url}/b/k`, { headers: { 'x-amz-date': date, authorization: `AWS ${k.accessKeyId}:${signature}` } });
    await r.arrayBuffer();
    return r.status;
  };
  const refusals = async (keyId: string): Promise<unknown[][]> => {
    await s.running.app.audit.flush();
    const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?kind=decision&limit=1000`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['records'] as AuditRecord[])
      .filter((x) => x.detail['accessKeyId'] === keyId && x.detail['authentication'] !== undefined)
      .map((x) => [x.detail['authentication'], x.detail['signatureVerified'], /; it was signed with the key's secret/.test(String(x.detail['message']))])
      .sort((a, b) => String(a[1]).localeCompare(String(b[1])));
  };
  const WRONG = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGSECRET';

  it('a Date 20 minutes old: signed by the key\'s holder, or not', async () => {
    const ann = keys['ann'] as Credentials;
    const stale = new Date(Date.now() - 20 * 60_000);
    assert.equal(await get(ann, ann.secretAccessKey, stale), 403);
    assert.equal(await get(ann, WRONG, stale), 403);
    assert.deepEqual(await refusals(ann.accessKeyId), [['RequestTimeTooSkewed', false, false], ['RequestTimeTooSkewed', true, true]]);
  });

  it('an inactive key: its holder still using it, or someone naming its id', async () => {
    const ben = keys['ben'] as Credentials;
    assert.equal(await get(ben, ben.secretAccessKey), 403);
    assert.equal(await get(ben, WRONG), 403);
    assert.deepEqual(await refusals(ben.accessKeyId), [['InvalidAccessKeyId', false, false], ['InvalidAccessKeyId', true, true]]);
  });

  it("an expired presigned URL: signed by the key's holder, checked as of its Expires, or not", async () => {
    await s.iam().send(new I.CreateUserCommand({ UserName: 'cy' }));
    const key = (await s.iam().send(new I.CreateAccessKeyCommand({ UserName: 'cy' }))).AccessKey;
    const cy: Credentials = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
    await s.running.app.refresh();
    const expires = Math.floor(Date.now() / 1000) - 60;
    const url = (secret: string): string => {
      const signature = createHmac('sha1', secret).update(`GET\n\n\n${expires}\n/b/k`, 'utf8').digest('base64');
      return `${s.running.s3Url}/b/k?${new URLSearchParams({ AWSAccessKeyId: cy.accessKeyId, Expires: String(expires), Signature: signature })}`;
    };
    for (const secret of [cy.secretAccessKey, WRONG]) {
      const r = await fetch(url(secret));
      assert.equal(r.status, 403);
      assert.match(await r.text(), /<Code>AccessDenied<\/Code><Message>Request has expired<\/Message>/);
    }
    assert.deepEqual(await refusals(cy.accessKeyId), [['AccessDenied', false, false], ['AccessDenied', true, true]]);
  });
});
