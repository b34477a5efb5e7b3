/**
 * Review no, finding 3: the root account's principals manage every account through `gatehouse apply`, "judged by their
 * own policies as if the account were theirs" (docs/decisions.md, "Administrative calls are decided by the engine";
 * docs/documents.md: an Account document, then its users, roles, workspaces in the same files). A Workspace of another
 * account naming a bucket of that account as its default bucket (`acs:oss:*:<account>:bucket` in an Alibaba-style
 * account, or an S3 bucket whose policy that account holds) was refused all the same: the bucket's reads and writes that
 * naming it asks (review S, S1; gd, 5) were decided as a cross-account request of the root admin, `not authorized to
 * perform: oss:ListObjects … because no resource-based policy allows`, though the same admin wrote every other object of
 * that account, and the same bucket spelt `acs:oss:*:*:bucket` (no account) went through. Review md, 2 fixed the same
 * for the PassRole of a cluster's role. Now they are decided as the root principal's other steps there are: allowed to
 * an administrator, still refused when the bucket's policy denies, and a bucket of a third account is still
 * cross-account. The real CLI against a real server on 127.0.0.1, signing as the root account's admin.
 * Before the fix 2 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyWorkspace } from './support/apply-files.ts';

const account = (id: string, partition: string): string => `apiVersion: gatehouse.dev/v1\nkind: Account\nmetadata: {name: "${id}"}\nspec: {partition: ${partition}}\n`;
const workspace = (id: string, bucket: string): string => `apiVersion: gatehouse.dev/v1\nkind: Workspace\nmetadata: {name: team, account: "${id}"}\nspec: {defaultBucket: "${bucket}"}\n`;
const bucketPolicy = (id: string, name: string, bucket: string, statement: string): string =>
  `apiVersion: gatehouse.dev/v1\nkind: ResourcePolicy\nmetadata: {name: ${name}, account: "${id}"}\nspec:\n  resource: "arn:aws:s3:::${bucket}"\n  document: {Version: "2012-10-17", Statement: [${statement}]}\n`;
const READ_BY_OWNER = (id: string, bucket: string): string => `{Effect: Allow, Principal: {AWS: "arn:aws:iam::${id}:root"}, Action: "s3:GetObject", Resource: "arn:aws:s3:::${bucket}/*"}`;

describe('review no3: the root admin names another account\'s own bucket as that account\'s default bucket', () => {
  const { cli, file } = applyWorkspace('no3');

  it('an acs account: `acs:oss:*:<account>:bucket` as its workspace\'s default bucket', async () => {
    const setup = await cli('apply', '-f', await file('acs.yaml', account('111111111111', 'acs')));
    assert.equal(setup.status, 0, setup.out + setup.err);
    const ws = await file('ws-acs.yaml', workspace('111111111111', 'acs:oss:*:111111111111:vision-data'));
    const plan = await cli('plan', '-f', ws);
    assert.equal(plan.status, 0, plan.out + plan.err);
    const applied = await cli('apply', '-f', ws);
    assert.equal(applied.status, 0, applied.out + applied.err);
    assert.match(applied.out, /\+ create Workspace\/team\n/);
  });

  it('an aws account: a bucket whose policy the account holds', async () => {
    const setup = await cli('apply', '-f', await file('aws.yaml', `${account('222222222222', 'aws')}---\n${bucketPolicy('222222222222', 'team-data', 'team-data', READ_BY_OWNER('222222222222', 'team-data'))}`));
    assert.equal(setup.status, 0, setup.out + setup.err);
    const applied = await cli('apply', '-f', await file('ws-aws.yaml', workspace('222222222222', 'arn:aws:s3:::team-data')));
    assert.equal(applied.status, 0, applied.out + applied.err);
    assert.match(applied.out, /\+ create Workspace\/team\n/);
  });

  it('still refused: a bucket whose policy denies the reads, and a bucket of a third account', async () => {
    const deny = `{Effect: Deny, Principal: "*", Action: "s3:ListBucket", Resource: "arn:aws:s3:::locked"}`;
    const setup = await cli(
      'apply',
      '-f',
      await file('more.yaml', [account('333333333333', 'aws'), account('444444444444', 'aws'), bucketPolicy('333333333333', 'locked', 'locked', deny), bucketPolicy('444444444444', 'theirs', 'theirs', READ_BY_OWNER('444444444444', 'theirs'))].join('---\n')),
    );
    assert.equal(setup.status, 0, setup.out + setup.err);
    const locked = await cli('plan', '-f', await file('ws-locked.yaml', workspace('333333333333', 'arn:aws:s3:::locked')));
    assert.equal(locked.status, 9, locked.out + locked.err);
    assert.match(locked.err, /s3:ListBucket on resource: arn:aws:s3:::locked with an explicit deny/);
    const theirs = await cli('plan', '-f', await file('ws-theirs.yaml', workspace('333333333333', 'arn:aws:s3:::theirs')));
    assert.equal(theirs.status, 9, theirs.out + theirs.err);
    assert.match(theirs.err, /no resource-based policy allows/);
  });
});
