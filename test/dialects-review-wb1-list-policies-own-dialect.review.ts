/**
 * Review wb, 1: ListPolicies answered every built-in of the catalogue in every account, whatever its dialect. In an
 * `aws` account `aws iam list-policies --scope AWS` ("AWS managed policies") listed Alibaba's system policies
 * (`acs:ram::system:policy/AliyunOSSFullAccess`, `…/AliyunRAMFullAccess`…), whose ARNs are not ARNs at all to an AWS
 * tool (no `arn:` prefix: Go's `arn.Parse`, Terraform's ARN validation refuse them) and whose `ram:` grants decide
 * nothing there; in an `acs` account RAM's system policies came with `AmazonS3FullAccess`, `IAMFullAccess` (`iam:*`,
 * nothing in a RAM account) and the rest of AWS's, none of which RAM has. Now the built-ins listed are those that mean
 * something in the account's partition (the set Attach…Policy's escalation questions already use: the partition's own,
 * and in an `acs` account AdministratorAccess and ReadOnlyAccess, RAM's system policies of those names), plus any
 * other built-in attached or set as a boundary there, so OnlyAttached and PolicyUsageFilter still show what is in use.
 * Through `@aws-sdk/client-iam` against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount } from './support/alibaba-world.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ACS = '350000000931';

describe('wb1: ListPolicies lists the built-ins of the account’s own dialect', () => {
  let s: TestServer;
  let aws: I.IAMClient;
  let acs: I.IAMClient;

  before(async () => {
    s = await startTestServer();
    aws = s.iam();
    acs = s.iam(await acsAccount(s, ACS));
  });
  after(async () => {
    await s?.stop();
  });

  const arns = async (iam: I.IAMClient, input: I.ListPoliciesCommandInput): Promise<string[]> => {
    const out: string[] = [];
    for await (const page of I.paginateListPolicies({ client: iam, pageSize: 5 }, input)) out.push(...(page.Policies ?? []).map((p) => p.Arn ?? ''));
    return out;
  };

  it('an aws account lists AWS managed policies only, for Scope=AWS and Scope=All', async () => {
    for (const Scope of ['AWS', 'All'] as const) {
      const listed = await arns(aws, { Scope });
      assert.ok(listed.includes('arn:aws:iam::aws:policy/AdministratorAccess'), `${Scope}: ${listed.join(', ')}`);
      assert.deepEqual(listed.filter((a) => !a.startsWith('arn:aws:iam::aws:policy/')), [], `Scope=${Scope}`);
    }
  });

  it('an acs account lists RAM’s system policies, AdministratorAccess and ReadOnlyAccess among them, and none of AWS’s others', async () => {
    const listed = await arns(acs, { Scope: 'AWS' });
    for (const name of ['AliyunOSSFullAccess', 'AliyunRAMFullAccess', 'AliyunSTSAssumeRoleAccess']) assert.ok(listed.includes(`acs:ram::system:policy/${name}`), `${name} in ${listed.join(', ')}`);
    assert.ok(listed.includes('arn:aws:iam::aws:policy/AdministratorAccess'));
    assert.ok(listed.includes('arn:aws:iam::aws:policy/ReadOnlyAccess'));
    for (const name of ['AmazonS3FullAccess', 'IAMFullAccess', 'TrainingFullAccess']) assert.ok(!listed.includes(`arn:aws:iam::aws:policy/${name}`), `${name} is not RAM's`);
  });

  it('a built-in of the other dialect attached or bounding in the account is still listed', async () => {
    await aws.send(new I.CreateUserCommand({ UserName: 'wb1-oss', PermissionsBoundary: 'acs:ram::system:policy/AliyunOSSReadOnlyAccess' }));
    await aws.send(new I.AttachUserPolicyCommand({ UserName: 'wb1-oss', PolicyArn: 'acs:ram::system:policy/AliyunOSSFullAccess' }));
    assert.deepEqual(await arns(aws, { Scope: 'AWS', OnlyAttached: true }), ['arn:aws:iam::aws:policy/AdministratorAccess', 'acs:ram::system:policy/AliyunOSSFullAccess']);
    assert.deepEqual(await arns(aws, { Scope: 'AWS', PolicyUsageFilter: 'PermissionsBoundary' }), ['acs:ram::system:policy/AliyunOSSReadOnlyAccess']);
    const all = await arns(aws, { Scope: 'All' });
    assert.ok(all.includes('acs:ram::system:policy/AliyunOSSFullAccess') && all.includes('acs:ram::system:policy/AliyunOSSReadOnlyAccess'));
    assert.ok(!all.includes('acs:ram::system:policy/AliyunRAMFullAccess'));
  });
});
