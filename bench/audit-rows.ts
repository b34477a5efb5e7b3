/**
 * The audit writer's CPU per record by how records are stored (issue 7, the sustained in-process target): a row a
 * record as the store writes them today (`storeAppender` on a SQLite store: multi-row inserts, the `at`/`account`
 * indexes, the bulk lookup, one transaction a batch), against the same records linked (`linkEvents`: text,
 * SHA-256 chain) and written one row a batch (a prototype table holding the batch as JSON lines, each record's
 * fields, hashes and detail, with the batch's first and last sequence number and hashes, and no index), and against linking alone. One thread, batches of 500, WAL with
 * `synchronous = FULL` as the store has it; CPU of the process (user + system) divided by the records, median of
 * three rounds after one warm-up. The prototype is not a store: it measures what writing fewer, larger rows would
 * save, which docs/benchmarks.md weighs against what queries, verification and pruning would need.
 */
import { hash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { detailTextOf, EMPTY_HEAD, linkEvents, type TimedEvent } from '../src/core/audit/index.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { storeAppender } from '../src/app/audit-store-appender.ts';
import { row, type BenchOptions, type BenchRow } from './report.ts';

const sha256 = (text: string): string => hash('sha256', text, 'hex');
const BATCH = 500;
const ACTIONS = ['s3:GetObject', 's3:PutObject', 's3:ListBucket'] as const;

/** A decision record as the authorize API queues one: 64 principals, a resource each, the detail already rendered. */
function event(i: number, at: number): TimedEvent {
  return {
    at,
    event: {
      kind: 'decision',
      account: '000000000000',
      principal: `arn:aws:iam::000000000000:role/role-${i % 64}`,
      action: ACTIONS[i % 3] as string,
      resource: `arn:aws:s3:::data-${i % 8}/run-${i % 97}/shard-${i}.bin`,
      decision: i % 3 === 0 ? 'ImplicitDeny' : 'Allow',
    },
    detailText: `{"matched":[{"effect":"Allow","engine":"iam","policy":"role/role-${i % 64}/data","sid":"Read","statement":0,"type":"identity"}]}`,
  };
}

interface Figure {
  readonly cpu: number;
  readonly system: number;
}

async function cpuPerRecord(records: number, run: () => Promise<void> | void): Promise<Figure> {
  const before = process.cpuUsage();
  await run();
  const d = process.cpuUsage(before);
  return { cpu: (d.user + d.system) / records, system: d.system / records };
}

const median = (xs: readonly Figure[]): Figure => [...xs].sort((a, b) => a.cpu - b.cpu)[Math.floor(xs.length / 2)] as Figure;

export async function benchAuditRows(opts: BenchOptions): Promise<BenchRow[]> {
  const b = 'audit-rows';
  const n = opts.quick ? 10_000 : 40_000;
  const at = Date.now();
  const batches: TimedEvent[][] = [];
  for (let i = 0; i < n; i += BATCH) batches.push(Array.from({ length: Math.min(BATCH, n - i) }, (_, k) => event(i + k, at)));
  const dir = mkdtempSync(join(tmpdir(), 'gh-bench-audit-rows-'));
  let files = 0;
  const linkAll = (write?: (linked: ReturnType<typeof linkEvents>, prevHash: string) => void): void => {
    let head = { seq: 0, hash: EMPTY_HEAD.hash };
    for (const batch of batches) {
      const linked = linkEvents(batch, head, sha256, { parsed: false });
      write?.(linked, head.hash);
      const last = linked.at(-1);
      if (last !== undefined) head = { seq: last.seq, hash: last.hash };
    }
  };
  const variants = {
    linkOnly: () => cpuPerRecord(n, () => linkAll()),
    rowPerRecord: async () => {
      const store = await openSqliteStore({ file: join(dir, `rows-${files++}.db`) });
      try {
        const appender = storeAppender(store);
        return await cpuPerRecord(n, async () => {
          for (const batch of batches) await appender.append(batch);
        });
      } finally {
        await store.close();
      }
    },
    rowPerBatch: () => {
      const db = new DatabaseSync(join(dir, `blocks-${files++}.db`));
      try {
        db.exec('PRAGMA journal_mode = WAL');
        db.exec('PRAGMA synchronous = FULL');
        db.exec('CREATE TABLE audit_block (first_seq INTEGER PRIMARY KEY, last_seq INTEGER NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, body TEXT NOT NULL)');
        const insert = db.prepare('INSERT INTO audit_block VALUES (?, ?, ?, ?, ?)');
        return cpuPerRecord(n, () =>
          linkAll((linked, prevHash) => {
            let body = '';
            for (const r of linked) body += `${JSON.stringify([r.seq, r.at, r.kind, r.account, r.principal, r.action, r.resource, r.decision ?? null, r.prevHash, r.hash]).slice(0, -1)},${detailTextOf(r)}]\n`;
            const first = linked[0];
            const last = linked.at(-1);
            if (first === undefined || last === undefined) return;
            db.exec('BEGIN IMMEDIATE');
            insert.run(first.seq, last.seq, prevHash, last.hash, body);
            db.exec('COMMIT');
          }),
        );
      } finally {
        db.close();
      }
    },
  };
  const figures: Record<keyof typeof variants, Figure[]> = { linkOnly: [], rowPerRecord: [], rowPerBatch: [] };
  try {
    for (let round = 0; round < 4; round++) {
      for (const [name, run] of Object.entries(variants) as [keyof typeof variants, () => Promise<Figure>][]) {
        const f = await run();
        if (round > 0) figures[name].push(f);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const link = median(figures.linkOnly);
  const rows = median(figures.rowPerRecord);
  const blocks = median(figures.rowPerBatch);
  opts.log(`audit-rows: CPU a record: link ${link.cpu.toFixed(2)} µs, a row a record ${rows.cpu.toFixed(2)} µs, a row a batch ${blocks.cpu.toFixed(2)} µs`);
  const us = (f: Figure): string => `${f.cpu.toFixed(2)} (system ${f.system.toFixed(2)})`;
  return [
    row(b, 'workload', `${n.toLocaleString('en-US')} decision records in batches of ${BATCH}, 64 principals, one thread, WAL + synchronous FULL, median of 3 rounds`, ''),
    row(b, 'linking alone (text, SHA-256 chain): CPU per record', us(link), 'µs'),
    row(b, 'a row a record, as stored today (storeAppender on SQLite): CPU per record', us(rows), 'µs'),
    row(b, 'a row a batch (prototype: JSON lines with the detail, first/last seq and hashes): CPU per record', us(blocks), 'µs'),
    row(b, 'a row a batch ÷ a row a record', blocks.cpu / rows.cpu, '×'),
  ];
}
