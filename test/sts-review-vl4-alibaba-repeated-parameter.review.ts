/**
 * Review vl, 4: as review vl, 3 for the AWS Query API, a parameter of Alibaba's STS (`Version=2015-04-01`) given twice was
 * read as its last: a signed AssumeRole carrying `Policy` twice, the narrow session policy first, was issued a session
 * with the second, while whatever read the request before this server (a broker checking the policy it forwards, a
 * proxy, a log) read the first. The signature does not tell them apart: signature version 1.0's string to sign was
 * built here from the parameters with the repeated one collapsed to its last. Now such a request runs nothing: 400
 * `InvalidParameter` naming the parameter, in Alibaba's error document, in the Format asked.
 *
 * Real in-process server; the request signed by hand as `@alicloud/credentials` signs AssumeRole (signature version 1.0,
 * HMAC-SHA1), since no client library sends a parameter twice.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import * as I from '@aws-sdk/client-iam';
import { rpcStringToSign } from '../src/adapters/http/alibaba-sts-api.ts';
import { accountAdmin, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '350000000044';

describe("review vl4: an Alibaba STS parameter given twice runs nothing", () => {
  let s: TestServer;
  let admin: Credentials;
  before(async () => {
    s = await startTestServer();
    admin = await accountAdmin(s, ACS, 'acs');
    const trust = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Principal: { RAM: [`acs:ram::${ACS}:root`] }, Action: 'sts:AssumeRole' }] });
    await s.iam(admin).send(new I.CreateRoleCommand({ RoleName: 'vl4', AssumeRolePolicyDocument: trust }));
  });
  after(async () => s?.stop());

  /** A form POST signed with signature version 1.0 under `key`; `extra` appended after the signed parameters, signed too. */
  const assumeRole = async (key: Credentials, extra: readonly (readonly [string, string])[]) => {
    const params = new URLSearchParams({ Action: 'AssumeRole', Version: '2015-04-01', Format: 'JSON', AccessKeyId: key.accessKeyId, SignatureMethod: 'HMAC-SHA1', SignatureVersion: '1.0', SignatureNonce: randomUUID(), Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), RoleArn: `acs:ram::${ACS}:role/vl4`, RoleSessionName: 'vl4' });
    for (const [k, v] of extra) params.append(k, v);
    params.set('Signature', createHmac('sha1', `${key.secretAccessKey}&`).update(rpcStringToSign('POST', '', params.toString())).digest('base64'));
    const r = await fetch(`${s.url.replace(/\/$/, '')}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: params.toString() });
    return { status: r.status, text: await r.text() };
  };
  const narrow = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: 'acs:oss:*:*:vl4/*' }] });
  const broad = JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });

  it('AssumeRole with Policy twice: InvalidParameter naming it, no credentials', async () => {
    const r = await assumeRole(admin, [['Policy', narrow], ['Policy', broad]]);
    assert.equal(r.status, 400, r.text);
    const body = JSON.parse(r.text) as { Code?: string; Message?: string; Credentials?: unknown };
    assert.equal(body.Code, 'InvalidParameter', r.text);
    assert.match(body.Message ?? '', /`Policy`/, r.text);
    assert.equal(body.Credentials, undefined, r.text);
  });

  it('each parameter once is issued', async () => {
    const r = await assumeRole(admin, [['Policy', narrow]]);
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /"SecurityToken"/, r.text);
  });
});
