/**
 * The one SQL implementation of the `Store` transaction API, shared by `adapters/store-sqlite` and
 * `adapters/store-postgres` (the kysely habit: one SQL layer, the same tests over both dialects).
 *
 * It imports no driver: an adapter hands it a `SqlExecutor` bound to an open transaction. The SQL here is
 * the common subset of SQLite ≥ 3.35, PostgreSQL, CockroachDB and YugabyteDB: `?` placeholders (the
 * PostgreSQL adapter numbers them), `INSERT … ON CONFLICT … DO NOTHING/DO UPDATE`, `UPDATE … RETURNING`,
 * `substr`, no `ILIKE`, no `LIKE` (case rules differ between engines), no engine functions. Booleans are
 * stored as 0/1 and timestamps as ISO-8601 text, so both dialects read back identical records. The schema
 * these queries run against is each adapter's `migrations.ts`; both must keep the same tables and columns.
 *
 * Unique conflicts are pre-checked (for a precise message) and the insert still says `ON CONFLICT DO
 * NOTHING`, so a race never raises a constraint error that would abort a PostgreSQL transaction: the
 * affected-row count of 0 becomes an `ENTITY_ALREADY_EXISTS` value.
 */
import type {
  AccessKeyLastUsed,
  RoleLastUsed,
  AccessKeyRecord,
  AccessKeyStatus,
  AccountRecord,
  AttachmentRecord,
  ChangeKind,
  ChangeRecord,
  GroupRecord,
  InlinePolicyRecord,
  ListOptions,
  Partition,
  PolicyRecord,
  PolicyVersionRecord,
  PrincipalRef,
  PrincipalType,
  RoleRecord,
  SealedSecret,
  StoreErrorCode,
  StoreResult,
  Tag,
  UserRecord,
  WriteTx,
} from '../../app/ports/store.ts';
import { MAX_POLICY_VERSIONS } from '../../app/ports/store.ts';
import { actionFilterNames, actionLikePattern, detailTextOf, isActionPattern, EMPTY_HEAD, type AuditFilter, type AuditHead, type AuditKind, type AuditRecord } from '../../core/audit/index.ts';

export type SqlValue = string | number | null;
export type SqlRow = Readonly<Record<string, unknown>>;

/** What an adapter provides for one open transaction. */
export interface SqlExecutor {
  all(sql: string, params?: readonly SqlValue[]): Promise<SqlRow[]>;
  /** Returns the number of affected rows. */
  run(sql: string, params?: readonly SqlValue[]): Promise<number>;
}

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly statements: readonly string[];
}

// ---------------------------------------------------------------------------------------------------
// Migrations: the loop both adapters run, inside one transaction they have already made exclusive
// (SQLite `BEGIN IMMEDIATE`, PostgreSQL advisory lock).

export const SCHEMA_MIGRATIONS_DDL =
  'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)';

/**
 * Applies the missing migrations in order and records each. Refuses a database that is ahead of this
 * binary (a newer Gatehouse migrated it) or whose history disagrees with `migrations`.
 */
export async function applyMigrations(
  db: SqlExecutor,
  migrations: readonly Migration[],
  now: () => Date,
): Promise<{ applied: number[]; version: number }> {
  await db.run(SCHEMA_MIGRATIONS_DDL);
  const rows = await db.all('SELECT version, name FROM schema_migrations ORDER BY version');
  const done = new Map(rows.map((r) => [num(r['version']), str(r['name'])]));
  const known = new Map(migrations.map((m) => [m.version, m]));
  for (const [version, name] of done) {
    const m = known.get(version);
    if (m === undefined) {
      throw new Error(`database schema version ${version} is newer than this gatehouse knows; upgrade gatehouse`);
    }
    if (m.name !== name) {
      throw new Error(`database migration ${version} is \`${name}\` but this gatehouse expects \`${m.name}\`; the database belongs to another build`);
    }
  }
  const applied: number[] = [];
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue;
    for (const statement of m.statements) await db.run(statement);
    await db.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, iso(now())]);
    applied.push(m.version);
  }
  const version = Math.max(0, ...done.keys(), ...applied);
  return { applied, version };
}

// ---------------------------------------------------------------------------------------------------
// Transactions.

/**
 * The `abort` handed to a `Store.write` callback, and how the adapter recognises it. `abort` throws a
 * marker; `check()` (called after the callback resolves) rethrows it in case the callback swallowed it, so
 * an aborted transaction never commits; `caught(e)` gives the value to resolve with.
 */
export function makeAbort<T>(): { abort: (value: T) => never; check: () => void; caught: (e: unknown) => { value: T } | undefined } {
  let aborted: { value: T; marker: Error } | undefined;
  return {
    abort(value: T): never {
      aborted = { value, marker: new Error('write transaction aborted') };
      throw aborted.marker;
    },
    check() {
      if (aborted !== undefined) throw aborted.marker;
    },
    caught(e: unknown) {
      return aborted !== undefined && e === aborted.marker ? { value: aborted.value } : undefined;
    },
  };
}

/**
 * Wraps an executor so that it refuses work once the transaction has ended (a forgotten `await` would
 * otherwise run outside any transaction). Call `end()` before COMMIT/ROLLBACK.
 */
export function guardExecutor(db: SqlExecutor): { db: SqlExecutor; end: () => void } {
  let ended = false;
  const check = () => {
    if (ended) throw new Error('store transaction already ended: await every store call inside read/write');
  };
  return {
    db: {
      all: (sql, params) => (check(), db.all(sql, params)),
      run: (sql, params) => (check(), db.run(sql, params)),
    },
    end: () => {
      ended = true;
    },
  };
}

/** `make`, remembering each key's value: for SQL text built or prepared once per statement shape. */
export function cached<K, V>(make: (key: K) => V): (key: K) => V {
  const values = new Map<K, V>();
  return (key) => {
    let v = values.get(key);
    if (v === undefined) {
      v = make(key);
      values.set(key, v);
    }
    return v;
  };
}

/** The transactions a store has started and not yet finished, so that `close` can wait for them. */
export function inFlight(): { track: <T>(p: Promise<T>) => Promise<T>; settled: () => Promise<unknown> } {
  const running = new Set<Promise<unknown>>();
  return {
    track<T>(p: Promise<T>): Promise<T> {
      running.add(p);
      const drop = () => running.delete(p);
      p.then(drop, drop);
      return p;
    },
    settled: () => Promise.allSettled([...running]),
  };
}

export interface TxOptions {
  readonly readOnly: boolean;
  readonly now: () => Date;
}

/** The transaction API over one open transaction. For a read transaction the mutators throw. */
export function createTx(db: SqlExecutor, options: TxOptions): WriteTx {
  const writable = () => {
    if (options.readOnly) throw new Error('store: mutator called in a read transaction; use store.write');
  };

  const recordChange = async (kind: ChangeKind, key: string, op: 'put' | 'delete'): Promise<number> => {
    // One counter row: writers serialise on it, so sequence numbers follow commit order without gaps.
    const rows = await db.all('UPDATE change_head SET seq = seq + 1 WHERE id = 1 RETURNING seq');
    const seq = num(rows[0]?.['seq']);
    await db.run('INSERT INTO changes (seq, kind, entity_key, op, at) VALUES (?, ?, ?, ?, ?)', [seq, kind, key, op, iso(options.now())]);
    return seq;
  };

  const one = async (sql: string, params: readonly SqlValue[]): Promise<SqlRow | undefined> => (await db.all(sql, params))[0];
  const count = async (sql: string, params: readonly SqlValue[]): Promise<number> => num((await one(sql, params))?.['n']);
  const exists = async (sql: string, params: readonly SqlValue[]): Promise<boolean> => (await one(sql, params)) !== undefined;

  const accountExists = (id: string) => exists('SELECT 1 AS x FROM accounts WHERE id = ?', [id]);
  const noAccount = (id: string) => fail('NO_SUCH_ENTITY', `account \`${id}\` does not exist; create it first`);

  const pathFilter = (o: ListOptions | undefined): [string, SqlValue[]] =>
    o?.pathPrefix === undefined || o.pathPrefix === '' ? ['', []] : [' AND substr(path, 1, ?) = ?', [o.pathPrefix.length, o.pathPrefix]];

  /** The reads users, groups, roles and managed policies share: by name (case-insensitive), by unique id, by account and path. */
  const namedReads = <T>(table: 'users' | 'groups' | 'roles' | 'policies', to: (row: SqlRow) => T) => ({
    async get(account: string, name: string): Promise<T | undefined> {
      const row = await one(`SELECT * FROM ${table} WHERE account = ? AND name_key = ?`, [account, lc(name)]);
      return row && to(row);
    },
    async getById(id: string): Promise<T | undefined> {
      const row = await one(`SELECT * FROM ${table} WHERE id = ?`, [id]);
      return row && to(row);
    },
    async list(account: string, o?: ListOptions): Promise<T[]> {
      const [where, params] = pathFilter(o);
      return (await db.all(`SELECT * FROM ${table} WHERE account = ?${where} ORDER BY name_key`, [account, ...params])).map(to);
    },
    async listAll(): Promise<T[]> {
      return (await db.all(`SELECT * FROM ${table} ORDER BY account, name_key`)).map(to);
    },
  });

  // --- principals -------------------------------------------------------------------------------

  const TABLE = { user: 'users', group: 'groups', role: 'roles' } as const satisfies Record<PrincipalType, string>;
  const principalId = async (p: PrincipalRef): Promise<string | undefined> => {
    const row = await one(`SELECT id FROM ${TABLE[p.type]} WHERE account = ? AND name_key = ?`, [p.account, lc(p.name)]);
    return row === undefined ? undefined : str(row['id']);
  };
  const noSuch = (type: PrincipalType, account: string, name: string) =>
    fail('NO_SUCH_ENTITY', `${type} \`${name}\` does not exist in account \`${account}\``);
  const taken = (type: PrincipalType | 'policy', account: string, name: string) =>
    fail('ENTITY_ALREADY_EXISTS', `${type} \`${name}\` already exists in account \`${account}\``);
  const noPrincipal = (p: PrincipalRef) => noSuch(p.type, p.account, p.name);
  const principalKey = (p: PrincipalRef) => `${p.account}/${p.type}/${lc(p.name)}`;

  /**
   * What users, groups and roles share around their own columns: the reads; create (the account must exist, the
   * name be free); update (a rename must not land on a taken name, and is logged as a delete of the old key and a
   * put of the new); delete (refused while `conflicts`, then the principal's attached and inline policies, exist).
   */
  const principals = <T extends { readonly account: string; readonly name: string; readonly id: string }>(type: PrincipalType, to: (row: SqlRow) => T) => {
    const reads = namedReads(TABLE[type], to);
    const key = (account: string, name: string) => `${account}/${lc(name)}`;
    return {
      reads,
      async create(r: T, insert: string, params: readonly SqlValue[], copy: (r: T) => T): Promise<StoreResult<T>> {
        writable();
        if (!(await accountExists(r.account))) return noAccount(r.account);
        if (await reads.get(r.account, r.name)) return taken(type, r.account, r.name);
        const n = await db.run(insert, params);
        if (n === 0) return taken(type, r.account, r.name);
        await recordChange(type, key(r.account, r.name), 'put');
        return ok(copy(r));
      },
      async update(
        account: string,
        name: string,
        change: (current: T) => { readonly next: T; readonly sql: string; readonly params: readonly SqlValue[] },
      ): Promise<StoreResult<T>> {
        writable();
        const current = await reads.get(account, name);
        if (current === undefined) return noSuch(type, account, name);
        const { next, sql, params } = change(current);
        const renamed = lc(next.name) !== lc(current.name);
        if (renamed && (await reads.get(account, next.name))) return taken(type, account, next.name);
        await db.run(sql, params);
        if (renamed) await recordChange(type, key(account, current.name), 'delete');
        await recordChange(type, key(account, next.name), 'put');
        return ok(next);
      },
      async delete(account: string, name: string, conflicts: readonly (readonly [sql: string, what: string])[]): Promise<StoreResult<void>> {
        writable();
        const current = await reads.get(account, name);
        if (current === undefined) return noSuch(type, account, name);
        for (const [sql, what] of [
          ...conflicts,
          [`SELECT 1 AS x FROM attachments WHERE principal_type = '${type}' AND principal_id = ?`, 'attached policies'],
          [`SELECT 1 AS x FROM inline_policies WHERE principal_type = '${type}' AND principal_id = ?`, 'inline policies'],
        ] as const) {
          if (await exists(sql, [current.id])) return fail('DELETE_CONFLICT', `${type} \`${name}\` still has ${what}; remove them first`);
        }
        await db.run(`DELETE FROM ${TABLE[type]} WHERE id = ?`, [current.id]);
        await recordChange(type, key(account, name), 'delete');
        return ok(undefined);
      },
    };
  };

  // --- accounts ---------------------------------------------------------------------------------

  const accounts: WriteTx['accounts'] = {
    async get(id) {
      const row = await one('SELECT * FROM accounts WHERE id = ?', [id]);
      return row && toAccount(row);
    },
    async list() {
      return (await db.all('SELECT * FROM accounts ORDER BY id')).map(toAccount);
    },
    async create(a) {
      writable();
      if (await accountExists(a.id)) return fail('ENTITY_ALREADY_EXISTS', `account \`${a.id}\` already exists`);
      const n = await db.run('INSERT INTO accounts (id, arn_partition, name, created) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING', [
        a.id,
        a.partition,
        a.name,
        a.created,
      ]);
      if (n === 0) return fail('ENTITY_ALREADY_EXISTS', `account \`${a.id}\` already exists`);
      await recordChange('account', a.id, 'put');
      return ok({ ...a });
    },
    async update(id, patch) {
      writable();
      const current = await accounts.get(id);
      if (current === undefined) return noAccount(id);
      const next: AccountRecord = { ...current, ...(patch.name === undefined ? {} : { name: patch.name }) };
      await db.run('UPDATE accounts SET name = ? WHERE id = ?', [next.name, id]);
      await recordChange('account', id, 'put');
      return ok(next);
    },
    async delete(id) {
      writable();
      if (!(await accountExists(id))) return noAccount(id);
      for (const table of ['users', 'groups', 'roles', 'policies'] as const) {
        if (await exists(`SELECT 1 AS x FROM ${table} WHERE account = ?`, [id])) {
          return fail('DELETE_CONFLICT', `account \`${id}\` still has ${table}; delete them first`);
        }
      }
      await db.run('DELETE FROM accounts WHERE id = ?', [id]);
      await recordChange('account', id, 'delete');
      return ok(undefined);
    },
  };

  // --- users ------------------------------------------------------------------------------------

  const user = principals('user', toUser);
  const users: WriteTx['users'] = {
    ...user.reads,
    async create(u) {
      return user.create(
        u,
        `INSERT INTO users (id, account, name, name_key, path, created, tags, permissions_boundary, disabled)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        [u.id, u.account, u.name, lc(u.name), u.path, u.created, tagsText(u.tags), u.permissionsBoundary, u.disabled ? 1 : 0],
        copyTagged,
      );
    },
    async update(account, name, patch) {
      return user.update(account, name, (current) => {
        const next: UserRecord = {
          ...current,
          ...defined({
            name: patch.name,
            path: patch.path,
            tags: patch.tags && [...patch.tags],
            permissionsBoundary: patch.permissionsBoundary,
            disabled: patch.disabled,
          }),
        };
        return {
          next,
          sql: 'UPDATE users SET name = ?, name_key = ?, path = ?, tags = ?, permissions_boundary = ?, disabled = ? WHERE id = ?',
          params: [next.name, lc(next.name), next.path, tagsText(next.tags), next.permissionsBoundary, next.disabled ? 1 : 0, current.id],
        };
      });
    },
    async delete(account, name) {
      return user.delete(account, name, [
        ['SELECT 1 AS x FROM access_keys WHERE user_id = ?', 'access keys'],
        ['SELECT 1 AS x FROM group_members WHERE user_id = ?', 'group memberships'],
      ]);
    },
  };

  // --- groups -----------------------------------------------------------------------------------

  const group = principals('group', toGroup);
  const groups: WriteTx['groups'] = {
    ...group.reads,
    async listMembers(account, name) {
      const rows = await db.all(
        `SELECT u.* FROM users u JOIN group_members m ON m.user_id = u.id JOIN groups g ON g.id = m.group_id
         WHERE g.account = ? AND g.name_key = ? ORDER BY u.name_key`,
        [account, lc(name)],
      );
      return rows.map(toUser);
    },
    async listForUser(account, name) {
      const rows = await db.all(
        `SELECT g.* FROM groups g JOIN group_members m ON m.group_id = g.id JOIN users u ON u.id = m.user_id
         WHERE u.account = ? AND u.name_key = ? ORDER BY g.name_key`,
        [account, lc(name)],
      );
      return rows.map(toGroup);
    },
    async listAllMembers() {
      const rows = await db.all(
        `SELECT g.account, g.name AS group_name, u.name AS user_name FROM group_members m JOIN groups g ON g.id = m.group_id JOIN users u ON u.id = m.user_id
         ORDER BY g.account, g.name_key, u.name_key`,
      );
      return rows.map((r) => ({ account: str(r['account']), group: str(r['group_name']), user: str(r['user_name']) }));
    },
    async create(g) {
      return group.create(
        g,
        'INSERT INTO groups (id, account, name, name_key, path, created) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
        [g.id, g.account, g.name, lc(g.name), g.path, g.created],
        (r) => ({ ...r }),
      );
    },
    async update(account, name, patch) {
      return group.update(account, name, (current) => {
        const next: GroupRecord = { ...current, ...defined({ name: patch.name, path: patch.path }) };
        return { next, sql: 'UPDATE groups SET name = ?, name_key = ?, path = ? WHERE id = ?', params: [next.name, lc(next.name), next.path, current.id] };
      });
    },
    async delete(account, name) {
      return group.delete(account, name, [['SELECT 1 AS x FROM group_members WHERE group_id = ?', 'members']]);
    },
    async addMember(account, groupName, userName) {
      writable();
      const g = await groups.get(account, groupName);
      if (g === undefined) return noSuch('group', account, groupName);
      const u = await users.get(account, userName);
      if (u === undefined) return noSuch('user', account, userName);
      const n = await db.run('INSERT INTO group_members (group_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING', [g.id, u.id]);
      if (n === 0) return ok(false);
      await recordChange('group-member', `${account}/${lc(groupName)}/${lc(userName)}`, 'put');
      return ok(true);
    },
    async removeMember(account, groupName, userName) {
      writable();
      const n = await db.run(
        `DELETE FROM group_members WHERE
           group_id = (SELECT id FROM groups WHERE account = ? AND name_key = ?) AND
           user_id = (SELECT id FROM users WHERE account = ? AND name_key = ?)`,
        [account, lc(groupName), account, lc(userName)],
      );
      if (n === 0) return fail('NO_SUCH_ENTITY', `user \`${userName}\` is not a member of group \`${groupName}\` in account \`${account}\``);
      await recordChange('group-member', `${account}/${lc(groupName)}/${lc(userName)}`, 'delete');
      return ok(undefined);
    },
  };

  // --- roles ------------------------------------------------------------------------------------

  const role = principals('role', toRole);
  const roles: WriteTx['roles'] = {
    ...role.reads,
    async create(r) {
      return role.create(
        r,
        `INSERT INTO roles (id, account, name, name_key, path, created, trust_policy, description, max_session_duration, tags, permissions_boundary)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        [
          r.id,
          r.account,
          r.name,
          lc(r.name),
          r.path,
          r.created,
          r.trustPolicy,
          r.description,
          r.maxSessionDuration,
          tagsText(r.tags),
          r.permissionsBoundary,
        ],
        copyTagged,
      );
    },
    // Roles are not renamed (`RolePatch` has no name), so `update` never takes the rename branch.
    async update(account, name, patch) {
      return role.update(account, name, (current) => {
        const next: RoleRecord = {
          ...current,
          ...defined({
            path: patch.path,
            trustPolicy: patch.trustPolicy,
            description: patch.description,
            maxSessionDuration: patch.maxSessionDuration,
            tags: patch.tags && [...patch.tags],
            permissionsBoundary: patch.permissionsBoundary,
          }),
        };
        return {
          next,
          sql: 'UPDATE roles SET path = ?, trust_policy = ?, description = ?, max_session_duration = ?, tags = ?, permissions_boundary = ? WHERE id = ?',
          params: [next.path, next.trustPolicy, next.description, next.maxSessionDuration, tagsText(next.tags), next.permissionsBoundary, current.id],
        };
      });
    },
    async delete(account, name) {
      return role.delete(account, name, []);
    },
    async getLastUsed(id) {
      const row = await one('SELECT last_used_at, last_used_region FROM roles WHERE id = ?', [id]);
      return row === undefined ? null : roleLastUsedOf(row);
    },
    async listLastUsed(account) {
      const rows = await db.all('SELECT id, last_used_at, last_used_region FROM roles WHERE account = ? AND last_used_at IS NOT NULL', [account]);
      const out = new Map<string, RoleLastUsed>();
      for (const r of rows) {
        const used = roleLastUsedOf(r);
        if (used !== null) out.set(str(r['id']), used);
      }
      return out;
    },
    async recordLastUsed(id, lastUsed) {
      writable();
      // Only forward, as an access key's (`accessKeys.recordLastUsed`); no change-log row: no cache holds it.
      const n = await db.run('UPDATE roles SET last_used_at = ?, last_used_region = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)', [lastUsed.at, lastUsed.region, id, lastUsed.at]);
      if (n > 0) return ok(undefined);
      return (await one('SELECT id FROM roles WHERE id = ?', [id])) === undefined ? fail('NO_SUCH_ENTITY', `no role has the id \`${id}\``) : ok(undefined);
    },
  };

  // --- managed policies -------------------------------------------------------------------------

  const noPolicy = (arn: string) => fail('NO_SUCH_ENTITY', `policy \`${arn}\` does not exist`);
  const policyRow = (arn: string) => one('SELECT * FROM policies WHERE arn = ?', [arn]);
  const versionNumber = (versionId: string): number | undefined => {
    const m = /^v([1-9][0-9]{0,8})$/.exec(versionId);
    return m?.[1] === undefined ? undefined : Number(m[1]);
  };
  const policyKey = (row: SqlRow) => `${str(row['account'])}/${str(row['name_key'])}`;
  const VERSION_SELECT = 'SELECT v.version, v.document, v.created, p.default_version FROM policy_versions v JOIN policies p ON p.id = v.policy_id';
  // Policies have no `listAll` in the port (`listAllDefaults` loads them with their documents).
  const { get: getPolicy, getById: getPolicyById, list: listPolicies } = namedReads('policies', toPolicy);

  const policies: WriteTx['policies'] = {
    get: getPolicy,
    getById: getPolicyById,
    async getByArn(arn) {
      const row = await policyRow(arn);
      return row && toPolicy(row);
    },
    list: listPolicies,
    async getVersion(arn, versionId) {
      const v = versionNumber(versionId);
      if (v === undefined) return undefined;
      const row = await one(
        `${VERSION_SELECT}
         WHERE p.arn = ? AND v.version = ?`,
        [arn, v],
      );
      return row && toVersion(row);
    },
    async getDefaultVersion(arn) {
      const row = await one(
        `${VERSION_SELECT}
         WHERE p.arn = ? AND v.version = p.default_version`,
        [arn],
      );
      return row && toVersion(row);
    },
    async listVersions(arn) {
      const rows = await db.all(
        `${VERSION_SELECT}
         WHERE p.arn = ? ORDER BY v.version DESC`,
        [arn],
      );
      return rows.map(toVersion);
    },
    async listAllDefaults() {
      const rows = await db.all(
        `SELECT p.*, v.version, v.document, v.created AS version_created FROM policies p JOIN policy_versions v ON v.policy_id = p.id AND v.version = p.default_version
         ORDER BY p.account, p.name_key`,
      );
      return rows.map((r) => ({ policy: toPolicy(r), version: toVersion({ ...r, created: r['version_created'] }) }));
    },
    async create(p) {
      writable();
      if (p.account !== 'aws' && !(await accountExists(p.account))) return noAccount(p.account);
      if ((await policies.get(p.account, p.name)) || (await policyRow(p.arn))) return taken('policy', p.account, p.name);
      const n = await db.run(
        `INSERT INTO policies (id, account, name, name_key, path, arn, description, created, updated, default_version, next_version, tags)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, 2, ?) ON CONFLICT DO NOTHING`,
        [p.id, p.account, p.name, lc(p.name), p.path, p.arn, p.description, p.created, p.created, tagsText(p.tags ?? [])],
      );
      if (n === 0) return taken('policy', p.account, p.name);
      await db.run('INSERT INTO policy_versions (policy_id, version, document, created) VALUES (?, 1, ?, ?)', [p.id, p.document, p.created]);
      await recordChange('policy', `${p.account}/${lc(p.name)}`, 'put');
      return ok({
        account: p.account,
        name: p.name,
        path: p.path,
        id: p.id,
        arn: p.arn,
        description: p.description,
        created: p.created,
        updated: p.created,
        defaultVersion: 'v1',
        tags: (p.tags ?? []).map((t) => ({ key: t.key, value: t.value })),
      });
    },
    async createVersion(arn, version) {
      writable();
      const row = await policyRow(arn);
      if (row === undefined) return noPolicy(arn);
      const id = str(row['id']);
      const versions = await count('SELECT COUNT(*) AS n FROM policy_versions WHERE policy_id = ?', [id]);
      if (versions >= MAX_POLICY_VERSIONS) {
        return fail('LIMIT_EXCEEDED', `policy \`${arn}\` already has ${MAX_POLICY_VERSIONS} versions; delete one first`);
      }
      const v = num(row['next_version']);
      await db.run('INSERT INTO policy_versions (policy_id, version, document, created) VALUES (?, ?, ?, ?)', [id, v, version.document, version.created]);
      await db.run(
        `UPDATE policies SET next_version = ?, updated = ?${version.setAsDefault ? ', default_version = ?' : ''} WHERE id = ?`,
        version.setAsDefault ? [v + 1, version.created, v, id] : [v + 1, version.created, id],
      );
      await recordChange('policy', policyKey(row), 'put');
      return ok({ versionId: `v${v}`, document: version.document, isDefault: version.setAsDefault, created: version.created });
    },
    async setDefaultVersion(arn, versionId) {
      writable();
      const row = await policyRow(arn);
      if (row === undefined) return noPolicy(arn);
      const v = versionNumber(versionId);
      if (v === undefined || !(await exists('SELECT 1 AS x FROM policy_versions WHERE policy_id = ? AND version = ?', [str(row['id']), v]))) {
        return fail('NO_SUCH_ENTITY', `policy \`${arn}\` has no version \`${versionId}\``);
      }
      await db.run('UPDATE policies SET default_version = ? WHERE id = ?', [v, str(row['id'])]);
      await recordChange('policy', policyKey(row), 'put');
      return ok(undefined);
    },
    async deleteVersion(arn, versionId) {
      writable();
      const row = await policyRow(arn);
      if (row === undefined) return noPolicy(arn);
      const v = versionNumber(versionId);
      if (v !== undefined && v === num(row['default_version'])) {
        return fail('DELETE_CONFLICT', `\`${versionId}\` is the default version of policy \`${arn}\`; make another version the default first`);
      }
      const n = v === undefined ? 0 : await db.run('DELETE FROM policy_versions WHERE policy_id = ? AND version = ?', [str(row['id']), v]);
      if (n === 0) return fail('NO_SUCH_ENTITY', `policy \`${arn}\` has no version \`${versionId}\``);
      await recordChange('policy', policyKey(row), 'put');
      return ok(undefined);
    },
    async setTags(arn, tags) {
      writable();
      const row = await policyRow(arn);
      if (row === undefined) return noPolicy(arn);
      const text = tagsText(tags);
      await db.run('UPDATE policies SET tags = ? WHERE id = ?', [text, str(row['id'])]);
      await recordChange('policy', policyKey(row), 'put');
      return ok(toPolicy({ ...row, tags: text }));
    },
    async delete(arn) {
      writable();
      const row = await policyRow(arn);
      if (row === undefined) return noPolicy(arn);
      if (await exists('SELECT 1 AS x FROM attachments WHERE policy_arn = ?', [arn])) {
        return fail('DELETE_CONFLICT', `policy \`${arn}\` is still attached; detach it first`);
      }
      if (
        (await exists('SELECT 1 AS x FROM users WHERE permissions_boundary = ?', [arn])) ||
        (await exists('SELECT 1 AS x FROM roles WHERE permissions_boundary = ?', [arn]))
      ) {
        return fail('DELETE_CONFLICT', `policy \`${arn}\` is a permissions boundary; remove it from those users and roles first`);
      }
      await db.run('DELETE FROM policy_versions WHERE policy_id = ?', [str(row['id'])]);
      await db.run('DELETE FROM policies WHERE id = ?', [str(row['id'])]);
      await recordChange('policy', policyKey(row), 'delete');
      return ok(undefined);
    },
  };

  // --- attachments ------------------------------------------------------------------------------

  /**
   * Attachments with their principals' names, in attachment order. One query per principal table (`principal_id`
   * names a row of the table `principal_type` picks), merged by `ord`; `where` narrows all three.
   */
  const attachmentsWhere = async (where: string, params: readonly SqlValue[]): Promise<AttachmentRecord[]> => {
    const rows: SqlRow[] = [];
    for (const type of ['user', 'group', 'role'] as const) {
      rows.push(
        ...(await db.all(
          `SELECT a.principal_type, a.policy_arn, a.ord, t.account, t.name FROM attachments a JOIN ${TABLE[type]} t ON t.id = a.principal_id
             WHERE ${where}a.principal_type = ?`,
          [...params, type],
        )),
      );
    }
    return rows
      .sort((a, b) => num(a['ord']) - num(b['ord']))
      .map((r): AttachmentRecord => ({ principal: { type: str(r['principal_type']) as PrincipalType, account: str(r['account']), name: str(r['name']) }, policyArn: str(r['policy_arn']) }));
  };

  const attachments: WriteTx['attachments'] = {
    async listForPrincipal(p) {
      const id = await principalId(p);
      if (id === undefined) return [];
      const rows = await db.all('SELECT policy_arn FROM attachments WHERE principal_type = ? AND principal_id = ? ORDER BY ord', [p.type, id]);
      return rows.map((r) => str(r['policy_arn']));
    },
    async listForPolicy(policyArn) {
      return attachmentsWhere('a.policy_arn = ? AND ', [policyArn]);
    },
    async countForPolicy(policyArn) {
      return count('SELECT COUNT(*) AS n FROM attachments WHERE policy_arn = ?', [policyArn]);
    },
    async listAll() {
      return attachmentsWhere('', []);
    },
    async attach(p, policyArn) {
      writable();
      const id = await principalId(p);
      if (id === undefined) return noPrincipal(p);
      if ((await policyRow(policyArn)) === undefined) return noPolicy(policyArn);
      if (await exists('SELECT 1 AS x FROM attachments WHERE principal_type = ? AND principal_id = ? AND policy_arn = ?', [p.type, id, policyArn])) {
        return ok(false);
      }
      const seq = await recordChange('attachment', principalKey(p), 'put');
      await db.run('INSERT INTO attachments (principal_type, principal_id, policy_arn, ord) VALUES (?, ?, ?, ?)', [p.type, id, policyArn, seq]);
      return ok(true);
    },
    async detach(p, policyArn) {
      writable();
      const id = await principalId(p);
      if (id === undefined) return noPrincipal(p);
      const n = await db.run('DELETE FROM attachments WHERE principal_type = ? AND principal_id = ? AND policy_arn = ?', [p.type, id, policyArn]);
      if (n === 0) return fail('NO_SUCH_ENTITY', `policy \`${policyArn}\` is not attached to ${p.type} \`${p.name}\``);
      await recordChange('attachment', principalKey(p), 'delete');
      return ok(undefined);
    },
  };

  // --- inline policies --------------------------------------------------------------------------

  const inlinePolicies: WriteTx['inlinePolicies'] = {
    async get(p, name) {
      const id = await principalId(p);
      if (id === undefined) return undefined;
      const row = await one('SELECT name, document FROM inline_policies WHERE principal_type = ? AND principal_id = ? AND name_key = ?', [
        p.type,
        id,
        lc(name),
      ]);
      return row && { principal: { ...p }, name: str(row['name']), document: str(row['document']) };
    },
    async list(p) {
      const id = await principalId(p);
      if (id === undefined) return [];
      const rows = await db.all('SELECT name, document FROM inline_policies WHERE principal_type = ? AND principal_id = ? ORDER BY name_key', [
        p.type,
        id,
      ]);
      return rows.map((r): InlinePolicyRecord => ({ principal: { ...p }, name: str(r['name']), document: str(r['document']) }));
    },
    async listAll() {
      const out: InlinePolicyRecord[] = [];
      for (const type of ['user', 'group', 'role'] as const) {
        const rows = await db.all(
          `SELECT i.name, i.document, t.account, t.name AS principal_name FROM inline_policies i JOIN ${TABLE[type]} t ON t.id = i.principal_id
           WHERE i.principal_type = ? ORDER BY t.account, t.name_key, i.name_key`,
          [type],
        );
        for (const r of rows) out.push({ principal: { type, account: str(r['account']), name: str(r['principal_name']) }, name: str(r['name']), document: str(r['document']) });
      }
      return out;
    },
    async put(p, name, document) {
      writable();
      const id = await principalId(p);
      if (id === undefined) return noPrincipal(p);
      await db.run(
        `INSERT INTO inline_policies (principal_type, principal_id, name, name_key, document) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (principal_type, principal_id, name_key) DO UPDATE SET name = excluded.name, document = excluded.document`,
        [p.type, id, name, lc(name), document],
      );
      await recordChange('inline-policy', `${principalKey(p)}/${lc(name)}`, 'put');
      return ok({ principal: { ...p }, name, document });
    },
    async delete(p, name) {
      writable();
      const id = await principalId(p);
      if (id === undefined) return noPrincipal(p);
      const n = await db.run('DELETE FROM inline_policies WHERE principal_type = ? AND principal_id = ? AND name_key = ?', [p.type, id, lc(name)]);
      if (n === 0) return fail('NO_SUCH_ENTITY', `${p.type} \`${p.name}\` has no inline policy \`${name}\``);
      await recordChange('inline-policy', `${principalKey(p)}/${lc(name)}`, 'delete');
      return ok(undefined);
    },
  };

  // --- access keys ------------------------------------------------------------------------------

  const KEY_SELECT = `SELECT k.*, u.account, u.name AS user_name FROM access_keys k JOIN users u ON u.id = k.user_id`;
  const noKey = (id: string) => fail('NO_SUCH_ENTITY', `access key \`${id}\` does not exist`);
  const accessKeys: WriteTx['accessKeys'] = {
    async get(id) {
      const row = await one(`${KEY_SELECT} WHERE k.id = ?`, [id]);
      return row && toAccessKey(row);
    },
    async listForUser(account, user) {
      const rows = await db.all(`${KEY_SELECT} WHERE u.account = ? AND u.name_key = ? ORDER BY k.created, k.id`, [account, lc(user)]);
      return rows.map(toAccessKey);
    },
    async listAll() {
      return (await db.all(`${KEY_SELECT} ORDER BY u.account, u.name_key, k.created, k.id`)).map(toAccessKey);
    },
    async create(k) {
      writable();
      const u = await users.get(k.account, k.userName);
      if (u === undefined) return noSuch('user', k.account, k.userName);
      const n = await db.run('INSERT INTO access_keys (id, user_id, secret, status, created) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
        k.id,
        u.id,
        k.secret,
        k.status,
        k.created,
      ]);
      if (n === 0) return fail('ENTITY_ALREADY_EXISTS', `access key \`${k.id}\` already exists`);
      await recordChange('access-key', k.id, 'put');
      return ok({ id: k.id, account: u.account, userName: u.name, secret: k.secret, status: k.status, created: k.created, lastUsed: null });
    },
    async setStatus(id, status) {
      writable();
      const n = await db.run('UPDATE access_keys SET status = ? WHERE id = ?', [status, id]);
      if (n === 0) return noKey(id);
      await recordChange('access-key', id, 'put');
      return ok(undefined);
    },
    async recordLastUsed(id, lastUsed) {
      writable();
      // Only forward: instances write their notes in any order, and the latest use must stay.
      const n = await db.run(
        'UPDATE access_keys SET last_used_at = ?, last_used_service = ?, last_used_region = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)',
        [lastUsed.at, lastUsed.service, lastUsed.region, id, lastUsed.at],
      );
      if (n > 0) return ok(undefined);
      return (await one('SELECT id FROM access_keys WHERE id = ?', [id])) === undefined ? noKey(id) : ok(undefined);
    },
    async delete(id) {
      writable();
      const n = await db.run('DELETE FROM access_keys WHERE id = ?', [id]);
      if (n === 0) return noKey(id);
      await recordChange('access-key', id, 'delete');
      return ok(undefined);
    },
  };

  // --- kv and changes ---------------------------------------------------------------------------

  const kv: WriteTx['kv'] = {
    async get(key) {
      const row = await one('SELECT kv_value FROM kv WHERE kv_key = ?', [key]);
      return row === undefined ? undefined : str(row['kv_value']);
    },
    async getMany(keys) {
      const out = new Map<string, string>();
      const wanted = [...new Set(keys)];
      if (wanted.length > 1000) throw new Error(`kv.getMany: ${wanted.length} keys, at most 1000 a call`);
      if (wanted.length === 0) return out;
      const rows = await db.all(`SELECT kv_key, kv_value FROM kv WHERE kv_key IN (${wanted.map(() => '?').join(', ')})`, wanted);
      for (const r of rows) out.set(str(r['kv_key']), str(r['kv_value']));
      return out;
    },
    async list(prefix, page = {}) {
      // A range of the primary key's index, `prefix` ≤ key < the prefix's successor, read in key order: a prefix
      // compared by `substr` was a scan of the whole table on both engines, whatever the prefix held (review ar, 1).
      const where: string[] = [];
      const params: SqlValue[] = [];
      if (prefix !== '') {
        where.push('kv_key >= ?');
        params.push(prefix);
        const end = prefixEnd(prefix);
        if (end !== undefined) {
          where.push('kv_key < ?');
          params.push(end);
        } else {
          where.push('substr(kv_key, 1, ?) = ?');
          params.push(prefix.length, prefix);
        }
      }
      if (page.after !== undefined) {
        where.push(page.descending === true ? 'kv_key < ?' : 'kv_key > ?');
        params.push(page.after);
      }
      const limit = page.limit !== undefined ? ' LIMIT ?' : '';
      if (page.limit !== undefined) params.push(Math.max(0, Math.floor(page.limit)));
      const rows = await db.all(`SELECT kv_key, kv_value FROM kv${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY kv_key${page.descending === true ? ' DESC' : ''}${limit}`, params);
      return rows.map((r) => ({ key: str(r['kv_key']), value: str(r['kv_value']) }));
    },
    async put(key, value) {
      writable();
      await db.run(
        'INSERT INTO kv (kv_key, kv_value, updated) VALUES (?, ?, ?) ON CONFLICT (kv_key) DO UPDATE SET kv_value = excluded.kv_value, updated = excluded.updated',
        [key, value, iso(options.now())],
      );
      await recordChange('kv', key, 'put');
    },
    async note(key, value) {
      writable();
      await db.run(
        'INSERT INTO kv (kv_key, kv_value, updated) VALUES (?, ?, ?) ON CONFLICT (kv_key) DO UPDATE SET kv_value = excluded.kv_value, updated = excluded.updated',
        [key, value, iso(options.now())],
      );
    },
    async delete(key) {
      writable();
      const n = await db.run('DELETE FROM kv WHERE kv_key = ?', [key]);
      if (n > 0) await recordChange('kv', key, 'delete');
      return n > 0;
    },
  };

  const changes: WriteTx['changes'] = {
    async head() {
      return num((await one('SELECT seq FROM change_head WHERE id = 1', []))?.['seq']);
    },
    async since(after, limit = 1000) {
      const rows = await db.all('SELECT seq, kind, entity_key, op, at FROM changes WHERE seq > ? ORDER BY seq LIMIT ?', [after, limit]);
      return rows.map(
        (r): ChangeRecord => ({
          seq: num(r['seq']),
          kind: str(r['kind']) as ChangeKind,
          key: str(r['entity_key']),
          op: str(r['op']) as 'put' | 'delete',
          at: str(r['at']),
        }),
      );
    },
    async prune(below, limit) {
      // Through a sub-select: DELETE … LIMIT is not standard SQL (SQLite has it only as a build option).
      const rows = await db.all('DELETE FROM changes WHERE seq IN (SELECT seq FROM changes WHERE seq < ? ORDER BY seq LIMIT ?) RETURNING seq', [below, limit]);
      return rows.length;
    },
  };

  // --- audit log ------------------------------------------------------------------------------------
  // Appends bypass the change log on purpose (see `AuditWrite`); writers still serialise on one row, `audit_head`,
  // so two instances appending at once cannot both link to the same record (the loser retries, PostgreSQL
  // SERIALIZABLE; SQLite has one writer).

  const auditHead = async (): Promise<AuditHead> => {
    const r = await one('SELECT seq, hash, base_seq, base_hash FROM audit_head WHERE id = 1', []);
    if (r === undefined) return EMPTY_HEAD;
    return { seq: num(r['seq']), hash: str(r['hash']), baseSeq: num(r['base_seq']), baseHash: str(r['base_hash']) };
  };

  /** Up to which record the lookup (and the spans) cover the log. */
  const lookupFilled = async (): Promise<number> => num((await one('SELECT seq FROM audit_lookup_head WHERE id = 1', []))?.['seq']);
  /** The last record of the log. */
  const headSeq = async (): Promise<number> => num((await one('SELECT seq FROM audit_head WHERE id = 1', []))?.['seq']);

  /**
   * A page of a query by one key of the lookup, looking at no more than `window` of the key's entries past `from` (and
   * at no more than `window` records past the lookup's mark): `page`'s window counts the key's entries, not seqs
   * (review eh5). A principal's, a job's or a denial's records few and far between were found a window of 50,000 seqs a
   * page, hundreds of empty pages on a log of tens of millions; now a page looks at as many of the key's entries. The
   * records the lookup covers are read through it, in order, at most `window` entries, each checked on its row; a full
   * page ends there. A short one either stopped at the key's `window`-th entry (`through` is that entry's seq: none of
   * the records past the mark is read, all later than it) or read every entry, and then scans past the mark. The mark is
   * read once and given to both statements as a number: each sees the entries up to it, which commit with it.
   */
  async function keyedPage(key: string, filter: AuditFilter, filtersAnd: string, params: readonly SqlValue[], after: number, from: number, n: number, window: number): Promise<{ readonly records: AuditRecord[]; readonly through?: number }> {
    const mark = await lookupFilled();
    // `until` ends the covered records at the last span holding one older than it (as `page` does).
    const upTo = filter.until !== undefined ? Math.min(mark, num((await one(SPANS_BEFORE, [filter.until]))?.['s'])) : mark;
    const covered = (
      await db.all(
        `SELECT ${AUDIT_COLUMNS_A} FROM (SELECT seq FROM audit_lookup WHERE lookup = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?) l ` +
          `JOIN audit_log a ON a.seq = l.seq WHERE true${filtersAnd} ORDER BY l.seq LIMIT ?`,
        [key, from, upTo, window, ...params, n],
      )
    ).map(toAuditRecord);
    if (covered.length >= n) return { records: covered };
    const cut = await one('SELECT seq FROM audit_lookup WHERE lookup = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT 1 OFFSET ?', [key, from, upTo, window - 1]);
    if (cut !== undefined) {
      const stop = num(cut['seq']);
      return stop < (await headSeq()) ? { records: covered, through: stop } : { records: covered };
    }
    // Past the mark: at most about AUDIT_LOOKUP_EVERY records, unless the fill is behind; bounded by the window then.
    const start = Math.max(after, mark);
    const stop = start + window;
    const past = (await db.all(`SELECT ${AUDIT_COLUMNS_A} FROM audit_log a WHERE a.seq > ? AND a.seq <= ?${filtersAnd} ORDER BY a.seq LIMIT ?`, [start, stop, ...params, n - covered.length])).map(toAuditRecord);
    const records = [...covered, ...past];
    if (records.length >= n) return { records };
    return stop < (await headSeq()) ? { records, through: stop } : { records };
  }

  const audit: WriteTx['audit'] = {
    head: auditHead,
    async page(filter, after, limit, window) {
      // Every filter as a condition on the record `a`; the lookup only narrows which records are read.
      const where: string[] = [];
      const params: SqlValue[] = [];
      const eq = (column: string, v: string | undefined) => {
        if (v === undefined) return;
        where.push(`a.${column} = ?`);
        params.push(v);
      };
      eq('account', filter.account);
      eq('kind', filter.kind);
      eq('principal', filter.principal);
      // A role's records are those about it and those its sessions made to other roles (`actingRole`, review ic, 2).
      if (filter.role !== undefined) {
        where.push('(a.role_arn = ? OR a.acting_role = ?)');
        params.push(filter.role, filter.role);
      }
      eq('job', filter.job);
      // No index covers the key either: read in windows, as the action is (review mi, 4). A refused authentication
      // keeps the key it claimed in its detail only (no signature verified: it is not the signer), as its first field
      // (details are canonical JSON, keys sorted): listed too, what was tried with a leaked key (review nh, 3). So is a
      // summary of refusals the flood limit left out, whose keys are its first field, `accessKeyIds` (review nm, 1): the
      // key as one of its strings (`replace`, as no function to find a substring is common to both databases). The
      // actions a summary lists hold a `:` or a space, which no key id does, but for a principalProof's, which its asker
      // names: one spelt as a key id lists that summary too, a record too many, never one missed.
      if (filter.accessKeyId !== undefined) {
        const claimed = `{"accessKeyId":${JSON.stringify(filter.accessKeyId)},`;
        where.push(
          `(a.access_key_id = ? OR (a.access_key_id IS NULL AND a.kind = 'decision' AND (substr(a.detail, 1, ${claimed.length}) = ? OR ` +
            `(substr(a.detail, 1, ${SUMMARY_KEYS.length}) = ? AND replace(a.detail, ?, '') <> a.detail))))`,
        );
        params.push(filter.accessKeyId, claimed, SUMMARY_KEYS, JSON.stringify(filter.accessKeyId));
      }
      // The id a request was answered with (review sd, 1): no index covers it either, read in windows as the action is.
      eq('request_id', filter.requestId);
      // Actions are case-insensitive, as IAM reads them (`s3:getobject` is `s3:GetObject`), and records keep the spelling
      // the caller used: the filter matches any of them. No index covers the action, so this costs no index use.
      // A summary of refusals the flood limit left out that were of several actions is recorded under `*`, its actions in
      // `detail.actions` (src/app/auth-failures.ts): listed too when it names the action, as one of its strings, in any
      // case (review nz, 4: a leaked key tried on STS and IAM showed under either action none of the attempts summarised).
      // An action recorded before under another name is listed by its name now too (`actionFilterNames`, review pk, 2).
      // A pattern (`s3:*`, `iam:Create*`: IAM's wildcards, review ro, 1) is `LIKE` over the lower-cased action, and lists
      // every summary of several actions: which of its actions match is not asked of the database (a record too many,
      // never one missed, as above).
      if (filter.action !== undefined && isActionPattern(filter.action)) {
        const [pattern, ...former] = actionFilterNames(filter.action);
        const named = ["lower(a.action) LIKE ? ESCAPE '!'", ...former.map(() => 'lower(a.action) = lower(?)')].join(' OR ');
        where.push(`(${named} OR (a.action = '*' AND a.decision = 'Deny' AND replace(a.detail, ?, '') <> a.detail))`);
        params.push(actionLikePattern(pattern as string), ...former, SUMMARY_ACTIONS);
      } else if (filter.action !== undefined) {
        const names = actionFilterNames(filter.action);
        const named = names.length === 1 ? 'lower(a.action) = lower(?)' : `lower(a.action) IN (${names.map(() => 'lower(?)').join(', ')})`;
        where.push(`(${named} OR (a.action = '*' AND a.decision = 'Deny' AND replace(a.detail, ?, '') <> a.detail AND replace(lower(a.detail), ?, '') <> lower(a.detail)))`);
        params.push(...names, SUMMARY_ACTIONS, JSON.stringify(filter.action.toLowerCase()));
      }
      // A code also lists the `Deny` records refused with it (review ro, 3): by the code or AWS code their detail keeps, as
      // canonical JSON writes it (`replace`, as for the summaries above), or a flood summary of several codes naming it.
      const refused = filter.decision !== undefined && filter.refusedCodes !== undefined && filter.refusedCodes.length > 0 ? [...filter.refusedCodes] : [];
      const refusedAws = refused.length > 0 ? [...(filter.refusedAws ?? [])] : [];
      const contains = "replace(a.detail, ?, '') <> a.detail";
      const refusedWith = refused.length > 0
        ? ` OR (a.decision = 'Deny' AND (${[...refused, ...refusedAws].map(() => contains).join(' OR ')}${refusedAws.map(() => ` OR (${contains} AND ${contains})`).join('')}))`
        : '';
      const refusedParams: SqlValue[] = [
        ...refused.map((c) => `"code":${JSON.stringify(c)}`),
        ...refusedAws.map((c) => `"authentication":${JSON.stringify(c)}`),
        ...refusedAws.flatMap((c) => [SUMMARY_MULTIPLE, JSON.stringify(c)]),
      ];
      if (typeof filter.decision === 'string') {
        where.push(`(a.decision = ?${refusedWith})`);
        params.push(filter.decision, ...refusedParams);
      } else if (filter.decision !== undefined && filter.decision.length > 0) {
        where.push(`(a.decision IN (${filter.decision.map(() => '?').join(', ')})${refusedWith})`);
        params.push(...filter.decision, ...refusedParams);
      }
      if (filter.since !== undefined) {
        where.push('a.at >= ?');
        params.push(filter.since);
      }
      if (filter.until !== undefined) {
        where.push('a.at < ?');
        params.push(filter.until);
      }
      const n = Math.max(1, Math.min(10_000, Math.trunc(limit)));
      // Where the records the lookup covers start (AUDIT_SPANS_FILL_ALL): past the cursor and, with `since`, past the last
      // span whose records, and all before them, are older than `since`. Read first, in the same transaction: a later
      // span only ever gives a higher bound, so this one stays a bound.
      const from = filter.since === undefined ? after : Math.max(after, num((await one('SELECT COALESCE(MAX(seq), 0) AS s FROM audit_span WHERE max_at < ?', [filter.since]))?.['s']));
      const filtersAnd = where.map((w) => ` AND ${w}`).join('');
      // The window (`AuditRead.page`): seqs from there, a condition on the record after the filters (`keyedPage` counts
      // a key's entries instead, and takes the filters alone).
      const through = window !== undefined ? from + Math.max(1, Math.trunc(window)) : undefined;
      const and = through !== undefined ? `${filtersAnd} AND a.seq <= ?` : filtersAnd;
      const andParams: SqlValue[] = through !== undefined ? [...params, through] : params;
      /** What the page found, with where it stopped looking when that is short of the log's end. */
      const found = async (rows: Record<string, unknown>[]) => {
        const records = rows.map(toAuditRecord);
        if (through === undefined || records.length >= n) return { records };
        return through < (await headSeq()) ? { records, through } : { records };
      };
      // The most selective keys the filter has: a principal, a job, a role, an account (each its first LOOKUP_KEY_CHARS),
      // else the decisions it takes when every one is keyed (denials, refusals: few records). An account before the
      // decisions: every query of a principal of another account than the root one carries its account, and where
      // accounts are many, another's denials would be read for it (as before review eh1, its own records are).
      const decisions = [...(filter.decision === undefined ? [] : typeof filter.decision === 'string' ? [filter.decision] : filter.decision), ...(refused.length > 0 ? ['Deny'] : [])];
      const keys =
        filter.principal !== undefined
          ? [`p:${lookupPrefix(filter.principal)}`]
          : filter.job !== undefined
            ? [`j:${lookupPrefix(filter.job)}`]
            : filter.role !== undefined
              ? [`r:${lookupPrefix(filter.role)}`]
              : filter.account !== undefined
                ? [`a:${lookupPrefix(filter.account)}`]
                : decisions.length > 0 && decisions.every((d) => !UNKEYED_DECISIONS.includes(d))
                  ? [...new Set(decisions)].map((d) => `d:${lookupPrefix(d)}`)
                  : undefined;
      // The records the lookup covers (up to `filled`) lie past `from` and up to the last span holding one older than
      // `until`. Neither bound reads more spans than are newer than it; every filter is still checked on the row.
      const filled = '(SELECT seq FROM audit_lookup_head WHERE id = 1)';
      const high = filter.until !== undefined ? `(${SPANS_BEFORE})` : filled;
      const highParams: SqlValue[] = filter.until !== undefined ? [filter.until] : [];
      const tail = `(SELECT CASE WHEN f.seq > ? THEN f.seq ELSE ? END FROM audit_lookup_head f WHERE f.id = 1)`;
      if (keys !== undefined && keys.length === 1 && window !== undefined) return keyedPage(keys[0] as string, filter, filtersAnd, params, after, from, n, Math.max(1, Math.trunc(window)));
      if (keys === undefined) {
        if (filter.since === undefined && filter.until === undefined) {
          return found(await db.all(`SELECT ${AUDIT_COLUMNS_A} FROM audit_log a WHERE a.seq > ?${and} ORDER BY a.seq LIMIT ?`, [after, ...andParams, n]));
        }
        const rows = await db.all(
          `SELECT ${AUDIT_COLUMNS} FROM (SELECT ${AUDIT_COLUMNS_A} FROM audit_log a WHERE a.seq > ? AND a.seq <= ${high}${and} ORDER BY a.seq LIMIT ?) covered ` +
            `UNION ALL SELECT ${AUDIT_COLUMNS} FROM (SELECT ${AUDIT_COLUMNS_A} FROM audit_log a WHERE a.seq > ${tail}${and} ORDER BY a.seq LIMIT ?) tail ` +
            'ORDER BY seq LIMIT ?',
          [from, ...highParams, ...andParams, n, after, after, ...andParams, n, n],
        );
        return found(rows);
      }
      // The records the lookup covers, in its order, then the ones past it (at most about AUDIT_LOOKUP_EVERY, scanned);
      // each part stops at `n`. One statement: both parts read the same `audit_lookup_head`, the same snapshot. The
      // tail's start is one bound, the greater of the cursor and the mark (`tail`): given the two as separate terms,
      // SQLite ranged the rowid on the cursor alone and tested the mark on every row, so a query from the start of a
      // 300,000-record log read all of it for the few records past the mark (51 ms; 0.3 ms as one bound).
      // Several keys (the decisions `AccessDenied` stands for) are one part each, each read in its key's order and
      // stopping at `n`: given as `lookup IN (…)`, the database read every entry of every key in the window and sorted
      // them for the page's first `n` (11 ms a page where a third of the log was denials, against 0.4 ms unkeyed).
      const covered = keys.map(
        (_, i) =>
          `SELECT ${AUDIT_COLUMNS} FROM (SELECT ${AUDIT_COLUMNS_A} FROM audit_lookup l JOIN audit_log a ON a.seq = l.seq ` +
          `WHERE l.lookup = ? AND l.seq > ? AND l.seq <= ${high} AND l.seq <= ${filled}${through !== undefined ? ' AND l.seq <= ?' : ''}${and} ORDER BY l.seq LIMIT ?) covered${i} `,
      );
      const rows = await db.all(
        `${covered.join('UNION ALL ')}UNION ALL SELECT ${AUDIT_COLUMNS} FROM (SELECT ${AUDIT_COLUMNS_A} FROM audit_log a WHERE a.seq > ${tail}${and} ORDER BY a.seq LIMIT ?) tail ` +
          'ORDER BY seq LIMIT ?',
        [...keys.flatMap((key) => [key, from, ...highParams, ...(through !== undefined ? [through] : []), ...andParams, n]), after, after, ...andParams, n, n],
      );
      return found(rows);
    },
    async list(filter, after, limit) {
      return (await audit.page(filter, after, limit)).records;
    },
    async lookupCheck() {
      const filled = await lookupFilled();
      const head = await auditHead();
      const range: [number, number] = [head.baseSeq, Math.min(filled, head.seq)];
      const keys = `SELECT k, seq FROM (${lookupKeys('seq > ? AND seq <= ?')}) wanted`;
      const stored = 'SELECT lookup, seq FROM audit_lookup WHERE seq > ? AND seq <= ?';
      const count = async (sql: string, params: SqlValue[]) => num((await one(`SELECT COUNT(*) AS n FROM (${sql}) d`, params))?.['n']);
      const missing = await count(`${keys} EXCEPT ${stored}`, [...lookupRange(...range), ...range]);
      const extra = await count(`${stored} EXCEPT ${keys}`, [...range, ...lookupRange(...range)]);
      return { filled, missing, extra };
    },
    async spanCheck() {
      const r = await one(AUDIT_SPAN_CHECK, []);
      return { spans: num(r?.['spans']), bad: num(r?.['bad']), last: num(r?.['last']) };
    },
    async append(records) {
      writable();
      if (records.length === 0) return;
      const head = await auditHead();
      const first = records[0] as AuditRecord;
      if (first.seq !== head.seq + 1 || first.prevHash !== head.hash) {
        throw new Error(`audit append does not follow the head (head ${head.seq}, first record ${first.seq}): relink and retry`);
      }
      // Multi-row inserts in chunks of 50, 10 and 1: three statement shapes, prepared once each.
      let i = 0;
      while (i < records.length) {
        const n = records.length - i >= 50 ? 50 : records.length - i >= 10 ? 10 : 1;
        const params: SqlValue[] = [];
        for (let k = i; k < i + n; k++) pushAuditRow(params, records[k] as AuditRecord);
        await db.run(auditInsert(n), params);
        i += n;
      }
      const last = records[records.length - 1] as AuditRecord;
      const n = await db.run('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1 AND seq = ?', [last.seq, last.hash, head.seq]);
      if (n !== 1) throw new Error('audit head moved during append');
      // The lookup, in bulk, in the same transaction (it commits with the records it covers, or not at all), when this
      // batch crosses a multiple of AUDIT_LOOKUP_EVERY: the head is read then only, not for every batch.
      if (Math.floor(last.seq / AUDIT_LOOKUP_EVERY) > Math.floor(head.seq / AUDIT_LOOKUP_EVERY)) {
        const filled = await lookupFilled();
        await db.run(AUDIT_LOOKUP_FILL, lookupRange(filled, last.seq));
        await db.run(AUDIT_SPAN_FILL, [filled, last.seq, last.seq]);
        await db.run('UPDATE audit_lookup_head SET seq = ? WHERE id = 1', [last.seq]);
      }
    },
    async prune(before, limit) {
      writable();
      const head = await auditHead();
      // Only the prefix of the chain that is entirely older than `before` goes: `at` is not monotonic in `seq` (an
      // instance whose clock runs behind, a batch held back through an outage), so the newest old record may sit
      // after newer ones, which must stay. The checkpoint is the record just before the first one at or after
      // `before` (the last record when none is). With `limit` (a part), only the part's records are looked at, by the
      // primary key (`RANGE_AT`: given `at >= ?` alone, SQLite without statistics read the `at` index from `before` to
      // the newest record, every record kept, 55 ms a part on a 300,000-record log; review ef4). Without, the first
      // newer record in the whole log.
      const firstKept = (
        limit !== undefined
          ? await one(`SELECT MIN(seq) AS seq FROM audit_log WHERE seq > ? AND seq <= ? AND ${RANGE_AT} >= ?`, [head.baseSeq, head.baseSeq + limit, before])
          : await one('SELECT MIN(seq) AS seq FROM audit_log WHERE at >= ?', [before])
      )?.['seq'];
      const last =
        firstKept !== null && firstKept !== undefined
          ? await one('SELECT seq, hash FROM audit_log WHERE seq < ? ORDER BY seq DESC LIMIT 1', [num(firstKept)])
          : limit !== undefined
            ? // The part is older than `before` throughout: all of it (rows are numbered without gaps but for tampering).
              await one('SELECT seq, hash FROM audit_log WHERE seq <= ? ORDER BY seq DESC LIMIT 1', [head.baseSeq + limit])
            : await one('SELECT seq, hash FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)', []);
      if (last === undefined || num(last['seq']) <= head.baseSeq) return { pruned: 0, head };
      const baseSeq = num(last['seq']);
      const baseHash = str(last['hash']);
      // The lookup's entries of the records that go, by their keys (read from those records, before they go): each key's
      // entries up to the checkpoint, by the primary key (lookup, seq), the keys named in lists. `WHERE seq <= ?` alone
      // read the whole lookup, four entries a record, at every part; so did PostgreSQL given the keys as a subquery (a
      // hash join over the lookup); review ef4. Entries of no record (planted, below the checkpoint) are never read:
      // queries join the log, `verify` checks from the checkpoint.
      const filled = await lookupFilled();
      const indexedTo = Math.min(baseSeq, filled);
      if (indexedTo > head.baseSeq) {
        const keys = (await db.all(`SELECT DISTINCT k FROM (${lookupKeys('seq > ? AND seq <= ?')}) going`, lookupRange(head.baseSeq, indexedTo))).map((r) => str(r['k']));
        for (let i = 0; i < keys.length; i += PRUNE_KEYS_AT_ONCE) {
          const some = keys.slice(i, i + PRUNE_KEYS_AT_ONCE);
          await db.run(`DELETE FROM audit_lookup WHERE lookup IN (${some.map(() => '?').join(', ')}) AND seq <= ?`, [...some, indexedTo]);
        }
      }
      const pruned = await db.run('DELETE FROM audit_log WHERE seq <= ?', [baseSeq]);
      await db.run('DELETE FROM audit_span WHERE seq <= ?', [baseSeq]);
      await db.run('UPDATE audit_head SET base_seq = ?, base_hash = ? WHERE id = 1', [baseSeq, baseHash]);
      return { pruned, head: { ...head, baseSeq, baseHash } };
    },
  };

  const signatureNonces: WriteTx['signatureNonces'] = {
    async claim(nonceKey, ends, now, prune) {
      writable();
      // An expired claim of this key first (a concurrent claimer waits on its row lock, then finds it gone), then the
      // insert: of two claims of one key racing, the second waits on the first's key and inserts nothing.
      await db.run('DELETE FROM signature_nonces WHERE nonce_key = ? AND ends <= ?', [nonceKey, now]);
      const taken = (await db.run('INSERT INTO signature_nonces (nonce_key, ends) VALUES (?, ?) ON CONFLICT (nonce_key) DO NOTHING', [nonceKey, ends])) > 0;
      if (prune > 0) {
        await db.run('DELETE FROM signature_nonces WHERE nonce_key IN (SELECT nonce_key FROM signature_nonces WHERE ends <= ? ORDER BY ends LIMIT ?)', [now, Math.floor(prune)]);
      }
      return taken;
    },
    async claimAll(claims, now) {
      writable();
      for (const c of claims) {
        await db.run('DELETE FROM signature_nonces WHERE nonce_key = ? AND ends <= ?', [c.nonceKey, now]);
        await db.run('INSERT INTO signature_nonces (nonce_key, ends) VALUES (?, ?) ON CONFLICT (nonce_key) DO NOTHING', [c.nonceKey, c.ends]);
      }
      await db.run('DELETE FROM signature_nonces WHERE nonce_key IN (SELECT nonce_key FROM signature_nonces WHERE ends <= ? ORDER BY ends LIMIT ?)', [now, claims.length * 2]);
    },
    async latestEnd() {
      const v = (await db.all('SELECT MAX(ends) AS latest FROM signature_nonces'))[0]?.['latest'];
      return v === null || v === undefined ? 0 : Number(v);
    },
  };

  return { accounts, users, groups, roles, policies, attachments, inlinePolicies, accessKeys, kv, changes, audit, signatureNonces };
}

const AUDIT_COLUMNS = 'seq, at, kind, account, principal, action, resource, decision, role_arn, acting_role, session_arn, job, source_identity, source_ip, access_key_id, request_id, detail, prev_hash, hash';
/** The same, of `audit_log a`. */
const AUDIT_COLUMNS_A = AUDIT_COLUMNS.split(', ').map((c) => `a.${c}`).join(', ');

/**
 * Records the lookup (`audit_lookup`, migration 4) is filled for at a time: the append whose batch crosses a multiple
 * of it adds the keys of every record past `audit_lookup_head`, sorted, so each key's entries go in together (a few pages
 * written a key) instead of one page rebalanced per record. Queries scan at most about this many records past it.
 */
export const AUDIT_LOOKUP_EVERY = 4096;

/**
 * Characters of a value its lookup key holds. PostgreSQL's B-tree refuses an entry past 2,704 bytes, and a key holding a
 * whole value (a refused AssumeRole's RoleArn, whose path has no bound: 3,000 characters) failed the fill, so the batch
 * that crossed the next multiple of AUDIT_LOOKUP_EVERY was refused for ever and nothing was written again (review an,
 * 2). The lookup only narrows which records are read (every filter is checked on the record itself), so the first 512
 * characters (2,048 bytes of UTF-8 at most) are enough; values sharing them are told apart by that check.
 */
export const LOOKUP_KEY_CHARS = 512;

/** The first LOOKUP_KEY_CHARS characters (code points, as `substr` counts them in both databases) of `v`. */
function lookupPrefix(v: string): string {
  if (v.length <= LOOKUP_KEY_CHARS) return v;
  let out = '';
  let n = 0;
  for (const c of v) {
    if (n++ === LOOKUP_KEY_CHARS) break;
    out += c;
  }
  return out;
}

/**
 * The last span holding a record older than the `until` given (its seq; 0 when none): no record after it is older, so it
 * bounds from above the records the lookup covers that a query with `until` can match.
 */
/** How the detail of a summary of refusals left out by the flood limit begins when it lists keys (src/app/auth-failures.ts: canonical JSON). */
const SUMMARY_KEYS = '{"accessKeyIds":[';
/** What the detail of a summary of refusals of several codes holds (src/app/auth-failures.ts), its codes in `codes`. */
const SUMMARY_MULTIPLE = '"authentication":"Multiple"';
/** What the detail of a summary of refusals left out by the flood limit holds before the actions it lists. */
const SUMMARY_ACTIONS = '"actions":[';
const SPANS_BEFORE = 'SELECT COALESCE(MAX(seq), 0) AS s FROM audit_span WHERE min_at < ?';

/** The lookup key of column `c`: its prefix and the value's first LOOKUP_KEY_CHARS characters. */
const lookupKey = (prefix: string, c: string): string => `'${prefix}:' || substr(${c}, 1, ${LOOKUP_KEY_CHARS})`;

/**
 * The decisions the lookup does not key (`d:`): an allowed decision and a change made, the outcome of nearly every
 * record, which a filter by them alone reads the log for anyway. Denials, refusals, errors and job states are the few
 * records an auditor looks for (`audit query --decision ExplicitDeny`, `AccessDenied`): keyed, a page of them reads
 * their entries instead of up to AUDIT_SCAN_WINDOW records (migration 9).
 */
export const UNKEYED_DECISIONS: readonly string[] = ['Allow', 'ok'];
const KEYED_DECISION = `decision IS NOT NULL AND decision NOT IN (${UNKEYED_DECISIONS.map((d) => `'${d}'`).join(', ')})`;

/**
 * The lookup keys of the records `range` selects, sorted: `p:` principal, `a:` account, `r:` role, `j:` job, `d:` a
 * decision other than UNKEYED_DECISIONS. `range` appears once per kind of key: its parameters go LOOKUP_KINDS times.
 * `r:` keys the acting role too, where its key is not the role's (review ic, 2; `acting_role`, migration 10): the
 * migration that fills the lookup (version 4) runs before that column exists, and fills without it (`acting` false).
 */
const lookupKeys = (range: string, acting = true): string =>
  `SELECT k, seq FROM (SELECT ${lookupKey('p', 'principal')} AS k, seq FROM audit_log WHERE ${range} ` +
  `UNION ALL SELECT ${lookupKey('a', 'account')}, seq FROM audit_log WHERE ${range} ` +
  `UNION ALL SELECT ${lookupKey('r', 'role_arn')}, seq FROM audit_log WHERE ${range} AND role_arn IS NOT NULL ` +
  (acting
    ? `UNION ALL SELECT ${lookupKey('r', 'acting_role')}, seq FROM audit_log WHERE ${range} AND acting_role IS NOT NULL ` +
      `AND (role_arn IS NULL OR substr(acting_role, 1, ${LOOKUP_KEY_CHARS}) <> substr(role_arn, 1, ${LOOKUP_KEY_CHARS})) `
    : '') +
  `UNION ALL SELECT ${lookupKey('j', 'job')}, seq FROM audit_log WHERE ${range} AND job IS NOT NULL ` +
  `UNION ALL SELECT ${lookupKey('d', 'decision')}, seq FROM audit_log WHERE ${range} AND ${KEYED_DECISION}) lookup_keys ORDER BY k, seq`;
const LOOKUP_KINDS = 6;
/** The parameters of `lookupKeys('seq > ? AND seq <= ?')` for the records after `from` up to `to`. */
const lookupRange = (from: number, to: number): number[] => Array.from({ length: LOOKUP_KINDS }, () => [from, to]).flat();

/**
 * Migration 9: the `d:` keys of the records the lookup already covers (those past its mark get theirs with the next
 * fill, as every key). Idempotent, like versions 4 and 6.
 */
export const AUDIT_LOOKUP_DECISIONS =
  `INSERT INTO audit_lookup (lookup, seq) SELECT ${lookupKey('d', 'decision')}, seq FROM audit_log ` +
  `WHERE ${KEYED_DECISION} AND seq <= (SELECT seq FROM audit_lookup_head WHERE id = 1) ON CONFLICT DO NOTHING`;

/**
 * The migration that bounds the keys (version 6, both stores): entries that held a whole value longer than
 * LOOKUP_KEY_CHARS go, and the bounded keys of those records (up to the filled mark) take their place. Idempotent.
 */
export const AUDIT_LOOKUP_BOUND_KEYS: readonly string[] = (() => {
  const filled = '(SELECT seq FROM audit_lookup_head WHERE id = 1)';
  const long = (c: string) => `length(${c}) > ${LOOKUP_KEY_CHARS} AND seq <= ${filled}`;
  return [
    `DELETE FROM audit_lookup WHERE length(lookup) > ${LOOKUP_KEY_CHARS + 2}`,
    `INSERT INTO audit_lookup (lookup, seq) SELECT k, seq FROM (SELECT ${lookupKey('p', 'principal')} AS k, seq FROM audit_log WHERE ${long('principal')} ` +
      `UNION ALL SELECT ${lookupKey('a', 'account')}, seq FROM audit_log WHERE ${long('account')} ` +
      `UNION ALL SELECT ${lookupKey('r', 'role_arn')}, seq FROM audit_log WHERE role_arn IS NOT NULL AND ${long('role_arn')} ` +
      `UNION ALL SELECT ${lookupKey('j', 'job')}, seq FROM audit_log WHERE job IS NOT NULL AND ${long('job')}) bounded WHERE true ON CONFLICT DO NOTHING`,
  ];
})();
/** Every record's lookup keys (the migration that creates the lookup, before `acting_role` exists). */
export const AUDIT_LOOKUP_FILL_ALL = lookupKeys('true', false);
const AUDIT_LOOKUP_FILL = `INSERT INTO audit_lookup (lookup, seq) ${lookupKeys('seq > ? AND seq <= ?')}`;

/**
 * `at` as the span fill aggregates it over a range of seq: an expression, not the column, so that PostgreSQL reads the
 * range by the primary key. Given MIN(at) or MAX(at), its planner answered from the `at` index instead (the first
 * entry, in time order, whose seq lies in the range), which for MIN read every older record: 295,904 rows and 95 ms a
 * fill on a 300,000-record log, in the append's transaction with the head row locked, growing with the log (review
 * ef3). SQLite ranges the rowid either way.
 */
const RANGE_AT = "at || ''";

/** How many lookup keys one statement of a pruning deletes the entries of (a list of parameters; a part has a few). */
const PRUNE_KEYS_AT_ONCE = 100;

/**
 * The spans of the log the lookup covers (`audit_span`, migration 8), one a fill: the span's last seq, the least `at`
 * in it, and the greatest `at` of every record up to its end. `at` is not monotonic in seq (a lagging instance's clock,
 * a batch held back through an outage), but that running maximum is: a span whose maximum is older than `since` has
 * nothing at or after it, nor has any before it. A pruning keeps the spans it leaves records in (their figures bound
 * those records still). The range is read once for both its least and its greatest `at` (a common table expression
 * used twice, which SQLite and PostgreSQL materialise): two reads of it took 0.75 us of the writer's CPU a record, one
 * 0.4. Params: the range (filled, last], then last.
 */
const AUDIT_SPAN_FILL =
  `WITH r AS (SELECT MIN(${RANGE_AT}) AS lo, MAX(${RANGE_AT}) AS hi FROM audit_log WHERE seq > ? AND seq <= ?) ` +
  `INSERT INTO audit_span (seq, min_at, max_at) VALUES (?, (SELECT lo FROM r), ` +
  `(SELECT MAX(m) FROM (SELECT hi AS m FROM r UNION ALL SELECT p.max_at FROM (SELECT max_at FROM audit_span ORDER BY seq DESC LIMIT 1) p) u))`;

/**
 * `spanCheck`: each stored span against the records from the span before it (as stored: one deleted widens the next,
 * as `list` reads them) to its end, one range read per span (a join grouped by span: as a subquery a span, PostgreSQL
 * answered MIN(at) and MAX(at) from the `at` index, reading from the log's oldest time for every span, 5 s on 300,000
 * records), and the running greatest `at` by a window over the spans:
 * a span whose least `at` is later than a record of its range, or whose running greatest `at` is earlier than one up to
 * its end, is bad. A pruning leaves a span's figures bounding what it keeps (fewer records, the same bounds), so a
 * healthy log has none. Window functions: SQLite 3.25+, PostgreSQL, CockroachDB and YugabyteDB alike.
 */
const AUDIT_SPAN_CHECK =
  'SELECT COUNT(*) AS spans, COALESCE(MAX(seq), 0) AS last, ' +
  'COALESCE(SUM(CASE WHEN (lo IS NOT NULL AND min_at > lo) OR (run IS NOT NULL AND max_at < run) THEN 1 ELSE 0 END), 0) AS bad FROM ' +
  '(SELECT seq, min_at, max_at, lo, MAX(hi) OVER (ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run FROM ' +
  '(SELECT s.seq, s.min_at, s.max_at, MIN(a.at) AS lo, MAX(a.at) AS hi FROM ' +
  '(SELECT seq, min_at, max_at, COALESCE(LAG(seq) OVER (ORDER BY seq), 0) AS prev FROM audit_span) s ' +
  'LEFT JOIN audit_log a ON a.seq > s.prev AND a.seq <= s.seq GROUP BY s.seq, s.min_at, s.max_at) ranged) checked';

/** The spans of the records up to the lookup's filled mark, AUDIT_LOOKUP_EVERY records each (the migration that creates them). */
export const AUDIT_SPANS_FILL_ALL =
  'INSERT INTO audit_span (seq, min_at, max_at) SELECT seq, min_at, MAX(max_at) OVER (ORDER BY seq ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) FROM ' +
  `(SELECT MAX(seq) AS seq, MIN(at) AS min_at, MAX(at) AS max_at FROM audit_log WHERE seq <= (SELECT seq FROM audit_lookup_head WHERE id = 1) GROUP BY seq - ((seq - 1) % ${AUDIT_LOOKUP_EVERY})) spans`;
const auditInsert = cached((n: number): string => {
  const row = `(${AUDIT_COLUMNS.split(',').map(() => '?').join(', ')})`;
  return `INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES ${Array.from({ length: n }, () => row).join(', ')}`;
});

/** The row's values in `AUDIT_COLUMNS` order, appended to `params` (no array per row: this runs for every record). */
function pushAuditRow(params: SqlValue[], r: AuditRecord): void {
  params.push(
    r.seq,
    r.at,
    r.kind,
    r.account,
    r.principal,
    r.action,
    r.resource,
    r.decision ?? null,
    r.role ?? null,
    r.actingRole ?? null,
    r.session ?? null,
    r.job ?? null,
    r.sourceIdentity ?? null,
    r.sourceIp ?? null,
    r.accessKeyId ?? null,
    r.requestId ?? null,
    detailTextOf(r),
    r.prevHash,
    r.hash,
  );
}

/**
 * A record's detail as stored: a JSON object, as every record is written. Text that is not one (a row edited or
 * damaged in the database) threw here, so `audit verify` answered 500 instead of naming the record, and every `audit
 * query` page holding it answered 500 too, hiding each record after it (review an, 4). It is read as `{ unreadable:
 * text }`: its record no longer matches its hash, which `verify` reports as altered, and the rest reads as usual.
 */
function detailOf(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // Not JSON: kept as text below.
  }
  return { unreadable: text };
}

function toAuditRecord(r: SqlRow): AuditRecord {
  const optional = (key: string, column: string): Record<string, string> => {
    const v = strOrNull(r[column]);
    return v === null ? {} : { [key]: v };
  };
  return {
    seq: num(r['seq']),
    at: str(r['at']),
    kind: str(r['kind']) as AuditKind,
    account: str(r['account']),
    principal: str(r['principal']),
    action: str(r['action']),
    resource: str(r['resource']),
    ...optional('decision', 'decision'),
    ...optional('role', 'role_arn'),
    ...optional('actingRole', 'acting_role'),
    ...optional('session', 'session_arn'),
    ...optional('job', 'job'),
    ...optional('sourceIdentity', 'source_identity'),
    ...optional('sourceIp', 'source_ip'),
    ...optional('accessKeyId', 'access_key_id'),
    ...optional('requestId', 'request_id'),
    detail: detailOf(str(r['detail'])),
    prevHash: str(r['prev_hash']),
    hash: str(r['hash']),
  };
}

// ---------------------------------------------------------------------------------------------------
// Row mapping. Drivers differ in what they return (pg gives BIGINT as text, node:sqlite gives
// null-prototype objects), so every column goes through `str`/`num`.

function toAccount(r: SqlRow): AccountRecord {
  return { id: str(r['id']), partition: str(r['arn_partition']) as Partition, name: str(r['name']), created: str(r['created']) };
}

/** A group is the columns every principal begins with: users and roles spread it first, so their keys keep this order. */
function toGroup(r: SqlRow): GroupRecord {
  return { account: str(r['account']), name: str(r['name']), path: str(r['path']), id: str(r['id']), created: str(r['created']) };
}

function toUser(r: SqlRow): UserRecord {
  return {
    ...toGroup(r),
    tags: parseTags(r['tags'], r, 'user'),
    permissionsBoundary: strOrNull(r['permissions_boundary']),
    disabled: num(r['disabled']) !== 0,
  };
}

function toRole(r: SqlRow): RoleRecord {
  return {
    ...toGroup(r),
    trustPolicy: str(r['trust_policy']),
    description: str(r['description']),
    maxSessionDuration: num(r['max_session_duration']),
    tags: parseTags(r['tags'], r, 'role'),
    permissionsBoundary: strOrNull(r['permissions_boundary']),
  };
}

function toPolicy(r: SqlRow): PolicyRecord {
  return {
    account: str(r['account']),
    name: str(r['name']),
    path: str(r['path']),
    id: str(r['id']),
    arn: str(r['arn']),
    description: str(r['description']),
    created: str(r['created']),
    updated: str(r['updated']),
    defaultVersion: `v${num(r['default_version'])}`,
    tags: parseTags(r['tags'], r, 'managed policy'),
  };
}

function toVersion(r: SqlRow): PolicyVersionRecord {
  return {
    versionId: `v${num(r['version'])}`,
    document: str(r['document']),
    isDefault: num(r['version']) === num(r['default_version']),
    created: str(r['created']),
  };
}

function roleLastUsedOf(r: SqlRow): RoleLastUsed | null {
  const at = strOrNull(r['last_used_at']);
  return at === null ? null : { at, region: str(r['last_used_region'] ?? '') };
}

function toAccessKey(r: SqlRow): AccessKeyRecord {
  const at = strOrNull(r['last_used_at']);
  const lastUsed: AccessKeyLastUsed | null =
    at === null ? null : { at, service: str(r['last_used_service'] ?? ''), region: str(r['last_used_region'] ?? '') };
  return {
    id: str(r['id']),
    account: str(r['account']),
    userName: str(r['user_name']),
    secret: str(r['secret']) as SealedSecret,
    status: str(r['status']) as AccessKeyStatus,
    created: str(r['created']),
    lastUsed,
  };
}

/** A copy of a user or role whose tags are not shared with the caller's record. */
function copyTagged<T extends { readonly tags: readonly Tag[] }>(r: T): T {
  return { ...r, tags: r.tags.map((t) => ({ ...t })) };
}

function tagsText(tags: readonly Tag[]): string {
  return JSON.stringify(tags.map((t) => ({ key: t.key, value: t.value })));
}

/**
 * The tags column of the row `r` of a user, role or policy (`what` names its kind). Tags decide (`aws:PrincipalTag`,
 * `aws:ResourceTag`, a Deny's condition among them), so a column that is not the JSON array the server writes is not
 * read as no tags; it still stops what reads it (the start's load of the directory), but names the row and what to do:
 * it said only `Unterminated string in JSON at position 8`, naming nothing in a directory of thousands (review pi, 11).
 */
function parseTags(v: unknown, r: SqlRow, what: 'user' | 'role' | 'managed policy'): Tag[] {
  try {
    const parsed: unknown = JSON.parse(str(v));
    if (!Array.isArray(parsed)) throw new Error('not a JSON array');
    return parsed.map((t: unknown) => {
      if (typeof t !== 'object' || t === null || typeof (t as { key?: unknown }).key !== 'string' || typeof (t as { value?: unknown }).value !== 'string') throw new Error('an element is not a {key, value} object of strings');
      return { key: (t as Tag).key, value: (t as Tag).value };
    });
  } catch (e) {
    throw new Error(`store: the tags of ${what} \`${str(r['name'])}\` of account ${str(r['account'])} are not the JSON array of {key, value} the server writes (${e instanceof Error ? e.message : String(e)}): restore that row, or set its tags column to []`);
  }
}

/** Drops undefined fields so a patch spread leaves current values alone (exactOptionalPropertyTypes). */
function defined<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}

function ok<T>(value: T): StoreResult<T> {
  return { ok: true, value };
}

function fail<T = never>(code: StoreErrorCode, message: string): StoreResult<T> {
  return { ok: false, error: { code, message } };
}

function lc(name: string): string {
  return name.toLowerCase();
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function str(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  throw new Error(`store: expected text, got ${v === null ? 'null' : typeof v}`);
}

function strOrNull(v: unknown): string | null {
  return v === null || v === undefined ? null : str(v);
}

function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint' || typeof v === 'string') return Number(v);
  if (v === undefined || v === null) return 0;
  throw new Error(`store: expected a number, got ${typeof v}`);
}

/**
 * The least key after every key that starts with `prefix`, when its last character is ASCII (every prefix Gatehouse
 * lists ends with `/` or a letter): the prefix with that character's successor. Keys compare bytewise on both engines
 * (SQLite's BINARY collation, `COLLATE "C"` on PostgreSQL), where UTF-8 keeps code point order, so the keys starting
 * with `prefix` are exactly those from `prefix` up to this one. Undefined otherwise: the listing then compares the
 * prefix itself, from `prefix` on.
 */
export function prefixEnd(prefix: string): string | undefined {
  const last = prefix.charCodeAt(prefix.length - 1);
  return prefix.length > 0 && last < 0x7f ? `${prefix.slice(0, -1)}${String.fromCharCode(last + 1)}` : undefined;
}
