/**
 * Review gk, 1: a binding's condition read `resource.name` as the resource server spelt the OSS ARN, while the policy
 * itself governs every spelling of the object (review fa, 3: `acs:oss:cn-hangzhou:*:b/x`, `acs:oss:*:<account>:b/x` and
 * `acs:oss:*:*:b/x` are one object of bucket `b`, and the bucket's one policy decides them all). So the usual
 * "everything but one folder" grant, `roles/storage.objectViewer` under `!resource.name.startsWith("acs:oss:*:*:b/secret/")`,
 * kept `acs:oss:*:*:b/secret/key` out but let the same object in when asked about as `acs:oss:cn-hangzhou:*:b/secret/key`
 * (Allow), and a positive condition refused the public folder's objects spelt with a region. Now a condition reads
 * the object in the one form the policies are kept and looked up in (`acs:oss:*:*:<bucket>/<key>`), whatever the
 * request's spelling: one object, one answer.
 *
 * Real server, SigV4-signed /v1/ calls as the root admin.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BOB, CAROL, ossReaders, ROOT } from './support/bindings-conditions.ts';
import { gatehouseJson } from './support/resource-server.ts';

describe('a condition on resource.name reads an OSS object the same way whatever its spelling', () => {
  const { decision } = ossReaders(async (server) => {
    const w = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', {
      resource: 'acs:oss:*:*:gk1-data',
      bindings: [
        { role: 'roles/storage.objectViewer', members: ['user:bob'], condition: { title: 'not the secret folder', expression: '!resource.name.startsWith("acs:oss:*:*:gk1-data/secret/")' } },
        { role: 'roles/storage.objectViewer', members: ['user:carol'], condition: { title: 'the public folder', expression: 'resource.name.startsWith("acs:oss:*:*:gk1-data/public/")' } },
      ],
    });
    assert.equal(w.status, 200, JSON.stringify(w.json));
  });

  test('a negated condition keeps the secret folder out under every spelling of its objects', async () => {
    assert.equal(await decision(BOB, 'acs:oss:*:*:gk1-data/train/x.csv'), 'Allow');
    assert.equal(await decision(BOB, 'acs:oss:*:*:gk1-data/secret/key'), 'ImplicitDeny');
    assert.equal(await decision(BOB, 'acs:oss:cn-hangzhou:*:gk1-data/secret/key'), 'ImplicitDeny', 'with a region');
    assert.equal(await decision(BOB, `acs:oss:*:${ROOT}:gk1-data/secret/key`), 'ImplicitDeny', 'with the account');
    assert.equal(await decision(BOB, `acs:oss:cn-hangzhou:${ROOT}:gk1-data/train/x.csv`), 'Allow');
  });

  test('a positive condition lets the public folder in under every spelling of its objects', async () => {
    assert.equal(await decision(CAROL, 'acs:oss:*:*:gk1-data/public/a.txt'), 'Allow');
    assert.equal(await decision(CAROL, 'acs:oss:cn-hangzhou:*:gk1-data/public/a.txt'), 'Allow', 'with a region');
    assert.equal(await decision(CAROL, `acs:oss:*:${ROOT}:gk1-data/public/a.txt`), 'Allow', 'with the account');
    assert.equal(await decision(CAROL, 'acs:oss:cn-hangzhou:*:gk1-data/train/x.csv'), 'ImplicitDeny');
  });
});
