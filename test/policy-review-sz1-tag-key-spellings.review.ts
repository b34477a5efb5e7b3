/**
 * Review sz, 1: the authorize API and simulate took the tag keys a question names (`aws:TagKeys`, `sts:TransitiveTagKeys`)
 * exactly as spelt, so a Deny on `CostCenter` did not refuse a question naming `costcenter`, where enforcement does.
 *
 * Tag keys are case-insensitive (IAM User Guide, "Pass session tags in AWS STS"), so Gatehouse gives a request's tag keys
 * to a policy in each spelling the policy compares them with: docs/decisions.md, "Tag keys are case-insensitive, so
 * `aws:TagKeys` holds … each spelling the caller's policies compare `aws:TagKeys` with (review X, X1) … AssumeRole and
 * AssumeRoleWithWebIdentity give `sts:TransitiveTagKeys` the same spellings, the caller's policies' and the role's trust
 * policy's (review sw, 2)". Issue 8: simulation answers "from the same code path as enforcement"; DESIGN.md: the
 * authorize API is the decision resource servers enforce. A question `sts:TagSession` on a role with
 * `sts:TransitiveTagKeys: [costcenter]` (or `iam:TagRole` with `aws:TagKeys: [costcenter]`) was answered Allow under a
 * Deny naming `CostCenter`, in the caller's policy or the role's trust policy, which STS and the IAM API refuse. Now the
 * question's keys get the spellings of the policies deciding it, as enforcement's do.
 *
 * Real server (SQLite), the real `@aws-sdk/client-iam` to set up, `/v1/authorize` and `/v1/simulate` over HTTP.
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const BOB = `arn:aws:iam::${ACCT}:user/bob`;
const role = (name: string) => `arn:aws:iam::${ACCT}:role/${name}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const NO_TRANSITIVE = { Sid: 'NoTransitiveCostCenter', Effect: 'Deny', Action: 'sts:TagSession', Condition: { 'ForAnyValue:StringEquals': { 'sts:TransitiveTagKeys': ['CostCenter'] } } };
const TRUSTS_ACCOUNT = { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] };
let s: TestServer;

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  // `open`: its trust policy allows tagging; bob's own policy refuses a transitive cost center and tagging one.
  await iam.send(new I.CreateRoleCommand({ RoleName: 'open', AssumeRolePolicyDocument: doc(TRUSTS_ACCOUNT) }));
  // `guarded`: its trust policy refuses a transitive cost center; carol's policy does not.
  await iam.send(new I.CreateRoleCommand({ RoleName: 'guarded', AssumeRolePolicyDocument: doc(TRUSTS_ACCOUNT, { ...NO_TRANSITIVE, Principal: '*' }) }));
  await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
  await iam.send(new I.PutUserPolicyCommand({
    UserName: 'bob', PolicyName: 'p', PolicyDocument: doc(
      { Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession', 'iam:TagRole'], Resource: '*' },
      { ...NO_TRANSITIVE, Resource: '*' },
      { Sid: 'NoCostCenterTag', Effect: 'Deny', Action: 'iam:TagRole', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['CostCenter'] } } },
    ),
  }));
  await iam.send(new I.CreateUserCommand({ UserName: 'carol' }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'carol', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }) }));
});
after(() => s?.stop());

async function ask(principal: string, action: string, resource: string, context: Record<string, string[]>): Promise<{ path: string; decision: string; matched: { sid?: string; effect: string }[] }[]> {
  const out = [];
  for (const path of ['/v1/authorize', '/v1/simulate']) {
    const r = await gatehouseJson(s.url, s.admin, 'POST', path, { principal, action, resource, context });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    out.push({ path, ...(r.json as { decision: string; matched: { sid?: string; effect: string }[] }) });
  }
  return out;
}

test('the caller’s own Deny on sts:TransitiveTagKeys `CostCenter` refuses `costcenter` and `COSTCENTER`', async () => {
  for (const key of ['costcenter', 'COSTCENTER']) {
    for (const a of await ask(BOB, 'sts:TagSession', role('open'), { 'sts:TransitiveTagKeys': [key] })) {
      assert.equal(a.decision, 'ExplicitDeny', `${a.path} ${key}: ${JSON.stringify(a)}`);
      assert.ok(a.matched.some((m) => m.sid === 'NoTransitiveCostCenter' && m.effect === 'Deny'), JSON.stringify(a));
    }
  }
});

test('the role’s trust policy’s Deny on sts:TransitiveTagKeys refuses `costcenter`', async () => {
  for (const a of await ask(`arn:aws:iam::${ACCT}:user/carol`, 'sts:TagSession', role('guarded'), { 'sts:TransitiveTagKeys': ['costcenter'] })) {
    assert.equal(a.decision, 'ExplicitDeny', `${a.path}: ${JSON.stringify(a)}`);
  }
});

test('a Deny on aws:TagKeys `CostCenter` refuses iam:TagRole naming `costcenter`', async () => {
  for (const a of await ask(BOB, 'iam:TagRole', role('open'), { 'aws:TagKeys': ['Project', 'costcenter'] })) {
    assert.equal(a.decision, 'ExplicitDeny', `${a.path}: ${JSON.stringify(a)}`);
    assert.ok(a.matched.some((m) => m.sid === 'NoCostCenterTag'), JSON.stringify(a));
  }
});

test('as before: the policy’s own spelling is refused, and another key is allowed', async () => {
  for (const a of await ask(BOB, 'sts:TagSession', role('open'), { 'sts:TransitiveTagKeys': ['CostCenter'] })) assert.equal(a.decision, 'ExplicitDeny', a.path);
  for (const a of await ask(BOB, 'sts:TagSession', role('open'), { 'sts:TransitiveTagKeys': ['Project'] })) assert.equal(a.decision, 'Allow', `${a.path}: ${JSON.stringify(a)}`);
  for (const a of await ask(BOB, 'iam:TagRole', role('open'), { 'aws:TagKeys': ['Project'] })) assert.equal(a.decision, 'Allow', `${a.path}: ${JSON.stringify(a)}`);
});
