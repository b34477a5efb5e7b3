/**
 * Review ox, 2. A binding that would grant a request but whose condition is false now (an expired grant, the commonest
 * conditional binding: `request.time < timestamp(…)`) was explained one way by the authorize API and another by the
 * enforcement points that ask bindings themselves. The authorize API's diagnostics said `condition "until 2020" of binding 0
 * (roles/iam.serviceAccountUser) on …role/trainer is false for this request, so the binding does not apply`; the job
 * submission it stood for was refused with `bindings: no binding grants iam.serviceAccounts.actAs on …role/trainer to
 * user:pat` — untrue (`iam-policy get` shows the binding), and silent on the expiry, the one thing to renew. The same for
 * `PUT /v1/iam-policies` by a holder of an expired `roles/ml.admin` grant ("no binding grants ml.models.setIamPolicy …
 * either"). DESIGN.md (Principles): "Every decision can explain itself (which policy and statement, binding or rule
 * decided)"; the refusal and the authorize API decide the same question and now say the same: a refusal through bindings
 * carries the bindings' diagnostics (the condition that is false or failed to evaluate, the role that does not exist).
 *
 * Before the fix 2 of 3 tests failed (the case of another account's principal was added with the fix). Real server on 127.0.0.1 (SQLite), SDK v3 IAM, SigV4-signed /v1/ calls.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, iamUserWith, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const B = '333344445555';
const EXPIRED = { title: 'until 2020', expression: 'request.time < timestamp("2020-01-01T00:00:00Z")' };

describe('review ox2: a refusal through bindings names the condition that is false', () => {
  let s: TestServer;
  let pat: Credentials;
  let lee: Credentials;
  let remote: Credentials;
  let A: string;
  const roleArn = (): string => `arn:aws:iam::${A}:role/trainer`;
  const model = (): string => `arn:aws:training::${A}:model/ox2`;
  const message = (json: Record<string, unknown>): string => String((json['error'] as { message?: unknown } | undefined)?.message ?? '');

  before(async () => {
    s = await startTestServer();
    A = s.adminFile.AccountId;
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
    await s.iam().send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    pat = await iamUserWith(s.iam(), 'pat', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'training:*', Resource: '*' }] });
    lee = await iamUserWith(s.iam(), 'lee', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'training:*', Resource: '*' }] });
    const ws = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/workspaces/vision', { members: [{ user: 'pat' }, { user: 'lee' }] });
    assert.equal(ws.status, 200, JSON.stringify(ws.json));
    // A role of another account, bound on the model under the same expired condition.
    const bAdmin = await accountAdmin(s, B, 'aws');
    const trustB = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'sts:AssumeRole' }] };
    await s.iam(bAdmin).send(new I.CreateRoleCommand({ RoleName: 'ox2-remote', AssumeRolePolicyDocument: JSON.stringify(trustB) }));
    await s.iam(bAdmin).send(new I.PutUserPolicyCommand({ UserName: 'admin', PolicyName: 'assume', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }) }));
    const c = (await s.sts(bAdmin).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${B}:role/ox2-remote`, RoleSessionName: 'ox2' }))).Credentials;
    remote = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
    for (const [resource, role, members] of [[roleArn(), 'roles/iam.serviceAccountUser', ['user:pat']], [model(), 'roles/ml.admin', ['user:pat', `serviceAccount:ox2-remote@${B}.iam.gatehouse.dev`]]] as const) {
      const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource, bindings: [{ role, members, condition: EXPIRED }] });
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
  });
  after(() => s?.stop());

  it('a job passing a role whose serviceAccountUser grant expired is refused naming the condition', async () => {
    const r = await gatehouseJson(s.url, pat, 'POST', '/v1/jobs', { workspace: 'vision', role: roleArn(), imds: false });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    const m = message(r.json);
    assert.match(m, /check permission for ram role failed/);
    assert.match(m, /condition "until 2020" of binding 0 \(roles\/iam\.serviceAccountUser\) on arn:aws:iam::\d{12}:role\/trainer is false for this request/, m);
    // The authorize API says the same of the same question.
    const a = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${A}:user/pat`, action: 'iam:PassRole', resource: roleArn(), context: { 'iam:PassedToService': 'training.gatehouse.dev' } });
    assert.ok((a.json['diagnostics'] as string[]).some((d) => d.includes('condition "until 2020" of binding 0')), JSON.stringify(a.json));
  });

  it('setting a policy with an expired roles/ml.admin grant is refused naming the condition', async () => {
    const r = await gatehouseJson(s.url, pat, 'PUT', '/v1/iam-policies', { resource: model(), bindings: [{ role: 'roles/ml.admin', members: ['user:pat'] }] });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(message(r.json), /condition "until 2020" of binding 0 \(roles\/ml\.admin\) on arn:aws:training::\d{12}:model\/ox2 is false for this request/, message(r.json));
    // A principal of another account is refused without the policy's bindings, as the authorize API shows them to it.
    const other = await gatehouseJson(s.url, remote, 'PUT', '/v1/iam-policies', { resource: model(), bindings: [{ role: 'roles/ml.admin', members: ['user:pat'] }] });
    assert.equal(other.status, 403, JSON.stringify(other.json));
    assert.doesNotMatch(message(other.json), /until 2020|binding 0/, message(other.json));
  });

  it('one that no binding names is still told that no binding grants it, and nothing of the other grant', async () => {
    const r = await gatehouseJson(s.url, lee, 'POST', '/v1/jobs', { workspace: 'vision', role: roleArn(), imds: false });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.match(message(r.json), /bindings: no binding grants `iam\.serviceAccounts\.actAs`/);
    assert.doesNotMatch(message(r.json), /until 2020/);
  });
});
