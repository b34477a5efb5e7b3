/**
 * Review fn, 2: Alibaba's STS answered JSON whatever the request's `Format` said. Alibaba's RPC APIs take `Format` JSON
 * or XML, and XML is the default when none is given (Alibaba Cloud, "Common parameters": "The format of the return
 * value. Valid values: JSON and XML. The default value is XML."); an SDK or script that asks for XML (or names no
 * format, as the API reference's examples) got a body its XML parser refused, and an error it could not read. A `Format`
 * of neither kind was not refused.
 *
 * Now the answer is in the format asked: `<AssumeRoleResponse>` (`<ActionResponse>`) around the fields, `<Error>`
 * around an error's (`RequestId`, `HostId`, `Code`, `Message`), `text/xml`; JSON when `Format=JSON` (in any case), as
 * `@alicloud/credentials` asks; another `Format` is `InvalidParameter.Format`. A real server on 127.0.0.1; the answers
 * read with fast-xml-parser (the AWS SDKs' XML reader). Before the fix the 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import type { Credentials } from './support/server.ts';
import { readerSuite } from './support/alibaba-world.ts';

const ACS = '350000000022';
const percent = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const world = readerSuite(ACS);

/** A GET signed with Alibaba's signature version 1.0; `Format` only when given. */
async function signed(keys: Credentials, params: Record<string, string>): Promise<{ status: number; type: string; text: string }> {
  const all: Record<string, string> = { Version: '2015-04-01', Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', SignatureNonce: randomUUID(), AccessKeyId: keys.accessKeyId, ...params };
  const canonical = Object.keys(all).sort().map((k) => `${percent(k)}=${percent(all[k] as string)}`).join('&');
  const signature = createHmac('sha1', `${keys.secretAccessKey}&`).update(`GET&${percent('/')}&${percent(canonical)}`).digest('base64');
  const r = await fetch(`${world().server.url}/?${canonical}&Signature=${percent(signature)}`);
  return { status: r.status, type: r.headers.get('content-type') ?? '', text: await r.text() };
}

const xml = (text: string) => new XMLParser({ parseTagValue: false }).parse(text) as Record<string, Record<string, unknown>>;

describe('fn2: Alibaba STS answers in the Format asked, XML by default', () => {
  it('AssumeRole without Format and GetCallerIdentity with Format=XML answer XML', async () => {
    const assumed = await signed(world().bob, { Action: 'AssumeRole', RoleArn: `acs:ram::${ACS}:role/reader`, RoleSessionName: 'bob-xml' });
    assert.equal(assumed.status, 200, assumed.text);
    assert.match(assumed.type, /^text\/xml/);
    const r = xml(assumed.text)['AssumeRoleResponse'] as { RequestId?: string; AssumedRoleUser?: { Arn?: string }; Credentials?: Record<string, string> };
    assert.equal(r.AssumedRoleUser?.Arn, `acs:ram::${ACS}:role/reader/bob-xml`);
    assert.match(r.Credentials?.['AccessKeyId'] ?? '', /^STS\./);
    assert.match(r.Credentials?.['Expiration'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(r.Credentials?.['AccessKeySecret'] && r.Credentials['SecurityToken']);

    const who = await signed(world().bob, { Action: 'GetCallerIdentity', Format: 'XML' });
    assert.equal(who.status, 200, who.text);
    assert.equal(xml(who.text)['GetCallerIdentityResponse']?.['Arn'], `acs:ram::${ACS}:user/bob`);
  });

  it('an error is <Error> with its RequestId, HostId, Code and Message', async () => {
    const missing = await signed(world().bob, { Action: 'AssumeRole', RoleArn: `acs:ram::${ACS}:role/reader` });
    assert.equal(missing.status, 400);
    assert.match(missing.type, /^text\/xml/);
    const e = xml(missing.text)['Error'];
    assert.equal(e?.['Code'], 'MissingRoleSessionName');
    assert.equal(typeof e?.['RequestId'], 'string');
    assert.equal(typeof e?.['HostId'], 'string');
    assert.equal(e?.['Message'], 'RoleSessionName is mandatory for this action.');
    // Unsigned AssumeRoleWithOIDC alike.
    const oidc = await fetch(`${world().server.url}/?Action=AssumeRoleWithOIDC&Version=2015-04-01&Format=XML`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'RoleArn=acs%3Aram%3A%3A1%3Arole%2Fr&RoleSessionName=s1&OIDCProviderArn=x' });
    assert.equal(oidc.status, 400);
    assert.equal(xml(await oidc.text())['Error']?.['Code'], 'MissingOIDCToken');
  });

  it('Format=json is JSON; a Format of neither kind is InvalidParameter.Format', async () => {
    const who = await signed(world().bob, { Action: 'GetCallerIdentity', Format: 'json' });
    assert.equal(who.status, 200, who.text);
    assert.match(who.type, /^application\/json/);
    assert.equal((JSON.parse(who.text) as { Arn?: string }).Arn, `acs:ram::${ACS}:user/bob`);
    const yaml = await signed(world().bob, { Action: 'GetCallerIdentity', Format: 'YAML' });
    assert.equal(yaml.status, 400);
    assert.equal(xml(yaml.text)['Error']?.['Code'], 'InvalidParameter.Format');
  });
});
