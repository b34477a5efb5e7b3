/**
 * Review sw, 2: a Deny on `sts:TransitiveTagKeys` was evaded by naming the tag key in another case.
 *
 * Tag keys are case-insensitive (IAM User Guide, "Pass session tags in AWS STS": a session cannot hold `Department` and
 * `department`; `aws:PrincipalTag/CostCenter` reads a tag passed as `costcenter`), so Gatehouse gives a request's tag
 * keys to a policy in each spelling the policy compares them with: docs/decisions.md, "Tag keys are case-insensitive,
 * so `aws:TagKeys` holds … each spelling the caller's policies compare `aws:TagKeys` with (a Deny on `clearance` holds
 * against `CLEARANCE`; review X, X1)", which AssumeRole and AssumeRoleWithWebIdentity apply to `aws:TagKeys`. The other
 * multivalued key naming tag keys, `sts:TransitiveTagKeys` (reference policy-semantics.md §A.1.8), was given as the
 * request spelt it: `Deny sts:TagSession … ForAnyValue:StringEquals sts:TransitiveTagKeys [CostCenter]`, in the caller's
 * policy or the role's trust policy (keep a cost center from being pinned down a role chain, where no later hop can
 * override it), let `Tags=[{Key: costcenter}]`, `TransitiveTagKeys=[costcenter]` through, and the session passed the
 * tag on, read at every later hop as `aws:PrincipalTag/CostCenter`. Likewise a web identity token's
 * `transitive_tag_keys`. Now `sts:TransitiveTagKeys` holds the spellings those policies use too, and the refusal
 * shows the keys as asked, as it shows `aws:TagKeys` (review rz, 1).
 *
 * A real server (SQLite), the real `@aws-sdk/client-sts` (signed, and unsigned for the web identity call), an issuer on
 * loopback. Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startWebIdentityWorld, type WebIdentityWorld } from './support/web-identity.ts';
import { sdkFailure, userWithKey, type Credentials } from './support/server.ts';

const ACCT = '000000000000';
const role = (name: string) => `arn:aws:iam::${ACCT}:role/${name}`;
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
/** Refuses making the cost center transitive, spelt as the policy's author spells it. */
const NO_TRANSITIVE_COST_CENTER = { Effect: 'Deny', Action: 'sts:TagSession', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'sts:TransitiveTagKeys': ['CostCenter'] } } };

let w: WebIdentityWorld;
let alice: Credentials;
let bob: Credentials;

before(async () => {
  w = await startWebIdentityWorld({
    roles: (provider) => ({
      // The token's tags need sts:TagSession; the trust policy refuses a transitive cost center.
      federated: { trust: { Effect: 'Allow', Principal: { Federated: provider }, Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'] } },
    }),
  });
  const iam = w.server.iam();
  await iam.send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'federated', PolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: w.provider }, Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'] }, { ...NO_TRANSITIVE_COST_CENTER, Principal: '*', Resource: undefined }) }));
  // `guarded`: the role's trust policy holds the Deny. `open`: it does not, the caller's own policy does (bob).
  await iam.send(new I.CreateRoleCommand({ RoleName: 'guarded', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }, { ...NO_TRANSITIVE_COST_CENTER, Principal: '*', Resource: undefined }) }));
  await iam.send(new I.CreateRoleCommand({ RoleName: 'open', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ['sts:AssumeRole', 'sts:TagSession'] }) }));
  alice = await userWithKey(w.server, 'alice');
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }) }));
  bob = await userWithKey(w.server, 'bob');
  await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'assume', PolicyDocument: doc({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: '*' }, NO_TRANSITIVE_COST_CENTER) }));
});
after(async () => w?.close());

const assume = (who: Credentials, roleName: string, key: string, transitive: boolean): Promise<S.AssumeRoleCommandOutput> =>
  w.server.sts(who).send(new S.AssumeRoleCommand({ RoleArn: role(roleName), RoleSessionName: 'sw2', Tags: [{ Key: key, Value: 'cc-42' }], ...(transitive ? { TransitiveTagKeys: [key] } : {}) }));

describe('sw2: a Deny on sts:TransitiveTagKeys holds whatever the case of the key', () => {
  it('the role’s trust policy refuses `costcenter` made transitive, as it refuses `CostCenter`', async () => {
    const f = await sdkFailure(assume(alice, 'guarded', 'costcenter', true));
    assert.deepEqual([f.code, f.status], ['AccessDenied', 403], f.message);
    assert.match(f.message, /is not authorized to perform: sts:TagSession on resource: arn:aws:iam::000000000000:role\/guarded with an explicit deny in the role trust policy/);
  });

  it('the caller’s own policy refuses `COSTCENTER` made transitive', async () => {
    const f = await sdkFailure(assume(bob, 'open', 'COSTCENTER', true));
    assert.deepEqual([f.code, f.status], ['AccessDenied', 403], f.message);
    assert.match(f.message, /with an explicit deny in an identity-based policy/);
  });

  it('a web identity token making `costcenter` transitive is refused by the trust policy', async () => {
    const token = await w.issuer.mint({ 'https://aws.amazon.com/tags': { principal_tags: { costcenter: ['cc-42'] }, transitive_tag_keys: ['costcenter'] } });
    const f = await sdkFailure(w.exchange('federated', 'sw2', token));
    assert.deepEqual([f.code, f.status], ['AccessDenied', 403], f.message);
  });

  it('as before: the policy’s own spelling is refused, and the tag passed without being transitive is issued', async () => {
    const exact = await sdkFailure(assume(alice, 'guarded', 'CostCenter', true));
    assert.deepEqual([exact.code, exact.status], ['AccessDenied', 403], exact.message);
    const plain = await assume(alice, 'guarded', 'costcenter', false);
    assert.ok(plain.Credentials?.SessionToken);
    const token = await w.issuer.mint({ 'https://aws.amazon.com/tags': { principal_tags: { costcenter: ['cc-42'] } } });
    assert.ok((await w.exchange('federated', 'sw2', token)).Credentials?.SessionToken);
  });
});
