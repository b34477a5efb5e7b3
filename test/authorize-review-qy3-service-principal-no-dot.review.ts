/**
 * Review qy, finding 3: a `Service` principal without a dot (`"Service": "ec2"`, `"training"`, or one that begins or
 * ends with one, `".amazonaws.com"`) was taken when written and named no service ever: a service principal is a DNS
 * name (`ec2.amazonaws.com`, `training.gatehouse.dev`), and no caller is one without a dot (the authorize API refuses
 * `ec2` as a principal). A bucket policy's Deny "no service writes here" written with the short name denied nobody,
 * and a trust policy with it let no service in, silently. IAM refuses such a value (`MalformedPolicyDocument: Invalid
 * principal in policy: "SERVICE":"…"`). Now every door refuses it when written, POLICY_INVALID_PRINCIPAL at its path,
 * naming the form; a service principal's full name is taken as before and its Deny applies. A stored one is read as
 * before.
 * Before the fix 3 of 4 tests failed.
 * Real server (SQLite), SDK v3 (IAM CreateRole), SigV4-signed /v1/resource-policies and /v1/authorize.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const BUCKET = 'arn:aws:s3:::qy3-data';
let s: TestServer;

const denyService = (Service: string) => ({ Version: '2012-10-17', Statement: [{ Sid: 'NoService', Effect: 'Deny', Principal: { Service }, Action: 's3:PutObject', Resource: `${BUCKET}/*` }] });
const put = (document: object) => gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(BUCKET)}`, { document });

before(async () => {
  s = await startTestServer();
});
after(() => s?.stop());

test('qy3: a bucket policy Deny naming `"Service": "training"` is refused, at the value', async () => {
  const r = await put(denyService('training'));
  assert.equal(r.status, 400, JSON.stringify(r.json));
  assert.match(JSON.stringify(r.json), /POLICY_INVALID_PRINCIPAL/);
  assert.match(JSON.stringify(r.json), /Statement\[0\]\.Principal\.Service/);
  assert.match(JSON.stringify(r.json), /training\.gatehouse\.dev/);
});

test('qy3: one beginning or ending with a dot is refused too', async () => {
  for (const bad of ['.amazonaws.com', 'ec2.amazonaws.com.', 'ec2..amazonaws.com']) {
    const r = await put(denyService(bad));
    assert.equal(r.status, 400, `${bad}: ${JSON.stringify(r.json)}`);
  }
});

test('qy3: CreateRole with a trust policy naming `"Service": "ec2"` is refused with MalformedPolicyDocument', async () => {
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2' }, Action: 'sts:AssumeRole' }] });
  const err = await s.iam().send(new I.CreateRoleCommand({ RoleName: 'qy3-role', AssumeRolePolicyDocument: trust })).then(() => undefined, (e: unknown) => e as Error & { name: string });
  assert.ok(err !== undefined, 'the trust policy naming `ec2` was taken');
  assert.equal(err.name, 'MalformedPolicyDocumentException');
  assert.match(err.message, /ec2/);
});

test('qy3: a service principal by its full name is still taken, and its Deny applies', async () => {
  const r = await put(denyService('training.gatehouse.dev'));
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const d = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: 'training.gatehouse.dev', action: 's3:PutObject', resource: `${BUCKET}/x` });
  assert.equal(d.json['decision'], 'ExplicitDeny', JSON.stringify(d.json));
});
