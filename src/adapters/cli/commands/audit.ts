/**
 * `gatehouse audit query` and `gatehouse audit verify`: who did what, with which role, from which job — and
 * whether the record of it is intact.
 *
 * `query` pages through `GET /v1/audit` (following `next`) up to `--limit` records, oldest first; `--last N` prints
 * the newest N instead, and so does `--follow` (`tail -n N -f`: the newest `--limit`, then new records as they are
 * written, polled every second once caught up, until interrupted, or until a future `--until` has passed). `--json` prints one record per line (JSON lines),
 * for `jq` and log shippers; the table keeps its columns while following. No record matching says so on stderr (`no records
 * match`), except with `--json`, whose output stays empty. `verify` asks the server to walk the whole hash chain
 * and exits 0 when it is intact, 1 when a record was altered or deleted (as `policy evaluate` exits 1 on a deny: a
 * negative answer, not an error), 6 when the `--expect` anchor was pruned and so cannot be confirmed (nothing else
 * wrong; `--accept-pruned-anchor` makes that 0, saying so).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { AUDIT_KINDS, type AuditRecord } from '../../../core/audit/index.ts';
import { call, connect, report, withServerOptions, type ClientFailure, type ClientResult, type Connection, type ConnectionOptions } from '../client.ts';
import type { CommandContext, CommandGroup } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { outages, positive, sleep, timingWithoutFollow, withFollowTiming, type FollowOptions } from '../follow.ts';
import { jsonLine, nonEmptyArg, printable, usageFailure, withJsonOption } from '../output.ts';
import { auditTimeOf, auditTimeProblem } from '../../../app/audit-time.ts';

/**
 * A record as `GET /v1/audit` sends it, in the fields this client reads; `kind` as text, since the server may be
 * newer than the client. `gatehouse demo` reads `--json` lines as this type too.
 */
export type AuditRecordJson = Omit<AuditRecord, 'account' | 'kind' | 'prevHash' | 'hash'> & { readonly kind: string };

interface VerifyJson {
  readonly ok: boolean;
  readonly checked: number;
  /** The first keyed record (a server older than keyed chains sends none). */
  readonly keyedFrom?: number;
  readonly head: { readonly seq: number; readonly hash: string };
  readonly base: { readonly seq: number; readonly hash: string };
  /** The head as `SEQ:HASH` (a server older than anchors sends none). */
  readonly anchor?: string;
  readonly expected?: string;
  readonly broken?: { readonly seq: number; readonly reason: string; readonly message: string };
  /** Every break found (a server older than this sends `broken` only). */
  readonly breaks?: readonly { readonly seq: number; readonly reason: string; readonly message: string }[];
  readonly breakCount?: number;
}

const BREAK = { seq: 'number', reason: 'string', message: 'string' } as const;

/** How long `audit verify` waits for the server's walk of the chain. */
const VERIFY_TIMEOUT_MS = 10 * 60_000;

/** Breaks printed one per line; the rest are counted (`--json` has the first 100 and the count). */
const BREAKS_PRINTED = 20;

type VerifyOpts = ConnectionOptions & { json?: true; expect?: string; acceptPrunedAnchor?: true };

/** `--expect SEQ:HASH`, checked before anything is asked of the server. */
const anchorArg = (v: string): string => {
  if (!/^[0-9]{1,16}:[0-9a-fA-F]{64}$/.test(v.trim())) throw new InvalidArgumentError(`an anchor is SEQ:HASH as \`gatehouse audit verify\` prints it (a record number, a colon, 64 hex digits), got \`${v}\``);
  return v.trim();
};

type QueryOpts = ConnectionOptions & FollowOptions & {
  json?: true;
  account?: string;
  principal?: string;
  role?: string;
  job?: string;
  action?: string;
  accessKeyId?: string;
  requestId?: string;
  decision?: string;
  kind?: string;
  since?: string;
  until?: string;
  limit?: number;
  last?: number;
  after?: number;
};

const PAGE = 1000;
/** How long after `--until` a follow still polls before it ends: records queued on other instances then (review vi, 1). */
const UNTIL_GRACE_MS = 2000;
const DEFAULT_LIMIT = 100;

/**
 * `--role ARN`: records name a role by its ARN (core/audit/record.ts), so a role's name matched nothing and the query
 * printed `no records match`, as if the role had done nothing (review readme, bn2). As `jobs run --role` (R8), a name
 * is not resolved to an ARN: that takes the caller's account, and a role with a path cannot be written from its name.
 */
const roleArg = (v: string): string => {
  if (/^(?:arn|acs):/i.test(v)) return v;
  const hint = /^[\w+=,.@-]{1,64}$/.test(v) ? `; for the role named \`${v}\`: --role arn:aws:iam::<account>:role/${v} (\`gatehouse whoami\` shows your account)` : '';
  throw new InvalidArgumentError(`--role takes a role's ARN, as records name it, got \`${v}\`${hint}`);
};

/**
 * A filter given empty (`--principal "$ARN"` with ARN unset) is refused naming the option: the server reads an empty
 * parameter as no filter, so the query printed every record, exit 0, as if they were the principal's.
 */
const filterArg = (flag: string, what: string) => nonEmptyArg(flag, what, 'to list records of any');

/** `--kind`, in any case as `--decision` and `--action` are read (review im, 2), sent as records spell it. */
const kindArg = (v: string): string => {
  const k = AUDIT_KINDS.find((x) => x === v.toLowerCase());
  if (k === undefined) throw new InvalidArgumentError(`--kind must be one of ${AUDIT_KINDS.join(', ')}, got \`${v}\``);
  return k;
};

/** `--after SEQ`: a record number, as records and the API's cursor give it (whole digits: not `1e3`, `0x10`, `-1`). */
const cursorArg = (v: string): number => {
  const n = /^[0-9]{1,16}$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`--after must be a record number (seq), a whole number from 0, got \`${v}\``);
  return n;
};

/**
 * `--since`/`--until`, checked by the grammar `GET /v1/audit` reads (src/app/audit-time.ts: an ISO-8601 time, or a
 * duration back from now; a date that does not exist is refused, a time without a zone is UTC) so
 * that a malformed one is a usage error naming the option (exit 2), as docs/errors.md says, not the server's
 * `ValidationError: since: …` (exit 8). Sent as given: durations count back from the server's clock (on the first page;
 * the later ones ask for the times the server answered it stood for, `query`).
 */
const timeArg = (flag: string) => (v: string): string => {
  const problem = auditTimeProblem(v, Date.now(), flag);
  if (problem !== undefined) throw new InvalidArgumentError(problem);
  return v;
};

/** `min`: the width a column starts at while following, so that few later rows are wider than the first ones. */
const COLUMNS: readonly { readonly header: string; readonly min: number; readonly value: (r: AuditRecordJson) => string }[] = [
  { header: 'seq', min: 6, value: (r) => String(r.seq) },
  { header: 'at', min: 24, value: (r) => r.at },
  { header: 'kind', min: 8, value: (r) => r.kind },
  { header: 'principal', min: 40, value: (r) => r.principal },
  { header: 'action', min: 24, value: (r) => r.action },
  { header: 'resource', min: 40, value: (r) => r.resource },
  { header: 'decision', min: 12, value: (r) => r.decision ?? '' },
  { header: 'job', min: 0, value: (r) => r.job ?? '' },
  // The key that signed the request (review mi, 2), as LookupEvents answers each event's `AccessKeyId` beside its
  // user: without it a user's two keys read the same in the table (review nh, 2). One word, as every header is, so a
  // row still splits at its header's offsets.
  { header: 'access-key', min: 0, value: (r) => r.accessKeyId ?? '' },
];

/**
 * The table, printed as records come (page after page, then while following): every row in the columns of the
 * header above it. Columns are as wide as the widest value printed so far; when a later row has a wider value,
 * its column widens and the header is printed again, so no row is out of line with the header it is read under.
 */
function tablePrinter(out: (text: string) => void, following: boolean): (records: readonly AuditRecordJson[]) => void {
  let widths: number[] | undefined;
  const line = (cells: readonly string[], w: readonly number[]) =>
    `${cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(w[i] ?? 0))).join('  ').trimEnd()}\n`;
  return (records) => {
    if (records.length === 0) return;
    const rows = records.map((r) => COLUMNS.map((c) => printable(c.value(r))));
    const before = widths;
    const w = COLUMNS.map((c, i) => Math.max(before?.[i] ?? Math.max(c.header.length, following ? c.min : 0), ...rows.map((row) => (row[i] as string).length)));
    // The last column is not padded: a longer value there moves nothing.
    const header = before === undefined || w.some((x, i) => i < w.length - 1 && x > (before[i] as number));
    widths = w;
    out(`${header ? line(COLUMNS.map((c) => c.header.toUpperCase()), w) : ''}${rows.map((row) => line(row, w)).join('')}`);
  };
}

/** An option given where it does nothing: said, as commander says an unknown one (exit 2). */
function usage(ctx: CommandContext, message: string): number {
  return usageFailure(ctx, message);
}


/** A page of `GET /v1/audit`, with the `since` and `until` it read (a duration as the time it stood for). */
type Page = { records: AuditRecordJson[]; next?: string; since?: string; until?: string; prunedThrough?: string };

/**
 * Where the page after `p` starts: its `next`, which is its last record's seq when it is full, or, when the server cut
 * it short after looking at AUDIT_SCAN_WINDOW records (review ef5), the last seq it looked at (such a page may hold no
 * record at all: its last record is no cursor then); undefined when nothing more matches.
 */
const cursorOf = (p: Page): number | undefined => (p.next !== undefined && /^[0-9]{1,16}$/.test(p.next) ? Number(p.next) : undefined);
/** What a page of `GET /v1/audit` holds, as the table reads it (`--json` prints the records as sent). */
const PAGE_SHAPE = {
  records: [{ seq: 'number', at: 'string', kind: 'string', principal: 'string', action: 'string', resource: 'string', decision: 'string?', job: 'string?', accessKeyId: 'string?' }],
  next: 'string?',
} as const;
type Fetch = (after: number, limit: number, filtered: boolean) => Promise<ClientResult<Page>>;

/** The server's refusal of a cursor past the newest record (src/app/audit.ts `query`); an older server answers no records. */
const pastHead = (r: ClientFailure): boolean => r.httpStatus === 400 && r.errors.some((e) => e.path === 'after') && /past the newest record/.test(r.message);

/**
 * The seq of the first record after `after` (with the filters when `filtered`), following `next` past the pages the
 * server cut short with none (review ef5); undefined when none follows.
 */
async function firstAfter(fetch: Fetch, after: number, filtered: boolean): Promise<ClientResult<number | undefined>> {
  for (let from = after; ; ) {
    const r = await fetch(from, 1, filtered);
    // The probes of `startOfNewest` step past the newest record, which the server refuses as a cursor (review hc, 1):
    // none follows there.
    if (!r.ok && pastHead(r)) return { ok: true, value: undefined };
    if (!r.ok) return r;
    const next = cursorOf(r.value);
    if (r.value.records.length > 0 || next === undefined) return { ok: true, value: r.value.records[0]?.seq };
    from = next;
  }
}

/**
 * The cursor (`after`) from which the newest `n` records matching the filters follow. The API reads forward from a
 * cursor, oldest first, and has no newest-first order; so, with requests it answers from the seq index:
 *   1. the oldest matching record (none: nothing to skip);
 *   2. the newest record the caller may read, unfiltered, at or after it: probes of one record after a cursor,
 *      stepping forward by doubling strides, then halving the interval (about 2·log2(head) small requests);
 *   3. the matching records in windows of seq going back from there, each twice as wide as the one before and
 *      read forward (seqs only are kept), until `n` are found or the oldest match is reached.
 * Each matching record is read once; a newest-first read in the store (`ORDER BY seq DESC`) would make this one
 * request.
 */
async function startOfNewest(fetch: Fetch, n: number): Promise<ClientResult<number>> {
  const oldest = await firstAfter(fetch, 0, true);
  if (!oldest.ok) return oldest;
  const first = oldest.value;
  if (first === undefined) return { ok: true, value: 0 };
  const floor = first - 1;
  // Unfiltered; a caller of another account reads its own, so its pages too may be cut short.
  const probe = (after: number) => firstAfter(fetch, after, false);
  // The newest record is at `lo` or after it, and none is after `hi`.
  let lo = first;
  let hi: number;
  for (let stride = Math.max(n, PAGE); ; stride *= 2) {
    const p = await probe(lo + stride);
    if (!p.ok) return p;
    if (p.value === undefined) {
      hi = lo + stride;
      break;
    }
    lo = p.value;
  }
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    const p = await probe(mid);
    if (!p.ok) return p;
    if (p.value === undefined) hi = mid;
    else lo = p.value;
  }

  const parts: number[][] = [];
  let found = 0;
  let end = lo;
  for (let width = n; found < n && end > floor; width *= 2) {
    const start = Math.max(floor, end - width);
    const seqs: number[] = [];
    for (let after = start; ; ) {
      const r = await fetch(after, Math.min(PAGE, end - after), true);
      if (!r.ok) return r;
      for (const rec of r.value.records) if (rec.seq <= end) seqs.push(rec.seq);
      // `next`: after the page's last record, or after the records the server looked at (review ef5).
      const next = cursorOf(r.value);
      if (next === undefined || next >= end) break;
      after = next;
    }
    parts.unshift(seqs);
    found += seqs.length;
    end = start;
  }
  // More than `n` found: start after the one before the newest `n`; else where the last window started.
  const all = parts.flat();
  return { ok: true, value: found > n ? (all[found - n - 1] as number) : end };
}

/**
 * Why a query that matched nothing may have: its time range reaches back past what the server keeps
 * (`GATEHOUSE_AUDIT_RETENTION_DAYS`). Without it, records removed by retention looked like records never written
 * (`--since 400d` on a 90-day log said only "no records match"). Empty when the range lies within what is kept, when
 * records are kept forever, or when the server's settings cannot be read (`GET /v1/audit/status`).
 */
async function retentionNote(conn: Connection, opts: QueryOpts, now: number): Promise<string> {
  const status = await call<{ retentionDays: number | null }>(conn, 'GET', ['audit', 'status'], { shape: { retentionDays: 'number?' } });
  const days = status.ok ? status.value.retentionDays : null;
  if (typeof days !== 'number') return '';
  const kept = now - days * 86_400_000;
  const bound = (v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const t = auditTimeOf(v, now, 'time');
    return t.ok ? Date.parse(t.value) : undefined;
  };
  const since = bound(opts.since);
  if (since !== undefined && since >= kept) return '';
  const until = bound(opts.until);
  const all = until !== undefined && until <= kept;
  const horizon = new Date(kept).toISOString();
  const retention = `this server removes records older than ${days} day${days === 1 ? '' : 's'} (GATEHOUSE_AUDIT_RETENTION_DAYS)`;
  return all ? `; ${retention}, and the whole range lies before ${horizon}` : `; ${retention}: none before ${horizon} can match`;
}

/**
 * Why `--principal alice` matched nothing: records name a user or role session by its ARN (a service by its name:
 * `training.gatehouse.dev`; the server itself `gatehouse`, an unsigned caller `anonymous`), so a user's name matches
 * no record, and "no records match" read as "alice did nothing" (as `--role NAME` did, review bn2; `--principal` is not
 * refused, since a name may be what some record carries). Said only when nothing matched, for a value that is a name.
 */
function principalNote(principal: string | undefined): string {
  // A role's ARN is no record's principal: its sessions are, each by its own ARN, with the role's apart (review ic, 7; the
  // console says so, review gz, 4).
  if (principal !== undefined && (/^arn:[\w-]+:iam::\d{12}:role\//.test(principal) || /^acs:ram::\d+:role\/[^/]+$/.test(principal))) {
    return ` for the principal \`${principal}\`: a role acts through its sessions, which records name by their own ARN (…:assumed-role/ROLE/SESSION): --role ${principal} finds what they did and the changes to the role`;
  }
  // A name with dots is a name too (`jane.doe`), unless it is a service's (review gz, 7).
  if (principal === undefined || !/^[\w+=,.@-]{1,64}$/.test(principal) || /\.(gatehouse\.dev|amazonaws\.com|aliyuncs\.com)$/i.test(principal) || principal === 'gatehouse' || principal === 'anonymous') return '';
  return ` for the principal \`${principal}\`; records name a user by its ARN: for the user named \`${principal}\`, --principal arn:aws:iam::<account>:user/${principal} (a role's sessions: --role arn:aws:iam::<account>:role/NAME; \`gatehouse whoami\` shows your account)`;
}

async function query(ctx: CommandContext, opts: QueryOpts): Promise<number> {
  const conn = await connect(opts, ctx);
  if (!conn.ok) return report(ctx, conn, opts.json && 'line');
  const filters = { account: opts.account, principal: opts.principal, role: opts.role, job: opts.job, action: opts.action, accessKeyId: opts.accessKeyId, requestId: opts.requestId, decision: opts.decision, kind: opts.kind, since: opts.since, until: opts.until };
  // A duration (`--since 24h`) counts back from the server's clock when the server reads it: pinned, after the first
  // filtered page, to the time it stood for then, so that a long export or a follow keeps one window (review el, 4).
  // A cursor kept from before (`--after`, or a follow that fell behind a pruning) whose next records retention has
  // removed: the output goes on after the checkpoint, and says so once per gap on stderr, where a shipper's copy
  // had looked whole (review fi, 2). A query from the start (after 0) reads the log as it is kept, and says nothing.
  let gapSaid = 0;
  const fetch: Fetch = async (after, limit, filtered) => {
    const r = await call<Page>(conn.value, 'GET', ['audit'], { query: { ...(filtered ? filters : {}), after: String(after), limit: String(limit) }, shape: PAGE_SHAPE });
    if (filtered && r.ok) {
      if (filters.since !== undefined && typeof r.value.since === 'string') filters.since = r.value.since;
      if (filters.until !== undefined && typeof r.value.until === 'string') filters.until = r.value.until;
      const pruned = typeof r.value.prunedThrough === 'string' && /^[0-9]{1,16}$/.test(r.value.prunedThrough) ? Number(r.value.prunedThrough) : 0;
      if (after > 0 && pruned > after && pruned > gapSaid) {
        gapSaid = pruned;
        ctx.err(`gatehouse: records ${after + 1}–${pruned} were removed by retention (GATEHOUSE_AUDIT_RETENTION_DAYS) before they were read: they are not in this output, which goes on after record ${pruned}\n`);
      }
    }
    return r;
  };
  const table = tablePrinter(ctx.out, opts.follow === true);
  const print = (records: readonly AuditRecordJson[]) => {
    if (opts.json) ctx.out(records.map(jsonLine).join(''));
    else table(records);
  };

  // As `tail -n N -f`: following starts with the newest records, not the oldest; from `--after`, with what follows it.
  const count = opts.last ?? opts.limit ?? DEFAULT_LIMIT;
  let after = opts.after ?? 0;
  if (opts.after === undefined && (opts.last !== undefined || opts.follow)) {
    const start = await startOfNewest(fetch, count);
    if (!start.ok) return report(ctx, start, opts.json && 'line');
    after = start.value;
  }
  let shown = 0;
  let cut = false;
  for (;;) {
    const r = await fetch(after, Math.min(PAGE, count - shown), true);
    if (!r.ok) return report(ctx, r, opts.json && 'line');
    print(r.value.records);
    shown += r.value.records.length;
    // A page the server cut short (review ef5) goes on from where it stopped looking, not from its last record.
    after = cursorOf(r.value) ?? r.value.records.at(-1)?.seq ?? after;
    cut = r.value.next !== undefined;
    if (!cut || shown >= count) break;
  }
  // Cut at --limit while more records match: said, with where to go on from, so that `--json > export.jsonl` is not
  // taken for the whole log (review ay, 3). On stderr: stdout stays the records. A page that ends exactly at the last
  // match has `next` too: one record more is asked for, to say nothing then (past pages of none, review ef5).
  if (cut && !opts.follow && opts.last === undefined) {
    const more = await firstAfter(fetch, after, true);
    if (more.ok && more.value !== undefined) ctx.err(`gatehouse: stopped at --limit ${count}; more records match: go on with --after ${after} (or raise --limit)\n`);
  }
  // An empty table said nothing at all, as if the command had not run (review readme, R6). Said on stderr: stdout
  // stays what a script reads; `--json` prints nothing for nothing, which is valid JSON lines.
  if (shown === 0 && !opts.json) ctx.err(opts.follow ? `no records match yet${principalNote(opts.principal)}; waiting for new ones (Ctrl-C to stop)\n` : `no records match${principalNote(opts.principal)}${await retentionNote(conn.value, opts, ctx.now())}\n`);
  if (!opts.follow) return EXIT.ok;
  // `--follow | head -1`: head has what it wanted and is gone, and no write may come for hours to notice it.
  ctx.watchOutput?.();
  // A server restarting or briefly unavailable does not end the follow (src/adapters/cli/follow.ts `outages`): it ends
  // with the server's error and exit 10 once it has not answered for --retry-seconds. Anything else ends it at once.
  const down = outages(ctx, opts.retrySeconds, () => `record ${after}`);
  // The interval is the wait once the follow has caught up: a full page is followed at once by the next. Sleeping after
  // every page followed a log written faster than a page per interval (a busy gateway's decisions) further and further
  // behind (review ay, 2). Pages follow from the last record printed, so none is printed twice or skipped.
  // An `--until` still to come ends the follow (exit 0) once the clock has passed it and a poll begun after that has
  // caught up: every record up to it is then printed (the server flushes its buffer before it answers). It waited for
  // ever, though no record written after --until could match (review vi, 1).
  // The server writes what it queued before it answers; another instance's queue (written every 100 ms) is waited
  // for by `UNTIL_GRACE_MS` more.
  const untilTime = opts.until !== undefined ? auditTimeOf(opts.until, ctx.now(), '--until') : undefined;
  const endAt = untilTime?.ok ? Date.parse(untilTime.value) + UNTIL_GRACE_MS : undefined;
  let polledAt = -Infinity;
  let behind = cut;
  for (;;) {
    if (!behind) {
      if (endAt !== undefined && polledAt > endAt) return EXIT.ok;
      await sleep(endAt === undefined ? opts.interval : Math.min(opts.interval, Math.max(1, endAt + 1 - ctx.now())));
    }
    behind = false;
    const started = ctx.now();
    const r = await fetch(after, PAGE, true);
    if (!r.ok) {
      if (down.failed(r)) continue;
      return report(ctx, r, opts.json && 'line');
    }
    // Only a poll answered counts: one that failed past --until printed nothing.
    polledAt = started;
    down.answered();
    print(r.value.records);
    after = cursorOf(r.value) ?? r.value.records.at(-1)?.seq ?? after;
    behind = r.value.next !== undefined;
  }
}


async function verify(ctx: CommandContext, opts: VerifyOpts): Promise<number> {
  const conn = await connect(opts, ctx);
  if (!conn.ok) return report(ctx, conn, opts.json);
  // The server walks the whole chain before it answers: on a large log that takes longer than a request's 30 s, so
  // give it as long as an apply, and say every few seconds that it is still running (as apply does).
  const r = await call<VerifyJson>(conn.value, 'GET', ['audit', 'verify'], {
    timeoutMs: VERIFY_TIMEOUT_MS,
    // A cut or timed-out walk is not started again (it may still be running on the server); a 503 before it is.
    heavyRead: true,
    // Not with --json, whose stderr is the JSON error alone (review sp, 4).
    ...(opts.json ? {} : { progress: (text: string) => ctx.err(text) }),
    shape: { ok: 'boolean', checked: 'number', keyedFrom: 'number?', head: { seq: 'number', hash: 'string' }, base: { seq: 'number', hash: 'string' }, anchor: 'string?', 'breaks?': [BREAK] as const, 'broken?': BREAK, breakCount: 'number?' },
    ...(opts.expect !== undefined ? { query: { expect: opts.expect } } : {}),
  });
  if (!r.ok) return report(ctx, r, opts.json);
  const v = r.value;
  const anchor = v.anchor ?? `${v.head.seq}:${v.head.hash}`;
  const breaks = v.breaks ?? (v.broken ? [v.broken] : []);
  // The anchor given was pruned, and nothing else is wrong: not confirmed (a pruning can be forged without a
  // secret), which exits 6 unless --accept-pruned-anchor says a pruning by this deployment is expected.
  const onlyPruned = !v.ok && breaks.length > 0 && (v.breakCount ?? breaks.length) === breaks.length && breaks.every((b) => b.reason === 'pruned');
  const accepted = onlyPruned && opts.acceptPrunedAnchor === true;
  // `anchor` only when the verification passed (exit 0), as the text prints it: a script that saves it without looking
  // at the exit status kept a truncated log's head over the anchor that proved the truncation (review sa, 1). A server
  // before that sends it with a broken report too: left out here.
  const { anchor: _sent, ...rest } = v;
  if (opts.json) ctx.out(`${JSON.stringify({ ...rest, ...(v.ok || accepted ? { anchor } : {}), ...(onlyPruned ? { anchorPruned: true, accepted } : {}) }, null, 2)}\n`);
  else if (accepted) {
    ctx.out(`${printable(`audit log intact: ${v.checked} record(s) checked (from the checkpoint after record ${v.base.seq}); head ${v.head.hash}`)}\n`);
    ctx.out(`${printable(`anchor ${v.expected ?? '?'} NOT CONFIRMED: it was pruned (the chain starts after record ${v.base.seq}); accepted as a pruning of this deployment (--accept-pruned-anchor): a forged pruning looks the same`)}\n`);
    ctx.out(`${printable(`anchor to keep outside the database: ${anchor} (check later with: gatehouse audit verify --expect ${anchor})`)}\n`);
  } else if (onlyPruned) {
    ctx.out(`${printable(`audit log intact from the checkpoint after record ${v.base.seq}, but the anchor is NOT CONFIRMED: ${breaks[0]?.message ?? ''}`)}\n`);
    ctx.out(`${printable(`if this deployment pruned it (GATEHOUSE_AUDIT_RETENTION_DAYS), accept it with --accept-pruned-anchor and keep the new anchor: ${anchor}`)}\n`);
  } else if (v.ok) {
    const range = v.checked === 0 ? 'no records' : `records ${v.head.seq - v.checked + 1}–${v.head.seq}`;
    ctx.out(`${printable(`audit log intact: ${v.checked} record(s) checked (${range}${v.base.seq > 0 ? `, from the checkpoint after record ${v.base.seq}` : ''}); head ${v.head.hash}`)}\n`);
    // Records linked before chains were keyed are covered by the first keyed record's link; where that starts never
    // moves on a healthy log (a later start means the chain was written again and a server restarted on it).
    const first = v.head.seq - v.checked + 1;
    if (v.keyedFrom !== undefined && v.checked > 0 && v.keyedFrom > first) ctx.out(`${printable(`keyed from record ${v.keyedFrom}: records ${first}–${v.keyedFrom - 1} were linked before the chain was keyed, and are covered by its link (this number never moves on a healthy log: keep it with the anchor)`)}\n`);
    if (v.expected !== undefined) ctx.out(`${printable(`anchor ${v.expected} present`)}\n`);
    // The chain cannot show by itself that its tail was deleted and the head moved back: only a kept anchor can.
    ctx.out(`${printable(`anchor to keep outside the database: ${anchor} (check later with: gatehouse audit verify --expect ${anchor})`)}\n`);
  } else {
    // The reason and message may quote a record's altered content: escaped like the table's cells.
    const count = v.breakCount ?? breaks.length;
    const line = (b: { seq?: number; reason?: string; message?: string } | undefined): string => `record ${b?.seq ?? '?'} (${b?.reason ?? 'unknown'}): ${b?.message ?? ''}`;
    ctx.out(`${printable(`audit log BROKEN at ${line(v.broken ?? breaks[0])}`)}\n`);
    if (count > 1) {
      ctx.out(`${printable(`${count} break(s) found in all:`)}\n`);
      for (const b of breaks.slice(0, BREAKS_PRINTED)) ctx.out(`  ${printable(line(b))}\n`);
      if (count > Math.min(breaks.length, BREAKS_PRINTED)) ctx.out(`  ${printable(`… and ${count - Math.min(breaks.length, BREAKS_PRINTED)} more (--json lists the first ${breaks.length})`)}\n`);
    }
    ctx.out(`${printable(`${v.checked} record(s) verified; head ${v.head.seq} ${v.head.hash}`)}\n`);
  }
  return v.ok || accepted ? EXIT.ok : onlyPruned ? EXIT.notFound : EXIT.denied;
}

export const auditCommands: CommandGroup = (program, ctx) => {
  const audit = program.command('audit').description('the audit log: who did what, with which role, from which job; and its integrity');
  withJsonOption(
    withServerOptions(withFollowTiming(
      audit
        .command('query')
        .description('list audit records by seq, oldest first, or the newest with --last or --follow (GET /v1/audit)')
        .option('--account <id>', 'records of this account (12 digits): for principals of the root account, which read every account\'s; others read only their own', filterArg('--account', 'an account id (12 digits)'))
        .option('--principal <arn>', 'records of this principal (the caller of a change, the subject of a decision)', filterArg('--principal', 'the principal\'s ARN'))
        .option('--role <arn>', 'records involving this role (the ARN with its path): changes to it, its sessions issued or refused, decisions of the authorize API and S3 gateway for its sessions, and what its sessions did, to other roles too (actingRole)', roleArg)
        .option('--job <id>', 'records of this job', filterArg('--job', 'a job id'))
        .option('--action <action>', 'e.g. sts:AssumeRole, iam:CreateRole, s3:GetObject, or a pattern: s3:*, iam:Create* (in any case, with IAM\'s wildcards * and ?)', filterArg('--action', 'an action such as sts:AssumeRole'))
        .option('--access-key-id <id>', 'records of requests this access key signed (AKIA…, LTAI…, or a session\'s ASIA… or STS.…): its changes, the sessions it opened, the decisions about it', filterArg('--access-key-id', 'an access key id'))
        .option('--request-id <id>', 'records of the request answered with this id (the RequestId an error or answer shows: x-amzn-RequestId, <RequestId>, Alibaba\'s RequestId, S3\'s x-amz-request-id)', filterArg('--request-id', 'a request id'))
        .option('--decision <value>', 'Allow, ExplicitDeny, ImplicitDeny, Deny, a job state, or for changes ok or an error code (see below)', filterArg('--decision', 'a decision such as AccessDenied (see below)'))
        .option('--kind <kind>', 'change, session, decision or job (in any case)', kindArg)
        .option('--since <time>', 'from this time: ISO-8601 (UTC unless it gives a zone), epoch seconds (9 digits or more, as date +%s prints), or a duration back from now (15m, 24h, 7d)', timeArg('--since'))
        .option('--until <time>', 'before this time (same forms; after --since)', timeArg('--until'))
        .option('--limit <n>', `at most this many records: the oldest, or with --follow the newest (default: ${DEFAULT_LIMIT})`, positive('--limit', 1_000_000))
        .addOption(new Option('--last <n>', 'the newest n records (oldest of them first), as tail -n').argParser(positive('--last', 1_000_000)).conflicts('limit'))
        .addOption(
          new Option('--after <seq>', 'start after this record (the cursor a query cut at --limit prints, or the last seq kept); with --follow, every record after it, then new ones').argParser(cursorArg).conflicts('last'),
        )
        .option('--follow', 'print the newest --limit records, then new records as they are written (Ctrl-C to stop)'),
    )),
  )
    .addHelpText(
      'after',
      [
        '',
        '--json prints one record per line (JSON lines). Records are in seq order, the order they were appended, and',
        '`at` may step back a little from one record to the next: with several server instances, and on one, since a',
        'change made by apply (accounts create too) is appended with its own transaction, ahead of records still queued.',
        '--decision takes: Allow, ExplicitDeny, ImplicitDeny (decisions), Deny (refused sessions, job submissions and',
        'admissions, and refusals no policy decided: a key that does not authenticate, an expired token, a request to',
        'the wrong port), Queued, Running, Succeeded, Failed, Stopped (job state changes), ok or an error code (changes:',
        'a refused one is stored as ACCESS_DENIED), OUTCOME_UNKNOWN (or OutcomeUnknown: changes whose commit was cut off,',
        'made or not); AccessDenied, the code the aws CLI shows, finds every refusal: ACCESS_DENIED, Deny, ExplicitDeny',
        'and ImplicitDeny; another error code (SignatureDoesNotMatch, InvalidIdentityToken) also finds the refused',
        'sessions and authentications answered with it. Other values are refused. Filters combine with AND.',
        'A query cut at --limit while more records match says so on stderr, with the record to go on from: --after SEQ',
        'starts after it (an export in parts, or resumed); with --follow, every record after it is printed, then new ones.',
        '--follow with an --until already past (a duration always is) is refused: no new record could match; with an',
        '--until still to come, it ends (status 0) once that time has passed and every record up to it is printed.',
        '--follow ends with status 0 when whatever reads its output has gone (`| head -1`), at once where GNU tail is',
        'installed, else at the next record written.',
        'Examples:',
        '  gatehouse audit query --role arn:aws:iam::123456789012:role/trainer --since 24h --json',
        '  gatehouse audit query --last 20 --decision AccessDenied',
        '  gatehouse audit query --follow --limit 10 --kind decision      # as tail -n 10 -f',
      ].join('\n'),
    )
    .action(async (opts: QueryOpts, cmd: Command) => {
      const idle = timingWithoutFollow(opts, cmd);
      if (idle !== undefined) return ctx.exit(usage(ctx, idle));
      // `--since` at or after `--until` selects nothing: the server's ValidationError (exit 8) named its parameters,
      // `since` and `until`, where a malformed bound is a usage error naming the option (exit 2, review vi, 5).
      if (opts.since !== undefined && opts.until !== undefined) {
        const now = ctx.now();
        const since = auditTimeOf(opts.since, now, '--since');
        const until = auditTimeOf(opts.until, now, '--until');
        if (since.ok && until.ok && since.value >= until.value) {
          return ctx.exit(usage(ctx, `--since ${opts.since} (${since.value}) must be before --until ${opts.until} (${until.value}): the range is empty (durations count back from now: --since 2h --until 1h is the hour before the last)`));
        }
      }
      // `--follow` waits for records written from now on, and `--until` in the past (a duration always is: `--until 1h`
      // is an hour ago) excludes every one of them: the follow printed what matched, then `waiting for new ones` for
      // ever, none ever printed (review hc, 2). Refused; an `--until` still to come is followed as before.
      if (opts.follow && opts.until !== undefined) {
        const until = auditTimeOf(opts.until, ctx.now(), '--until');
        if (until.ok && Date.parse(until.value) <= ctx.now()) {
          return ctx.exit(usage(ctx, `--follow waits for new records, and --until ${opts.until} (${until.value}) is already past: no new record can match; leave out --follow to list the range, or --until to follow`));
        }
      }
      ctx.exit(await query(ctx, opts));
    });
  withJsonOption(
    withServerOptions(
      audit
        .command('verify')
        .description('walk the hash chain of the whole audit log and report every broken link; print the anchor to keep')
        .option('--expect <seq:hash>', 'an anchor an earlier verify printed: broken unless that record is still in the chain with that hash', anchorArg)
        .option('--accept-pruned-anchor', 'exit 0 when the --expect record was pruned and nothing else is wrong (it cannot be confirmed: only when this deployment prunes, GATEHOUSE_AUDIT_RETENTION_DAYS)'),
    ),
  )
    .addHelpText(
      'after',
      [
        '',
        'The chain alone cannot show that its newest records were deleted and the head moved back to an earlier record:',
        'keep the anchor each verify prints (SEQ:HASH of the head) outside the database, and pass the last one kept',
        'with --expect; a missing or different anchor record is reported as broken (truncated, or anchor).',
        'An anchor at or before the chain\'s checkpoint was pruned: its record is gone, so it cannot be confirmed. That',
        'exits 6 unless --accept-pruned-anchor says this deployment prunes. A server with retention off',
        '(GATEHOUSE_AUDIT_RETENTION_DAYS unset) reports as broken (retention) a pruning no keyed pruning record attests',
        '(one another instance, with retention on, did is keyed).',
        'The chain is keyed (HMAC under the master key): a record written again by someone without the key is broken',
        '(unkeyed). "keyed from record N" says where the keyed part of a log older than keyed chains starts; N never moves.',
        'Every break is reported, not only the first.',
        'Exit status: 0 intact, 1 a record was altered, inserted or deleted (or the anchor is missing or differs), 6 the',
        'anchor was pruned and cannot be confirmed (nothing else wrong), other statuses for errors.',
      ].join('\n'),
    )
    .action(async (opts: VerifyOpts) => {
      if (opts.acceptPrunedAnchor && opts.expect === undefined) return ctx.exit(usage(ctx, '--accept-pruned-anchor is about the --expect anchor; add --expect SEQ:HASH, or leave it out'));
      ctx.exit(await verify(ctx, opts));
    });
};
