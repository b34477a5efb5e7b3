/**
 * Review pi, 7: review ot1 made a bucket owner record (`bucket-owner/<bucket>`) that is not the JSON the server wrote
 * fail closed where the instance holds ownership in memory (the bucket is no account's), but the exact read of a
 * resource's owner inside a transaction (`ownerIn`, src/app/resource-policies.ts: what `gatehouse apply` plans a
 * ResourcePolicy or an IamPolicy on the resource with) still parsed it unguarded: applying either on such a bucket
 * answered `InternalFailure: We encountered an internal error` (exit 70), naming nothing, where the refusal must say what
 * is wrong and where (review-common: "errors clear, naming what is wrong and where"; DESIGN.md: fail closed). Now it
 * reads as ot1's: the bucket is no account's, and both are refused (AccessDenied) naming the unreadable owner record and
 * what to do.
 * Real server restarted on its data dir; the real CLI in process.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const BUCKET = 'pi7-broken-owner';
let first: TestServer;
let server: TestServer;

const applied = async (doc: string): Promise<{ status: number; out: string; err: string }> => {
  const file = join(server.dataDir, `pi7-${Math.random().toString(36).slice(2)}.yaml`);
  await writeFile(file, doc);
  return cliAgainst(server, ['apply', '-f', file]);
};

before(async () => {
  first = await startTestServer({ keepDir: true });
  await first.stopServer();
  const store = await openSqliteStore({ dataDir: first.dataDir });
  try {
    await store.write((tx) => tx.kv.put(`bucket-owner/${BUCKET}`, '{"account":"0000'));
  } finally {
    await store.close();
  }
  server = await startTestServer({ dataDir: first.dataDir, keepDir: true });
});

after(async () => {
  await server?.stop();
  await first.stop();
  await rm(first.dataDir, { recursive: true, force: true });
});

describe('review pi7: apply on a bucket whose owner record cannot be read', () => {
  it('a ResourcePolicy on it is refused naming the owner record, not a 500', async () => {
    const r = await applied(`apiVersion: gatehouse.dev/v1
kind: ResourcePolicy
metadata: {name: on-broken}
spec:
  resource: arn:aws:s3:::${BUCKET}
  document: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::${BUCKET}/*"}]}
`);
    assert.notEqual(r.status, 0, r.out);
    assert.notEqual(r.status, EXIT.internal, r.err);
    assert.match(`${r.out}${r.err}`, /owner record cannot be read/);
  });

  it('an IamPolicy on it is refused naming the owner record, not a 500', async () => {
    const r = await applied(`apiVersion: gatehouse.dev/v1
kind: IamPolicy
metadata: {name: on-broken}
spec:
  resource: arn:aws:s3:::${BUCKET}
  bindings: [{role: roles/storage.objectViewer, members: [allUsers]}]
`);
    assert.notEqual(r.status, 0, r.out);
    assert.notEqual(r.status, EXIT.internal, r.err);
    assert.match(`${r.out}${r.err}`, /owner record cannot be read/);
  });
});
