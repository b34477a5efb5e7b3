/**
 * Review mk, 4: an IAM policy on an account's root ARN (`arn:aws:iam::A:root`) was stored and granted nothing, silently, where `account/A` grants account-wide.
 *
 * The account level of the hierarchy is `account/<id>` (DESIGN.md "GCP-style names"; its policy is managed by
 * `gatehouse:SetIamPolicy` on the root ARN, `src/app/bindings.ts` `iamPolicyAuthzResource`), and AWS names the account
 * in a policy's `Principal` by that root ARN, so an administrator writes `arn:aws:iam::A:root` for "the whole account".
 * But a policy there is the policy of that one ARN: no request's resource lies under it (an IAM ARN has no children) and
 * none names it with a permission a role holds (it has no `resource.type`), so `roles/ml.viewer` bound there was
 * answered 200 and let nobody read a single model — the silent no-grant reviews ai, 9 (a trailing `/`) and mk, 1 (a
 * type without a name) refuse. Now such a policy with bindings is refused (400 `BINDINGS_INVALID_RESOURCE` at
 * `resource`, through the API and `apply`), naming `account/<id>`; removing one stays possible.
 *
 * Before the fix 2 of 3 tests failed.
 *
 * Real server (SQLite), AWS SDK v3 IAM client, SigV4-signed /v1/ calls as the root admin.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const EVE = `arn:aws:iam::${ROOT}:user/eve`;
const bindings = [{ role: 'roles/ml.viewer', members: ['user:eve'] }];
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name, account: ROOT }, spec });

describe('an IAM policy on an account’s root ARN', () => {
  let s: TestServer;
  const v1 = (method: string, path: string, body?: unknown) => gatehouseJson(s.url, s.admin, method, path, body);
  const detail = (json: Record<string, unknown>) => ((json['error'] as { details?: { code: string; path: string; message: string }[] } | undefined)?.details ?? [])[0];
  const read = () => v1('POST', '/v1/authorize', { principal: EVE, action: 'training:GetModel', resource: `arn:aws:training::${ROOT}:model/m1` });

  before(async () => {
    s = await startTestServer();
    await s.iam().send(new I.CreateUserCommand({ UserName: 'eve' }));
  });
  after(() => s?.stop());

  test('PUT on `arn:aws:iam::A:root` (or `acs:ram::A:root`) is refused, naming `account/A`', async () => {
    for (const resource of [`arn:aws:iam::${ROOT}:root`, `acs:ram::${ROOT}:root`]) {
      const put = await v1('PUT', '/v1/iam-policies', { resource, bindings });
      assert.equal(put.status, 400, `${resource}: ${JSON.stringify(put.json)}`);
      const e = detail(put.json);
      assert.equal(e?.code, 'BINDINGS_INVALID_RESOURCE');
      assert.equal(e?.path, 'resource');
      assert.ok(e?.message.includes(`\`account/${ROOT}\``), e?.message);
    }
    assert.notEqual((await read()).json['decision'], 'Allow');
  });

  test('apply refuses it at `spec.resource`', async () => {
    const applied = await v1('POST', '/v1/apply', { documents: [doc('IamPolicy', 'whole-account', { resource: `arn:aws:iam::${ROOT}:root`, bindings })] });
    assert.equal(applied.status, 400, JSON.stringify(applied.json));
    const e = detail(applied.json);
    assert.equal(e?.code, 'BINDINGS_INVALID_RESOURCE');
    assert.equal(e?.path, 'spec.resource');
  });

  test('`account/A` is the account level, and grants', async () => {
    const put = await v1('PUT', '/v1/iam-policies', { resource: `account/${ROOT}`, bindings });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.equal((await read()).json['decision'], 'Allow');
    assert.equal((await v1('PUT', '/v1/iam-policies', { resource: `arn:aws:iam::${ROOT}:root`, bindings: [] })).status, 200, 'emptying one stays possible');
  });
});
