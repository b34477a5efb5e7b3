/**
 * `gatehouse authorize`, `gatehouse simulate`, `gatehouse who-can` and `gatehouse resource-policies`: the one
 * question, asked of a running server, with a readable explanation; who may do it; and the resource-based
 * policies it consults.
 */
import type { Command } from 'commander';
import { call, connect, remote, report, withServerOptions, type ConnectionOptions } from '../client.ts';
import type { CommandContext, CommandGroup } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { formatTable, withJsonOption } from '../output.ts';

interface Answer {
  readonly decision: 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';
  readonly reasons: readonly string[];
  readonly matched: readonly { engine: string; policy: string; type: string; statement?: number; sid?: string; effect: string }[];
  readonly diagnostics: readonly string[];
  readonly evaluationMicros: number;
}

type Opts = ConnectionOptions & { json?: true; action: string; resource: string; context?: string[] };

function contextOf(pairs: readonly string[] | undefined): Record<string, string | string[]> | string {
  const out: Record<string, string | string[]> = {};
  for (const p of pairs ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) return `--context must be KEY=VALUE, got \`${p}\``;
    const k = p.slice(0, eq);
    const v = p.slice(eq + 1);
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

type Rule = Answer['matched'][number];

/** `iam identity \`role/trainer/read\` statement 0 (Sid \`Read\`)`: a rule that decided. */
const ruleText = (m: Rule): string => `${m.engine} ${m.type} \`${m.policy}\`${m.statement !== undefined ? ` statement ${m.statement}` : ''}${m.sid ? ` (Sid \`${m.sid}\`)` : ''}`;

function render(a: Answer): string {
  const lines = [`${a.decision}`, ...a.reasons.map((r) => `  ${r}`)];
  if (a.matched.length > 0) {
    lines.push('  matched:');
    for (const m of a.matched) lines.push(`    ${m.effect.padEnd(5)} ${ruleText(m)}`);
  }
  if (a.diagnostics.length > 0) {
    lines.push('  diagnostics:');
    for (const d of a.diagnostics) lines.push(`    ${d}`);
  }
  lines.push(`  decided in ${a.evaluationMicros} µs`);
  return `${lines.join('\n')}\n`;
}

async function ask(ctx: CommandContext, route: 'authorize' | 'simulate', principal: string | undefined, opts: Opts): Promise<number> {
  const context = contextOf(opts.context);
  if (typeof context === 'string') {
    ctx.err(`gatehouse: ${context}\n`);
    return EXIT.usage;
  }
  const conn = await connect(opts, ctx);
  if (!conn.ok) return report(ctx, conn, opts.json);
  const r = await call<Answer>(conn.value, 'POST', [route], { body: { ...(principal ? { principal } : {}), action: opts.action, resource: opts.resource, context } });
  if (!r.ok) return report(ctx, r, opts.json);
  ctx.out(opts.json ? `${JSON.stringify(r.value, null, 2)}\n` : render(r.value));
  // As `policy evaluate`: 0 for Allow, 1 for a deny, so `if gatehouse authorize …` reads "if allowed".
  return r.value.decision === 'Allow' ? EXIT.ok : EXIT.denied;
}

interface Reacher {
  readonly kind: string;
  readonly name: string;
  readonly principal: string;
  readonly matched: readonly Rule[];
}

interface WhoCanAnswer {
  readonly allowed: readonly Reacher[];
  readonly checked: number;
  readonly note: string;
}

/** `who-can`: a table of those allowed, each with the rules that allowed it. */
async function whoCan(ctx: CommandContext, opts: Opts): Promise<number> {
  const context = contextOf(opts.context);
  if (typeof context === 'string') {
    ctx.err(`gatehouse: ${context}\n`);
    return EXIT.usage;
  }
  return remote<WhoCanAnswer>(
    ctx,
    opts,
    (c) => call<WhoCanAnswer>(c, 'POST', ['who-can'], { body: { action: opts.action, resource: opts.resource, context } }),
    (v) => {
      const table = formatTable(
        [
          { header: 'kind', value: (r: Reacher) => r.kind },
          { header: 'name', value: (r: Reacher) => r.name },
          { header: 'allowed by', value: (r: Reacher) => r.matched.filter((m) => m.effect === 'Allow').map(ruleText).join('; ') },
        ],
        v.allowed,
      );
      ctx.out(`${v.allowed.length > 0 ? table : ''}${v.allowed.length} of ${v.checked} principal(s) may ${opts.action} on ${opts.resource} (${v.note})\n`);
    },
  );
}

function question(cmd: Command): Command {
  return withJsonOption(
    withServerOptions(
      cmd
        .requiredOption('--action <action>', 'one action, e.g. s3:GetObject')
        .requiredOption('--resource <arn>', 'the resource ARN')
        .option('--context <key=value...>', 'request context (repeat a key for several values)'),
    ),
  );
}

export const authorizeCommands: CommandGroup = (program, ctx) => {
  question(program.command('authorize').description('decide a request the way resource servers ask it (POST /v1/authorize)').option('--principal <arn>', 'whose request (default: the caller)'))
    .addHelpText('after', '\nExit status: 0 Allow, 1 deny (ExplicitDeny or ImplicitDeny), other statuses for errors (docs/errors.md).')
    .action(async (opts: Opts & { principal?: string }) => ctx.exit(await ask(ctx, 'authorize', opts.principal, opts)));
  question(program.command('simulate').description('what would happen if ARN made this request: the same decision as enforcement, with no side effects').requiredOption('--as <arn>', 'the principal to simulate'))
    .action(async (opts: Opts & { as: string }) => ctx.exit(await ask(ctx, 'simulate', opts.as, opts)));

  question(program.command('who-can').description('who may do this: every user and role of your account allowed the action on the resource, with the rules that allow it'))
    .addHelpText('after', '\nRoles are asked about as a session with no session policy (the most a session of the role may do).')
    .action(async (opts: Opts) => ctx.exit(await whoCan(ctx, opts)));

  const rp = program.command('resource-policies').description('resource-based policies: bucket policies and policies on any resource ARN');
  withJsonOption(withServerOptions(rp.command('list').description('list the resource policies of your account'))).action(async (opts: ConnectionOptions & { json?: true }) =>
    ctx.exit(
      await remote(ctx, opts, (c) => call<{ resourcePolicies: { resource: string; updated: string }[] }>(c, 'GET', ['resource-policies']), (v) =>
        ctx.out(formatTable([{ header: 'resource', value: (r: { resource: string }) => r.resource }, { header: 'updated', value: (r: { updated: string }) => r.updated }], v.resourcePolicies)),
      ),
    ),
  );
  withJsonOption(withServerOptions(rp.command('get').description('show the policy on a resource').argument('<resource>'))).action(async (resource: string, opts: ConnectionOptions & { json?: true }) =>
    ctx.exit(await remote(ctx, opts, (c) => call<{ document: unknown }>(c, 'GET', ['resource-policies', resource]), (v) => ctx.out(`${JSON.stringify(v.document, null, 2)}\n`))),
  );
  withServerOptions(rp.command('put').description('attach a policy to a resource (replacing any)').argument('<resource>').requiredOption('--file <policy.json>', 'the policy document')).action(
    async (resource: string, opts: ConnectionOptions & { file: string }) => {
      let text: string;
      try {
        text = await ctx.readFile(opts.file);
      } catch (e) {
        ctx.err(`gatehouse: cannot read ${opts.file}: ${e instanceof Error ? e.message : String(e)}\n`);
        return ctx.exit(EXIT.noInput);
      }
      ctx.exit(await remote(ctx, opts, (c) => call(c, 'PUT', ['resource-policies', resource], { body: { document: text } }), () => ctx.out(`policy attached to ${resource}\n`)));
    },
  );
  withServerOptions(rp.command('delete').description('remove the policy of a resource').argument('<resource>')).action(async (resource: string, opts: ConnectionOptions) =>
    ctx.exit(await remote(ctx, opts, (c) => call(c, 'DELETE', ['resource-policies', resource]), () => ctx.out(`policy of ${resource} removed\n`))),
  );
};
