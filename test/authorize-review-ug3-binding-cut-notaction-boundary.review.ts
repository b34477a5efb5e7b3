/**
 * Review ug, 3. A permissions boundary is the most a principal may do, whatever grants it more (reference §A.1.2 step 7:
 * "the boundary must also allow"; docs/semantics.md: a binding's grant is cut by the boundary and session policies,
 * review N, N9). A question in the bindings' spelling (`storage.objects.create`) had the boundary decided on the
 * permission's name, which no boundary names, before its IAM actions (review ai, 6): a boundary written as
 * `Allow NotAction [s3:PutObject, s3:DeleteObject]` (the usual "everything but writes") matches the name
 * `storage.objects.create`, so the authorize API, POST /v1/simulate and who-can answered Allow, by a binding of
 * `roles/storage.objectAdmin`, what the same request in IAM's spelling (`s3:PutObject`, which S3 and every
 * enforcement ask) is refused: one question, two answers, the permissive one in the spelling no enforcement uses.
 *
 * Now a permission with IAM actions is within the limits only when each of its IAM actions is. Real server (SQLite).
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const WRITER = 'arn:aws:iam::000000000000:role/writer';
const URSULA = 'arn:aws:iam::000000000000:user/ursula';
const OBJECT = 'arn:aws:s3:::data/k';

let s: TestServer;

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreateRoleCommand({ RoleName: 'writer', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
  const bound = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'no-writes', PolicyDocument: doc({ Effect: 'Allow', NotAction: ['s3:PutObject', 's3:DeleteObject'], Resource: '*' }) }));
  await iam.send(new I.PutRolePermissionsBoundaryCommand({ RoleName: 'writer', PermissionsBoundary: bound.Policy?.Arn }));
  await iam.send(new I.CreateUserCommand({ UserName: 'ursula', PermissionsBoundary: bound.Policy?.Arn }));
  const put = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource: 'arn:aws:s3:::data', bindings: [{ role: 'roles/storage.objectAdmin', members: ['serviceAccount:writer@000000000000.iam.gatehouse.dev', 'user:ursula'] }] });
  assert.equal(put.status, 200, JSON.stringify(put.json));
});
after(() => s?.stop());

const decision = async (path: string, principal: string, action: string): Promise<{ decision: string; deniedBy?: string }> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', path, { principal, action, resource: OBJECT });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as { decision: string; deniedBy?: string };
};

describe('review ug, 3: a boundary written with NotAction cuts a binding’s grant in the bindings’ spelling too', () => {
  test('POST /v1/authorize: storage.objects.create and .delete are refused as s3:PutObject and s3:DeleteObject are; reads stay allowed', async () => {
    for (const principal of [WRITER, URSULA]) {
      for (const [permission, action] of [['storage.objects.create', 's3:PutObject'], ['storage.objects.delete', 's3:DeleteObject']] as const) {
        const iamSpelling = await decision('/v1/authorize', principal, action);
        const bindingsSpelling = await decision('/v1/authorize', principal, permission);
        assert.equal(iamSpelling.decision, 'ImplicitDeny', `${principal} ${action}`);
        assert.deepEqual([bindingsSpelling.decision, bindingsSpelling.deniedBy], ['ImplicitDeny', 'boundary'], `${principal} ${permission}: ${JSON.stringify(bindingsSpelling)}`);
      }
      assert.equal((await decision('/v1/authorize', principal, 'storage.objects.get')).decision, 'Allow', principal);
    }
  });

  test('POST /v1/simulate: the same', async () => {
    for (const principal of [WRITER, URSULA]) assert.equal((await decision('/v1/simulate', principal, 'storage.objects.create')).decision, 'ImplicitDeny', principal);
  });

  test('who-can storage.objects.create lists neither', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 'storage.objects.create', resource: OBJECT });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const allowed = (r.json['allowed'] as { principal: string }[]).map((x) => x.principal);
    assert.ok(!allowed.includes(WRITER) && !allowed.includes(URSULA), JSON.stringify(allowed));
  });
});
