/**
 * Review lj, 2: a signed Alibaba STS call (signature version 1.0, in the parameters) without `SignatureVersion` was
 * taken: Gatehouse required `SignatureMethod` but read a missing `SignatureVersion` as 1.0. Alibaba's RPC signature
 * requires both ("Common request parameters": `SignatureVersion`, required, `1.0`), and its gateway refuses a request
 * without one as it refuses any missing common parameter; so a hand-made signer that works against Gatehouse failed
 * against Alibaba. Now a missing or empty `SignatureVersion` is `MissingSignatureVersion` ("SignatureVersion is
 * mandatory for this action."), as `MissingSignatureMethod` is, and the call is not answered.
 *
 * Requests signed with `@alicloud/openapi-core`'s own RPC signer (`getRPCSignature`, what its `signatureAlgorithm: 'v2'`
 * path signs with) and sent by fetch to a real server, since the SDK itself always adds `SignatureVersion`.
 * Before the fix 2 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import OpenApi from '@alicloud/openapi-core';
import { alibabaStsWorld } from './support/alibaba-sts.ts';

// A CommonJS module: its ES default is `module.exports`.
const { OpenApiUtil } = OpenApi;

const ACS = '350000000772';

describe('lj2: an Alibaba signature version 1.0 call without SignatureVersion is MissingSignatureVersion', () => {
  const w = alibabaStsWorld(ACS);

  /** GetCallerIdentity signed by the SDK's RPC signer over `extra` and the common parameters but `SignatureVersion`. */
  const call = async (extra: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> => {
    const params: Record<string, string> = {
      Action: 'GetCallerIdentity',
      Version: '2015-04-01',
      Format: 'JSON',
      AccessKeyId: w.bob.accessKeyId,
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: randomUUID(),
      Timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      ...extra,
    };
    params['Signature'] = OpenApiUtil.getRPCSignature(params, 'GET', w.bob.accessKeySecret);
    const r = await fetch(`${w.server.url}/?${new URLSearchParams(params)}`);
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };

  it('without SignatureVersion the call is refused and not answered', async () => {
    const r = await call({});
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body['Code'], 'MissingSignatureVersion');
    assert.equal(r.body['Message'], 'SignatureVersion is mandatory for this action.');
    assert.equal(r.body['Arn'], undefined);
  });

  it('an empty SignatureVersion is refused alike', async () => {
    const r = await call({ SignatureVersion: '' });
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body['Code'], 'MissingSignatureVersion');
  });

  it('with SignatureVersion 1.0 the same signer is answered', async () => {
    const r = await call({ SignatureVersion: '1.0' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body['Arn'], `acs:ram::${ACS}:user/bob`);
  });
});
