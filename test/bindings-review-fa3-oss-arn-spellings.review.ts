/**
 * Review fa, 3: IAM policies (bindings) on an OSS ARN were kept and looked up by the ARN's literal spelling. OSS bucket
 * names are global and a RAM ARN's region and account may be `*` (reference §A.2), so `acs:oss:*:*:data/x`,
 * `acs:oss:cn-hangzhou:*:data/x` and `acs:oss:*:<account>:data/x` name one object of bucket `data` — resource policies
 * read them so since review U, U3 (`resourcePolicyArn`). For bindings they were three resources: a policy on
 * `acs:oss:*:*:data` (the spelling DESIGN.md and the examples use) granted nothing to a resource server asking about
 * `acs:oss:cn-hangzhou:*:data/train/x.csv` (ImplicitDeny, silently); `GET /v1/iam-policies` on another spelling of the
 * bucket answered an empty policy; and another account could attach its own IAM policy to
 * `acs:oss:cn-hangzhou:*:data`, a second policy of the same bucket, where the same ARN spelt as written is refused
 * ("belongs to account …"; reviews co, 2 and cl, 1). Now an OSS ARN is kept and looked up in the one form resource
 * policies use (`acs:oss:*:*:<bucket>[/<object>]`, src/app/resource-tree.ts `canonicalArn`): any spelling reaches the
 * bucket's one policy, and so does a workspace's default bucket.
 * Real server, SigV4-signed /v1/ calls (the root admin, and a second account's admin). Before the fix all three tests
 * failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson, type ServiceCredentials } from './support/resource-server.ts';

const ROOT = '000000000000';
const B = '111111111111';
const BOB = `arn:aws:iam::${ROOT}:user/bob`;
const BUCKET = 'acs:oss:*:*:fa3-data';

describe('an IAM policy on an OSS bucket governs every spelling of it', () => {
  let server: TestServer;
  let bAdmin: ServiceCredentials;
  const decision = async (resource: string): Promise<string> => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: BOB, action: 'oss:GetObject', resource });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json['decision'] as string;
  };

  before(async () => {
    server = await startTestServer();
    await server.iam().send(new I.CreateUserCommand({ UserName: 'bob' }));
    const b = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: B, partition: 'acs' });
    assert.equal(b.status, 201, JSON.stringify(b.json));
    bAdmin = { accessKeyId: String(b.json['AccessKeyId']), secretAccessKey: String(b.json['SecretAccessKey']) };
    const w = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: BUCKET, bindings: [{ role: 'roles/storage.objectViewer', members: ['user:bob'] }] });
    assert.equal(w.status, 200, JSON.stringify(w.json));
  });
  after(() => server?.stop());

  test('a request naming the object with a region or the account is granted, as with `*`', async () => {
    assert.equal(await decision('acs:oss:*:*:fa3-data/train/x.csv'), 'Allow');
    assert.equal(await decision('acs:oss:cn-hangzhou:*:fa3-data/train/x.csv'), 'Allow');
    assert.equal(await decision(`acs:oss:*:${ROOT}:fa3-data/train/x.csv`), 'Allow');
    assert.equal(await decision('acs:oss:*:*:fa3-other/x.csv'), 'ImplicitDeny', 'another bucket');
  });

  test('reading the bucket’s policy by another spelling answers that policy, with its etag', async () => {
    const one = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(BUCKET)}`);
    const other = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent('acs:oss:cn-hangzhou:*:fa3-data')}`);
    assert.equal(other.status, 200, JSON.stringify(other.json));
    assert.deepEqual(other.json['bindings'], one.json['bindings']);
    assert.equal(other.json['etag'], one.json['etag']);
  });

  test('another account cannot attach a second policy to the bucket by spelling it otherwise', async () => {
    const r = await gatehouseJson(server.url, bAdmin, 'PUT', '/v1/iam-policies', { resource: 'acs:oss:cn-hangzhou:*:fa3-data', bindings: [{ role: 'roles/storage.objectAdmin', members: ['allAuthenticatedUsers'] }] });
    assert.equal(r.status, 403, JSON.stringify(r.json));
    assert.equal(await decision('acs:oss:cn-hangzhou:*:fa3-data/train/x.csv'), 'Allow', 'the owner’s policy still decides');
  });
});
