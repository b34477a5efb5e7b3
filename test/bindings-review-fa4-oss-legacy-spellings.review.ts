/**
 * Review fa, 4 (after fa, 3): an IAM policy stored, before fa, 3, under another spelling of an OSS bucket
 * (`acs:oss:cn-hangzhou:*:b` where the key is now `acs:oss:*:*:b`) went on governing the bucket beside the policy
 * written since, out of reach of the API (every spelling reads and writes the canonical key), and came back when that
 * policy was removed: a grant nobody could see or take away. Now writing or removing the bucket's policy, by any
 * spelling, removes every other spelling's policy of it: the policy written decides alone, and a removal removes.
 * Real server on a data directory whose store is given such a policy between two starts. Before the fix the second and
 * third tests failed (the old grant of oss:PutObject still answered Allow).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { iamPolicyKey, type StoredIamPolicy } from '../src/app/bindings.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const BOB = `arn:aws:iam::${ROOT}:user/bob`;
const LEGACY = 'acs:oss:cn-hangzhou:*:fa4-data';
const LEGACY_KEY = `iampolicy/arn/${LEGACY}`;

describe('a policy kept under an old spelling of an OSS bucket', () => {
  let first: TestServer;
  let server: TestServer;
  const decision = async (action: string): Promise<string> => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: BOB, action, resource: 'acs:oss:*:*:fa4-data/train/x.csv' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json['decision'] as string;
  };
  const legacyHeld = async (): Promise<boolean> => {
    await server.stopServer();
    const store = await openSqliteStore({ dataDir: server.dataDir });
    try {
      return (await store.read((tx) => tx.kv.get(LEGACY_KEY))) !== undefined;
    } finally {
      await store.close();
      server = await startTestServer({ dataDir: server.dataDir, keepDir: true });
    }
  };

  before(async () => {
    first = await startTestServer({ keepDir: true });
    await first.iam().send(new I.CreateUserCommand({ UserName: 'bob' }));
    await first.stopServer();
    // What the store held for a policy written on the regional spelling before fa, 3: its own key.
    assert.notEqual(iamPolicyKey(ROOT, LEGACY), LEGACY_KEY, 'the key is canonical now');
    const stored: StoredIamPolicy = { resource: LEGACY, account: ROOT, bindings: [{ role: 'roles/storage.objectAdmin', members: ['user:bob'] }], revision: 1, updated: '2026-12-01T00:00:00Z' };
    const store = await openSqliteStore({ dataDir: first.dataDir });
    try {
      await store.write((tx) => tx.kv.put(LEGACY_KEY, JSON.stringify(stored)));
    } finally {
      await store.close();
    }
    server = await startTestServer({ dataDir: first.dataDir, keepDir: true });
  });
  after(async () => {
    await server?.stop();
  });

  test('still governs the bucket after the upgrade', async () => {
    assert.equal(await decision('oss:PutObject'), 'Allow');
  });

  test('is removed when the bucket’s policy is written, by any spelling: the policy written decides alone', async () => {
    const w = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: 'acs:oss:*:*:fa4-data', bindings: [{ role: 'roles/storage.objectViewer', members: ['user:bob'] }] });
    assert.equal(w.status, 200, JSON.stringify(w.json));
    assert.equal(await decision('oss:GetObject'), 'Allow');
    assert.equal(await decision('oss:PutObject'), 'ImplicitDeny', 'the old grant of objectAdmin is gone');
    assert.equal(await legacyHeld(), false, 'the old key is removed from the store');
  });

  test('and a removal of the bucket’s policy leaves nothing behind', async () => {
    const got = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(LEGACY)}`);
    const w = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: LEGACY, bindings: [], etag: got.json['etag'] });
    assert.equal(w.status, 200, JSON.stringify(w.json));
    assert.equal(await decision('oss:GetObject'), 'ImplicitDeny');
    assert.equal(await decision('oss:PutObject'), 'ImplicitDeny');
  });
});
