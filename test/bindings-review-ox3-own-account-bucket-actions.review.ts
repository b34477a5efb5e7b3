/**
 * Review ox, 3. Creating a bucket and listing one's buckets are the caller's own account's business: the S3 gateway asks
 * `s3:CreateBucket` and `s3:ListAllMyBuckets` on the caller's account (the bucket will be the caller's; the list holds
 * the caller's buckets), so a binding of `roles/storage.admin` on `account/<id>` lets its member create and list buckets
 * there, as GCP checks `storage.buckets.create` and `storage.buckets.list` on the project. The authorize API (and
 * `gatehouse authorize`, simulate, who-can, which decide through it) asked the same questions without that account:
 * `arn:aws:s3:::*` and the ARN of a bucket not made yet lie in no account, so no account-level binding took part, and it
 * answered ImplicitDeny for what the gateway then did. docs/semantics.md ("Bindings follow GCP's IAM documentation …
 * where Gatehouse's enforcement differs, the authorize API answers as enforcement does"). Now the bindings engine decides
 * `storage.buckets.create` and `storage.buckets.list` on the principal's own account where the question names none, as
 * the gateway does; a principal of another account is still decided by its own account's bindings alone.
 *
 * Before the fix 1 of 3 tests failed. Real server on 127.0.0.1 (SQLite), the S3 gateway through the AWS SDK,
 * SigV4-signed /v1/ calls.
 *
 * Review ra, 1 refused `allAuthenticatedUsers` on an account (GCP refuses it in a project's policy), which this test
 * bound to reach another account's user: the principal of account B is now a session of B's role `ox3maker`, bound on
 * A's account as its service account.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { s3Clients, s3Refusal } from './support/s3.ts';
import { accountAdmin, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const B = '222233334444';

describe('review ox3: bucket creation and listing through an account binding, at the gateway and in the authorize API', () => {
  let s: TestServer;
  let A: string;
  let sam: Credentials;
  let bob: Credentials;
  const s3 = s3Clients(() => s);

  before(async () => {
    s = await startTestServer();
    A = s.adminFile.AccountId;
    sam = await userWithKey(s, 'sam');
    const bAdmin = await accountAdmin(s, B, 'aws');
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'sts:AssumeRole' }] });
    await s.iam(bAdmin).send(new I.CreateRoleCommand({ RoleName: 'ox3maker', AssumeRolePolicyDocument: trust }));
    const key = (await s.sts(bAdmin).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${B}:role/ox3maker`, RoleSessionName: 'ox3' }))).Credentials;
    bob = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '', sessionToken: key?.SessionToken ?? '' };
    const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', {
      resource: `account/${A}`,
      bindings: [
        { role: 'roles/storage.admin', members: ['user:sam'] },
        { role: 'roles/storage.admin', members: [`serviceAccount:ox3maker@${B}.iam.gatehouse.dev`] },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  });
  after(async () => {
    s3.destroyAll();
    await s?.stop();
  });

  const decision = async (principal: string, action: string, resource: string): Promise<string> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action, resource });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json['decision'] as string;
  };

  it('the gateway lets the account binding create and list buckets', async () => {
    await s3(sam).send(new S3.CreateBucketCommand({ Bucket: 'ox3-made' }));
    const listed = await s3(sam).send(new S3.ListBucketsCommand({}));
    assert.ok(listed.Buckets?.some((b) => b.Name === 'ox3-made'), JSON.stringify(listed.Buckets));
  });

  it('the authorize API answers the same questions Allow', async () => {
    const samArn = `arn:aws:iam::${A}:user/sam`;
    assert.equal(await decision(samArn, 's3:CreateBucket', 'arn:aws:s3:::ox3-next'), 'Allow');
    assert.equal(await decision(samArn, 's3:ListAllMyBuckets', 'arn:aws:s3:::*'), 'Allow');
    assert.equal(await decision(samArn, 'storage.buckets.create', 'arn:aws:s3:::ox3-next'), 'Allow');
  });

  it("another account's user is decided by its own account: refused at the gateway and in the authorize API", async () => {
    assert.deepEqual((await s3Refusal(s3(bob).send(new S3.CreateBucketCommand({ Bucket: 'ox3-bob' })))).slice(0, 2), ['AccessDenied', 403]);
    const bobArn = `arn:aws:iam::${B}:role/ox3maker`;
    assert.equal(await decision(bobArn, 's3:CreateBucket', 'arn:aws:s3:::ox3-bob'), 'ImplicitDeny');
    assert.equal(await decision(bobArn, 's3:ListAllMyBuckets', 'arn:aws:s3:::*'), 'ImplicitDeny');
  });
});
