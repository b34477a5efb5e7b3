/**
 * Review pd, 1. A stored IAM policy (bindings) record that is not the JSON the server wrote (a database restored or
 * edited by hand, a truncated write) was `JSON.parse`d unguarded by the bindings engine's reload, which then failed on
 * every refresh: the engine of the authorize union kept deciding with the bindings it had compiled before, so a binding
 * removed afterwards from any other resource still granted (POST /v1/authorize answered Allow to a member whose binding
 * was gone: the union failed open), every `PUT /v1/iam-policies` answered 500 after committing, and a server started
 * on such a database did not start at all, saying only `Unterminated string in JSON`, naming no record.
 *
 * Contract: DESIGN.md "Architecture" (the union "fails closed on error"); docs/semantics.md and review N, N3 (a stored
 * policy that no longer parses fails closed, and is reported once naming it); review ot, 1 (the same of a bucket's
 * owner record: the server starts). Now such a record (an IAM policy, a custom role) is logged once, naming it, grants
 * nothing, and says so in the answers of questions it would govern; every other policy is loaded and follows changes
 * as before, and the server starts.
 *
 * Before the fix 2 of 2 tests failed. Real server (SQLite), SigV4-signed questions.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const A = '000000000000';
const M1 = `arn:aws:training::${A}:model/pd1-kept`;
const M2 = `arn:aws:training::${A}:model/pd1-broken`;
const DORA = `arn:aws:iam::${A}:user/dora`;
let s: TestServer;

const put = (resource: string, bindings: object[]) => gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource, bindings });
async function ask(server: TestServer, resource: string): Promise<{ decision?: string; diagnostics?: string[] }> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal: DORA, action: 'ml.models.get', resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as { decision?: string; diagnostics?: string[] };
}

before(async () => {
  s = await startTestServer({ keepDir: true });
  await s.iam().send(new I.CreateUserCommand({ UserName: 'dora' }));
  for (const m of [M1, M2]) assert.equal((await put(m, [{ role: 'roles/ml.viewer', members: ['user:dora'] }])).status, 200);
  assert.equal((await ask(s, M1)).decision, 'Allow');
  assert.equal((await ask(s, M2)).decision, 'Allow');
});
after(async () => {
  await s?.stop();
  const { rm } = await import('node:fs/promises');
  if (s) await rm(s.dataDir, { recursive: true, force: true });
});

test('an unreadable IAM policy record grants nothing, and the others still follow changes', async () => {
  const app = s.running.app;
  await app.deps.store.write(async (tx) => {
    await tx.kv.put(`iampolicy/arn/${M2}`, '{"resource":"arn:aws:training::0000');
  });
  await app.refresh();
  const broken = await ask(s, M2);
  assert.equal(broken.decision, 'ImplicitDeny', JSON.stringify(broken));
  // Review pi1 fixed the same defect the same hour, and its fix was kept: there the unreadable policy's ARN belongs to no
  // account until the record is replaced, so bindings are not asked and the answer names no record (the log does).
  // A binding removed from another resource no longer grants: the engine did not stop at the record.
  const removed = await put(M1, []);
  assert.equal(removed.status, 200, JSON.stringify(removed.json));
  assert.equal((await ask(s, M1)).decision, 'ImplicitDeny');
  assert.equal((await put(M1, [{ role: 'roles/ml.viewer', members: ['user:dora'] }])).status, 200);
  assert.equal((await ask(s, M1)).decision, 'Allow');
  const logged = s.logs.filter((l) => l.includes('CANNOT READ') && l.includes(`iampolicy/arn/${M2}`));
  assert.equal(logged.length, 1, s.logs.join('\n'));
});

test('a server starts on a database holding such records (an IAM policy, a custom role), and decides', async () => {
  await s.stopServer();
  const store = await openSqliteStore({ dataDir: s.dataDir });
  try {
    await store.write(async (tx) => {
      await tx.kv.put(`iampolicy/arn/${M2}`, '{"resource":"arn:aws:training::0000');
      await tx.kv.put(`iamrole/${A}/pd1`, '[1,');
    });
  } finally {
    await store.close();
  }
  const again = await startTestServer({ dataDir: s.dataDir, keepDir: true });
  try {
    assert.equal((await ask(again, M1)).decision, 'Allow');
    assert.equal((await ask(again, M2)).decision, 'ImplicitDeny');
    assert.ok(again.logs.some((l) => l.includes('CANNOT READ') && l.includes(`iamrole/${A}/pd1`)), again.logs.join('\n'));
  } finally {
    await again.stop();
  }
});
