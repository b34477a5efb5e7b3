/**
 * Policy review qe, finding 1: a condition on `aws:PrincipalArn` (`acs:PrincipalARN`) compared the principal's ARN as its
 * account spells it with the policy's values literally, so a value naming the principal in the other dialect never
 * matched it. Both dialects are accepted everywhere (DESIGN.md) and `Principal` already names an entity in either
 * spelling, but in an `acs` account a Deny on `StringLike acs:PrincipalARN arn:aws:iam::A:user/contractor-*` (or
 * `ArnLike aws:PrincipalArn`, or a role's `arn:aws:iam::A:role/ops` for its sessions) let every contractor through, an
 * Allow that carves interns out with `StringNotLike … arn:aws:iam::A:user/intern-*` granted them, and in an `aws`
 * account a Deny naming `acs:ram::B:user/bob` never applied to bob. Now a condition value names the principal in either
 * dialect's spelling (RAM's has no path): a positive operator holds when either spelling matches, a negated one when
 * neither does; an exemption written in the other spelling now exempts, and one in the account's own still does.
 * Before the fix 5 of 6 tests failed.
 * Real server (SQLite), an `acs` and an `aws` account, SigV4-signed /v1/apply and /v1/authorize.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '606147604061';
const B = '606147604062';
let s: TestServer;
let acs: Credentials;
let aws: Credentials;

const allowAll = { Effect: 'Allow', Action: 'oss:*', Resource: '*' };
const denyWhen = (version: string, condition: object) => ({ Version: version, Statement: [allowAll, { Effect: 'Deny', Action: 'oss:*', Resource: '*', Condition: condition }] });
const doc = (kind: string, name: string, p: object) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec: { inlinePolicies: { p } } });
const apply = async (who: Credentials, documents: object[]): Promise<void> => {
  const r = await gatehouseJson(s.url, who, 'POST', '/v1/apply', { documents });
  assert.equal(r.status, 200, JSON.stringify(r.json));
};
const decide = async (principal: string): Promise<string> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action: 'oss:GetObject', resource: 'acs:oss:*:*:qe1/x' });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'] as string;
};

before(async () => {
  s = await startTestServer();
  acs = await accountAdmin(s, A, 'acs');
  aws = await accountAdmin(s, B, 'aws');
  const ops = { apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'ops' }, spec: { trustPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Principal: { RAM: [`acs:ram::${A}:root`] }, Action: 'sts:AssumeRole' }] }, inlinePolicies: { p: denyWhen('2012-10-17', { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${A}:role/ops` } }) } } };
  await apply(acs, [
    doc('User', 'contractor-bob', denyWhen('1', { StringLike: { 'acs:PrincipalARN': `arn:aws:iam::${A}:user/contractor-*` } })),
    doc('User', 'contractor-ann', denyWhen('2012-10-17', { ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${A}:user/contractor-*` } })),
    doc('User', 'intern-ivy', { Version: '1', Statement: [{ ...allowAll, Condition: { StringNotLike: { 'acs:PrincipalARN': `arn:aws:iam::${A}:user/intern-*` } } }] }),
    doc('User', 'keeper', denyWhen('1', { StringNotLike: { 'acs:PrincipalARN': [`arn:aws:iam::${A}:user/keeper`] } })),
    doc('User', 'warden', denyWhen('1', { StringNotLike: { 'acs:PrincipalARN': [`acs:ram::${A}:user/warden`] } })),
    doc('User', 'other', denyWhen('1', { StringNotLike: { 'acs:PrincipalARN': [`arn:aws:iam::${A}:user/keeper`, `acs:ram::${A}:user/warden`] } })),
    ops,
  ]);
  await apply(aws, [doc('User', 'bob', denyWhen('2012-10-17', { StringEquals: { 'aws:PrincipalArn': `acs:ram::${B}:user/bob` } }))]);
});
after(() => s?.stop());

describe('conditions on the principal ARN read either dialect\'s spelling (policy review qe, 1)', () => {
  it('acs account: a Deny on StringLike acs:PrincipalARN in AWS\'s spelling applies', async () => {
    assert.equal(await decide(`acs:ram::${A}:user/contractor-bob`), 'ExplicitDeny');
  });

  it('acs account: a Deny on ArnLike aws:PrincipalArn in AWS\'s spelling applies, to users and to a role\'s sessions', async () => {
    assert.equal(await decide(`acs:ram::${A}:user/contractor-ann`), 'ExplicitDeny');
    assert.equal(await decide(`acs:ram::${A}:role/ops/s1`), 'ExplicitDeny');
  });

  it('acs account: an Allow carving principals out with StringNotLike in AWS\'s spelling does not grant them', async () => {
    assert.equal(await decide(`acs:ram::${A}:user/intern-ivy`), 'ImplicitDeny');
  });

  it('aws account: a Deny on StringEquals aws:PrincipalArn in RAM\'s spelling applies', async () => {
    assert.equal(await decide(`arn:aws:iam::${B}:user/bob`), 'ExplicitDeny');
  });

  it('a Deny\'s StringNotLike exemption holds in either spelling, and still denies everyone it does not name', async () => {
    assert.equal(await decide(`acs:ram::${A}:user/keeper`), 'Allow', 'exempt in AWS\'s spelling');
    assert.equal(await decide(`acs:ram::${A}:user/other`), 'ExplicitDeny');
  });

  it('an exemption in the account\'s own spelling still exempts (unchanged)', async () => {
    assert.equal(await decide(`acs:ram::${A}:user/warden`), 'Allow');
  });
});
