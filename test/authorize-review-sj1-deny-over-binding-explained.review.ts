/**
 * Review sj, 1. When an IAM explicit Deny won over a GCP-style binding that allowed, the authorize API (and so
 * `gatehouse authorize`, `gatehouse simulate` and the denial's audit record) gave as the Deny's reasons the binding's
 * "allowed by binding of roles/storage.objectViewer…" line, the losing Allow presented as why, and its `iam:` reason
 * said only "explicitly denied by an identity policy", without which statement (only `matched` named it). The union of
 * src/core/authorizer gives a denial the deniers' reasons alone.
 *
 * Now the `iam:` reason names the Deny statements that decided (policy, statement, Sid), and an engine's overridden
 * allow is a diagnostic (`bindings: overridden by the explicit deny: allowed by…`), not a reason. Real server (SQLite).
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const DORA = 'arn:aws:iam::000000000000:user/dora';
const NAMED = 'iam: ExplicitDeny: explicitly denied by an identity policy (identity policy `user/dora/nodata` statement 0 (Sid `NoData`))';
let s: TestServer;

before(async () => {
  s = await startTestServer();
  await s.iam().send(new I.CreateUserCommand({ UserName: 'dora' }));
  await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'dora', PolicyName: 'nodata', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'NoData', Effect: 'Deny', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }] }) }));
  const put = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource: 'arn:aws:s3:::data', bindings: [{ role: 'roles/storage.objectViewer', members: ['user:dora'] }] });
  assert.equal(put.status, 200, JSON.stringify(put.json));
});
after(() => s?.stop());

test('the API names the Deny that decided and gives the overridden binding as a diagnostic, not a reason', async () => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: DORA, action: 's3:GetObject', resource: 'arn:aws:s3:::data/k' });
  assert.equal(r.status, 200);
  const a = r.json as { decision: string; reasons: string[]; diagnostics: string[]; matched: { engine: string; effect: string }[] };
  assert.equal(a.decision, 'ExplicitDeny');
  assert.deepEqual(a.reasons, [NAMED], JSON.stringify(a));
  assert.ok(a.diagnostics.some((x) => x.startsWith('bindings: overridden by the explicit deny: allowed by binding of roles/storage.objectViewer to user:dora')), JSON.stringify(a));
  // Both rules that matched are still listed, each with its effect.
  assert.deepEqual(a.matched.map((m) => `${m.engine} ${m.effect}`), ['iam Deny', 'bindings Allow']);
});

test('gatehouse authorize and simulate print no losing allow among the reasons', async () => {
  for (const cmd of [['authorize', '--principal'], ['simulate', '--as']]) {
    const r = await cliAgainst(s, [...cmd, DORA, '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::data/k']);
    assert.equal(r.status, 1, r.err);
    const lines = r.out.split('\n');
    assert.equal(lines[0], 'ExplicitDeny', r.out);
    assert.equal(lines[1], `  ${NAMED}`, r.out);
    assert.ok(!lines.some((l) => l.startsWith('  bindings: allowed by')), r.out);
    assert.ok(lines.some((l) => l.startsWith('    bindings: overridden by the explicit deny: allowed by binding')), r.out);
  }
});
