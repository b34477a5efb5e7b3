/**
 * A synthetic audit log made by the database itself, for the reviews that measure what a statement reads on a large
 * log (ef3, ef4): `n` records a second apart from 2026-06-01, principals `u0`–`u6` in turn, the lookup (principal and
 * account keys) filled and a span per AUDIT_LOOKUP_EVERY records up to the last multiple of it, the heads set. Hashes
 * are placeholders: no chain to verify.
 */
import { AUDIT_LOOKUP_EVERY } from '../../src/adapters/store-sql/index.ts';

/** Up to which record the lookup and spans of a log of `n` records are filled. */
export const filledOf = (n: number): number => n - (n % AUDIT_LOOKUP_EVERY);

/**
 * The statements, in order. `at`: the SQL of record `g`'s time in the dialect; `series`: a FROM item that yields `g`
 * from 1 to `n` (`generate_series(1, n) g` on PostgreSQL, a recursive CTE `gen` on SQLite).
 */
export function auditFillSql(n: number, at: string, series: string): string[] {
  const filled = filledOf(n);
  return [
    'INSERT INTO audit_log (seq, at, kind, account, principal, action, resource, decision, detail, prev_hash, hash) ' +
      `SELECT g, ${at}, 'decision', '000000000000', 'arn:aws:iam::000000000000:user/u' || (g % 7), 's3:GetObject', 'arn:aws:s3:::b/k' || g, 'Allow', '{}', 'x', 'y' FROM ${series}`,
    `INSERT INTO audit_lookup (lookup, seq) SELECT 'p:' || principal, seq FROM audit_log WHERE seq <= ${filled} UNION ALL SELECT 'a:' || account, seq FROM audit_log WHERE seq <= ${filled}`,
    `UPDATE audit_lookup_head SET seq = ${filled} WHERE id = 1`,
    `INSERT INTO audit_span (seq, min_at, max_at) SELECT MAX(seq), MIN(at), MAX(at) FROM audit_log WHERE seq <= ${filled} GROUP BY (seq - 1) / ${AUDIT_LOOKUP_EVERY}`,
    `UPDATE audit_head SET seq = ${n}, hash = 'y' WHERE id = 1`,
  ];
}

/** Record `g`'s time, as PostgreSQL writes it. */
export const PG_AT = `to_char(timestamp '2026-06-01 00:00:00' + g * interval '1 second', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
/** Record `g`'s time, as SQLite writes it. */
export const SQLITE_AT = `strftime('%Y-%m-%dT%H:%M:%fZ', ${Date.parse('2026-06-01T00:00:00Z') / 1000} + g, 'unixepoch')`;
