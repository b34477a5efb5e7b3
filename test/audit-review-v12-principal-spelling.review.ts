/**
 * Review V, P8 (fixed at integration): POST /v1/authorize about `…:user/BOB` is decided as user `bob` (names match
 * without case) but was recorded under `…:user/BOB`, so `audit query --principal …:user/bob` missed it. Now the answer
 * names the principal decided when the question spelt it otherwise (`principal`, as a `principalProof` answer does),
 * and the record is under that ARN. Real server, the admin API's client.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
let s: TestServer;

before(async () => {
  s = await startTestServer();
  await s.iam().send(new I.CreateUserCommand({ UserName: 'bob' }));
});
after(async () => {
  await s?.stop();
});

test('a question about user/BOB is answered and recorded as user/bob', async () => {
  const asked = await call<{ decision: string; principal?: string }>(connectionTo(s.url, s.admin), 'POST', ['authorize'], {
    body: { principal: `arn:aws:iam::${ACCT}:user/BOB`, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' },
  });
  assert.ok(asked.ok, asked.ok ? '' : asked.message);
  assert.equal(asked.value.decision, 'ImplicitDeny');
  assert.equal(asked.value.principal, `arn:aws:iam::${ACCT}:user/bob`);
  // Named as the directory names it: no `principal` in the answer.
  const exact = await call<{ principal?: string }>(connectionTo(s.url, s.admin), 'POST', ['authorize'], {
    body: { principal: `arn:aws:iam::${ACCT}:user/bob`, action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' },
  });
  assert.ok(exact.ok);
  assert.equal(exact.value.principal, undefined);

  const q = await auditRecords(s, { principal: `arn:aws:iam::${ACCT}:user/bob`, action: 's3:GetObject' });
  assert.equal(q.length, 2, JSON.stringify(q.map((r) => r.principal)));
});

// Found at stop 25: a role asked about by its ARN resolves to a session of it for the decision, and the answer named
// that made-up session (`assumed-role/ml/session`) as the principal decided, so the record was under it and
// `audit query --principal …:role/ml` missed every question about the role.
test('a question about role/ml (or role/ML) is answered and recorded as role/ml, not as a session of it', async () => {
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] });
  await s.iam().send(new I.CreateRoleCommand({ RoleName: 'ml', AssumeRolePolicyDocument: trust }));
  const ask = (principal: string) => call<{ decision: string; principal?: string }>(connectionTo(s.url, s.admin), 'POST', ['authorize'], { body: { principal, action: 's3:PutObject', resource: 'arn:aws:s3:::b/k' } });
  const exact = await ask(`arn:aws:iam::${ACCT}:role/ml`);
  assert.ok(exact.ok, exact.ok ? '' : exact.message);
  assert.equal(exact.value.principal, undefined);
  const spelt = await ask(`arn:aws:iam::${ACCT}:role/ML`);
  assert.ok(spelt.ok, spelt.ok ? '' : spelt.message);
  assert.equal(spelt.value.principal, `arn:aws:iam::${ACCT}:role/ml`);
  const q = await auditRecords(s, { principal: `arn:aws:iam::${ACCT}:role/ml`, action: 's3:PutObject' });
  assert.equal(q.length, 2, JSON.stringify(q.map((r) => r.principal)));
});
