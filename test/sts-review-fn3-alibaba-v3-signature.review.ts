/**
 * Review fn, 3: Alibaba's current SDKs (the V2.0 SDKs on `@alicloud/openapi-core`, e.g. `@alicloud/sts20150401`) sign
 * with the V3 signature by default (`callApi` → `doRequest`): `Authorization: ACS3-HMAC-SHA256 Credential=…,
 * SignedHeaders=…,Signature=…`, the action and version in the `x-acs-action` and `x-acs-version` headers, the
 * parameters in the query, no `Action` parameter at all. Gatehouse read only parameters, so every such call (an
 * `STS` client's `assumeRole`, `getCallerIdentity`, `assumeRoleWithOIDC`) was refused as an AWS call without an action,
 * in AWS's XML ("The request must contain the parameter Action.").
 *
 * Now a request whose `x-acs-version` is STS's `2015-04-01` is Alibaba's, its action the header's; its signature is
 * checked as `@alicloud/openapi-core`'s `getAuthorization` makes it (the canonical request: method, path, sorted query
 * with RFC 3986 values, each signed header `name:value`, the signed names, the body's SHA-256 from
 * `x-acs-content-sha256`, which must be the body's; HMAC-SHA256 under the secret, hex); `x-acs-date` within 15 minutes,
 * `x-acs-signature-nonce` once, an `STS.` key's token in `x-acs-security-token`; answers in JSON (what that client
 * reads) unless `Accept` asks for XML.
 *
 * The signer below follows the V3 signature's definition (Alibaba's "request syntax and signature method V3"), so that
 * it can send what no client sends (a header changed after signing, a nonce twice, a stale date);
 * test/sts-review-fn5-alibaba-sts-sdk.review.ts runs Alibaba's own client, `@alicloud/sts20150401`. A real server on
 * 127.0.0.1. Before the fix all 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import type { Credentials } from './support/server.ts';
import { readerSuite } from './support/alibaba-world.ts';

const ACS = '350000000023';
const world = readerSuite(ACS);

const encode = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

interface V3 {
  readonly action: string;
  readonly query?: Record<string, string>;
  readonly body?: string;
  /** Headers changed after signing (a tampered request). */
  readonly after?: Record<string, string>;
  readonly nonce?: string;
  readonly date?: string;
  /** Leave these headers out of the request and the signature. */
  readonly omit?: readonly string[];
}

/** A POST signed as `@alicloud/openapi-core` signs one (`doRequest`, `getAuthorization`). */
async function v3(keys: Credentials, r: V3): Promise<{ status: number; type: string; json: Record<string, unknown> }> {
  const url = new URL(world().server.url);
  const body = r.body ?? '';
  const headers: Record<string, string> = {
    host: url.host,
    'x-acs-version': '2015-04-01',
    'x-acs-action': r.action,
    'x-acs-date': r.date ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': r.nonce ?? randomUUID(),
    accept: 'application/json',
    'x-acs-content-sha256': sha256(body),
    ...(body !== '' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    ...(keys.sessionToken ? { 'x-acs-accesskey-id': keys.accessKeyId, 'x-acs-security-token': keys.sessionToken } : {}),
  };
  for (const h of r.omit ?? []) delete headers[h];
  const query = r.query ?? {};
  const canonicalQuery = Object.keys(query).sort().map((k) => `${k}=${encode(query[k] as string)}`).join('&');
  const signed = Object.keys(headers).filter((h) => h.startsWith('x-acs-') || h === 'host' || h === 'content-type').sort();
  const canonicalHeaders = signed.map((h) => `${h}:${(headers[h] as string).trim()}\n`).join('');
  const canonicalRequest = `POST\n/\n${canonicalQuery}\n${canonicalHeaders}\n${signed.join(';')}\n${headers['x-acs-content-sha256'] ?? sha256(body)}`;
  const signature = createHmac('sha256', keys.secretAccessKey).update(`ACS3-HMAC-SHA256\n${sha256(canonicalRequest)}`).digest('hex');
  const sent = { ...headers, ...r.after, authorization: `ACS3-HMAC-SHA256 Credential=${keys.accessKeyId},SignedHeaders=${signed.join(';')},Signature=${signature}` };
  delete (sent as Record<string, string | undefined>)['host'];
  const res = await fetch(`${world().server.url}/${canonicalQuery === '' ? '' : `?${canonicalQuery}`}`, { method: 'POST', headers: sent, body: body === '' ? null : body });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', json: JSON.parse(text) as Record<string, unknown> };
}

describe('fn3: Alibaba STS takes the V3 signature (ACS3-HMAC-SHA256) of its current SDKs', () => {
  it('GetCallerIdentity and AssumeRole answer JSON, and the session signs with x-acs-security-token', async () => {
    const who = await v3(world().bob, { action: 'GetCallerIdentity' });
    assert.equal(who.status, 200, JSON.stringify(who.json));
    assert.match(who.type, /^application\/json/);
    assert.equal(who.json['Arn'], `acs:ram::${ACS}:user/bob`);
    assert.equal(who.json['IdentityType'], 'RAMUser');

    const assumed = await v3(world().bob, { action: 'AssumeRole', query: { RoleArn: `acs:ram::${ACS}:role/reader`, RoleSessionName: 'v3-session', DurationSeconds: '900' } });
    assert.equal(assumed.status, 200, JSON.stringify(assumed.json));
    const c = assumed.json['Credentials'] as Record<string, string>;
    assert.match(c['AccessKeyId'] ?? '', /^STS\./);
    const session = { accessKeyId: c['AccessKeyId'] ?? '', secretAccessKey: c['AccessKeySecret'] ?? '', sessionToken: c['SecurityToken'] ?? '' };
    const again = await v3(session, { action: 'GetCallerIdentity' });
    assert.equal(again.status, 200, JSON.stringify(again.json));
    assert.equal(again.json['Arn'], `acs:ram::${ACS}:assumed-role/reader/v3-session`);
    assert.equal(again.json['IdentityType'], 'AssumedRoleUser');
  });

  it('takes parameters from a signed form body too, and refuses a body that is not the one signed', async () => {
    const body = new URLSearchParams({ RoleArn: `acs:ram::${ACS}:role/reader`, RoleSessionName: 'form-body' }).toString();
    const ok = await v3(world().bob, { action: 'AssumeRole', body });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal((ok.json['AssumedRoleUser'] as Record<string, string>)['Arn'], `acs:ram::${ACS}:role/reader/form-body`);
    const swapped = await v3(world().bob, { action: 'AssumeRole', body, after: { 'x-acs-content-sha256': sha256('RoleArn=x') } });
    assert.equal(swapped.status, 400);
    assert.equal(swapped.json['Code'], 'SignatureDoesNotMatch');
  });

  it('refuses a wrong secret, a header changed after signing, an unsigned date, a nonce used twice and a stale date', async () => {
    const wrong = await v3({ ...world().bob, secretAccessKey: `${world().bob.secretAccessKey}x` }, { action: 'GetCallerIdentity' });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.json['Code'], 'SignatureDoesNotMatch');
    assert.equal(typeof wrong.json['RequestId'], 'string');
    const changed = await v3(world().bob, { action: 'GetCallerIdentity', after: { 'x-acs-signature-nonce': randomUUID() } });
    assert.equal(changed.json['Code'], 'SignatureDoesNotMatch');
    const undated = await v3(world().bob, { action: 'GetCallerIdentity', omit: ['x-acs-date'] });
    assert.equal(undated.status, 400);
    assert.equal(undated.json['Code'], 'IncompleteSignature');
    const nonce = randomUUID();
    assert.equal((await v3(world().bob, { action: 'GetCallerIdentity', nonce })).status, 200);
    assert.equal((await v3(world().bob, { action: 'GetCallerIdentity', nonce })).json['Code'], 'SignatureNonceUsed');
    const stale = await v3(world().bob, { action: 'GetCallerIdentity', date: new Date(Date.now() - 20 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z') });
    assert.equal(stale.json['Code'], 'InvalidTimeStamp.Expired');
  });
});
