/**
 * Review qr, 7: Gatehouse answers one Alibaba Cloud API, STS (`Version=2015-04-01`); an `acs` account's RAM users,
 * roles and policies are managed through the IAM Query API. A call of RAM's own API (`Version=2015-05-01`: CreateUser,
 * AttachPolicyToUser…, what `@alicloud/ram20150501` and `aliyun ram …` send) or IMS's (`2019-08-15`), signed as every
 * Alibaba call is, was routed to the IAM Query API by its action name and answered in IAM's XML: "Request is missing
 * Authentication Token" (403) for a request that was signed, or "Could not find operation" — text Alibaba's clients
 * cannot read (the V3 client threw a JSON parse error, code and RequestId lost), and which sent whoever read it after a
 * signing problem that was not there.
 *
 * Now such a request (an Alibaba signature, by its parameters or its ACS3 `Authorization`, or an `x-acs-version`, with a
 * version other than STS's) is answered in Alibaba's shape, 404 `InvalidAction.NotFound`, saying that this server's
 * Alibaba API is STS only and that RAM's entities are managed through the IAM Query API (the AWS SDKs and CLI) or
 * `gatehouse`. A real server on 127.0.0.1, a request signed with signature version 1.0 and Alibaba's own V3 client.
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import OpenApi from '@alicloud/openapi-core';
import { alibabaStsWorld } from './support/alibaba-sts.ts';

// A CommonJS module: its ES default is `module.exports`.
const { $OpenApiUtil } = OpenApi;

const ACS = '350000000908';
const percent = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

describe('qr7: a call of RAM’s own API is told, in Alibaba’s shape, that this server answers Alibaba’s STS only', () => {
  const w = alibabaStsWorld(ACS);

  it('signature version 1.0: RAM’s CreateUser and IMS’s GetUser are InvalidAction.NotFound in JSON', async () => {
    for (const [version, action] of [['2015-05-01', 'CreateUser'], ['2015-05-01', 'AttachPolicyToUser'], ['2019-08-15', 'GetUser']] as const) {
      const all: Record<string, string> = {
        Action: action, Version: version, Format: 'JSON', UserName: 'carol', Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', SignatureNonce: randomUUID(), AccessKeyId: w.bob.accessKeyId,
      };
      const canonical = Object.keys(all).sort().map((k) => `${percent(k)}=${percent(all[k] as string)}`).join('&');
      const signature = createHmac('sha1', `${w.bob.accessKeySecret}&`).update(`GET&${percent('/')}&${percent(canonical)}`).digest('base64');
      const r = await fetch(`${w.server.url}/?${canonical}&Signature=${percent(signature)}`);
      const text = await r.text();
      assert.equal(r.status, 404, `${action}: ${text.slice(0, 300)}`);
      assert.match(r.headers.get('content-type') ?? '', /^application\/json/, text.slice(0, 200));
      const body = JSON.parse(text) as Record<string, unknown>;
      assert.equal(body['Code'], 'InvalidAction.NotFound');
      assert.match(String(body['Message']), new RegExp(`Version ${version}`));
      assert.match(String(body['Message']), /IAM Query API/);
      assert.equal(typeof body['RequestId'], 'string');
    }
  });

  it('Alibaba’s V3 client calling RAM’s CreateUser reads the error: code, 404, the way to go', async () => {
    const params = new $OpenApiUtil.Params({ action: 'CreateUser', version: '2015-05-01', protocol: 'HTTP', pathname: '/', method: 'POST', authType: 'AK', style: 'RPC', reqBodyType: 'formData', bodyType: 'json' });
    const request = new $OpenApiUtil.OpenApiRequest({ query: { UserName: 'carol' } });
    const e = await w.client(w.bob).callApi(params, request, {} as never).then(
      () => assert.fail('answered'),
      (err: unknown) => err as { code?: string; statusCode?: number; message?: string },
    );
    assert.equal(e.code, 'InvalidAction.NotFound', String(e.message));
    assert.equal(e.statusCode, 404);
    assert.match(e.message ?? '', /IAM Query API/);
  });
});
