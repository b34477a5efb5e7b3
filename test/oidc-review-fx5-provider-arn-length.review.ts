/**
 * Review fx, 5: the IAM API bounds `OpenIDConnectProviderArn` to 20–2,048 characters (IAM API reference, every OIDC
 * provider action) and answers ValidationError past it. Gatehouse took one of any length: a caller with no right on any
 * provider sent TagOpenIDConnectProvider (or Get, Delete, AddClientID…) naming a provider of 100,000 characters in its
 * own account, was refused AccessDenied naming the ARN whole, and the refusal was recorded in the audit log with the
 * whole ARN as its resource, request after request. Now it is refused first, in AWS's words and without the value, and
 * nothing is recorded, as for any malformed request; an ARN within the bound is decided as before. Real server, SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { auditRecords, sdkFailure, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const long = `arn:aws:iam::${ACCT}:oidc-provider/${'h'.repeat(100_000)}`;

let s: TestServer;
let mallory: Credentials;

before(async () => {
  s = await startTestServer();
  mallory = await userWithKey(s, 'mallory');
});
after(async () => s?.stop());

test('fx5: a provider ARN over 2,048 characters is a ValidationError naming the bound, and is not recorded', async () => {
  const iam = s.iam(mallory);
  const calls: Promise<unknown>[] = [
    iam.send(new I.TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: long, Tags: [{ Key: 'k', Value: 'v' }] })),
    iam.send(new I.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: long })),
    iam.send(new I.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: long })),
    iam.send(new I.AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: long, ClientID: 'x' })),
  ];
  for (const call of calls) {
    const e = await sdkFailure(call);
    assert.deepEqual([e.code, e.status, e.message], ['ValidationError', 400, "1 validation error detected: Value at 'openIDConnectProviderArn' failed to satisfy constraint: Member must have length less than or equal to 2048"]);
  }
  const records = await auditRecords(s, {});
  assert.ok(!records.some((r) => JSON.stringify(r).includes('h'.repeat(3000))), 'no record carries the long ARN');
});

test('fx5: within the bound, the caller is refused as before (AccessDenied on the provider ARN)', async () => {
  const arn = `arn:aws:iam::${ACCT}:oidc-provider/issuer.example.com`;
  const e = await sdkFailure(s.iam(mallory).send(new I.TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn, Tags: [{ Key: 'k', Value: 'v' }] })));
  assert.deepEqual([e.code, e.status], ['AccessDenied', 403]);
  assert.match(e.message, /is not authorized to perform: iam:TagOpenIDConnectProvider on resource: arn:aws:iam::000000000000:oidc-provider\/issuer\.example\.com/);
});
