/**
 * Review ic, 9. The authorize API answers a denial with `deniedBy`, the policy type that refused it (`boundary`,
 * `session`, `identity`, `resource`, `trust`: AWS's "because no permissions boundary allows …"), and records it with
 * its reasons, diagnostics and matched rules, but not `deniedBy`, except in the copy a cross-account decision leaves in
 * the resource owner's account (review V, P7), which carries `deniedBy` and nothing else. The caller's own account — the
 * one whose boundary or session policy refused — had the free text of the reasons alone: an auditor could not ask the
 * log which denials a permissions boundary caused (`audit query --decision ImplicitDeny --json | jq
 * 'select(.detail.deniedBy == "boundary")'`) while the other account's copy could be asked which it was.
 *
 * Now every recorded denial carries `deniedBy` when the answer had one; an allow records as before.
 *
 * Before the fix 1 of 1 test failed. Real server (SQLite).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreatePolicyCommand, CreateUserCommand, PutUserPermissionsBoundaryCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const CAROL = 'arn:aws:iam::000000000000:user/carol';
let s: TestServer;

before(async () => {
  s = await startTestServer();
  await s.iam().send(new CreateUserCommand({ UserName: 'carol' }));
  await s.iam().send(new PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'all', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*' }] }) }));
  const bound = await s.iam().send(new CreatePolicyCommand({ PolicyName: 'reads', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:DeleteObject'], Resource: '*' }] }) }));
  await s.iam().send(new PutUserPermissionsBoundaryCommand({ UserName: 'carol', PermissionsBoundary: bound.Policy?.Arn }));
});
after(() => s?.stop());

test('a recorded denial says which policy type refused it, as the answer did', async () => {
  const asked: [string, string | undefined][] = [];
  for (const action of ['s3:PutObject', 's3:DeleteObject', 's3:GetObject']) {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: CAROL, action, resource: 'arn:aws:s3:::b/k' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    asked.push([action, r.json['deniedBy'] as string | undefined]);
  }
  assert.deepEqual(asked, [['s3:PutObject', 'boundary'], ['s3:DeleteObject', 'identity'], ['s3:GetObject', undefined]]);
  await s.running.app.audit.flush();
  const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?principal=${encodeURIComponent(CAROL)}&kind=decision`);
  const records = (r.json as { records: { action: string; decision: string; detail: Record<string, unknown> }[] }).records;
  assert.deepEqual(records.map((x) => [x.action, x.decision, x.detail['deniedBy']]), [
    ['s3:PutObject', 'ImplicitDeny', 'boundary'],
    ['s3:DeleteObject', 'ExplicitDeny', 'identity'],
    ['s3:GetObject', 'Allow', undefined],
  ], JSON.stringify(records));
});
