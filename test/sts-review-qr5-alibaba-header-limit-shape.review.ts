/**
 * Review qr, 5: a request whose URL and headers pass the 16 KiB the edge reads is answered 431 in its route's error
 * shape (reviews ky, 3 and mj, 3), but for the Query API's root that shape was IAM's XML whatever the request named:
 * an Alibaba STS request (`Version=2015-04-01`, or V3's `x-acs-version`) got `<ErrorResponse xmlns=…iam…>`, which
 * Alibaba's SDKs cannot read, where every other refusal the edge makes before reading the parameters (413, 415, 408,
 * 503) answers in Alibaba's shape (reviews lh, 3; ot, 2; lz, 2). It happens to ordinary calls: `@alicloud/sts20150401`
 * (V3) sends AssumeRole's `Policy` in the query string, percent-encoded, so a session policy of 2,048 characters naming
 * OSS paths in Chinese (9 bytes a character there) passes the limit; the client threw a parse error ("Unexpected token
 * '<'"), its code, status and RequestId lost, nothing saying the policy made the URL too long.
 *
 * Now the 431 is shaped as the edge's other early refusals are (`earlyAnswer`): Alibaba's `{RequestId, HostId, Code,
 * Message}` (JSON for V3 or `Format=JSON`, else XML) with `InvalidParameter`, AWS STS's namespace for an STS request,
 * IAM's XML otherwise; status 431 and the message naming the limit are unchanged. A real server on 127.0.0.1, Alibaba's
 * own V3 client and a request signed with signature version 1.0. Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import StsModule from '@alicloud/sts20150401';
import { alibabaStsWorld } from './support/alibaba-sts.ts';

// A CommonJS module: its ES default is `module.exports`.
const { AssumeRoleRequest } = StsModule;

const ACS = '350000000906';
const ROLE = `acs:ram::${ACS}:role/reader`;
const percent = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

describe('qr5: a request past the header limit is answered 431 in Alibaba STS’s shape', () => {
  const w = alibabaStsWorld(ACS);

  it('the V3 client with a 2,000-character policy in Chinese: an error it reads, 431, naming the limit', async () => {
    const policy = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: `acs:oss:*:*:reports/${'报'.repeat(1900)}/*` }] });
    assert.ok(policy.length <= 2048, String(policy.length));
    const e = await w.client(w.bob).assumeRole(new AssumeRoleRequest({ roleArn: ROLE, roleSessionName: 'qr5-session', policy })).then(
      () => assert.fail('answered'),
      (err: unknown) => err as { code?: string; statusCode?: number; message?: string; data?: Record<string, unknown> },
    );
    assert.equal(e.statusCode, 431, String(e.message));
    assert.equal(e.code, 'InvalidParameter', String(e.message));
    assert.match(e.message ?? '', /16384 bytes/);
    assert.match(String(e.data?.['RequestId'] ?? ''), /^[0-9a-f-]{36}$/);
  });

  it('signature version 1.0 with Format=JSON: Alibaba’s JSON error document', async () => {
    const all: Record<string, string> = {
      Action: 'GetCallerIdentity', Version: '2015-04-01', Format: 'JSON', Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', SignatureNonce: randomUUID(), AccessKeyId: w.bob.accessKeyId, Padding: 'p'.repeat(20_000),
    };
    const canonical = Object.keys(all).sort().map((k) => `${percent(k)}=${percent(all[k] as string)}`).join('&');
    const signature = createHmac('sha1', `${w.bob.accessKeySecret}&`).update(`GET&${percent('/')}&${percent(canonical)}`).digest('base64');
    const r = await fetch(`${w.server.url}/?${canonical}&Signature=${percent(signature)}`);
    const text = await r.text();
    assert.equal(r.status, 431);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/, text.slice(0, 200));
    const body = JSON.parse(text) as Record<string, unknown>;
    assert.equal(body['Code'], 'InvalidParameter');
    assert.equal(body['HostId'], new URL(w.server.url).host);
    assert.match(String(body['Message']), /16384 bytes/);
    assert.equal(typeof body['RequestId'], 'string');
  });
});
