/**
 * Review ge, 4: RAM's system policy ReadOnlyAccess (`acs:ram::system:policy/ReadOnlyAccess`, "read-only access to all
 * Alibaba Cloud resources"), which review fn, 4 made name Gatehouse's built-in ReadOnlyAccess, granted no read in an
 * `acs` account: the built-in lists `iam:`, `s3:` and the other aws-dialect reads only, while an `acs` account's IAM
 * API is decided as `ram:ListUsers`, `ram:GetUser`…, and an OSS resource server asks `oss:GetObject`. An auditor given
 * it could not list the account's users (AccessDenied on ram:ListUsers) nor read an object, though the policy is
 * attached and listed. The built-in, which says it is read-only access to every Gatehouse service, now lists RAM's
 * and OSS's reads beside IAM's and S3's (`ram:Get*`, `ram:List*`, `oss:Get*`, `oss:List*`, …); writes stay refused.
 * Real server, SDK v3 against the IAM API, the authorize API as an OSS resource server asks it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACS = '123456789074';

describe("ge4: RAM's ReadOnlyAccess reads in an acs account", () => {
  let s: TestServer;
  let admin: Credentials;
  let auditor: Credentials;

  before(async () => {
    s = await startTestServer();
    admin = await accountAdmin(s, ACS, 'acs');
    const iam = s.iam(admin);
    await iam.send(new I.CreateUserCommand({ UserName: 'auditor' }));
    await iam.send(new I.AttachUserPolicyCommand({ UserName: 'auditor', PolicyArn: 'acs:ram::system:policy/ReadOnlyAccess' }));
    const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'auditor' }))).AccessKey;
    auditor = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
  });
  after(async () => {
    await s?.stop();
  });

  it('lists and reads the account through the IAM API, and writes nothing', async () => {
    const iam = s.iam(auditor);
    const users = await iam.send(new I.ListUsersCommand({}));
    assert.deepEqual(users.Users?.map((u) => u.UserName).sort(), ['admin', 'auditor']);
    assert.equal((await iam.send(new I.GetUserCommand({ UserName: 'admin' }))).User?.Arn, `acs:ram::${ACS}:user/admin`);
    const refused = await sdkFailure(iam.send(new I.CreateUserCommand({ UserName: 'mallory' })));
    assert.equal(refused.code, 'AccessDenied');
  });

  it('reads OSS objects and buckets as a resource server asks, and writes none', async () => {
    const ask = async (action: string, resource: string): Promise<string> => {
      const r = await gatehouseJson(s.url, admin, 'POST', '/v1/authorize', { principal: `acs:ram::${ACS}:user/auditor`, action, resource });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      return r.json['decision'] as string;
    };
    assert.equal(await ask('oss:GetObject', 'acs:oss:*:*:logs/2026/12/05.gz'), 'Allow');
    assert.equal(await ask('oss:ListObjects', 'acs:oss:*:*:logs'), 'Allow');
    assert.equal(await ask('oss:PutObject', 'acs:oss:*:*:logs/x'), 'ImplicitDeny');
    assert.equal(await ask('oss:DeleteObject', 'acs:oss:*:*:logs/x'), 'ImplicitDeny');
    assert.equal(await ask('ram:CreateUser', `acs:ram::${ACS}:user/x`), 'ImplicitDeny');
  });
});
