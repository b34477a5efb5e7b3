/**
 * Etags of IAM policies (src/app/bindings.ts, src/core/bindings/etag.ts) on an app over each store — SQLite in a
 * temporary directory, and PostgreSQL in a throw-away schema (skipped with a message when the server cannot be
 * reached; `GATEHOUSE_TEST_DATABASE_URL`, else `GATEHOUSE_DATABASE_URL`, else
 * `postgres://postgres@127.0.0.1:5432/test`):
 *
 * - an etag names the resource and the write: equal bindings on two resources differ; A → B → A gives a new etag,
 *   and so does removing a policy and writing it again; reading again without a write gives the same etag;
 * - a policy stored before revisions existed (older data dirs) loads, decides and gets an etag;
 * - `gatehouse apply` (applyConfig) compares `spec.etag` when a document carries one: a stale one refuses the
 *   whole apply and its dry run, naming the current etag, and changes nothing; without one it overwrites.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { createApp, type App, type Caller } from '../src/app/index.ts';
import { applyConfig, describeApplyError, type ApplyError, type ApplyResult } from '../src/app/apply.ts';
import { iamPolicyKey, type IamPolicyView, type StoredIamPolicy } from '../src/app/bindings.ts';
import type { Store } from '../src/app/ports/store.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { principalFromArn } from '../src/core/iam/index.ts';
import type { Result } from '../src/core/errors.ts';

const ROOT = '000000000000';
const model = (name: string): string => `arn:aws:training::${ROOT}:model/${name}`;
const VIEWER = { role: 'roles/ml.viewer', members: ['user:alice'] };
const DEVELOPER = { role: 'roles/ml.developer', members: ['user:alice'] };


const pgSkipped = await pgSkip();
if (pgSkipped !== undefined) console.log(`# skipping the PostgreSQL runs: ${pgSkipped}`);

interface Target {
  readonly name: string;
  readonly skip: string | undefined;
  open(): Promise<{ store: Store; cleanup: () => Promise<void> }>;
}

const targets: Target[] = [
  {
    name: 'sqlite',
    skip: undefined,
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'gh-bindings-etag-'));
      const store = await openSqliteStore({ dataDir: dir });
      return { store, cleanup: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    skip: pgSkipped,
    async open() {
      const schema = `gh_test_${randomBytes(6).toString('hex')}`;
      const store = await openPostgresStore({ url: PG_URL, schema, poolSize: 4 });
      return { store, cleanup: () => pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).then(() => undefined) };
    },
  },
];

for (const target of targets) {
  describe(`IAM policy etags (${target.name})`, { skip: target.skip }, () => {
    let store: Store;
    let cleanup: () => Promise<void> = async () => {};
    let app: App;
    let admin: Caller;

    before(async () => {
      ({ store, cleanup } = await target.open());
      app = createApp({ store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto });
      await app.start();
      const creds = await app.bootstrap();
      assert.ok(creds);
      const who = await app.authenticate(creds.AccessKeyId);
      assert.ok(who.ok);
      admin = who.value.caller;
      // Bindings name members that exist.
      assert.ok((await app.directory.createUser(admin, { userName: 'alice' })).ok);
    });

    after(async () => {
      await store?.close();
      await cleanup();
    });

    async function get(resource: string): Promise<IamPolicyView> {
      const r = await app.bindings.getPolicy(admin, resource);
      assert.ok(r.ok, r.ok ? '' : r.errors[0]?.message);
      return r.value;
    }

    async function set(body: Record<string, unknown>): Promise<Result<IamPolicyView>> {
      return app.bindings.setPolicy(admin, body);
    }

    async function mustSet(body: Record<string, unknown>): Promise<IamPolicyView> {
      const r = await set(body);
      assert.ok(r.ok, r.ok ? '' : r.errors[0]?.message);
      return r.value;
    }

    function assertStale(r: Result<unknown>, current: string): void {
      assert.ok(!r.ok, 'a stale etag is refused');
      assert.equal(r.errors[0]?.code, 'ETAG_MISMATCH');
      assert.ok(r.errors[0]?.message.includes(`its etag is now \`${current}\``), r.errors[0]?.message);
    }

    test('two resources with the same bindings have different etags; read again, the same etag', async () => {
      const a = await mustSet({ resource: model('twin-a'), bindings: [VIEWER] });
      const b = await mustSet({ resource: model('twin-b'), bindings: [VIEWER] });
      assert.notEqual(a.etag, b.etag);
      assert.equal((await get(model('twin-a'))).etag, a.etag);
      assert.equal((await get(model('twin-a'))).etag, a.etag);
      // Nor is one resource's etag good for the other.
      assertStale(await set({ resource: model('twin-b'), bindings: [DEVELOPER], etag: a.etag }), b.etag);
      assert.deepEqual(app.bindings.listPolicies(admin).filter((p) => p.resource.includes('/twin-')).map((p) => p.etag).sort(), [a.etag, b.etag].sort());
    });

    test('A → B → A: the etag read at the first A is refused', async () => {
      const resource = model('aba');
      const first = await mustSet({ resource, bindings: [VIEWER] });
      const b = await mustSet({ resource, bindings: [DEVELOPER], etag: first.etag });
      const back = await mustSet({ resource, bindings: [VIEWER], etag: b.etag });
      assert.notEqual(back.etag, first.etag);
      assertStale(await set({ resource, bindings: [VIEWER, DEVELOPER], etag: first.etag }), back.etag);
      assert.deepEqual((await get(resource)).bindings, [VIEWER]);
      assert.ok((await set({ resource, bindings: [VIEWER, DEVELOPER], etag: back.etag })).ok);
    });

    test('removed and written again: an etag read before the removal, or before the policy existed, is refused', async () => {
      const resource = model('removed');
      const none = await get(resource);
      const first = await mustSet({ resource, bindings: [VIEWER], etag: none.etag });
      const removed = await mustSet({ resource, bindings: [], etag: first.etag });
      assert.deepEqual(removed.bindings, []);
      assert.notEqual(removed.etag, none.etag, 'no policy again, but not the no-policy of before');
      assert.equal((await get(resource)).etag, removed.etag);
      assertStale(await set({ resource, bindings: [DEVELOPER], etag: none.etag }), removed.etag);
      const again = await mustSet({ resource, bindings: [VIEWER], etag: removed.etag });
      assert.notEqual(again.etag, first.etag);
      assertStale(await set({ resource, bindings: [DEVELOPER], etag: first.etag }), again.etag);
    });

    test('a policy stored before revisions existed loads, decides and gets a stable etag; a write with it moves on', async () => {
      const resource = model('legacy');
      const key = iamPolicyKey(ROOT, resource);
      // As an older Gatehouse wrote it: no `revision`.
      const legacy = { resource, account: ROOT, bindings: [VIEWER], updated: '2026-01-01T00:00:00Z' };
      await store.write((tx) => tx.kv.put(key, JSON.stringify(legacy)));
      await app.refresh();
      const alice = principalFromArn(`arn:aws:iam::${ROOT}:user/alice`);
      assert.ok(alice.ok);
      assert.equal(app.bindings.decide(alice.value, 'ml.models.get', resource, ROOT, Date.now()).verdict, 'allow');
      const read = await get(resource);
      assert.deepEqual(read.bindings, [VIEWER]);
      assert.match(read.etag, /^[A-Za-z0-9+/]{11}=$/);
      assert.equal((await get(resource)).etag, read.etag);
      assert.equal(app.bindings.listPolicies(admin).find((p) => p.resource === resource)?.etag, read.etag);
      const written = await mustSet({ resource, bindings: [VIEWER], etag: read.etag });
      assert.notEqual(written.etag, read.etag, 'the same bindings, written: a new etag');
      const stored = JSON.parse((await store.read((tx) => tx.kv.get(key))) ?? '{}') as StoredIamPolicy;
      assert.equal(stored.revision, 1);
      assertStale(await set({ resource, bindings: [DEVELOPER], etag: read.etag }), written.etag);
    });

    describe('gatehouse apply', () => {
      const doc = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind: 'IamPolicy', metadata: { name }, spec });
      const apply = (documents: unknown[], dryRun = false): Promise<Result<ApplyResult>> =>
        applyConfig(app.deps, admin, { documents, dryRun, sources: documents.map((_, index) => ({ file: 'policies.yaml', index })) });
      const head = (): Promise<number> => store.read((tx) => tx.changes.head());

      test('a stale etag refuses the whole apply and its dry run, naming the document and the current etag; nothing changes', async () => {
        const resource = model('applied');
        const read = await mustSet({ resource, bindings: [VIEWER] });
        const theirs = await mustSet({ resource, bindings: [VIEWER, DEVELOPER], etag: read.etag });
        const documents = [doc('sibling', { resource: model('applied-sibling'), bindings: [VIEWER] }), doc('applied', { resource, bindings: [DEVELOPER], etag: read.etag })];
        const before = await head();
        for (const dryRun of [true, false]) {
          const r = await apply(documents, dryRun);
          assert.ok(!r.ok, `dryRun ${dryRun}: refused`);
          assert.equal(r.errors.length, 1);
          const e = r.errors[0] as ApplyError;
          assert.equal(e.code, 'ETAG_MISMATCH');
          assert.equal(e.path, 'spec.etag');
          assert.equal(e.document, 1);
          assert.match(describeApplyError(e), new RegExp(`^policies\\.yaml document 2 \\(IamPolicy applied\\): spec\\.etag: etag \`${read.etag.replace(/[+/=]/g, '\\$&')}\` is stale`));
          assert.ok(e.message.includes(`its etag is now \`${theirs.etag}\``), e.message);
        }
        assert.equal(await head(), before, 'nothing written');
        assert.deepEqual(await get(resource), theirs);
        assert.deepEqual((await get(model('applied-sibling'))).bindings, []);
      });

      test('the current etag applies; after that write the same document is stale (A → B → A too); without an etag it overwrites', async () => {
        const resource = model('applied-fresh');
        const a = await mustSet({ resource, bindings: [VIEWER] });
        const applied = await apply([doc('fresh', { resource, bindings: [DEVELOPER], etag: a.etag })]);
        assert.ok(applied.ok, applied.ok ? '' : applied.errors.map((e) => describeApplyError(e)).join('; '));
        assert.deepEqual(applied.value.summary, { create: 0, update: 1, delete: 0, unchanged: 0 });
        const b = await get(resource);
        assert.deepEqual(b.bindings, [DEVELOPER]);
        assert.notEqual(b.etag, a.etag);
        assertStale(await apply([doc('fresh', { resource, bindings: [DEVELOPER], etag: a.etag })]), b.etag);
        // Back to A through apply: the etag of the first A stays stale.
        assert.ok((await apply([doc('fresh', { resource, bindings: [VIEWER], etag: b.etag })])).ok);
        const back = await get(resource);
        assert.deepEqual(back.bindings, [VIEWER]);
        assertStale(await apply([doc('fresh', { resource, bindings: [DEVELOPER], etag: a.etag })]), back.etag);
        // An unchanged document with the current etag writes nothing: the etag stays.
        const same = await apply([doc('fresh', { resource, bindings: [VIEWER], etag: back.etag })]);
        assert.ok(same.ok);
        assert.deepEqual(same.value.summary, { create: 0, update: 0, delete: 0, unchanged: 1 });
        assert.equal((await get(resource)).etag, back.etag);
        // No etag: the document is the truth.
        const overwrite = await apply([doc('fresh', { resource, bindings: [DEVELOPER] })]);
        assert.ok(overwrite.ok);
        assert.deepEqual((await get(resource)).bindings, [DEVELOPER]);
      });

      test('pruning a policy keeps its revision: an etag read before is refused when it is written again', async () => {
        const resource = model('pruned');
        const kept = doc('keeper', { resource: model('keeper'), bindings: [VIEWER] });
        assert.ok((await apply([kept, doc('pruned', { resource, bindings: [VIEWER] })])).ok);
        const read = await get(resource);
        const pruned = await applyConfig(app.deps, admin, { documents: [kept], prune: true });
        assert.ok(pruned.ok, pruned.ok ? '' : pruned.errors.map((e) => describeApplyError(e)).join('; '));
        assert.ok(pruned.value.changes.some((c) => c.action === 'delete' && c.name === 'pruned'));
        const gone = await get(resource);
        assert.deepEqual(gone.bindings, []);
        assertStale(await apply([doc('pruned', { resource, bindings: [VIEWER], etag: read.etag })]), gone.etag);
      });
    });
  });
}
