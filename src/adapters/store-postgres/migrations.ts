/**
 * PostgreSQL schema, as versioned migrations: the same tables and columns as
 * `../store-sqlite/migrations.ts` (the shared queries in `adapters/store-sql/index.ts` run on both). Never edit a
 * released migration; append a new version.
 *
 * Kept to what CockroachDB and YugabyteDB also accept, so a deployment can move to a distributed engine.
 * Deliberately avoided:
 * - PL/pgSQL, functions, triggers, rules: neither engine runs them all (CockroachDB has partial UDF and
 *   trigger support only in recent versions). Every invariant lives in constraints or in the shared queries.
 * - SERIAL / sequences / identity columns for the change log: in CockroachDB `SERIAL` is `unique_rowid()`,
 *   not gap-free or commit-ordered. The sequence is one counter row (`change_head`) bumped in each write.
 * - ENUM types (CHECK constraints instead), JSONB (tags are JSON text, as in SQLite), TIMESTAMPTZ
 *   (ISO-8601 text, so both dialects return identical records), expression indexes (a `name_key` column
 *   holds lower(name)), deferrable constraints, `CREATE INDEX CONCURRENTLY`,
 *   `ON DELETE CASCADE` chains (deletes are explicit and checked first).
 * - `COLLATE "C"` on columns used for ORDER BY, so the order is bytewise as in SQLite whatever the
 *   database's default collation (CockroachDB and YugabyteDB accept `"C"`).
 * - The advisory lock around migrations is PostgreSQL (and YugabyteDB ≥ 2.20) only; see `store.ts`.
 * Used though: partial indexes (`… WHERE role_arn IS NOT NULL`, migrations 3 and 10), which CockroachDB
 * (from 20.2) and YugabyteDB accept as PostgreSQL does.
 */
import { AUDIT_LOOKUP_BOUND_KEYS, AUDIT_LOOKUP_DECISIONS, AUDIT_LOOKUP_FILL_ALL, AUDIT_SPANS_FILL_ALL, type Migration } from '../store-sql/index.ts';

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'directory',
    statements: [
      `CREATE TABLE accounts (
         id TEXT COLLATE "C" PRIMARY KEY,
         arn_partition TEXT NOT NULL CHECK (arn_partition IN ('aws', 'acs')),
         name TEXT NOT NULL,
         created TEXT NOT NULL
       )`,
      `CREATE TABLE users (
         id TEXT PRIMARY KEY,
         account TEXT NOT NULL REFERENCES accounts (id),
         name TEXT NOT NULL,
         name_key TEXT COLLATE "C" NOT NULL,
         path TEXT NOT NULL,
         created TEXT NOT NULL,
         tags TEXT NOT NULL,
         permissions_boundary TEXT,
         disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),
         UNIQUE (account, name_key)
       )`,
      `CREATE TABLE groups (
         id TEXT PRIMARY KEY,
         account TEXT NOT NULL REFERENCES accounts (id),
         name TEXT NOT NULL,
         name_key TEXT COLLATE "C" NOT NULL,
         path TEXT NOT NULL,
         created TEXT NOT NULL,
         UNIQUE (account, name_key)
       )`,
      `CREATE TABLE group_members (
         group_id TEXT NOT NULL REFERENCES groups (id),
         user_id TEXT NOT NULL REFERENCES users (id),
         PRIMARY KEY (group_id, user_id)
       )`,
      'CREATE INDEX group_members_user ON group_members (user_id)',
      `CREATE TABLE roles (
         id TEXT PRIMARY KEY,
         account TEXT NOT NULL REFERENCES accounts (id),
         name TEXT NOT NULL,
         name_key TEXT COLLATE "C" NOT NULL,
         path TEXT NOT NULL,
         created TEXT NOT NULL,
         trust_policy TEXT NOT NULL,
         description TEXT NOT NULL,
         max_session_duration INTEGER NOT NULL,
         tags TEXT NOT NULL,
         permissions_boundary TEXT,
         UNIQUE (account, name_key)
       )`,
      `CREATE TABLE policies (
         id TEXT PRIMARY KEY,
         account TEXT NOT NULL,
         name TEXT NOT NULL,
         name_key TEXT COLLATE "C" NOT NULL,
         path TEXT NOT NULL,
         arn TEXT NOT NULL UNIQUE,
         description TEXT NOT NULL,
         created TEXT NOT NULL,
         updated TEXT NOT NULL,
         default_version INTEGER NOT NULL,
         next_version INTEGER NOT NULL,
         UNIQUE (account, name_key)
       )`,
      `CREATE TABLE policy_versions (
         policy_id TEXT NOT NULL REFERENCES policies (id),
         version INTEGER NOT NULL,
         document TEXT NOT NULL,
         created TEXT NOT NULL,
         PRIMARY KEY (policy_id, version)
       )`,
      `CREATE TABLE attachments (
         principal_type TEXT NOT NULL CHECK (principal_type IN ('user', 'group', 'role')),
         principal_id TEXT NOT NULL,
         policy_arn TEXT NOT NULL REFERENCES policies (arn),
         ord BIGINT NOT NULL,
         PRIMARY KEY (principal_type, principal_id, policy_arn)
       )`,
      'CREATE INDEX attachments_policy ON attachments (policy_arn)',
      `CREATE TABLE inline_policies (
         principal_type TEXT NOT NULL CHECK (principal_type IN ('user', 'group', 'role')),
         principal_id TEXT NOT NULL,
         name TEXT NOT NULL,
         name_key TEXT COLLATE "C" NOT NULL,
         document TEXT NOT NULL,
         PRIMARY KEY (principal_type, principal_id, name_key)
       )`,
      `CREATE TABLE access_keys (
         id TEXT COLLATE "C" PRIMARY KEY,
         user_id TEXT NOT NULL REFERENCES users (id),
         secret TEXT NOT NULL,
         status TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
         created TEXT NOT NULL,
         last_used_at TEXT,
         last_used_service TEXT,
         last_used_region TEXT
       )`,
      'CREATE INDEX access_keys_user ON access_keys (user_id)',
      `CREATE TABLE kv (
         kv_key TEXT COLLATE "C" PRIMARY KEY,
         kv_value TEXT NOT NULL,
         updated TEXT NOT NULL
       )`,
      `CREATE TABLE changes (
         seq BIGINT PRIMARY KEY,
         kind TEXT NOT NULL,
         entity_key TEXT NOT NULL,
         op TEXT NOT NULL CHECK (op IN ('put', 'delete')),
         at TEXT NOT NULL
       )`,
      'CREATE TABLE change_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL)',
      'INSERT INTO change_head (id, seq) VALUES (1, 0)',
    ],
  },
  {
    // The audit log (src/core/audit): an append-only hash chain, and its head row (end of the chain, and the
    // checkpoint it is verified from after pruning). Statements are idempotent, so a half-applied run (or an
    // operator who created the tables by hand) does not stop the migration.
    version: 2,
    name: 'audit',
    statements: [
      `CREATE TABLE IF NOT EXISTS audit_log (
         seq BIGINT PRIMARY KEY,
         at TEXT COLLATE "C" NOT NULL,
         kind TEXT NOT NULL CHECK (kind IN ('change', 'session', 'decision', 'job')),
         account TEXT NOT NULL,
         principal TEXT NOT NULL,
         action TEXT NOT NULL,
         resource TEXT NOT NULL,
         decision TEXT,
         role_arn TEXT,
         session_arn TEXT,
         job TEXT,
         source_identity TEXT,
         source_ip TEXT,
         detail TEXT NOT NULL,
         prev_hash TEXT NOT NULL,
         hash TEXT NOT NULL
       )`,
      'CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at)',
      'CREATE INDEX IF NOT EXISTS audit_log_account ON audit_log (account, seq)',
      'CREATE INDEX IF NOT EXISTS audit_log_principal ON audit_log (principal, seq)',
      'CREATE INDEX IF NOT EXISTS audit_log_role ON audit_log (role_arn, seq)',
      'CREATE INDEX IF NOT EXISTS audit_log_job ON audit_log (job, seq)',
      `CREATE TABLE IF NOT EXISTS audit_head (
         id INTEGER PRIMARY KEY CHECK (id = 1),
         seq BIGINT NOT NULL,
         hash TEXT NOT NULL,
         base_seq BIGINT NOT NULL,
         base_hash TEXT NOT NULL
       )`,
      `INSERT INTO audit_head (id, seq, hash, base_seq, base_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 0, '0000000000000000000000000000000000000000000000000000000000000000') ON CONFLICT (id) DO NOTHING`,
    ],
  },
  {
    // Cheaper audit rows (issue "an audit log nothing escapes": writing records never slows a decision): most
    // records — decisions — have no role and no job, and each still cost an entry in both indexes. Partial indexes
    // keep only the rows that have one; a filter `role_arn = ?` or `job = ?` implies `IS NOT NULL`, so the
    // planner still uses them. Idempotent, like version 2.
    version: 3,
    name: 'audit-partial-indexes',
    statements: [
      'DROP INDEX IF EXISTS audit_log_role',
      'DROP INDEX IF EXISTS audit_log_job',
      'CREATE INDEX IF NOT EXISTS audit_log_role_set ON audit_log (role_arn, seq) WHERE role_arn IS NOT NULL',
      'CREATE INDEX IF NOT EXISTS audit_log_job_set ON audit_log (job, seq) WHERE job IS NOT NULL',
    ],
  },
  {
    // The audit log's lookups by principal, account, role and job move out of per-row indexes (issue "an audit log
    // nothing escapes": writing records never slows a decision). Records interleave many principals, so each row
    // inserted into `(principal, seq)` landed in the middle of that index, and SQLite rebalanced pages there: about
    // two 4 KiB pages written to the WAL per record, 70% of the writer thread's time. `audit_lookup` holds the same
    // (key, seq) pairs, filled by the writer in bulk, sorted, every `AUDIT_LOOKUP_EVERY` records
    // (src/adapters/store-sql/index.ts); `audit_lookup_head` says up to which seq it is filled, and a filtered query
    // reads the index up to there and scans the short tail after it. Idempotent, like version 2: the lookup is
    // rebuilt from the records whatever it held.
    version: 4,
    name: 'audit-lookup',
    statements: [
      'CREATE TABLE IF NOT EXISTS audit_lookup (lookup TEXT COLLATE "C" NOT NULL, seq BIGINT NOT NULL, PRIMARY KEY (lookup, seq))',
      'CREATE TABLE IF NOT EXISTS audit_lookup_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL)',
      'DELETE FROM audit_lookup',
      `INSERT INTO audit_lookup (lookup, seq) ${AUDIT_LOOKUP_FILL_ALL}`,
      `INSERT INTO audit_lookup_head (id, seq) SELECT 1, COALESCE(MAX(seq), 0) FROM audit_log WHERE true ON CONFLICT (id) DO UPDATE SET seq = excluded.seq`,
      'DROP INDEX IF EXISTS audit_log_account',
      'DROP INDEX IF EXISTS audit_log_principal',
      'DROP INDEX IF EXISTS audit_log_role_set',
      'DROP INDEX IF EXISTS audit_log_job_set',
    ],
  },
  {
    // Managed policies carry tags, as IAM's do (TagPolicy, CreatePolicy's Tags): Terraform's provider-level
    // `default_tags` sends them on every `aws_iam_policy`. The same JSON-array text as users' and roles' tags; the
    // policies made before this migration have none. One ADD COLUMN with a constant default: PostgreSQL,
    // CockroachDB, YugabyteDB and SQLite (STRICT tables too) all take it without rewriting the rows' values.
    version: 5,
    name: 'policy-tags',
    statements: ["ALTER TABLE policies ADD COLUMN tags TEXT NOT NULL DEFAULT '[]'"],
  },
  {
    // The audit lookup's keys hold the first 512 characters of a value (LOOKUP_KEY_CHARS, src/adapters/store-sql):
    // a whole RoleArn of 3,000 characters (a refused AssumeRole's, any caller's) passed PostgreSQL's B-tree bound and
    // failed the fill, and with it every later batch (review an, 2). Entries that held a longer value are rebuilt
    // bounded; the rest are as they were. Idempotent, like version 4.
    version: 6,
    name: 'audit-lookup-bounded-keys',
    statements: [...AUDIT_LOOKUP_BOUND_KEYS],
  },
  {
    // When each role was last assumed (GetRole's RoleLastUsed): written as the access keys' last use is, a minute's
    // notes of an instance in one transaction, only forward (src/app/key-use.ts). Two nullable columns: roles made
    // before this migration have never been assumed as far as the store knows. ADD COLUMN without a default rewrites no
    // row in PostgreSQL, CockroachDB, YugabyteDB or SQLite (STRICT tables too).
    version: 7,
    name: 'role-last-used',
    statements: ['ALTER TABLE roles ADD COLUMN last_used_at TEXT', 'ALTER TABLE roles ADD COLUMN last_used_region TEXT'],
  },
  {
    // Time ranges of the audit log (review ed4): `audit query --since` with no principal, job, role or account read the
    // log from its first record, the time checked on each (55 ms a query with 300,000 older records, growing with the
    // log). `audit_span` holds, for each span of records the lookup covers, its last seq, its least `at` and the greatest
    // `at` up to its end (src/adapters/store-sql, AUDIT_SPANS_FILL_ALL): a time bound becomes a seq bound. Idempotent:
    // rebuilt from the records up to the lookup's filled mark. Window functions: SQLite 3.25+, PostgreSQL, CockroachDB,
    // YugabyteDB.
    version: 8,
    name: 'audit-spans',
    statements: [
      'CREATE TABLE IF NOT EXISTS audit_span (seq BIGINT PRIMARY KEY, min_at TEXT COLLATE "C" NOT NULL, max_at TEXT COLLATE "C" NOT NULL)',
      'DELETE FROM audit_span',
      AUDIT_SPANS_FILL_ALL,
    ],
  },
  {
    // Denials, refusals, errors and job states in the filter lookup (`d:` keys, src/adapters/store-sql UNKEYED_DECISIONS):
    // `audit query --decision ExplicitDeny` (or `AccessDenied`) on a log of allows read up to AUDIT_SCAN_WINDOW records
    // a page, all of them allows, and an auditor following `next` read the whole log so (review eh1). The records the
    // lookup covers get their keys here; those past its mark with the next fill. Idempotent, like versions 4 and 6.
    version: 9,
    name: 'audit-lookup-decisions',
    statements: [AUDIT_LOOKUP_DECISIONS],
  },
  {
    // The role whose session acted, where a record is about another role (a session of `ops` changing `other`): the
    // record named `other` alone, and `audit query --role` of `ops` did not find what its sessions did to other roles
    // (review ic, 2). Nullable, without a default (no row rewritten, as version 7); the lookup keys it from the next
    // fill on (`r:`), and no record before this migration has one. The few records that have one are indexed apart, so
    // that the fill and a pruning read them alone, not every record of their range once more (review ef4's bound).
    version: 10,
    name: 'audit-acting-role',
    statements: ['ALTER TABLE audit_log ADD COLUMN acting_role TEXT', 'CREATE INDEX IF NOT EXISTS audit_log_acting ON audit_log (seq) WHERE acting_role IS NOT NULL'],
  },
  {
    // Alibaba STS signature nonces claimed by the instances of a deployment on one database (review kq, 1): each held
    // in memory per instance let a signed AssumeRole taken by one be taken again by another within its 15-minute window.
    // A row lives until its request's Timestamp window ends (`ends`, epoch ms); claims delete the expired ones a few at
    // a time, oldest first, through `signature_nonces_ends`. Bookkeeping: never in the change log.
    version: 11,
    name: 'signature-nonces',
    statements: [
      'CREATE TABLE signature_nonces (nonce_key TEXT COLLATE "C" PRIMARY KEY, ends BIGINT NOT NULL)',
      'CREATE INDEX signature_nonces_ends ON signature_nonces (ends)',
    ],
  },
  {
    // The access key that signed the request of the caller who acted (CloudTrail's `userIdentity.accessKeyId`): records
    // named the user only, so a user's leaked key could not be told from its other key (review mi, 2). Nullable, without
    // a default (no row rewritten, as versions 7 and 10); no record before this migration has one.
    version: 12,
    name: 'audit-access-key-id',
    statements: ['ALTER TABLE audit_log ADD COLUMN access_key_id TEXT'],
  },
  {
    // The id the request was answered with (`x-amzn-RequestId`, `<RequestId>`; CloudTrail's `requestID`): a client's
    // error could not be joined to its record (review sd, 1). Nullable, without a default (no row rewritten, as versions
    // 7, 10 and 12); no record before this migration has one.
    version: 13,
    name: 'audit-request-id',
    statements: ['ALTER TABLE audit_log ADD COLUMN request_id TEXT'],
  },
];
