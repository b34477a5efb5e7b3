/**
 * The rules of src/app/bindings.ts that the end-to-end suite (test/bindings.test.ts) does not reach, on an app
 * over SQLite in a temporary directory, its store written directly: which account and workspaces a resource's
 * chain takes (an unowned bucket claimed by workspaces of two accounts, an owner made known by a policy on the
 * ARN), the order of the chain (bucket before object), the change-log filter of reloads, and a condition that
 * fails to evaluate reported as a diagnostic, not an engine error.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App } from '../src/app/index.ts';
import { iamPolicyKey, type StoredIamPolicy } from '../src/app/bindings.ts';
import type { Store } from '../src/app/ports/store.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { principalFromArn, type Principal } from '../src/core/iam/index.ts';
import type { IamBinding } from '../src/core/bindings/index.ts';

const A = '111111111111';
const B = '222222222222';
const BUCKET = 'arn:aws:s3:::shared-data';
const OBJECT = `${BUCKET}/train/part-0.csv`;

let dir: string;
let store: Store;
let app: App;

function principal(arn: string): Principal {
  const p = principalFromArn(arn);
  assert.ok(p.ok);
  return p.value;
}
const userOf = (account: string, name: string) => principal(`arn:aws:iam::${account}:user/${name}`);
const ANONYMOUS = principal('anonymous');

async function putPolicy(account: string, resource: string, bindings: IamBinding[]): Promise<void> {
  const stored: StoredIamPolicy = { resource, account, bindings, updated: '2026-01-01T00:00:00Z' };
  await store.write((tx) => tx.kv.put(iamPolicyKey(account, resource), JSON.stringify(stored)));
  await app.refresh();
}

async function putWorkspace(account: string, name: string, defaultBucket: string): Promise<void> {
  await store.write((tx) => tx.kv.put(`ws/${account}/${name.toLowerCase()}`, JSON.stringify({ account, name, members: [], defaultBucket })));
  await app.refresh();
}

const decision = (p: Principal, permission: string, resource: string, resourceAccount?: string) => app.bindings.decide(p, permission, resource, resourceAccount, Date.now());

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-bindings-chain-'));
  store = await openSqliteStore({ dataDir: dir });
  app = createApp({
    store,
    now: () => Date.now(),
    randomBytes: (n) => randomBytes(n),
    sealer: { seal: () => assert.fail('no secret is sealed here'), open: () => undefined, mac: () => assert.fail('nothing is keyed here') },
    sessions: undefined as never,
  });
  await app.bindings.refresh();
});

after(async () => {
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the chain of a resource', () => {
  test('an unowned bucket is placed in the account of the one workspace that claims it', async () => {
    await putWorkspace(A, 'vision', BUCKET);
    await putPolicy(A, 'workspace/vision', [{ role: 'roles/storage.objectViewer', members: ['allUsers'] }]);
    const d = decision(ANONYMOUS, 'storage.objects.get', OBJECT);
    assert.equal(d.verdict, 'allow', JSON.stringify(d));
    assert.deepEqual(d.chain, ['workspace/vision']);
    assert.equal(decision(ANONYMOUS, 'storage.objects.get', 'arn:aws:s3:::elsewhere/x').verdict, 'no-opinion');
  });

  test('claimed by workspaces of two accounts: the principal\'s own account decides; a stranger gets neither', async () => {
    await putWorkspace(B, 'copycat', BUCKET);
    await putPolicy(B, 'workspace/copycat', [{ role: 'roles/storage.objectAdmin', members: ['allAuthenticatedUsers'] }]);
    const bUser = decision(userOf(B, 'mallory'), 'storage.objects.delete', OBJECT);
    assert.equal(bUser.verdict, 'allow', 'inside account B, B\'s workspace places the bucket');
    assert.deepEqual(bUser.chain, ['workspace/copycat']);
    const aUser = decision(userOf(A, 'alice'), 'storage.objects.delete', OBJECT);
    assert.equal(aUser.verdict, 'no-opinion', 'B\'s workspace does not reach principals of A');
    assert.deepEqual(aUser.chain, ['workspace/vision']);
    assert.equal(decision(ANONYMOUS, 'storage.objects.get', OBJECT).verdict, 'no-opinion', 'ambiguous: no account level for a caller of neither');
  });

  test('a policy on the bucket names its owner: only that account\'s hierarchy counts, and the bucket comes before the object', async () => {
    await putPolicy(A, BUCKET, [{ role: 'roles/storage.objectViewer', members: ['user:alice'] }]);
    await putPolicy(A, OBJECT, [{ role: 'roles/storage.objectAdmin', members: ['user:alice'] }]);
    const mallory = decision(userOf(B, 'mallory'), 'storage.objects.delete', OBJECT);
    assert.equal(mallory.verdict, 'no-opinion', 'B\'s workspace no longer places A\'s bucket');
    const alice = decision(userOf(A, 'alice'), 'storage.objects.get', OBJECT);
    assert.equal(alice.verdict, 'allow');
    assert.deepEqual(alice.chain, ['workspace/vision', BUCKET, OBJECT]);
    assert.equal(decision(userOf(A, 'alice'), 'storage.objects.delete', `${BUCKET}/other`).verdict, 'no-opinion', 'the object policy reaches that object only');
  });

  test('a resource ARN with an account takes that account\'s account level', async () => {
    await putPolicy(A, `account/${A}`, [{ role: 'roles/ml.viewer', members: ['user:bob'] }]);
    const d = decision(userOf(A, 'bob'), 'ml.models.get', `arn:aws:training::${A}:model/m`);
    assert.equal(d.verdict, 'allow');
    assert.deepEqual(d.chain, [`account/${A}`]);
    assert.equal(decision(userOf(B, 'bob'), 'ml.models.get', `arn:aws:training::${A}:model/m`).verdict, 'no-opinion', 'bob of another account');
    assert.equal(decision(userOf(A, 'bob'), 'ml.models.get', `arn:aws:training::${B}:model/m`).verdict, 'no-opinion', 'a model of another account');
  });
});

describe('reloads and the engine', () => {
  test('a write that concerns no policy, role, workspace or membership reloads nothing', async () => {
    const v = app.bindings.version;
    await store.write((tx) => tx.kv.put('job/unrelated', '{}'));
    await app.refresh();
    assert.equal(app.bindings.version, v);
    await putPolicy(A, `arn:aws:training::${A}:model/n`, [{ role: 'roles/ml.viewer', members: ['user:carol'] }]);
    assert.equal(app.bindings.version, v + 1);
  });

  test('a condition that fails to evaluate is a diagnostic of the answer, never an allow nor an engine error', async () => {
    // `resource.type` of a resource of a kind Gatehouse does not know is absent: reading it fails, the binding does not apply.
    await putPolicy(A, `account/${A}`, [{ role: 'roles/ml.viewer', members: ['user:dan'], condition: { title: 'models only', expression: 'resource.type == "ml.gatehouse.dev/Model"' } }]);
    const dan = userOf(A, 'dan');
    const odd = `arn:aws:weird::${A}:thing/x`;
    const r = app.bindings.engine.decide({ principal: dan, action: 'ml.models.get', resource: odd, request: { principal: dan, action: 'ml.models.get', resource: odd, time: Date.now() } });
    assert.equal(r.verdict, 'no-opinion');
    assert.deepEqual(r.errors, []);
    assert.ok(r.diagnostics?.some((d) => d.includes('"models only"') && d.includes('failed to evaluate')), JSON.stringify(r));
    const model = `arn:aws:training::${A}:model/m`;
    const ok = app.bindings.engine.decide({ principal: dan, action: 'training:GetModel', resource: model, request: { principal: dan, action: 'training:GetModel', resource: model, time: Date.now() } });
    assert.equal(ok.verdict, 'allow', JSON.stringify(ok));
    // The rule carries the condition that held (review dv, 1).
    assert.deepEqual(ok.matched, [{ engine: 'bindings', policy: `account/${A}`, type: 'binding', statement: 0, effect: 'Allow', conditions: ['resource.type == "ml.gatehouse.dev/Model"'] }]);
  });
});
