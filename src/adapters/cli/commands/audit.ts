/**
 * `gatehouse audit query` and `gatehouse audit verify`: who did what, with which role, from which job — and
 * whether the record of it is intact.
 *
 * `query` pages through `GET /v1/audit` (following `next`) up to `--limit` records, oldest first; `--follow`
 * then polls for new records every second until interrupted. `--json` prints one record per line (JSON lines), for
 * `jq` and log shippers. `verify` asks the server to walk the whole hash chain and exits 0 when it is intact, 1
 * when a record was altered or deleted (as `policy evaluate` exits 1 on a deny: a negative answer, not an error).
 */
import { InvalidArgumentError } from 'commander';
import { call, connect, report, withServerOptions, type Connection, type ConnectionOptions } from '../client.ts';
import type { CommandContext, CommandGroup } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { formatTable, withJsonOption } from '../output.ts';

interface AuditRecordJson {
  readonly seq: number;
  readonly at: string;
  readonly kind: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly decision?: string;
  readonly role?: string;
  readonly session?: string;
  readonly job?: string;
  readonly sourceIdentity?: string;
  readonly sourceIp?: string;
  readonly detail: Record<string, unknown>;
}

interface VerifyJson {
  readonly ok: boolean;
  readonly checked: number;
  readonly head: { readonly seq: number; readonly hash: string };
  readonly base: { readonly seq: number; readonly hash: string };
  readonly broken?: { readonly seq: number; readonly reason: string; readonly message: string };
}

type QueryOpts = ConnectionOptions & {
  json?: true;
  principal?: string;
  role?: string;
  job?: string;
  action?: string;
  decision?: string;
  kind?: string;
  since?: string;
  until?: string;
  limit: number;
  follow?: true;
  interval: number;
};

const PAGE = 1000;

const positive = (what: string, max: number) => (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidArgumentError(`${what} must be an integer from 1 to ${max}, got \`${v}\``);
  return n;
};

const COLUMNS = [
  { header: 'seq', value: (r: AuditRecordJson) => String(r.seq) },
  { header: 'at', value: (r: AuditRecordJson) => r.at },
  { header: 'kind', value: (r: AuditRecordJson) => r.kind },
  { header: 'principal', value: (r: AuditRecordJson) => r.principal },
  { header: 'action', value: (r: AuditRecordJson) => r.action },
  { header: 'resource', value: (r: AuditRecordJson) => r.resource },
  { header: 'decision', value: (r: AuditRecordJson) => r.decision ?? '' },
  { header: 'job', value: (r: AuditRecordJson) => r.job ?? '' },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function query(ctx: CommandContext, opts: QueryOpts): Promise<number> {
  const conn = await connect(opts, ctx);
  if (!conn.ok) return report(ctx, conn, opts.json);
  const filters = { principal: opts.principal, role: opts.role, job: opts.job, action: opts.action, decision: opts.decision, kind: opts.kind, since: opts.since, until: opts.until };
  const page = (c: Connection, after: number, limit: number) => call<{ records: AuditRecordJson[]; next?: string }>(c, 'GET', ['audit'], { query: { ...filters, after: String(after), limit: String(limit) } });
  const print = (records: readonly AuditRecordJson[], header: boolean) => {
    if (records.length === 0) return;
    if (opts.json) ctx.out(records.map((r) => `${JSON.stringify(r)}\n`).join(''));
    else if (header) ctx.out(formatTable(COLUMNS, records));
    else ctx.out(records.map((r) => `${COLUMNS.map((c) => c.value(r)).join('  ')}\n`).join(''));
  };

  let after = 0;
  let shown = 0;
  for (;;) {
    const r = await page(conn.value, after, Math.min(PAGE, opts.limit - shown));
    if (!r.ok) return report(ctx, r, opts.json);
    print(r.value.records, shown === 0);
    shown += r.value.records.length;
    after = r.value.records.at(-1)?.seq ?? after;
    if (r.value.next === undefined || shown >= opts.limit) break;
  }
  if (!opts.follow) return EXIT.ok;
  for (let header = shown === 0; ; ) {
    await sleep(opts.interval);
    const r = await page(conn.value, after, PAGE);
    // A server restarting or briefly unavailable does not end the follow; anything else does.
    if (!r.ok) {
      if (r.status === EXIT.unavailable) continue;
      return report(ctx, r, opts.json);
    }
    print(r.value.records, header);
    if (r.value.records.length > 0) header = false;
    after = r.value.records.at(-1)?.seq ?? after;
  }
}

async function verify(ctx: CommandContext, opts: ConnectionOptions & { json?: true }): Promise<number> {
  const conn = await connect(opts, ctx);
  if (!conn.ok) return report(ctx, conn, opts.json);
  const r = await call<VerifyJson>(conn.value, 'GET', ['audit', 'verify']);
  if (!r.ok) return report(ctx, r, opts.json);
  const v = r.value;
  if (opts.json) ctx.out(`${JSON.stringify(v, null, 2)}\n`);
  else if (v.ok) {
    const range = v.checked === 0 ? 'no records' : `records ${v.head.seq - v.checked + 1}–${v.head.seq}`;
    ctx.out(`audit log intact: ${v.checked} record(s) checked (${range}${v.base.seq > 0 ? `, from the checkpoint after record ${v.base.seq}` : ''}); head ${v.head.hash}\n`);
  } else {
    ctx.out(`audit log BROKEN at record ${v.broken?.seq ?? '?'} (${v.broken?.reason ?? 'unknown'}): ${v.broken?.message ?? ''}\n${v.checked} record(s) before it verified; head ${v.head.seq} ${v.head.hash}\n`);
  }
  return v.ok ? EXIT.ok : EXIT.denied;
}

export const auditCommands: CommandGroup = (program, ctx) => {
  const audit = program.command('audit').description('the audit log: who did what, with which role, from which job; and its integrity');
  withJsonOption(
    withServerOptions(
      audit
        .command('query')
        .description('list audit records, oldest first (GET /v1/audit)')
        .option('--principal <arn>', 'records of this principal (the caller of a change, the subject of a decision)')
        .option('--role <arn>', 'records involving this role')
        .option('--job <id>', 'records of this job')
        .option('--action <action>', 'e.g. sts:AssumeRole, iam:CreateRole, s3:GetObject')
        .option('--decision <value>', 'Allow, ExplicitDeny, ImplicitDeny, Deny; for changes `ok` or an error code')
        .option('--kind <kind>', 'change, session, decision or job')
        .option('--since <time>', 'from this time: ISO-8601, or a duration back from now (15m, 24h, 7d)')
        .option('--until <time>', 'before this time (same forms)')
        .option('--limit <n>', 'at most this many records (before --follow)', positive('--limit', 1_000_000), 100)
        .option('--follow', 'then keep printing new records as they are written (Ctrl-C to stop)')
        .option('--interval <ms>', 'how often --follow polls', positive('--interval', 60_000), 1000),
    ),
  )
    .addHelpText('after', '\n--json prints one record per line (JSON lines).\nExample:\n  gatehouse audit query --role arn:aws:iam::123456789012:role/trainer --since 24h --json')
    .action(async (opts: QueryOpts) => ctx.exit(await query(ctx, opts)));
  withJsonOption(withServerOptions(audit.command('verify').description('walk the hash chain of the whole audit log and report the first broken link')))
    .addHelpText('after', '\nExit status: 0 intact, 1 a record was altered, inserted or deleted, other statuses for errors.')
    .action(async (opts: ConnectionOptions & { json?: true }) => ctx.exit(await verify(ctx, opts)));
};
