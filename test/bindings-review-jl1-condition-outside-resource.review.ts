/**
 * Review jl, 1: a condition comparing `resource.name` with a name that no request the policy governs can have was
 * stored and decided as written. A policy on `arn:aws:s3:::data` decides only requests on the bucket and what lies under
 * it (`arn:aws:s3:::data/…`), so its `resource.name` is always one of those; yet
 * `!resource.name.startsWith("data/secret/")` ("everything but secret/", written with the object key, or with another
 * bucket's ARN, an S3 ARN on an OSS bucket, a case slip) was true for every request and granted `secret/` too (fail
 * open), and the positive forms silently granted nothing. A policy on a role's ARN governs that role alone, so a
 * `startsWith("…role/r/")` there never held either. As reviews gx, 6 and 7 refuse such comparisons for `resource.type`
 * and GCP names, a write (API, `apply`) now refuses `==`, `!=` and `startsWith` of `resource.name` with a literal no
 * request governed by the policy can match, at the literal's column, naming what `resource.name` can be there. Policies
 * on `account/<id>` and `workspace/<name>` govern requests on any ARN and are not checked; stored conditions load as
 * before.
 *
 * Before the fix 3 of 4 tests failed.
 *
 * Real server, SigV4-signed /v1/ calls, AWS SDK v3 IAM client.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { details, doraConditions, ROOT } from './support/bindings-conditions.ts';

const dora = doraConditions('not secret');
const { put, reads } = dora;
const api = (method: string, path: string, body?: unknown) => gatehouseJson(dora.server.url, dora.server.admin, method, path, body);

test('`!resource.name.startsWith("data/secret/")` on the bucket is refused at the literal, and grants nothing under secret/', async () => {
  const r = await put('!resource.name.startsWith("data/secret/")');
  assert.equal(r.status, 400, JSON.stringify(r.json));
  const [e] = details(r.json);
  assert.equal(e?.code, 'BINDINGS_INVALID_CONDITION');
  assert.equal(e?.path, 'bindings[0].condition.expression');
  assert.equal(e?.column, 27);
  assert.match(e?.message ?? '', /arn:aws:s3:::data/);
  assert.notEqual(await reads('secret/plans.txt'), 'Allow');
  // Another bucket, the OSS spelling of this one, or another case: the same for every request here.
  for (const expression of ['resource.name.startsWith("arn:aws:s3:::data-archive/")', 'resource.name == "acs:oss:*:*:data/public/x"', 'resource.name != "arn:aws:s3:::Data/secret/x"']) {
    const again = await put(expression);
    assert.equal(again.status, 400, `${expression}: ${JSON.stringify(again.json)}`);
    assert.equal(details(again.json)[0]?.code, 'BINDINGS_INVALID_CONDITION', expression);
  }
});

test('what a request on the bucket can be named is taken, and decides as meant', async () => {
  for (const expression of ['resource.name == "arn:aws:s3:::data"', 'resource.name.startsWith("arn:aws:s3:::d")', 'resource.name.endsWith(".csv")']) {
    const r = await put(expression);
    assert.equal(r.status, 200, `${expression}: ${JSON.stringify(r.json)}`);
  }
  const r = await put('!resource.name.startsWith("arn:aws:s3:::data/secret/")');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(await reads('public/a.txt'), 'Allow');
  assert.notEqual(await reads('secret/plans.txt'), 'Allow');
});

test('on a role’s ARN only that role is governed; on the account every ARN is', async () => {
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });
  await dora.server.iam().send(new I.CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: trust }));
  const role = `arn:aws:iam::${ROOT}:role/r`;
  const on = (resource: string, expression: string) => api('PUT', '/v1/iam-policies', { resource, bindings: [{ role: 'roles/iam.serviceAccountUser', members: ['user:dora'], condition: { title: 't', expression } }] });
  const under = await on(role, `resource.name.startsWith("${role}/")`);
  assert.equal(under.status, 400, JSON.stringify(under.json));
  assert.equal(details(under.json)[0]?.code, 'BINDINGS_INVALID_CONDITION');
  assert.equal((await on(role, `resource.name == "${role}"`)).status, 200);
  const account = await api('PUT', '/v1/iam-policies', { resource: `account/${ROOT}`, bindings: [{ role: 'roles/storage.objectViewer', members: ['user:dora'], condition: { title: 't', expression: 'resource.name.startsWith("arn:aws:s3:::data/")' } }] });
  assert.equal(account.status, 200, JSON.stringify(account.json));
});

test('`gatehouse apply` refuses it too, at the document’s condition', async () => {
  const r = await api('POST', '/v1/apply', {
    documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name: 'data' }, spec: { resource: 'arn:aws:s3:::data', bindings: [{ role: 'roles/storage.objectViewer', members: ['user:dora'], condition: { title: 'not secret', expression: '!resource.name.startsWith("data/secret/")' } }] } }],
  });
  assert.equal(r.status, 400, JSON.stringify(r.json));
  assert.match(JSON.stringify(r.json), /bindings\[0\]\.condition\.expression/);
  assert.match(JSON.stringify(r.json), /BINDINGS_INVALID_CONDITION/);
});
