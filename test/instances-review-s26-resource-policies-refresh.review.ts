/**
 * Stop 26 (left by review ae): every instance re-read and recompiled every resource policy whenever the change head
 * moved, and most changes concern none: each AssumeRole with a session policy, tags or a source identity writes a
 * scoped session's record, each job event one more. Under that traffic every refresh of every instance reloaded them
 * all (the issue: "recompiling only what changed"). Now a refresh reads the changes since the last one and reloads
 * only when one is a resource policy's or a bucket owner's record (or when they are too many to read: 50,000); the
 * version still moves, since the authorizer's caches of principals key on it. The real SQLite store; the refresh's
 * reads counted by a wrapper around its real read transaction.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { BUCKET_OWNER_PREFIX, ResourcePolicies, resourcePolicyKey } from '../src/app/resource-policies.ts';
import type { AppDeps } from '../src/app/deps.ts';
import type { ReadTx, Store } from '../src/app/ports/store.ts';

const grant = (resource: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${resource}/*` }] });
const record = (resource: string, document: string) => JSON.stringify({ resource, account: '111111111111', document, updated: '2026-12-02T00:00:00Z' });

describe('resource policies are reloaded only when a change concerns them', () => {
  let dir: string;
  let store: Store;
  const rp = new ResourcePolicies({} as AppDeps);
  /** The resource-policy listings the refreshes made. */
  let listings = 0;
  const refresh = () =>
    store.read(async (tx) => {
      const counted: ReadTx = { ...tx, kv: { ...tx.kv, list: (prefix: string) => ((listings += 1), tx.kv.list(prefix)) } };
      await rp.refresh(await tx.changes.head(), counted);
    });
  const put = (key: string, value: string) => store.write(async (tx) => void (await tx.kv.put(key, value)));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-respol-'));
    store = await openSqliteStore({ dataDir: dir });
    await put(resourcePolicyKey('arn:aws:s3:::b'), record('arn:aws:s3:::b', grant('arn:aws:s3:::b')));
    await refresh();
  });
  after(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a burst of other records (scoped sessions, job events): nothing reloaded, the version moves, the policy is still there', async () => {
    const version = rp.version;
    listings = 0;
    for (let i = 0; i < 1_500; i += 1) await put(`scope/000000000000/r/s${i}`, '{}');
    await refresh();
    assert.equal(listings, 0, 'the resource policies were listed again');
    assert.ok(rp.version > version, 'the version did not move');
    assert.ok(rp.get('arn:aws:s3:::b'), 'the policy is gone');
  });

  it('a resource policy among them: reloaded, the new one in force', async () => {
    await put('scope/000000000000/r/x', '{}');
    await put(resourcePolicyKey('arn:aws:s3:::c'), record('arn:aws:s3:::c', grant('arn:aws:s3:::c')));
    listings = 0;
    await refresh();
    assert.ok(listings > 0);
    assert.ok(rp.get('arn:aws:s3:::c'));
  });

  it('a bucket owner record: reloaded', async () => {
    await put(`${BUCKET_OWNER_PREFIX}d`, JSON.stringify({ account: '222222222222' }));
    listings = 0;
    await refresh();
    assert.ok(listings > 0);
    assert.equal(rp.ownerOf('arn:aws:s3:::d/k'), '222222222222');
  });
});
