/**
 * The `Store` contract, one suite run against every adapter (SQLite in a temp dir; PostgreSQL in a
 * throw-away schema, skipped with a message when the server cannot be reached).
 *
 * PostgreSQL: `GATEHOUSE_TEST_DATABASE_URL`, else `GATEHOUSE_DATABASE_URL`, else
 * `postgres://postgres@127.0.0.1:5432/test`.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { pathToFileURL } from 'node:url';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import type { AccessKeyRecord, PrincipalRef, RoleRecord, Store, StoreErrorCode, StoreResult, UserRecord } from '../src/app/ports/store.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { openPostgresStore } from '../src/adapters/store-postgres/index.ts';
import { SQLITE_MIGRATIONS } from '../src/adapters/store-sqlite/migrations.ts';
import { POSTGRES_MIGRATIONS } from '../src/adapters/store-postgres/migrations.ts';

/** Every schema version, in order (both dialects keep the same list). */
const ALL_VERSIONS = SQLITE_MIGRATIONS.map((m) => m.version);
const LATEST_VERSION = Math.max(...ALL_VERSIONS);
assert.deepEqual(POSTGRES_MIGRATIONS.map((m) => [m.version, m.name]), SQLITE_MIGRATIONS.map((m) => [m.version, m.name]), 'both dialects have the same migrations');
import { masterKeyFromBytes, openText, seal } from '../src/adapters/crypto/index.ts';

// ---------------------------------------------------------------------------------------------------
// Targets

type Row = Record<string, unknown>;

interface Db {
  open(): Promise<Store>;
  /** Source of a child-process snippet that leaves an opened store in `store`. */
  childOpen(): string;
  /** Runs SQL outside the store (reads, or writes that simulate another gatehouse version). */
  raw(sql: string): Promise<Row[]>;
  /** The database file, for SQLite. */
  readonly file?: string;
  /** Every byte a thief with a copy of the database (and nothing else) would have. */
  stolenCopy(): Promise<{ bytes: Buffer; open: () => Promise<Store> }>;
}

interface Target {
  readonly name: string;
  readonly skip: string | undefined;
  fresh(): Promise<Db>;
}

const SRC = (path: string) => pathToFileURL(join(import.meta.dirname, '..', 'src', path)).href;
const cleanups: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

const sqliteRoot = await mkdtemp(join(tmpdir(), 'gh-store-'));
cleanups.push(() => rm(sqliteRoot, { recursive: true, force: true }));
let sqliteCount = 0;

const sqlite: Target = {
  name: 'sqlite',
  skip: undefined,
  async fresh() {
    const file = join(sqliteRoot, `db${++sqliteCount}`, 'gatehouse.db');
    const dir = join(sqliteRoot, `db${sqliteCount}`);
    const open = () => openSqliteStore({ dataDir: dir });
    const raw = async (sql: string) => {
      const db = new DatabaseSync(file);
      try {
        return db.prepare(sql).all() as Row[];
      } finally {
        db.close();
      }
    };
    return {
      open,
      raw,
      file,
      childOpen: () =>
        `const { openSqliteStore } = await import(${JSON.stringify(SRC('adapters/store-sqlite/index.ts'))});
         const store = await openSqliteStore({ dataDir: ${JSON.stringify(dir)} });`,
      async stolenCopy() {
        const copy = join(sqliteRoot, `stolen${sqliteCount}.db`);
        await copyFile(file, copy);
        return { bytes: await readFile(copy), open: () => openSqliteStore({ file: copy }) };
      },
    };
  },
};

const pgSkipped = await pgSkip();
if (pgSkipped !== undefined) console.log(`# skipping the PostgreSQL store suite: ${pgSkipped}`);

const postgres: Target = {
  name: 'postgres',
  skip: pgSkipped,
  async fresh() {
    const schema = `gh_test_${randomBytes(6).toString('hex')}`;
    cleanups.push(() => pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).then(() => undefined));
    const open = () => openPostgresStore({ url: PG_URL, schema, poolSize: 4 });
    const raw = (sql: string) =>
      pgAdmin(async (c) => {
        await c.query(`SET search_path TO ${schema}`);
        return (await c.query(sql)).rows as Row[];
      });
    return {
      open,
      raw,
      childOpen: () =>
        `const { openPostgresStore } = await import(${JSON.stringify(SRC('adapters/store-postgres/index.ts'))});
         const store = await openPostgresStore({ url: ${JSON.stringify(PG_URL)}, schema: ${JSON.stringify(schema)} });`,
      async stolenCopy() {
        // What a dump holds: every row of every table of the schema, as text.
        const tables = await raw(`SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}'`);
        const parts: string[] = [];
        for (const t of tables) parts.push(JSON.stringify(await raw(`SELECT * FROM ${String(t['table_name'])}`)));
        return { bytes: Buffer.from(parts.join('\n')), open };
      },
    };
  },
};

// ---------------------------------------------------------------------------------------------------
// Fixtures

const ACCT = '111122223333';
const OTHER = '444455556666';
const T0 = '2025-01-01T00:00:00Z';
const T1 = '2025-02-01T00:00:00Z';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }],
});
const DOC = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });
const policyArn = (account: string, name: string) => `arn:aws:iam::${account}:policy/${name}`;

let idCounter = 0;
const uid = (prefix: string) => `${prefix}${String(++idCounter).padStart(17, '0')}`;

const user = (name: string, extra: Partial<UserRecord> = {}): UserRecord => ({
  account: ACCT,
  name,
  path: '/',
  id: uid('AIDA'),
  created: T0,
  tags: [],
  permissionsBoundary: null,
  disabled: false,
  ...extra,
});

const role = (name: string, extra: Partial<RoleRecord> = {}): RoleRecord => ({
  account: ACCT,
  name,
  path: '/',
  id: uid('AROA'),
  created: T0,
  trustPolicy: TRUST,
  description: '',
  maxSessionDuration: 3600,
  tags: [],
  permissionsBoundary: null,
  ...extra,
});

function value<T>(r: StoreResult<T>): T {
  if (!r.ok) assert.fail(`expected ok, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

function failsWith(r: StoreResult<unknown>, code: StoreErrorCode): void {
  assert.equal(r.ok, false, `expected ${code}, got ok`);
  if (!r.ok) {
    assert.equal(r.error.code, code, r.error.message);
    assert.match(r.error.message, /^[a-z`]/, 'messages start lower-case');
  }
}

async function withStore(db: Db, fn: (store: Store) => Promise<void>): Promise<void> {
  const store = await db.open();
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

/** A fresh database with two accounts in it. */
async function seeded(target: Target): Promise<{ db: Db; store: Store }> {
  const db = await target.fresh();
  const store = await db.open();
  await store.write(async (tx) => {
    value(await tx.accounts.create({ id: ACCT, partition: 'aws', name: 'research', created: T0 }));
    value(await tx.accounts.create({ id: OTHER, partition: 'acs', name: 'ali', created: T0 }));
  });
  return { db, store };
}

function runChild(code: string, onLine?: (line: string, child: ReturnType<typeof spawn>) => void, timeoutMs = 15000) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--no-warnings', '--input-type=module', '--eval', code], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`child timed out; stderr: ${stderr}`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      for (const line of chunk.split('\n')) if (line !== '') onLine?.(line, child);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // 'close', not 'exit': at 'exit' the child's output may still be unread in the pipes (a CI run read an empty
    // stdout from a child that had written its line and exited 0).
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

// ---------------------------------------------------------------------------------------------------
// The suite

for (const target of [sqlite, postgres]) {
  describe(`store contract: ${target.name}`, { skip: target.skip }, () => {
    it('applies migrations once; reopening is a no-op', async () => {
      const db = await target.fresh();
      const first = await db.open();
      assert.deepEqual(first.migrations, { applied: ALL_VERSIONS, version: LATEST_VERSION });
      await first.write(async (tx) => void value(await tx.accounts.create({ id: ACCT, partition: 'aws', name: 'a', created: T0 })));
      await first.close();
      const before = await db.raw('SELECT version, name, applied_at FROM schema_migrations ORDER BY version');
      const second = await db.open();
      assert.deepEqual(second.migrations, { applied: [], version: LATEST_VERSION });
      assert.deepEqual(await db.raw('SELECT version, name, applied_at FROM schema_migrations ORDER BY version'), before);
      assert.equal((await second.read((tx) => tx.accounts.list())).length, 1);
      assert.equal(await second.read((tx) => tx.changes.head()), 1);
      await second.close();
    });

    it('refuses a database migrated by a newer gatehouse', async () => {
      const db = await target.fresh();
      await (await db.open()).close();
      // Simulate a later binary: it recorded version 99.
      await db.raw(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', '${T0}') RETURNING version`);
      await assert.rejects(db.open(), /newer than this gatehouse knows/);
      await db.raw(`UPDATE schema_migrations SET name = 'other' WHERE version = 1 RETURNING version`);
      await db.raw(`DELETE FROM schema_migrations WHERE version = 99 RETURNING version`);
      await assert.rejects(db.open(), /belongs to another build/);
    });

    it('is safe when two stores open a fresh database at once, in one process and in two', async () => {
      const db = await target.fresh();
      const [a, b] = await Promise.all([db.open(), db.open()]);
      assert.deepEqual([...a.migrations.applied, ...b.migrations.applied], ALL_VERSIONS);
      await a.write(async (tx) => void value(await tx.accounts.create({ id: ACCT, partition: 'aws', name: 'a', created: T0 })));
      // Interleaved writers on both stores: all commit, and the change log has no gaps.
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 === 0 ? a : b).write((tx) => tx.kv.put(`k/${i}`, String(i))),
        ),
      );
      const changes = await b.read((tx) => tx.changes.since(0));
      assert.deepEqual(
        changes.map((c) => c.seq),
        Array.from({ length: 21 }, (_, i) => i + 1),
      );
      await Promise.all([a.close(), b.close()]);

      const db2 = await target.fresh();
      const child = (n: number) =>
        runChild(`${db2.childOpen()}
          await store.write(async (tx) => { await tx.kv.put('child/${n}', 'x'); });
          process.stdout.write(JSON.stringify(store.migrations) + '\\n');
          await store.close();`);
      const results = await Promise.all([child(1), child(2)]);
      for (const r of results) assert.equal(r.code, 0, r.stderr);
      const applied = results.flatMap((r) => (JSON.parse(r.stdout) as { applied: number[] }).applied);
      assert.deepEqual(applied, ALL_VERSIONS, 'exactly one process applied the migrations');
      assert.equal((await db2.raw('SELECT version FROM schema_migrations')).length, ALL_VERSIONS.length);
      await withStore(db2, async (s) => assert.equal((await s.read((tx) => tx.kv.list('child/'))).length, 2));
    });

    it('accounts: create, read, update, delete, conflicts', async () => {
      const { store } = await seeded(target);
      await store.write(async (tx) => {
        failsWith(await tx.accounts.create({ id: ACCT, partition: 'aws', name: 'again', created: T1 }), 'ENTITY_ALREADY_EXISTS');
        assert.deepEqual(await tx.accounts.get(OTHER), { id: OTHER, partition: 'acs', name: 'ali', created: T0 });
        assert.equal(await tx.accounts.get('999999999999'), undefined);
        assert.deepEqual(
          (await tx.accounts.list()).map((a) => a.id),
          [ACCT, OTHER],
        );
        assert.equal(value(await tx.accounts.update(OTHER, { name: 'renamed' })).name, 'renamed');
        failsWith(await tx.accounts.update('999999999999', { name: 'x' }), 'NO_SUCH_ENTITY');
        value(await tx.users.create(user('alice')));
        failsWith(await tx.accounts.delete(ACCT), 'DELETE_CONFLICT');
        value(await tx.accounts.delete(OTHER));
        failsWith(await tx.accounts.delete(OTHER), 'NO_SUCH_ENTITY');
      });
      assert.deepEqual(
        (await store.read((tx) => tx.accounts.list())).map((a) => a.id),
        [ACCT],
      );
      await store.close();
    });

    it('users: CRUD, case-insensitive names, rename, path filter, tags, boundary, disabled', async () => {
      const { store } = await seeded(target);
      const alice = user('Alice', { path: '/eng/', tags: [{ key: 'team', value: 'ml' }], permissionsBoundary: policyArn(ACCT, 'Bound') });
      await store.write(async (tx) => {
        assert.deepEqual(value(await tx.users.create(alice)), alice);
        failsWith(await tx.users.create(user('alice')), 'ENTITY_ALREADY_EXISTS');
        failsWith(await tx.users.create(user('bob', { id: alice.id })), 'ENTITY_ALREADY_EXISTS');
        failsWith(await tx.users.create(user('bob', { account: '999999999999' })), 'NO_SUCH_ENTITY');
        value(await tx.users.create(user('bob')));
        value(await tx.users.create(user('alice', { account: OTHER })));
      });
      await store.read(async (tx) => {
        assert.deepEqual(await tx.users.get(ACCT, 'ALICE'), alice);
        assert.deepEqual(await tx.users.getById(alice.id), alice);
        assert.deepEqual(
          (await tx.users.list(ACCT)).map((u) => u.name),
          ['Alice', 'bob'],
        );
        assert.deepEqual(
          (await tx.users.list(ACCT, { pathPrefix: '/eng/' })).map((u) => u.name),
          ['Alice'],
        );
        assert.deepEqual(await tx.users.list(ACCT, { pathPrefix: '/ENG/' }), [], 'paths are case-sensitive');
        assert.equal((await tx.users.list(OTHER)).length, 1);
      });
      await store.write(async (tx) => {
        const updated = value(await tx.users.update(ACCT, 'alice', { name: 'carol', disabled: true, permissionsBoundary: null, tags: [] }));
        assert.deepEqual(updated, { ...alice, name: 'carol', disabled: true, permissionsBoundary: null, tags: [] });
        failsWith(await tx.users.update(ACCT, 'carol', { name: 'BOB' }), 'ENTITY_ALREADY_EXISTS');
        failsWith(await tx.users.update(ACCT, 'nobody', { path: '/x/' }), 'NO_SUCH_ENTITY');
        assert.equal(value(await tx.users.update(ACCT, 'carol', { path: '/ops/' })).disabled, true, 'a patch leaves other fields');
      });
      await store.write(async (tx) => {
        assert.equal(await tx.users.get(ACCT, 'alice'), undefined);
        assert.equal((await tx.users.get(ACCT, 'carol'))?.id, alice.id);
        value(await tx.users.delete(ACCT, 'CAROL'));
        failsWith(await tx.users.delete(ACCT, 'carol'), 'NO_SUCH_ENTITY');
      });
      await store.close();
    });

    it('groups and membership', async () => {
      const { store } = await seeded(target);
      const admins = { account: ACCT, name: 'Admins', path: '/', id: uid('AGPA'), created: T0 };
      await store.write(async (tx) => {
        value(await tx.users.create(user('alice')));
        value(await tx.users.create(user('bob')));
        assert.deepEqual(value(await tx.groups.create(admins)), admins);
        failsWith(await tx.groups.create({ ...admins, name: 'admins', id: uid('AGPA') }), 'ENTITY_ALREADY_EXISTS');
        value(await tx.groups.create({ account: ACCT, name: 'devs', path: '/eng/', id: uid('AGPA'), created: T0 }));
        assert.equal(value(await tx.groups.addMember(ACCT, 'admins', 'bob')), true);
        assert.equal(value(await tx.groups.addMember(ACCT, 'admins', 'alice')), true);
        assert.equal(value(await tx.groups.addMember(ACCT, 'admins', 'Alice')), false, 'idempotent');
        value(await tx.groups.addMember(ACCT, 'devs', 'alice'));
        failsWith(await tx.groups.addMember(ACCT, 'admins', 'nobody'), 'NO_SUCH_ENTITY');
        failsWith(await tx.groups.addMember(ACCT, 'nogroup', 'alice'), 'NO_SUCH_ENTITY');
      });
      await store.read(async (tx) => {
        assert.deepEqual(await tx.groups.get(ACCT, 'admins'), admins);
        assert.deepEqual(await tx.groups.getById(admins.id), admins);
        assert.deepEqual(
          (await tx.groups.listMembers(ACCT, 'admins')).map((u) => u.name),
          ['alice', 'bob'],
        );
        assert.deepEqual(
          (await tx.groups.listForUser(ACCT, 'alice')).map((g) => g.name),
          ['Admins', 'devs'],
        );
        assert.deepEqual(
          (await tx.groups.list(ACCT, { pathPrefix: '/eng' })).map((g) => g.name),
          ['devs'],
        );
      });
      await store.write(async (tx) => {
        value(await tx.groups.update(ACCT, 'admins', { name: 'operators' }));
        value(await tx.users.update(ACCT, 'alice', { name: 'alicia' }));
        assert.deepEqual(
          (await tx.groups.listMembers(ACCT, 'operators')).map((u) => u.name),
          ['alicia', 'bob'],
          'membership follows renames',
        );
        failsWith(await tx.groups.delete(ACCT, 'operators'), 'DELETE_CONFLICT');
        failsWith(await tx.users.delete(ACCT, 'bob'), 'DELETE_CONFLICT');
        value(await tx.groups.removeMember(ACCT, 'operators', 'bob'));
        failsWith(await tx.groups.removeMember(ACCT, 'operators', 'bob'), 'NO_SUCH_ENTITY');
        value(await tx.users.delete(ACCT, 'bob'));
        value(await tx.groups.removeMember(ACCT, 'operators', 'alicia'));
        value(await tx.groups.delete(ACCT, 'operators'));
        assert.equal(await tx.groups.get(ACCT, 'operators'), undefined);
      });
      await store.close();
    });

    it('roles', async () => {
      const { store } = await seeded(target);
      const trainer = role('Trainer', { description: 'jobs', maxSessionDuration: 7200, tags: [{ key: 'a', value: 'b' }] });
      await store.write(async (tx) => {
        assert.deepEqual(value(await tx.roles.create(trainer)), trainer);
        failsWith(await tx.roles.create(role('TRAINER')), 'ENTITY_ALREADY_EXISTS');
        failsWith(await tx.roles.create(role('x', { account: '999999999999' })), 'NO_SUCH_ENTITY');
        value(await tx.roles.create(role('svc', { path: '/service/' })));
      });
      await store.write(async (tx) => {
        assert.deepEqual(await tx.roles.get(ACCT, 'trainer'), trainer);
        assert.deepEqual(await tx.roles.getById(trainer.id), trainer);
        assert.deepEqual(
          (await tx.roles.list(ACCT, { pathPrefix: '/service/' })).map((r) => r.name),
          ['svc'],
        );
        const patched = value(
          await tx.roles.update(ACCT, 'trainer', { trustPolicy: '{}', description: 'd', maxSessionDuration: 43200, permissionsBoundary: 'arn:b' }),
        );
        assert.deepEqual(patched, { ...trainer, trustPolicy: '{}', description: 'd', maxSessionDuration: 43200, permissionsBoundary: 'arn:b' });
        assert.deepEqual(await tx.roles.get(ACCT, 'Trainer'), patched);
        failsWith(await tx.roles.update(ACCT, 'ghost', {}), 'NO_SUCH_ENTITY');
        value(await tx.roles.delete(ACCT, 'svc'));
        failsWith(await tx.roles.delete(ACCT, 'svc'), 'NO_SUCH_ENTITY');
      });
      await store.close();
    });

    it('managed policies and their versions', async () => {
      const { store } = await seeded(target);
      const arn = policyArn(ACCT, 'Readers');
      const builtin = 'arn:aws:iam::aws:policy/AdministratorAccess';
      await store.write(async (tx) => {
        const p = value(
          await tx.policies.create({ account: ACCT, name: 'Readers', path: '/', id: uid('ANPA'), arn, description: 'r', created: T0, document: DOC('s3:Get*') }),
        );
        assert.equal(p.defaultVersion, 'v1');
        value(await tx.policies.create({ account: 'aws', name: 'AdministratorAccess', path: '/', id: uid('ANPA'), arn: builtin, description: '', created: T0, document: DOC('*') }));
        failsWith(
          await tx.policies.create({ account: ACCT, name: 'readers', path: '/', id: uid('ANPA'), arn: policyArn(ACCT, 'readers'), description: '', created: T0, document: '{}' }),
          'ENTITY_ALREADY_EXISTS',
        );
        failsWith(
          await tx.policies.create({ account: '999999999999', name: 'x', path: '/', id: uid('ANPA'), arn: 'arn:x', description: '', created: T0, document: '{}' }),
          'NO_SUCH_ENTITY',
        );
        assert.deepEqual(value(await tx.policies.createVersion(arn, { document: DOC('s3:List*'), setAsDefault: true, created: T1 })), {
          versionId: 'v2',
          document: DOC('s3:List*'),
          isDefault: true,
          created: T1,
        });
        for (const n of [3, 4, 5]) value(await tx.policies.createVersion(arn, { document: DOC(`s3:V${n}`), setAsDefault: false, created: T1 }));
        failsWith(await tx.policies.createVersion(arn, { document: '{}', setAsDefault: false, created: T1 }), 'LIMIT_EXCEEDED');
        failsWith(await tx.policies.deleteVersion(arn, 'v2'), 'DELETE_CONFLICT');
        failsWith(await tx.policies.deleteVersion(arn, 'v9'), 'NO_SUCH_ENTITY');
        failsWith(await tx.policies.deleteVersion(arn, 'junk'), 'NO_SUCH_ENTITY');
        value(await tx.policies.deleteVersion(arn, 'v1'));
        assert.equal(value(await tx.policies.createVersion(arn, { document: DOC('s3:V6'), setAsDefault: false, created: T1 })).versionId, 'v6', 'never reused');
        value(await tx.policies.setDefaultVersion(arn, 'v4'));
        failsWith(await tx.policies.setDefaultVersion(arn, 'v1'), 'NO_SUCH_ENTITY');
        failsWith(await tx.policies.createVersion('arn:none', { document: '{}', setAsDefault: false, created: T1 }), 'NO_SUCH_ENTITY');
      });
      await store.read(async (tx) => {
        const p = await tx.policies.getByArn(arn);
        assert.equal(p?.defaultVersion, 'v4');
        assert.equal(p?.updated, T1);
        assert.deepEqual(await tx.policies.get(ACCT, 'READERS'), p);
        assert.deepEqual(await tx.policies.getById(p?.id ?? ''), p);
        assert.deepEqual(
          (await tx.policies.listVersions(arn)).map((v) => [v.versionId, v.isDefault]),
          [
            ['v6', false],
            ['v5', false],
            ['v4', true],
            ['v3', false],
            ['v2', false],
          ],
        );
        assert.equal((await tx.policies.getDefaultVersion(arn))?.document, DOC('s3:V4'));
        assert.equal((await tx.policies.getVersion(arn, 'v2'))?.document, DOC('s3:List*'));
        assert.equal(await tx.policies.getVersion(arn, 'v1'), undefined);
        assert.deepEqual(
          (await tx.policies.list('aws')).map((x) => x.arn),
          [builtin],
        );
        assert.deepEqual(
          (await tx.policies.list(ACCT)).map((x) => x.name),
          ['Readers'],
        );
      });
      await store.write(async (tx) => {
        value(await tx.policies.delete(arn));
        assert.equal(await tx.policies.getByArn(arn), undefined);
        assert.deepEqual(await tx.policies.listVersions(arn), []);
        failsWith(await tx.policies.delete(arn), 'NO_SUCH_ENTITY');
      });
      await store.close();
    });

    it('attachments and inline policies', async () => {
      const { store } = await seeded(target);
      const readers = policyArn(ACCT, 'Readers');
      const writers = policyArn(ACCT, 'Writers');
      const alice: PrincipalRef = { type: 'user', account: ACCT, name: 'alice' };
      const devs: PrincipalRef = { type: 'group', account: ACCT, name: 'devs' };
      const trainer: PrincipalRef = { type: 'role', account: ACCT, name: 'trainer' };
      await store.write(async (tx) => {
        value(await tx.users.create(user('alice')));
        value(await tx.groups.create({ account: ACCT, name: 'devs', path: '/', id: uid('AGPA'), created: T0 }));
        value(await tx.roles.create(role('trainer')));
        for (const [name, arn] of [
          ['Writers', writers],
          ['Readers', readers],
        ] as const) {
          value(await tx.policies.create({ account: ACCT, name, path: '/', id: uid('ANPA'), arn, description: '', created: T0, document: DOC('s3:*') }));
        }
        assert.equal(value(await tx.attachments.attach(alice, writers)), true);
        assert.equal(value(await tx.attachments.attach(alice, readers)), true);
        assert.equal(value(await tx.attachments.attach({ ...alice, name: 'ALICE' }, readers)), false, 'idempotent');
        value(await tx.attachments.attach(devs, readers));
        value(await tx.attachments.attach(trainer, readers));
        failsWith(await tx.attachments.attach(alice, policyArn(ACCT, 'Nope')), 'NO_SUCH_ENTITY');
        failsWith(await tx.attachments.attach({ ...alice, name: 'nobody' }, readers), 'NO_SUCH_ENTITY');

        value(await tx.inlinePolicies.put(trainer, 'S3', DOC('s3:GetObject')));
        assert.deepEqual(value(await tx.inlinePolicies.put(trainer, 's3', DOC('s3:PutObject'))), {
          principal: trainer,
          name: 's3',
          document: DOC('s3:PutObject'),
        });
        value(await tx.inlinePolicies.put(trainer, 'Logs', DOC('logs:*')));
        value(await tx.inlinePolicies.put(alice, 'Mine', DOC('iam:GetUser')));
        failsWith(await tx.inlinePolicies.put({ ...trainer, name: 'ghost' }, 'x', '{}'), 'NO_SUCH_ENTITY');
      });
      await store.read(async (tx) => {
        assert.deepEqual(await tx.attachments.listForPrincipal(alice), [writers, readers], 'attachment order');
        assert.deepEqual(await tx.attachments.listForPrincipal(devs), [readers]);
        assert.deepEqual(await tx.attachments.listForPrincipal({ ...alice, name: 'nobody' }), []);
        assert.deepEqual(await tx.attachments.listForPolicy(readers), [
          { principal: alice, policyArn: readers },
          { principal: { ...devs, name: 'devs' }, policyArn: readers },
          { principal: trainer, policyArn: readers },
        ]);
        assert.equal(await tx.attachments.countForPolicy(readers), 3);
        assert.deepEqual(await tx.inlinePolicies.list(trainer), [
          { principal: trainer, name: 'Logs', document: DOC('logs:*') },
          { principal: trainer, name: 's3', document: DOC('s3:PutObject') },
        ]);
        assert.equal((await tx.inlinePolicies.get(trainer, 'S3'))?.document, DOC('s3:PutObject'));
        assert.equal(await tx.inlinePolicies.get(trainer, 'none'), undefined);
      });
      await store.write(async (tx) => {
        failsWith(await tx.policies.delete(readers), 'DELETE_CONFLICT');
        failsWith(await tx.roles.delete(ACCT, 'trainer'), 'DELETE_CONFLICT');
        failsWith(await tx.users.delete(ACCT, 'alice'), 'DELETE_CONFLICT');
        failsWith(await tx.groups.delete(ACCT, 'devs'), 'DELETE_CONFLICT');
        for (const p of [alice, devs, trainer]) value(await tx.attachments.detach(p, readers));
        failsWith(await tx.attachments.detach(alice, readers), 'NO_SUCH_ENTITY');
        value(await tx.policies.delete(readers));
        value(await tx.inlinePolicies.delete(trainer, 'S3'));
        value(await tx.inlinePolicies.delete(trainer, 'logs'));
        failsWith(await tx.inlinePolicies.delete(trainer, 'logs'), 'NO_SUCH_ENTITY');
        value(await tx.roles.delete(ACCT, 'trainer'));
        value(await tx.groups.delete(ACCT, 'devs'));
        value(await tx.users.update(ACCT, 'alice', { permissionsBoundary: writers }));
        value(await tx.attachments.detach(alice, writers));
        failsWith(await tx.policies.delete(writers), 'DELETE_CONFLICT');
      });
      await store.close();
    });

    it('access keys, with the secret sealed', async () => {
      const { store } = await seeded(target);
      const master = masterKeyFromBytes(randomBytes(32));
      const secret = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
      const keyA = 'AKIA' + randomBytes(8).toString('hex').toUpperCase();
      const keyB = 'AKIA' + randomBytes(8).toString('hex').toUpperCase();
      await store.write(async (tx) => {
        value(await tx.users.create(user('alice')));
        const created = value(await tx.accessKeys.create({ id: keyA, account: ACCT, userName: 'ALICE', secret: seal(master, secret, keyA), status: 'Active', created: T0 }));
        assert.equal(created.userName, 'alice');
        assert.equal(created.lastUsed, null);
        value(await tx.accessKeys.create({ id: keyB, account: ACCT, userName: 'alice', secret: seal(master, 'other', keyB), status: 'Active', created: T1 }));
        failsWith(await tx.accessKeys.create({ id: keyA, account: ACCT, userName: 'alice', secret: seal(master, 'x', keyA), status: 'Active', created: T1 }), 'ENTITY_ALREADY_EXISTS');
        failsWith(await tx.accessKeys.create({ id: 'AKIANEW', account: ACCT, userName: 'ghost', secret: seal(master, 'x', 'AKIANEW'), status: 'Active', created: T1 }), 'NO_SUCH_ENTITY');
      });
      const head = await store.read((tx) => tx.changes.head());
      await store.write(async (tx) => {
        value(await tx.accessKeys.setStatus(keyB, 'Inactive'));
        value(await tx.accessKeys.recordLastUsed(keyA, { at: T1, service: 'sts', region: 'us-east-1' }));
        // Only forward: an older use (another instance writing late) or the same instant changes nothing.
        value(await tx.accessKeys.recordLastUsed(keyA, { at: T0, service: 'iam', region: 'eu-west-1' }));
        value(await tx.accessKeys.recordLastUsed(keyA, { at: T1, service: 's3', region: 'eu-west-1' }));
        failsWith(await tx.accessKeys.setStatus('AKIAGHOST', 'Inactive'), 'NO_SUCH_ENTITY');
        failsWith(await tx.accessKeys.recordLastUsed('AKIAGHOST', { at: T1, service: 'sts', region: 'x' }), 'NO_SUCH_ENTITY');
        value(await tx.users.update(ACCT, 'alice', { name: 'alicia' }));
      });
      await store.read(async (tx) => {
        assert.equal(await tx.changes.head(), head + 3, 'setStatus and the rename (delete + put) are changes; recordLastUsed is not');
        const a = (await tx.accessKeys.get(keyA)) as AccessKeyRecord;
        assert.deepEqual({ ...a, secret: '' }, {
          id: keyA,
          account: ACCT,
          userName: 'alicia',
          secret: '',
          status: 'Active',
          created: T0,
          lastUsed: { at: T1, service: 'sts', region: 'us-east-1' },
        });
        assert.deepEqual(openText(master, a.secret, keyA), { ok: true, value: secret });
        assert.deepEqual(
          (await tx.accessKeys.listForUser(ACCT, 'alicia')).map((k) => [k.id, k.status]),
          [
            [keyA, 'Active'],
            [keyB, 'Inactive'],
          ],
        );
      });
      await store.write(async (tx) => {
        value(await tx.accessKeys.delete(keyB));
        failsWith(await tx.accessKeys.delete(keyB), 'NO_SUCH_ENTITY');
        assert.equal(await tx.accessKeys.get(keyB), undefined);
      });
      await store.close();
    });

    it('when roles were last assumed: only forward, no change, kept across an update, gone with the role', async () => {
      const { store } = await seeded(target);
      const a = role('trainer');
      const b = role('idle');
      await store.write(async (tx) => {
        value(await tx.roles.create(a));
        value(await tx.roles.create(b));
      });
      const head = await store.read((tx) => tx.changes.head());
      await store.write(async (tx) => {
        assert.equal(await tx.roles.getLastUsed(a.id), null, 'never assumed');
        value(await tx.roles.recordLastUsed(a.id, { at: T1, region: 'eu-west-1' }));
        // Only forward: an older use (another instance writing late) or the same instant changes nothing.
        value(await tx.roles.recordLastUsed(a.id, { at: T0, region: 'us-east-1' }));
        value(await tx.roles.recordLastUsed(a.id, { at: T1, region: 'ap-south-1' }));
        failsWith(await tx.roles.recordLastUsed('AROAGHOST', { at: T1, region: 'x' }), 'NO_SUCH_ENTITY');
        value(await tx.roles.update(ACCT, 'trainer', { description: 'changed' }));
      });
      await store.read(async (tx) => {
        assert.equal(await tx.changes.head(), head + 1, 'the update is a change; recordLastUsed is not');
        assert.deepEqual(await tx.roles.getLastUsed(a.id), { at: T1, region: 'eu-west-1' });
        assert.equal(await tx.roles.getLastUsed(b.id), null);
        assert.deepEqual([...(await tx.roles.listLastUsed(ACCT))], [[a.id, { at: T1, region: 'eu-west-1' }]]);
        assert.deepEqual([...(await tx.roles.listLastUsed('999988887777'))], []);
      });
      await store.write(async (tx) => {
        value(await tx.roles.delete(ACCT, 'trainer'));
      });
      assert.equal(await store.read((tx) => tx.roles.getLastUsed(a.id)), null);
      await store.close();
    });

    it('a copy of the database alone yields no usable secret', async () => {
      const { db, store } = await seeded(target);
      const master = masterKeyFromBytes(randomBytes(32));
      const secretA = `SECRET${randomBytes(16).toString('hex')}`;
      const secretB = `SECRET${randomBytes(16).toString('hex')}`;
      await store.write(async (tx) => {
        value(await tx.users.create(user('alice')));
        value(await tx.accessKeys.create({ id: 'AKIAAAAAAAAAAAAAAAAA', account: ACCT, userName: 'alice', secret: seal(master, secretA, 'AKIAAAAAAAAAAAAAAAAA'), status: 'Active', created: T0 }));
        value(await tx.accessKeys.create({ id: 'AKIABBBBBBBBBBBBBBBB', account: ACCT, userName: 'alice', secret: seal(master, secretB, 'AKIABBBBBBBBBBBBBBBB'), status: 'Active', created: T0 }));
      });
      await store.close();
      const stolen = await db.stolenCopy();
      assert.ok(stolen.bytes.includes('AKIAAAAAAAAAAAAAAAAA'), 'the copy does hold the key rows');
      for (const plain of [secretA, secretB]) {
        assert.ok(!stolen.bytes.includes(plain), 'no plaintext secret in the copy');
        assert.ok(!stolen.bytes.includes(Buffer.from(plain).toString('base64').slice(0, 20)), 'nor its base64');
      }
      const copy = await stolen.open();
      const [a, b] = await copy.read(async (tx) => [await tx.accessKeys.get('AKIAAAAAAAAAAAAAAAAA'), await tx.accessKeys.get('AKIABBBBBBBBBBBBBBBB')]);
      await copy.close();
      assert.ok(a !== undefined && b !== undefined);
      const guess = masterKeyFromBytes(randomBytes(32));
      const withoutKey = openText(guess, a.secret, a.id);
      assert.ok(!withoutKey.ok && withoutKey.error.code === 'SEALED_WRONG_KEY');
      // Swapping sealed values between rows does not work even with the key.
      const swapped = openText(master, b.secret, a.id);
      assert.ok(!swapped.ok && swapped.error.code === 'SEALED_TAMPERED');
      assert.deepEqual(openText(master, a.secret, a.id), { ok: true, value: secretA });
    });

    it('kv and the change log', async () => {
      const db = await target.fresh();
      await withStore(db, async (store) => {
        assert.equal(await store.read((tx) => tx.changes.head()), 0);
        await store.write(async (tx) => {
          await tx.kv.put('keyring/1', 'sealed-1');
          await tx.kv.put('keyring/2', 'sealed-2');
          await tx.kv.put('settings/x', 'y');
          await tx.kv.put('keyring/1', 'sealed-1b');
          assert.equal(await tx.kv.delete('settings/x'), true);
          assert.equal(await tx.kv.delete('settings/x'), false);
        });
        await store.read(async (tx) => {
          assert.equal(await tx.kv.get('keyring/1'), 'sealed-1b');
          assert.equal(await tx.kv.get('settings/x'), undefined);
          assert.deepEqual(await tx.kv.list('keyring/'), [
            { key: 'keyring/1', value: 'sealed-1b' },
            { key: 'keyring/2', value: 'sealed-2' },
          ]);
          assert.equal((await tx.kv.list('')).length, 2);
        });
        await store.write(async (tx) => {
          value(await tx.accounts.create({ id: ACCT, partition: 'aws', name: 'a', created: T0 }));
          value(await tx.users.create(user('Alice')));
          value(await tx.groups.create({ account: ACCT, name: 'g', path: '/', id: uid('AGPA'), created: T0 }));
          value(await tx.groups.addMember(ACCT, 'g', 'alice'));
          failsWith(await tx.users.create(user('alice')), 'ENTITY_ALREADY_EXISTS');
        });
        const log = await store.read((tx) => tx.changes.since(0));
        assert.deepEqual(
          log.map((c) => [c.seq, c.kind, c.key, c.op]),
          [
            [1, 'kv', 'keyring/1', 'put'],
            [2, 'kv', 'keyring/2', 'put'],
            [3, 'kv', 'settings/x', 'put'],
            [4, 'kv', 'keyring/1', 'put'],
            [5, 'kv', 'settings/x', 'delete'],
            [6, 'account', ACCT, 'put'],
            [7, 'user', `${ACCT}/alice`, 'put'],
            [8, 'group', `${ACCT}/g`, 'put'],
            [9, 'group-member', `${ACCT}/g/alice`, 'put'],
          ],
        );
        assert.match(log[0]?.at ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.deepEqual(
          (await store.read((tx) => tx.changes.since(7, 1))).map((c) => c.seq),
          [8],
        );
        // Pruning (review cl, 5) deletes the oldest, at most `limit` a call, and leaves the head where it is.
        assert.equal(await store.write((tx) => tx.changes.prune(6, 3)), 3);
        assert.equal(await store.write((tx) => tx.changes.prune(6, 3)), 2);
        assert.equal(await store.write((tx) => tx.changes.prune(6, 3)), 0);
        assert.deepEqual((await store.read((tx) => tx.changes.since(0))).map((c) => c.seq), [6, 7, 8, 9]);
        assert.equal(await store.read((tx) => tx.changes.head()), 9);
      });
    });

    it('a write is all-or-nothing: a throw or an abort leaves nothing behind', async () => {
      const { store } = await seeded(target);
      const head = await store.read((tx) => tx.changes.head());
      await assert.rejects(
        store.write(async (tx) => {
          value(await tx.users.create(user('alice')));
          value(await tx.groups.create({ account: ACCT, name: 'g', path: '/', id: uid('AGPA'), created: T0 }));
          await tx.kv.put('k', 'v');
          throw new Error('boom');
        }),
        /boom/,
      );
      const aborted = await store.write<StoreResult<RoleRecord>>(async (tx, abort) => {
        value(await tx.users.create(user('bob')));
        const r = await tx.roles.create(role('x', { account: '999999999999' }));
        if (!r.ok) abort(r);
        return r;
      });
      failsWith(aborted, 'NO_SUCH_ENTITY');
      const swallowed = await store.write<string>(async (tx, abort) => {
        value(await tx.users.create(user('eve')));
        try {
          abort('aborted');
        } catch {
          // an abort caught by the callback still rolls back
        }
        return 'committed';
      });
      assert.equal(swallowed, 'aborted');
      await store.read(async (tx) => {
        assert.deepEqual(await tx.users.list(ACCT), []);
        assert.deepEqual(await tx.groups.list(ACCT), []);
        assert.equal(await tx.kv.get('k'), undefined);
        assert.equal(await tx.changes.head(), head);
      });
      // A failure value inside a write leaves the transaction usable (no aborted PostgreSQL transaction).
      await store.write(async (tx) => {
        value(await tx.users.create(user('carol')));
        failsWith(await tx.users.create(user('CAROL')), 'ENTITY_ALREADY_EXISTS');
        value(await tx.users.create(user('dave')));
      });
      assert.deepEqual(
        (await store.read((tx) => tx.users.list(ACCT))).map((u) => u.name),
        ['carol', 'dave'],
      );
      await store.close();
    });

    it('read transactions cannot write; a transaction cannot be used after it ended', async () => {
      const { store } = await seeded(target);
      await assert.rejects(
        store.read(async (tx) => (tx as unknown as { kv: { put(k: string, v: string): Promise<void> } }).kv.put('k', 'v')),
        /read transaction/,
      );
      let leaked: { accounts: { list(): Promise<unknown> } } | undefined;
      await store.read(async (tx) => {
        leaked = tx;
      });
      await assert.rejects(async () => leaked?.accounts.list(), /already ended/);
      await store.close();
      await assert.rejects(async () => store.read(async () => 1), /closed/);
    });

    it('concurrent writes all commit, with a gap-free change log', async () => {
      const { store } = await seeded(target);
      const head = await store.read((tx) => tx.changes.head());
      await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          store.write(async (tx) => {
            value(await tx.users.create(user(`u${i}`)));
            await tx.kv.put(`n/${i}`, String(i));
          }),
        ),
      );
      const log = await store.read((tx) => tx.changes.since(head));
      assert.deepEqual(
        log.map((c) => c.seq),
        Array.from({ length: 32 }, (_, i) => head + i + 1),
      );
      assert.equal((await store.read((tx) => tx.users.list(ACCT))).length, 16);
      // Readers run alongside a writer and see the last committed state.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const writing = store.write(async (tx) => {
        value(await tx.users.create(user('late')));
        await gate;
      });
      await new Promise((r) => setTimeout(r, 20));
      assert.equal(await store.read(async (tx) => (await tx.users.get(ACCT, 'late')) === undefined), true);
      release();
      await writing;
      assert.notEqual(await store.read((tx) => tx.users.get(ACCT, 'late')), undefined);
      await store.close();
    });

    it('survives a SIGKILL in the middle of a big write: the old state is intact', async () => {
      const { db, store } = await seeded(target);
      await store.write(async (tx) => {
        for (const n of ['alice', 'bob', 'carol']) value(await tx.users.create(user(n)));
        await tx.kv.put('state', 'before');
      });
      const before = await store.read(async (tx) => ({ users: await tx.users.list(ACCT), head: await tx.changes.head(), kv: await tx.kv.get('state') }));
      await store.close();

      // SQLite: enough rows that uncommitted pages spill into the WAL file before the kill.
      const midAt = target.name === 'sqlite' ? 4000 : 300;
      let killedAt = -1;
      const result = await runChild(
        `${db.childOpen()}
         process.stdout.write('open\\n');
         await store.write(async (tx) => {
           await tx.kv.put('state', 'during');
           for (let i = 0; ; i++) {
             const r = await tx.users.create({ account: ${JSON.stringify(ACCT)}, name: 'batch' + i, path: '/batch/', id: 'AIDABATCH' + String(i).padStart(12, '0'),
               created: ${JSON.stringify(T0)}, tags: [{ key: 'pad', value: 'x'.repeat(400) }], permissionsBoundary: null, disabled: false });
             if (!r.ok) throw new Error(r.error.message);
             if (i === ${midAt}) process.stdout.write('mid\\n');
             if (i % 250 === 0) await new Promise((resolve) => setImmediate(resolve));
           }
         });`,
        (line, child) => {
          if (line === 'mid' && killedAt < 0) {
            killedAt = Date.now();
            child.kill('SIGKILL');
          }
        },
      );
      assert.equal(result.signal, 'SIGKILL', `child did not reach the middle: ${result.stderr}`);

      if (db.file !== undefined) {
        const wal = await stat(`${db.file}-wal`).catch(() => undefined);
        assert.ok((wal?.size ?? 0) > 1_000_000, `the kill hit after uncommitted pages reached the WAL (${wal?.size} bytes)`);
      }
      const reopened = await db.open();
      const after = await reopened.read(async (tx) => ({ users: await tx.users.list(ACCT), head: await tx.changes.head(), kv: await tx.kv.get('state') }));
      assert.deepEqual(after, before);
      if (target.name === 'sqlite') assert.deepEqual((await db.raw('PRAGMA integrity_check')).map((r) => ({ ...r })), [{ integrity_check: 'ok' }]);
      // And the store takes writes again (no lock left behind by the dead writer).
      await reopened.write(async (tx) => void value(await tx.users.create(user('dave'))));
      assert.equal((await reopened.read((tx) => tx.users.list(ACCT))).length, 4);
      await reopened.close();
    });
  });
}
