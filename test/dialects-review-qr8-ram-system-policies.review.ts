/**
 * Review qr, 8: an `acs` account's IAM API is decided as `ram:` actions, and RAM delegates its own administration with
 * its system policies `AliyunRAMFullAccess` (`ram:*`) and `AliyunRAMReadOnlyAccess` (`ram:Get*`, `ram:List*`), the
 * ones RAM's documentation, the console and Terraform's `alicloud_ram_user_policy_attachment` (`policy_type = "System"`)
 * attach. Gatehouse's catalogue held Alibaba's system policies for OSS, STS and PAI but none for RAM itself:
 * attaching `acs:ram::system:policy/AliyunRAMFullAccess` answered NoSuchEntity, and no system policy but
 * AdministratorAccess granted RAM administration in such an account (IAMFullAccess's `iam:*` decides nothing there:
 * an Allow in the other dialect grants nothing). So a RAM administrator who was to manage users only had to be given
 * everything, or a policy written by hand.
 *
 * Now both are built-ins of the `acs` partition (src/core/directory/managed/), installed on a store that lacks them at
 * start as every built-in is. Through `@aws-sdk/client-iam` against a real server on 127.0.0.1. Before the fix 2 of 2
 * tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { acsAccount } from './support/alibaba-world.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '350000000909';
const FULL = 'acs:ram::system:policy/AliyunRAMFullAccess';
const READ = 'acs:ram::system:policy/AliyunRAMReadOnlyAccess';

describe('qr8: RAM’s own system policies delegate RAM administration in an acs account', () => {
  let s: TestServer;
  let admin: I.IAMClient;
  const clients: I.IAMClient[] = [];

  /** A RAM user holding only the system policy `arn`, as its IAM client. */
  const holding = async (name: string, arn: string): Promise<I.IAMClient> => {
    await admin.send(new I.CreateUserCommand({ UserName: name }));
    await admin.send(new I.AttachUserPolicyCommand({ UserName: name, PolicyArn: arn }));
    const k = (await admin.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
    const c = s.iam({ accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' } satisfies Credentials);
    clients.push(c);
    return c;
  };

  before(async () => {
    s = await startTestServer();
    admin = s.iam(await acsAccount(s, ACS));
  });
  after(async () => {
    for (const c of [admin, ...clients]) c?.destroy();
    await s?.stop();
  });

  it('AliyunRAMFullAccess is a system policy granting RAM administration', async () => {
    const p = (await admin.send(new I.GetPolicyCommand({ PolicyArn: FULL }))).Policy;
    assert.equal(p?.Arn, FULL);
    const ram = await holding('ramadmin', FULL);
    await ram.send(new I.CreateUserCommand({ UserName: 'newcomer' }));
    await ram.send(new I.AttachUserPolicyCommand({ UserName: 'newcomer', PolicyArn: READ }));
    assert.equal((await ram.send(new I.ListAttachedUserPoliciesCommand({ UserName: 'newcomer' }))).AttachedPolicies?.[0]?.PolicyArn, READ);
  });

  it('AliyunRAMReadOnlyAccess reads RAM, and changes nothing', async () => {
    const ro = await holding('auditor', READ);
    assert.ok((await ro.send(new I.ListUsersCommand({}))).Users?.some((u) => u.UserName === 'auditor'));
    await ro.send(new I.GetUserCommand({ UserName: 'auditor' }));
    await assert.rejects(ro.send(new I.CreateUserCommand({ UserName: 'mallory' })), (e: { name?: string }) => e.name === 'AccessDenied');
    await assert.rejects(ro.send(new I.CreateAccessKeyCommand({ UserName: 'auditor' })), (e: { name?: string }) => e.name === 'AccessDenied');
  });
});
