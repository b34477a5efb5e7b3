/**
 * Review jk, 2. `sts:AssumeRole` (and `sts:TagSession`, `sts:SetSourceIdentity`, `sts:AssumeRoleWithWebIdentity`) is
 * decided under the trust policy of the role it names (review U; a role the directory does not hold, under one allowing
 * nothing: review cc, 1). A resource that is not a role ARN at all — `arn:aws:iam::A:role/worker/` (a trailing `/`),
 * `…:role/` (no name), a name with a space, a bucket's ARN, `*` — named no role's trust policy, so the question was
 * decided by the identity policies alone: `POST /v1/authorize` and `/v1/simulate` answered Allow ("allowed by an identity
 * policy") to an administrator, where STS refuses every such AssumeRole (`RoleArn … is not a role ARN`). The answer to
 * "may this principal assume this role" failed open on a malformed ARN, while a well-formed ARN of no role was refused.
 *
 * Now such a question is decided under a trust policy allowing nothing, and its refusal says that the resource is not a
 * role ARN; an explicit deny still decides as ever. Before the fix 1 of 2 tests failed. Real server (SQLite), the STS
 * client of `@aws-sdk/client-sts` for what STS does.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

const ROOT = '000000000000';
const ROLE = `arn:aws:iam::${ROOT}:role/worker`;
const NOT_ROLES = [`${ROLE}/`, `arn:aws:iam::${ROOT}:role/`, `arn:aws:iam::${ROOT}:role/bad name`, 'arn:aws:s3:::jk2-bucket', '*'];
let s: TestServer;

before(async () => {
  s = await startTestServer();
  const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] };
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'worker' }, spec: { trustPolicy: trust } }] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
});
after(() => s?.stop());

test('STS assumes none of them, and assumes the role itself', async () => {
  const sts = s.sts();
  for (const arn of NOT_ROLES.slice(0, 3)) {
    const f = await sdkFailure(sts.send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'jk2' })));
    assert.ok(f.status !== undefined && f.status >= 400 && f.status < 500, `${arn}: ${JSON.stringify(f)}`);
  }
  const ok = await sts.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'jk2' }));
  assert.ok(ok.Credentials?.AccessKeyId);
});

test('a trust action on what is not a role ARN is refused, saying so; on the role, allowed', async () => {
  for (const route of ['/v1/authorize', '/v1/simulate']) {
    for (const action of ['sts:AssumeRole', 'sts:TagSession']) {
      const allowed = await gatehouseJson(s.url, s.admin, 'POST', route, { action, resource: ROLE });
      assert.equal(allowed.json['decision'], 'Allow', `${route} ${action} on the role: ${JSON.stringify(allowed.json)}`);
      for (const resource of NOT_ROLES) {
        const r = await gatehouseJson(s.url, s.admin, 'POST', route, { action, resource });
        assert.equal(r.status, 200, JSON.stringify(r.json));
        const what = `${route} ${action} on \`${resource}\`: ${JSON.stringify(r.json)}`;
        assert.equal(r.json['decision'], 'ImplicitDeny', what);
        assert.equal(r.json['deniedBy'], 'trust', what);
        assert.ok((r.json['reasons'] as string[]).some((x) => x.includes('is not a role ARN')), what);
      }
    }
  }
});
