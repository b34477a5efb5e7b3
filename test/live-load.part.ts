/**
 * The live state's compiled directory (src/app/live.ts), on both databases: loaded whole at start through the
 * store's bulk reads, then kept current change by change. After every change (made through the store, as another
 * instance would), what is held must equal what the store's own per-principal reads compile (src/app/principals.ts,
 * the reference), and an entry the change did not touch must be the very same object as before (nothing dropped,
 * nothing recompiled that did not change).
 *
 * PostgreSQL: `GATEHOUSE_TEST_DATABASE_URL`, else `GATEHOUSE_DATABASE_URL`, else `postgres://postgres@127.0.0.1:5432/test`
 * (a throw-away schema per run); skipped with the reason when it cannot be reached.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { PG_URL, pgSkip } from './support/postgres.ts';
import { masterKeyFromBytes, secretSealer, sessionCrypto } from '../src/adapters/crypto/index.ts';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { createApp, type AppDeps } from '../src/app/index.ts';
import { PolicyCache, rolePolicySet, userPolicySet } from '../src/app/principals.ts';
import type { CompiledPolicy, PolicySet } from '../src/core/iam/index.ts';
import type { Store, WriteTx } from '../src/app/ports/store.ts';

const A = '111111111111';
const B = '222222222222';
const NOW = '2026-01-01T00:00:00Z';

const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const targets: { name: string; skip: string | undefined; open: () => Promise<Store> }[] = [
  {
    name: 'sqlite',
    skip: undefined,
    open: async () => {
      const dir = await mkdtemp(join(tmpdir(), 'gh-live-load-'));
      cleanups.push(() => rm(dir, { recursive: true, force: true }));
      const s = await openSqliteStore({ dataDir: dir });
      cleanups.push(() => s.close());
      return s;
    },
  },
  {
    name: 'postgres',
    skip: await pgSkip(),
    open: async () => {
      const schema = `live_load_${randomBytes(4).toString('hex')}`;
      const s = await openPostgresStore({ url: PG_URL, schema });
      cleanups.push(async () => {
        await s.close();
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await c.end();
      });
      return s;
    },
  },
];

const doc = (action: string, resource = '*') => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: resource }] });
const arn = (account: string, name: string) => `arn:aws:iam::${account}:policy/${name}`;

/** A compiled policy as comparable text (same document and name: same text). */
function canon(p: CompiledPolicy | undefined): string {
  return JSON.stringify(p ?? null, (_k, v: unknown) => (v instanceof Map ? [...v] : v instanceof Set ? [...v] : v instanceof RegExp ? String(v) : typeof v === 'function' ? 'fn' : v));
}
const canonSet = (s: PolicySet): string => JSON.stringify({ identity: s.identity.map(canon), boundary: canon(s.boundary) });

/** What the store's per-principal reads compile, by live-state key; and the access keys. */
async function reference(store: Store) {
  const cache = new PolicyCache();
  return store.read(async (tx) => {
    const principals = new Map<string, string>();
    const partitions = new Map((await tx.accounts.list()).map((a) => [a.id, a.partition]));
    for (const u of await tx.users.listAll()) principals.set(`user:${u.account}/${u.name.toLowerCase()}`, JSON.stringify({ u, part: partitions.get(u.account), set: canonSet(await userPolicySet(tx, cache, u)) }));
    for (const r of await tx.roles.listAll()) principals.set(`role:${r.account}/${r.name.toLowerCase()}`, JSON.stringify({ r, part: partitions.get(r.account), set: canonSet(await rolePolicySet(tx, cache, r)) }));
    const keys = new Map((await tx.accessKeys.listAll()).map((k) => [k.id, `${k.account}/${k.userName}/${k.status}`]));
    return { principals, keys };
  });
}

for (const t of targets) {
  describe(`live state on ${t.name}: loaded whole, then change by change`, { skip: t.skip }, () => {
    it('holds what the store compiles after every change, and keeps every entry a change did not touch', async () => {
      const store = await t.open();
      const deps: AppDeps = { store, now: () => Date.now(), randomBytes: (n) => randomBytes(n), sealer: secretSealer(masterKeyFromBytes(randomBytes(32))), sessions: sessionCrypto };
      const seal = (id: string) => deps.sealer.seal(`secret-${id}`, id);
      await store.write(async (tx) => {
        await tx.accounts.create({ id: A, partition: 'aws', name: 'a', created: NOW });
        await tx.accounts.create({ id: B, partition: 'acs', name: 'b', created: NOW });
        for (const [name, action] of [['p1', 's3:GetObject'], ['p2', 's3:PutObject'], ['p3', 's3:*'], ['p4', 'ec2:*']] as const) {
          await tx.policies.create({ account: A, name, path: '/', id: `ANPA${name}`, arn: arn(A, name), description: '', created: NOW, document: doc(action) });
        }
        await tx.policies.create({ account: A, name: 'broken', path: '/', id: 'ANPAbroken', arn: arn(A, 'broken'), description: '', created: NOW, document: '{"Version":"2012-10-17","Statement":[{"Effect":"Maybe"}]}' });
        for (const g of ['g1', 'g2']) await tx.groups.create({ account: A, name: g, path: '/', id: `AGPA${g}`, created: NOW });
        await tx.attachments.attach({ type: 'group', account: A, name: 'g1' }, arn(A, 'p1'));
        await tx.inlinePolicies.put({ type: 'group', account: A, name: 'g1' }, 'gi', doc('sqs:*'));
        await tx.attachments.attach({ type: 'group', account: A, name: 'g2' }, arn(A, 'p4'));
        for (const [u, boundary] of [['Alice', arn(A, 'p3')], ['bob', null], ['carol', arn(A, 'broken')]] as const) {
          await tx.users.create({ account: A, name: u, path: '/', id: `AIDA${u}`, created: NOW, tags: [{ key: 'team', value: u }], permissionsBoundary: boundary, disabled: false });
          await tx.accessKeys.create({ id: `AKIA${u.toUpperCase()}`, account: A, userName: u, secret: seal(`AKIA${u.toUpperCase()}`), status: 'Active', created: NOW });
        }
        await tx.groups.addMember(A, 'g1', 'Alice');
        await tx.groups.addMember(A, 'g1', 'bob');
        await tx.groups.addMember(A, 'g2', 'bob');
        await tx.attachments.attach({ type: 'user', account: A, name: 'Alice' }, arn(A, 'p2'));
        await tx.inlinePolicies.put({ type: 'user', account: A, name: 'Alice' }, 'own', doc('dynamodb:GetItem'));
        await tx.roles.create({ account: A, name: 'trainer', path: '/ml/', id: 'AROAtrainer', created: NOW, trustPolicy: '{}', description: '', maxSessionDuration: 3600, tags: [], permissionsBoundary: arn(A, 'p2') });
        await tx.attachments.attach({ type: 'role', account: A, name: 'trainer' }, arn(A, 'p1'));
        await tx.inlinePolicies.put({ type: 'role', account: A, name: 'trainer' }, 'own', doc('s3:ListBucket'));
        await tx.users.create({ account: B, name: 'ram-user', path: '/', id: 'AIDAram', created: NOW, tags: [], permissionsBoundary: null, disabled: false });
      });

      const app = createApp(deps, { audit: { enabled: false } });
      await app.live.init();
      assert.equal(app.live.loaded, true);

      const held = () => {
        const principals = new Map<string, string>();
        for (const [k, e] of app.live.principals) principals.set(k, JSON.stringify('user' in e ? { u: e.user, part: e.partition, set: canonSet(e.policies) } : { r: e.role, part: e.partition, set: canonSet(e.policies) }));
        return principals;
      };
      const keysHeld = async (ids: Iterable<string>) => new Map([...ids].flatMap((id) => {
        const k = app.live.accessKey(id);
        return k ? [[id, `${k.account}/${k.userName}/${k.status}`] as const] : [];
      }));
      /** Applies `change` as another instance would, refreshes, and checks; returns the keys whose entry is a new object. */
      const step = async (what: string, change: (tx: WriteTx) => Promise<unknown>): Promise<string[]> => {
        const before = new Map(app.live.principals);
        await store.write(async (tx) => {
          await change(tx);
        });
        await app.live.refresh();
        const ref = await reference(store);
        assert.deepEqual(held(), ref.principals, `after ${what}: the compiled principals`);
        assert.deepEqual(await keysHeld(ref.keys.keys()), ref.keys, `after ${what}: the access keys`);
        assert.equal(app.live.size().accessKeys, ref.keys.size, `after ${what}: no access key held that the store no longer has`);
        return [...app.live.principals].filter(([k, e]) => before.get(k) !== e).map(([k]) => k).sort();
      };

      // Loaded whole: equal to the reference.
      const start = await reference(store);
      assert.deepEqual(held(), start.principals);
      assert.equal(app.live.principals.size, 5);

      assert.deepEqual(await step('a managed policy attached nowhere is created', (tx) => tx.policies.create({ account: A, name: 'unrelated', path: '/', id: 'ANPAu', arn: arn(A, 'unrelated'), description: '', created: NOW, document: doc('s3:ListBucket') })), []);
      assert.deepEqual(await step('a revocation', (tx) => tx.kv.put('revoke/job/j1', '1')), []);
      assert.deepEqual(await step('a new default version of p1 (held by g1 and trainer)', (tx) => tx.policies.createVersion(arn(A, 'p1'), { document: doc('s3:GetObjectVersion'), setAsDefault: true, created: NOW })), ['role:111111111111/trainer', 'user:111111111111/alice', 'user:111111111111/bob']);
      assert.deepEqual(await step('a new default version of p3 (Alice\'s boundary)', (tx) => tx.policies.createVersion(arn(A, 'p3'), { document: doc('s3:Get*'), setAsDefault: true, created: NOW })), ['user:111111111111/alice']);
      assert.deepEqual(await step('an inline policy of g2', (tx) => tx.inlinePolicies.put({ type: 'group', account: A, name: 'g2' }, 'more', doc('ec2:Describe*'))), ['user:111111111111/bob']);
      assert.deepEqual(await step('g1 renamed', (tx) => tx.groups.update(A, 'g1', { name: 'G1-renamed' })), ['user:111111111111/alice', 'user:111111111111/bob']);
      assert.deepEqual(await step('bob leaves the renamed group', (tx) => tx.groups.removeMember(A, 'G1-renamed', 'bob')), ['user:111111111111/bob']);
      assert.deepEqual(await step('carol joins g2 and loses her broken boundary', async (tx) => {
        await tx.groups.addMember(A, 'g2', 'carol');
        await tx.users.update(A, 'carol', { permissionsBoundary: null });
      }), ['user:111111111111/carol']);
      assert.deepEqual(await step('Alice renamed, with her key', (tx) => tx.users.update(A, 'Alice', { name: 'alice2' })), ['user:111111111111/alice2']);
      assert.equal(app.live.principals.has('user:111111111111/alice'), false);
      assert.equal(app.live.accessKey('AKIAALICE')?.userName, 'alice2');
      assert.deepEqual(await step('bob\'s key deactivated', (tx) => tx.accessKeys.setStatus('AKIABOB', 'Inactive')), []);
      assert.equal(app.live.accessKey('AKIABOB')?.status, 'Inactive');
      assert.deepEqual(await step('a key of carol deleted', (tx) => tx.accessKeys.delete('AKIACAROL')), []);
      assert.equal(app.live.accessKey('AKIACAROL'), undefined);
      assert.deepEqual(await step('trainer deleted', async (tx) => {
        await tx.attachments.detach({ type: 'role', account: A, name: 'trainer' }, arn(A, 'p1'));
        await tx.inlinePolicies.delete({ type: 'role', account: A, name: 'trainer' }, 'own');
        await tx.roles.delete(A, 'trainer');
      }), []);
      assert.equal(app.live.principals.has('role:111111111111/trainer'), false);
      assert.deepEqual(await step('a policy created and attached at once', async (tx) => {
        await tx.policies.create({ account: A, name: 'fresh', path: '/', id: 'ANPAf', arn: arn(A, 'fresh'), description: '', created: NOW, document: doc('kms:Decrypt') });
        await tx.attachments.attach({ type: 'user', account: B, name: 'ram-user' }, arn(A, 'fresh'));
      }), ['user:222222222222/ram-user']);
      assert.deepEqual(await step('an account with a user', async (tx) => {
        await tx.accounts.create({ id: '333333333333', partition: 'aws', name: 'c', created: NOW });
        await tx.users.create({ account: '333333333333', name: 'admin', path: '/', id: 'AIDAc', created: NOW, tags: [], permissionsBoundary: null, disabled: false });
      }), ['user:333333333333/admin']);

      // More changes than one page of the change log (1,000), none of the directory (scoped sessions' records, job
      // events): read page by page, nothing compiled again (review ae, 4), and still equal.
      await store.write(async (tx) => {
        for (let i = 0; i < 1001; i++) await tx.kv.put(`x/${i}`, '1');
      });
      let generation = app.live.generation;
      await app.live.refresh();
      assert.equal(app.live.generation, generation, 'changes outside the directory changed what is held');
      assert.deepEqual(held(), (await reference(store)).principals);
      // Changes naming more directory entries (1,001 users) than reading each is worth: everything is loaded again, and
      // still equal.
      await store.write(async (tx) => {
        for (let i = 0; i < 1001; i++) await tx.users.create({ account: A, name: `bulk-${i}`, path: '/', id: `AIDAbulk${i}`, created: NOW, tags: [], permissionsBoundary: null, disabled: false });
      });
      generation = app.live.generation;
      await app.live.refresh();
      assert.ok(app.live.generation > generation);
      assert.deepEqual(held(), (await reference(store)).principals);
    });
  });
}
