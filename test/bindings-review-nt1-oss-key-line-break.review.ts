/**
 * Review nt, 1: an OSS object is one object whatever region or account its ARN spells (docs/semantics.md, "An OSS ARN is
 * one bucket's whatever its region and account say"; reviews U3, fa 3, gk 1): `acs:oss:cn-hangzhou:*:b/x`,
 * `acs:oss:*:<account>:b/x` and `acs:oss:*:*:b/x` are kept, looked up and read by conditions as `acs:oss:*:*:b/x`
 * (src/app/resource-tree.ts `canonicalArn`). An object key may hold a line break (OSS and S3 keys are any UTF-8; the
 * authorize API takes any ARN of up to 2,048 characters), and the regular expression that recognised an OSS ARN read
 * its key with `.`, which stops at a line break. Such a key was not recognised as an OSS object at all, so, spelt with a
 * region or an account:
 * - the bucket policy of `acs:oss:*:*:b` was not found, and its explicit Deny of `b/secret/*` did not apply: an identity
 *   policy allowing `oss:GetObject` answered Allow for `acs:oss:cn-hangzhou:*:b/secret/a\nb`;
 * - a condition read `resource.name` as spelt, so `!resource.name.startsWith("acs:oss:*:*:b/secret/")` on the account's
 *   IAM policy held for `acs:oss:*:<account>:b/secret/a\nb` (the bypass review gk, 1 closed, back through the key).
 * Now the key is read whole, line breaks included: one object, one answer.
 *
 * Real server, SigV4-signed /v1/ calls as the root admin.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { BOB, CAROL, ossReaders, ROOT } from './support/bindings-conditions.ts';
import { gatehouseJson } from './support/resource-server.ts';

describe('an OSS object whose key holds a line break is the same object under every spelling of its ARN', () => {
  const { decision } = ossReaders(async (server) => {
    await server.iam().send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'read', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }] }) }));
    const bucket = await gatehouseJson(server.url, server.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent('acs:oss:*:*:nt1-vault')}`, {
      document: { Version: '1', Statement: [{ Effect: 'Deny', Principal: { RAM: ['*'] }, Action: 'oss:GetObject', Resource: 'acs:oss:*:*:nt1-vault/secret/*' }] },
    });
    assert.equal(bucket.status, 200, JSON.stringify(bucket.json));
    const account = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', {
      resource: `account/${ROOT}`,
      bindings: [{ role: 'roles/storage.objectViewer', members: ['user:carol'], condition: { title: 'not the secret folder', expression: '!resource.name.startsWith("acs:oss:*:*:nt1-data/secret/")' } }],
    });
    assert.equal(account.status, 200, JSON.stringify(account.json));
  });

  test("a bucket policy's explicit Deny holds for a key with a line break, spelt with a region or an account", async () => {
    assert.equal(await decision(BOB, 'acs:oss:*:*:nt1-vault/secret/a\nb'), 'ExplicitDeny');
    assert.equal(await decision(BOB, 'acs:oss:cn-hangzhou:*:nt1-vault/secret/a\nb'), 'ExplicitDeny', 'with a region');
    assert.equal(await decision(BOB, `acs:oss:*:${ROOT}:nt1-vault/secret/a\nb`), 'ExplicitDeny', 'with the account');
    assert.equal(await decision(BOB, 'acs:oss:cn-hangzhou:*:nt1-vault/public/a\nb'), 'Allow');
  });

  test('a negated condition keeps the secret folder out for a key with a line break', async () => {
    assert.equal(await decision(CAROL, `acs:oss:*:${ROOT}:nt1-data/train/a\nb`), 'Allow');
    assert.equal(await decision(CAROL, `acs:oss:*:${ROOT}:nt1-data/secret/key`), 'ImplicitDeny');
    assert.equal(await decision(CAROL, `acs:oss:*:${ROOT}:nt1-data/secret/a\nb`), 'ImplicitDeny', 'with the account');
    assert.equal(await decision(CAROL, `acs:oss:cn-hangzhou:${ROOT}:nt1-data/secret/a\r\nb`), 'ImplicitDeny', 'with a region and the account');
  });
});
