/**
 * How many rows of `audit_log` a statement reads on SQLite, for tests that assert a query's work rather than its time
 * (reviews ed4, ef1): the statement runs again on a read-only connection of its own, `audit_log` shadowed by a TEMP
 * view that counts each row it yields, so a scan of the log reads as the log's size and a bounded range as its range.
 */
import { DatabaseSync, StatementSync, type SQLInputValue } from 'node:sqlite';
import type { Store } from '../../src/app/ports/store.ts';
import type { AuditFilter, AuditRecord, TimedEvent } from '../../src/core/audit/index.ts';
import { storeAppender } from '../../src/app/audit-store-appender.ts';

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

/**
 * The last statement `match` picks among those `run` has the store execute with `all` (its text and the parameters
 * bound), run again through `auditRowsRead`: what `run` answered, the rows the statement gives, and how many rows of
 * `audit_log` it reads. Rejects when no statement matched.
 */
export async function lastStatementRowsRead<T>(
  file: string,
  match: (sql: string) => boolean,
  run: () => Promise<T>,
): Promise<{ readonly answer: T; readonly rows: Record<string, unknown>[]; readonly visited: number }> {
  const { answer, ran } = await statementsRun(match, run);
  const last = ran.at(-1);
  if (last === undefined) throw new Error('the statement looked for did not run');
  return { answer, ...auditRowsRead(file, last.sql, last.params) };
}

/** As `lastStatementRowsRead`, over every statement `match` picks, in order: their rows one after the other, their reads summed. */
export async function statementsRowsRead<T>(
  file: string,
  match: (sql: string) => boolean,
  run: () => Promise<T>,
): Promise<{ readonly answer: T; readonly rows: Record<string, unknown>[]; readonly visited: number; readonly statements: number }> {
  const { answer, ran } = await statementsRun(match, run);
  if (ran.length === 0) throw new Error('no statement looked for ran');
  const again = ran.map((r) => auditRowsRead(file, r.sql, r.params));
  return { answer, rows: again.flatMap((r) => r.rows), visited: again.reduce((n, r) => n + r.visited, 0), statements: ran.length };
}

/** The statements `match` picks among those `run` has the store execute with `all`, with their parameters. */
async function statementsRun<T>(match: (sql: string) => boolean, run: () => Promise<T>): Promise<{ readonly answer: T; readonly ran: readonly { sql: string; params: SQLInputValue[] }[] }> {
  const ran: { sql: string; params: SQLInputValue[] }[] = [];
  const all = StatementSync.prototype.all;
  StatementSync.prototype.all = function (this: StatementSync, ...params: unknown[]) {
    if (match(this.sourceSQL)) ran.push({ sql: this.sourceSQL, params: params as SQLInputValue[] });
    return (all as (...a: unknown[]) => ReturnType<StatementSync['all']>).apply(this, params);
  };
  try {
    return { answer: await run(), ran };
  } finally {
    StatementSync.prototype.all = all;
  }
}

/** Every record of the store's audit log, read a page of 10,000 at a time. */
export async function wholeLog(store: Pick<Store, 'read'>): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for (let a = 0; ; ) {
    const page = await store.read((tx) => tx.audit.list({}, a, 10_000));
    out.push(...page);
    if (page.length < 10_000) return out;
    a = (page.at(-1) as AuditRecord).seq;
  }
}

/** The seqs `filter` finds, page by page of `limit`, each page from the last record of the one before. */
export async function pagedSeqs(store: Pick<Store, 'read'>, filter: AuditFilter, limit: number): Promise<number[]> {
  const out: number[] = [];
  for (let a = 0; ; ) {
    const page = await store.read((tx) => tx.audit.list(filter, a, limit));
    out.push(...page.map((r) => r.seq));
    if (page.length < limit) return out;
    a = (page.at(-1) as AuditRecord).seq;
  }
}

/**
 * Every page of `filter` with a `window` (the API's pages), followed as the API's `next` is: from a full page's last
 * record, else from the page's `through`, until a page has none. The seqs found, and how many pages it took.
 */
export async function walkPages(store: Pick<Store, 'read'>, filter: AuditFilter, limit: number, window: number): Promise<{ readonly seqs: number[]; readonly pages: number }> {
  const seqs: number[] = [];
  let pages = 0;
  for (let after: number | undefined = 0; after !== undefined; pages++) {
    if (pages >= 10_000) throw new Error(`${JSON.stringify(filter)}: no end after ${pages} pages`);
    const p = await store.read((tx) => tx.audit.page(filter, after as number, limit, window));
    seqs.push(...p.records.map((r) => r.seq));
    after = p.records.length === limit ? (p.records.at(-1) as AuditRecord).seq : p.through;
  }
  return { seqs, pages };
}

/** `events` appended through the store's own appender, a thousand at a time, then the whole log read back. */
export async function appendedLog(store: Parameters<typeof storeAppender>[0] & Pick<Store, 'read'>, events: readonly TimedEvent[]): Promise<AuditRecord[]> {
  const appender = storeAppender(store);
  for (let i = 0; i < events.length; i += 1000) await appender.append(events.slice(i, i + 1000));
  return wholeLog(store);
}
