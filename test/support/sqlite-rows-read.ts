/**
 * How many rows of `audit_log` a statement reads on SQLite, for tests that assert a query's work rather than its time
 * (reviews ed4, ef1): the statement runs again on a read-only connection of its own, `audit_log` shadowed by a TEMP
 * view that counts each row it yields, so a scan of the log reads as the log's size and a bounded range as its range.
 */
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';

export function auditRowsRead(file: string, sql: string, params: readonly SQLInputValue[]): { readonly rows: Record<string, unknown>[]; readonly visited: number } {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    let visited = 0;
    db.function('visit', { deterministic: false }, () => {
      visited++;
      return 1;
    });
    db.exec('CREATE TEMP VIEW audit_log AS SELECT * FROM main.audit_log WHERE visit() = 1');
    const rows = db.prepare(sql).all(...params) as Record<string, unknown>[];
    return { rows, visited };
  } finally {
    db.close();
  }
}
