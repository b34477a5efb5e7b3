/**
 * `gatehouse authorize`, `gatehouse simulate`, `gatehouse who-can`, `gatehouse escalation-paths` and
 * `gatehouse resource-policies`: the one question, asked of a running server, with a readable explanation; who may
 * do it; how a principal may come to more rights; and the resource-based policies it consults.
 */
import type { Command } from 'commander';
import { call, connect, deleteNoContent, refusedInFile, remote, report, withServerOptions, type ClientFailure, type ClientResult, type ConnectionOptions } from '../client.ts';
import type { CommandContext, CommandGroup } from '../context.ts';
import { EXIT, exitCodeOf } from '../exit-codes.ts';
import { readInputFile } from '../input-file.ts';
import { fileErrorsText, formatTable, nonEmptyArg, printableJson, usageFailure, withJsonOption } from '../output.ts';
import { asItems, followPages, listLimit, moreFollow } from '../paging.ts';

/** A resource policy as `resource-policies list` shows it. */
interface Listed {
  readonly resource: string;
  readonly updated: string;
}

interface Answer {
  readonly decision: 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';
  /** The ARN decided, when the server names it: the principal as the directory spells it (`user/bob` for `user/BOB`). */
  readonly principal?: string;
  readonly reasons: readonly string[];
  /** `conditions`: each condition of the rule, `<operator> <key>` (a binding's CEL expression); absent when none. */
  readonly matched: readonly { engine: string; policy: string; type: string; statement?: number; sid?: string; effect: string; conditions?: readonly string[] }[];
  readonly diagnostics: readonly string[];
  readonly evaluationMicros: number;
  /** Of a deny, the IAM policy type that refused; absent from an allow and from other engines' denies. */
  readonly deniedBy?: string;
}

type Opts = ConnectionOptions & { json?: true; action: string; resource: string; context?: string[] };

/** A rule that decided, as `ruleText` reads it. */
const RULE = { engine: 'string', policy: 'string', type: 'string', statement: 'number?', sid: 'string?', effect: 'string' } as const;
const ANSWER = { decision: 'string', principal: 'string?', reasons: ['string'], matched: [RULE], diagnostics: ['string'], evaluationMicros: 'number' } as const;
const STEP = { from: 'string', to: 'string', how: 'string', via: 'string?' } as const;
const ESCALATION = {
  reports: [
    {
      principal: 'string',
      kind: 'string',
      canBecome: [{ principal: 'string', path: [STEP] }],
      canGain: [{ path: [STEP], gain: { by: 'string', principal: 'string', action: 'string', resource: 'string', gives: 'string', policy: 'string?', versions: 'any?' } }],
      anyRight: 'boolean',
    },
  ],
  questions: 'number',
  note: 'string',
} as const;

/** The `--context` pairs as a request context; undefined when one is not KEY=VALUE, after saying so on stderr. */
function contextOf(ctx: CommandContext, pairs: readonly string[] | undefined): Record<string, string | string[]> | undefined {
  // Null-prototype (STYLE.md 10; review mr, 4): on `{}`, `constructor=1` found the inherited function as a first value
  // (sent as `[null, "1"]` and refused), and `__proto__=x` set the prototype and was dropped.
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const p of pairs ?? []) {
    const eq = p.indexOf('=');
    if (eq <= 0) {
      usageFailure(ctx, `--context must be KEY=VALUE, got \`${p}\``, 'gatehouse');
      return undefined;
    }
    const k = p.slice(0, eq);
    const v = p.slice(eq + 1);
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

type Rule = Answer['matched'][number];

/**
 * A rule that decided, as its engine names it: `iam identity \`role/trainer/read\` statement 0 (Sid \`Read\`)`;
 * `bindings: binding 0 of the IAM policy on \`arn…\`` (a binding is no statement of a document named by ARN);
 * `rbac: <the RBAC rule>`.
 */
const ruleText = (m: Rule): string => {
  if (m.engine === 'bindings') return `bindings: binding ${m.statement ?? '?'} of the IAM policy on \`${m.policy}\``;
  if (m.engine === 'rbac') return `rbac: ${m.policy}`;
  return `${m.engine} ${m.type} \`${m.policy}\`${m.statement !== undefined ? ` statement ${m.statement}` : ''}${m.sid ? ` (Sid \`${m.sid}\`)` : ''}`;
};

/** The policy types `deniedBy` names, as `policy evaluate` words them (src/core/iam/explain.ts). */
const POLICY_TYPE: Readonly<Record<string, string>> = {
  identity: 'identity policy',
  boundary: 'permissions boundary',
  session: 'session policy',
  resource: 'resource policy',
  trust: 'trust policy',
};

/** ` if <conditions>` of a rule that applied only under them. */
const underConditions = (m: Rule): string => (m.conditions !== undefined && m.conditions.length > 0 ? ` if ${m.conditions.join(', ')}` : '');

function render(a: Answer): string {
  // Whom it was decided for, when the server names it (review cm, 5): `--json` showed it, the text dropped it.
  const lines = [`${a.decision}`, ...(a.principal !== undefined ? [`  decided for ${a.principal}`] : []), ...a.reasons.map((r) => `  ${r}`)];
  // What refused, as `policy evaluate` says it: the Deny statements and the conditions under which they applied, or the
  // policy type no statement of which allowed. The JSON answer held both (`matched`, `deniedBy`), the text neither
  // (review ic, 1): an ExplicitDeny from a Deny that applies only off the office network did not say so.
  if (a.decision === 'ExplicitDeny') {
    for (const m of a.matched) if (m.effect === 'Deny') lines.push(`  denied by ${ruleText(m)}${underConditions(m)}`);
  } else if (a.decision === 'ImplicitDeny' && a.deniedBy !== undefined) {
    // The resource's side refuses for want of a statement of its account's policies, or by a rule of its owner's (a
    // bucket's policy is its owner's account's alone, review gl, 4) that a statement allowing it does not lift (review ic, 8).
    // A rule refuses what a statement of that policy type allows (STS takes GetFederationToken and GetSessionToken with a
    // user's long-term key only): "no statement of it allows" sent the reader to write one that changes nothing (review mo, 2).
    const type = POLICY_TYPE[a.deniedBy] ?? `${a.deniedBy} policy`;
    const allowedThere = a.matched.some((m) => m.engine === 'iam' && m.type === a.deniedBy && m.effect === 'Allow');
    lines.push(
      a.deniedBy === 'resource'
        ? "  blocked at: the resource's account (the reasons above say why)"
        : allowedThere
          ? `  blocked at: ${type} (a statement of it allows this request, listed below; the reasons above say why it is refused)`
          : `  blocked at: ${type} (no statement of it allows this request)`,
    );
  }
  if (a.matched.length > 0) {
    lines.push('  matched:');
    for (const m of a.matched) lines.push(`    ${m.effect.padEnd(5)} ${ruleText(m)}${underConditions(m)}`);
  }
  if (a.diagnostics.length > 0) {
    lines.push('  diagnostics:');
    for (const d of a.diagnostics) lines.push(`    ${d}`);
  }
  lines.push(`  decided in ${a.evaluationMicros} µs`);
  return `${lines.join('\n')}\n`;
}

async function ask(ctx: CommandContext, route: 'authorize' | 'simulate', principal: string | undefined, opts: Opts): Promise<number> {
  const context = contextOf(ctx, opts.context);
  if (context === undefined) return EXIT.usage;
  const conn = await connect(opts, ctx);
  if (!conn.ok) return report(ctx, conn, opts.json);
  // An empty one is sent, and refused by the server (review gd, 3): dropped, `--as "$ARN"` with ARN unset asked about the caller.
  const r = await call<Answer>(conn.value, 'POST', [route], { body: { ...(principal !== undefined ? { principal } : {}), action: opts.action, resource: opts.resource, context }, shape: ANSWER, read: true });
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
  /** Allowed only under the `conditions` of its grants; absent from servers before review dv1. */
  readonly conditional?: boolean;
  readonly conditions?: readonly string[];
  /** Conditions of Denies that would take the grant away in another context; absent from servers before review du2. */
  readonly unless?: readonly string[];
  /** For a role: who can come to act as it; absent from servers before review dv2, and without the right to read the account. */
  readonly through?: readonly { readonly kind: string; readonly name: string; readonly principal: string; readonly path: readonly Step[] }[];
  /** How many more can come to act as it than `through` lists (src/app/who-can.ts MAX_THROUGH); absent when none. */
  readonly throughOmitted?: number;
  /** For a role: who beyond the account its trust policy lets become it; absent when none, and from servers before review fl3. */
  readonly trustedBeyond?: readonly (ResourcePolicyGrant & { readonly action: string })[];
}
interface ConditionallyExcluded {
  readonly kind: string;
  readonly name: string;
  readonly conditions: readonly string[];
}

interface BeyondGrant {
  readonly member: string;
  readonly policy: string;
  readonly index: number;
  readonly role: string;
  /** Whether the binding grants only under its condition, and which; absent from servers before review kj2. */
  readonly conditional?: boolean;
  readonly conditions?: readonly string[];
}
interface ResourcePolicyGrant {
  readonly principal: string;
  readonly policy: string;
  readonly statement: number;
  /** As an allowed principal's; absent from servers before review du3. */
  readonly conditional?: boolean;
  readonly conditions?: readonly string[];
  readonly unless?: readonly string[];
}

/** ` if <conditions>` of a grant that holds only under them, ` unless <conditions>` of one a conditional Deny would take away. */
const ifUnless = (g: { readonly conditional?: boolean; readonly conditions?: readonly string[]; readonly unless?: readonly string[] }): string =>
  `${g.conditional === true ? ` if ${(g.conditions ?? []).join(', ')}` : ''}${(g.unless ?? []).length > 0 ? ` unless ${(g.unless ?? []).join(', ')}` : ''}`;
interface WhoCanAnswer {
  readonly allowed: readonly Reacher[];
  readonly checked: number;
  /** Bindings granting it to principals not asked about (`allUsers`…); absent from servers before stop 27. */
  readonly grantedBeyond?: readonly BeyondGrant[];
  /** Bindings that would grant it beyond the account but for their condition; absent from servers before review vm3. */
  readonly conditionallyExcludedBeyond?: readonly BeyondGrant[];
  /** Resource policies granting it to `*` or other accounts' principals; absent from servers before review db3. */
  readonly grantedByResourcePolicy?: readonly ResourcePolicyGrant[];
  /** Resource policies' grants beyond the account their Allow conditions keep out; absent from servers before review vm5. */
  readonly conditionallyExcludedByResourcePolicy?: readonly ResourcePolicyGrant[];
  /** A cluster's RBAC subjects no access entry maps to a principal asked about; absent from servers before review ne3. */
  readonly grantedByRbac?: readonly { readonly kind: string; readonly name: string; readonly binding: string; readonly role: string }[];
  /** Those whose Allow statements' conditions did not hold for the context; absent from servers before review dv1. */
  readonly conditionallyExcluded?: readonly ConditionallyExcluded[];
  /** Users who reach it through a job of the workspace default role; absent from servers before review eq2. */
  readonly throughDefaultRoleJobs?: readonly { readonly kind: string; readonly name: string; readonly workspace: string; readonly role: string; readonly join?: string }[];
  readonly note: string;
}

/** `who-can`: a table of those allowed, each with the rules that allowed it. */
async function whoCan(ctx: CommandContext, opts: Opts): Promise<number> {
  const context = contextOf(ctx, opts.context);
  if (context === undefined) return EXIT.usage;
  return remote<WhoCanAnswer>(
    ctx,
    opts,
    (c) => call<WhoCanAnswer>(c, 'POST', ['who-can'], {
        read: true,
        body: { action: opts.action, resource: opts.resource, context },
        shape: { allowed: [{ kind: 'string', name: 'string', matched: [RULE] }], checked: 'number', note: 'string' },
      }),
    (v) => {
      const table = formatTable(
        [
          { header: 'kind', value: (r: Reacher) => r.kind },
          { header: 'name', value: (r: Reacher) => r.name },
          // A grant that holds only under conditions says on what (review dv, 1): "always" and "only from the office"
          // read alike before.
          { header: 'allowed by', value: (r: Reacher) => `${r.matched.filter((m) => m.effect === 'Allow').map(ruleText).join('; ')}${ifUnless(r)}` },
        ],
        v.allowed,
      );
      ctx.out(`${v.allowed.length > 0 ? table : ''}${v.allowed.length} of ${v.checked} principal(s) may ${opts.action} on ${opts.resource} (${v.note})\n`);
      // Who reaches it through a role allowed (review dv, 2): each with the shortest path, as escalation-paths prints one.
      const through = v.allowed.flatMap((r) => (r.through ?? []).map((t) => ({ ...t, role: r.principal })));
      if (through.length > 0) {
        ctx.out(`also through the roles and users they can come to act as:\n${formatTable(
          [
            { header: 'kind', value: (t: (typeof through)[number]) => t.kind },
            { header: 'name', value: (t: (typeof through)[number]) => t.name },
            { header: 'acts as', value: (t: (typeof through)[number]) => entityName(t.role) },
            // A PassRole step says where (`in workspace/ml`), as escalation-paths prints it (review dx, 2).
            { header: 'path', value: (t: (typeof through)[number]) => [entityName(t.principal), ...t.path.map((p) => `-(${howText(p)}${p.via ? ` in ${entityName(p.via)}` : ''})-> ${entityName(p.to)}`)].join(' ') },
          ],
          through,
        )}`);
      }
      // A role that more can come to act as than the answer lists (MAX_THROUGH): how many, and where the rest are.
      for (const r of v.allowed) {
        if (r.throughOmitted !== undefined) ctx.out(`… and ${r.throughOmitted} more can come to act as ${entityName(r.principal)}, not listed here: gatehouse escalation-paths --principal ARN says how one of them does\n`);
      }
      // Who beyond the account can become a role allowed, by its trust policy (review fl, 3).
      const trusted = v.allowed.flatMap((r) => (r.trustedBeyond ?? []).map((t) => ({ ...t, role: r.principal })));
      if (trusted.length > 0) {
        ctx.out(`also beyond the account, through the trust policies of the roles allowed:\n${formatTable(
          [
            { header: 'principal', value: (t: (typeof trusted)[number]) => t.principal },
            { header: 'acts as', value: (t: (typeof trusted)[number]) => entityName(t.role) },
            { header: 'by', value: (t: (typeof trusted)[number]) => `${t.action} (statement ${t.statement} of the ${t.policy})${ifUnless(t)}` },
          ],
          trusted,
        )}`);
      }
      // Who reaches it through a job of the workspace default role, which needs no PassRole (review eq, 2).
      const jobs = v.throughDefaultRoleJobs ?? [];
      if (jobs.length > 0) {
        ctx.out(`also through a job of the workspace default role (--role default: a member allowed training:CreateJob, or one that may make itself a member first; its session opens the workspace's default bucket):\n${formatTable(
          [
            { header: 'kind', value: (j: (typeof jobs)[number]) => j.kind },
            { header: 'name', value: (j: (typeof jobs)[number]) => j.name },
            { header: 'acts as', value: (j: (typeof jobs)[number]) => entityName(j.role) },
            { header: 'path', value: (j: (typeof jobs)[number]) => `-(${j.join !== undefined ? `${j.join} then ` : ''}training:CreateJob --role default in ${entityName(j.workspace)})-> ${entityName(j.role)}` },
          ],
          jobs,
        )}`);
      }
      const excluded = v.conditionallyExcluded ?? [];
      if (excluded.length > 0) {
        ctx.out(`not allowed in this context only because conditions of their Allow statements did not hold:\n${formatTable(
          [
            { header: 'kind', value: (r: ConditionallyExcluded) => r.kind },
            { header: 'name', value: (r: ConditionallyExcluded) => r.name },
            { header: 'conditions not met', value: (r: ConditionallyExcluded) => r.conditions.join(', ') },
          ],
          excluded,
        )}`);
      }
      // Those the note says bindings also grant it to: each binding, so that the reader can find and change it.
      const beyond = v.grantedBeyond ?? [];
      if (beyond.length > 0) {
        ctx.out(`also granted by bindings to principals not listed above:\n${formatTable(
          [
            { header: 'member', value: (g: BeyondGrant) => g.member },
            { header: 'role', value: (g: BeyondGrant) => g.role },
            { header: 'binding', value: (g: BeyondGrant) => `bindings[${g.index}] of the policy on ${g.policy}${ifUnless(g)}` },
          ],
          beyond,
        )}`);
      }
      // Those bindings would grant it to but for their condition, which did not hold (review vm, 3).
      const beyondExcluded = v.conditionallyExcludedBeyond ?? [];
      if (beyondExcluded.length > 0) {
        ctx.out(`not granted in this context only because the condition of their binding did not hold, to principals not listed above:\n${formatTable(
          [
            { header: 'member', value: (g: BeyondGrant) => g.member },
            { header: 'role', value: (g: BeyondGrant) => g.role },
            { header: 'binding', value: (g: BeyondGrant) => `bindings[${g.index}] of the policy on ${g.policy}` },
            { header: 'conditions not met', value: (g: BeyondGrant) => (g.conditions ?? []).join(', ') },
          ],
          beyondExcluded,
        )}`);
      }
      const foreign = v.grantedByResourcePolicy ?? [];
      if (foreign.length > 0) {
        ctx.out(`also granted by resource policies to principals not listed above (their own account's policies decide their side):\n${formatTable(
          [
            { header: 'principal', value: (g: ResourcePolicyGrant) => g.principal },
            { header: 'statement', value: (g: ResourcePolicyGrant) => `${g.statement} of the ${g.policy}${ifUnless(g)}` },
          ],
          foreign,
        )}`);
      }
      // Those the conditions of the Allow statements keep out in this context (review vm, 5).
      const foreignExcluded = v.conditionallyExcludedByResourcePolicy ?? [];
      if (foreignExcluded.length > 0) {
        ctx.out(`not granted in this context only because conditions of their resource policy's Allow statements did not hold, to principals not listed above:\n${formatTable(
          [
            { header: 'principal', value: (g: ResourcePolicyGrant) => g.principal },
            { header: 'statement', value: (g: ResourcePolicyGrant) => `${g.statement} of the ${g.policy}` },
            { header: 'conditions', value: (g: ResourcePolicyGrant) => (g.conditions ?? []).join(', ') },
          ],
          foreignExcluded,
        )}`);
      }
      const rbac = v.grantedByRbac ?? [];
      if (rbac.length > 0) {
        ctx.out(`also given by the cluster's RBAC to subjects no access entry maps to a principal listed above (its webhook lets them in):\n${formatTable(
          [
            { header: 'subject', value: (g: (typeof rbac)[number]) => `${g.kind} ${g.name}` },
            { header: 'role', value: (g: (typeof rbac)[number]) => g.role },
            { header: 'binding', value: (g: (typeof rbac)[number]) => g.binding },
          ],
          rbac,
        )}`);
      }
    },
  );
}

interface Step {
  readonly from: string;
  readonly to: string;
  readonly how: string;
  readonly via?: string;
  /** Why each action of the step is allowed (the statements that allow it, review jb, 3); absent from older servers. */
  readonly reasons?: readonly string[];
}
interface Gain {
  readonly by: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly gives: 'any' | 'any-within-boundary' | 'own-policies' | 'group' | 'policy' | 'bindings' | 'resource' | 'tags' | 'without-deny';
  /**
   * The managed policy the gain goes through (a wider version made default, a boundary put in place); for
   * `without-deny`, what is removed: an inline policy's name, a managed policy's or a group's ARN, `aws:PrincipalTag/K`.
   */
  readonly policy?: string;
  /** Its versions that allow more than the default one. */
  readonly versions?: readonly string[];
  /** Actions taken before `action` (`iam:DeletePolicyVersion` at the versions quota); absent from servers before review fl6. */
  readonly first?: readonly string[];
  readonly reasons?: readonly string[];
}
interface EscalationReport {
  readonly principal: string;
  readonly kind: string;
  readonly canBecome: readonly { principal: string; kind: string; path: readonly Step[] }[];
  readonly canGain: readonly { path: readonly Step[]; gain: Gain }[];
  readonly anyRight: boolean;
}
interface EscalationAnswer {
  readonly reports: readonly EscalationReport[];
  readonly questions: number;
  readonly note: string;
}

/** `user/alice` of an entity ARN (`arn:aws:iam::…:user/alice`, `acs:ram::…:role/x`). */
/** An ARN's head: `arn:partition:service:region:account:` (`acs:` too), the resource part following it. */
const ARN_HEAD = /^(?:arn|acs):[^:]*:[^:]*:[^:]*:[^:]*:/;
/**
 * An entity's name as the reports print it (`user/ops/alice`): its ARN's resource part, after the head's fifth `:`. Not
 * after the last `:` (review kx, 2): an IAM path may hold one, and `user/ops:role/carol` printed as `role/carol`, a user
 * read as a role. What is not an ARN, as it was. The console words it the same way (web/console.js).
 */
const entityName = (arn: string): string => {
  const head = ARN_HEAD.exec(arn);
  return head !== null ? arn.slice(head[0].length) : arn.slice(arn.lastIndexOf(':') + 1);
};
/**
 * A step's kind in the words of the account it is taken in (review qf, 6): an `acs` account's in RAM's service name
 * (`ram:CreateAccessKey`, as its `actions` are), where it printed `iam:CreateAccessKey`, a name no RAM policy grants or
 * denies. The JSON's `how` is the kind, the same in both.
 */
const howText = (st: { readonly how: string; readonly to: string }): string => (st.to.startsWith('acs:') && st.how.startsWith('iam:') ? `ram:${st.how.slice('iam:'.length)}` : st.how);
const pathText = (path: readonly Step[]): string => path.map((st) => `→ ${entityName(st.to)} (${howText(st)}${st.via ? ` in ${entityName(st.via)}` : ''})`).join(' ');
const GIVES: Record<Gain['gives'], string> = { any: 'any right', 'any-within-boundary': 'any right within its boundary', 'own-policies': 'its policies without its boundary', group: 'the rights of a group', policy: 'the rights of a managed policy', bindings: 'any role a binding grants', resource: 'any right a resource policy grants', tags: 'what its policies grant by tag', 'without-deny': 'its policies without a Deny' };

/** What a gain gives, naming the policy it goes through when there is one. */
function givesText(g: Gain): string {
  if (g.policy === undefined) return GIVES[g.gives];
  const versions = g.versions !== undefined && g.versions.length > 0 ? ` (version${g.versions.length === 1 ? '' : 's'} ${g.versions.join(', ')})` : '';
  if (g.gives === 'policy') return `the rights of ${entityName(g.policy)}${versions}`;
  if (g.gives === 'own-policies') return `its policies within boundary ${entityName(g.policy)}${versions}`;
  if (g.gives === 'without-deny') return `its policies without the Denies of ${g.policy.startsWith('aws:PrincipalTag/') ? `tag ${g.policy.slice('aws:PrincipalTag/'.length)}` : entityName(g.policy)}`;
  return GIVES[g.gives];
}

/**
 * One principal's paths: whom it can act as, then the ways to more rights, shortest first. With `why` (review jb, 3:
 * the statements that allow each step were in `--json` alone), each step and gain is followed by its reasons.
 */
function renderEscalation(r: EscalationReport, why = false): string {
  const lines = [`${entityName(r.principal)}${r.anyRight ? ': can come to any right' : ''}`];
  const because = (reasons: readonly string[] | undefined, prefix = ''): void => {
    if (why) for (const reason of reasons ?? []) lines.push(`        ${prefix}${reason}`);
  };
  const stepsWhy = (path: readonly Step[]): void => {
    for (const st of path) because(st.reasons, `${entityName(st.from)} → ${entityName(st.to)}: `);
  };
  lines.push(r.canBecome.length === 0 ? '  acts as no other principal' : '  can act as:');
  for (const b of r.canBecome) {
    lines.push(`    ${entityName(b.principal)}  ${pathText(b.path)}`);
    stepsWhy(b.path);
  }
  lines.push(r.canGain.length === 0 ? '  no way to more rights found' : '  can gain:');
  for (const g of r.canGain) {
    const as = g.path.length > 0 ? ` (as ${entityName(g.gain.by)}: ${pathText(g.path)})` : '';
    lines.push(`    ${givesText(g.gain)} for ${entityName(g.gain.principal)}: ${[...(g.gain.first ?? []), g.gain.action].join(' then ')} on ${entityName(g.gain.resource)}${as}`);
    because(g.gain.reasons);
  }
  return `${lines.join('\n')}\n`;
}

/** `escalation-paths`: one principal in full, or a table of every user and role of the account. */
async function escalationPaths(ctx: CommandContext, opts: ConnectionOptions & { json?: true; principal?: string; context?: string[]; why?: true }): Promise<number> {
  const context = contextOf(ctx, opts.context);
  if (context === undefined) return EXIT.usage;
  if (opts.why === true && opts.principal === undefined) {
    return usageFailure(ctx, '--why explains the paths of one principal: give it with --principal ARN (the table of every user and role has no room for them)', 'gatehouse');
  }
  return remote<EscalationAnswer>(
    ctx,
    opts,
    (c) => call<EscalationAnswer>(c, 'POST', ['escalation-paths'], { read: true, body: { ...(opts.principal !== undefined ? { principal: opts.principal } : {}), ...(opts.context ? { context } : {}) }, shape: ESCALATION }),
    (v) => {
      if (opts.principal) for (const r of v.reports) ctx.out(renderEscalation(r, opts.why === true));
      else {
        ctx.out(
          formatTable(
            [
              { header: 'principal', value: (r: EscalationReport) => entityName(r.principal) },
              { header: 'can act as', value: (r: EscalationReport) => r.canBecome.map((b) => entityName(b.principal)).join(', ') || '-' },
              { header: 'ways to more rights', value: (r: EscalationReport) => String(r.canGain.length) },
              { header: 'any right', value: (r: EscalationReport) => (r.anyRight ? 'yes' : 'no') },
            ],
            v.reports,
          ),
        );
      }
      ctx.out(`${v.questions} question(s) asked (${v.note})\n`);
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
    .addHelpText(
      'after',
      '\nA role named by its ARN is simulated as a session of it issued now. --context may also give what a session or the request time carries (aws:CurrentTime, aws:TokenIssueTime, aws:PrincipalTag/K, aws:SourceIdentity, aws:MultiFactorAuthPresent), as IAM\'s simulator takes context entries; who the principal is (aws:PrincipalArn, aws:username…) comes from --as.\nExit status: 0 Allow, 1 deny (ExplicitDeny or ImplicitDeny), other statuses for errors (docs/errors.md).',
    )
    .action(async (opts: Opts & { as: string }) => ctx.exit(await ask(ctx, 'simulate', opts.as, opts)));

  question(program.command('who-can').description('who may do this: every user and role of your account allowed the action on the resource, with the rules that allow it'))
    .addHelpText(
      'after',
      '\nRoles are asked about as a session with no session policy (the most a session of the role may do).\nThose who can come to act as a role allowed (AssumeRole, PassRole to a job, node or pod… as escalation-paths finds them, with --context) are listed after the table, each with its path; this needs iam:GetAccountAuthorizationDetails, and is left out without it.\nA principal allowed only by grants with conditions (a Condition block, a binding\'s condition) is marked `if <operator> <key>` (the CEL expression for a binding); one whose grant a Deny with a condition would take away in another context, `unless <operator> <key>`; those whose Allow statements\' conditions did not hold for --context (none by default) are listed after the table, with the conditions not met.',
    )
    .action(async (opts: Opts) => ctx.exit(await whoCan(ctx, opts)));

  withJsonOption(
    withServerOptions(
      program
        .command('escalation-paths')
        .description('which paths let a principal gain more rights: whom it can come to act as (AssumeRole, PassRole to a job or node, CreateAccessKey, a rewritten trust policy), and how it can give itself more rights')
        .option('--principal <arn>', 'a user or role of your account (default: every user and role, as a table)')
        .option('--context <key=value...>', 'request context every question is asked with (repeat a key for several values)')
        .option('--why', 'with --principal: under each step and gain, why it is allowed (the policy and statement that allow it)'),
    ),
  )
    .addHelpText('after', '\nRoles are asked about as a session with no session policy. Principals of other accounts are not followed.')
    .action(async (opts: ConnectionOptions & { json?: true; principal?: string; context?: string[]; why?: true }) => ctx.exit(await escalationPaths(ctx, opts)));

  const rp = program.command('resource-policies').description('resource-based policies: bucket policies and policies on any resource ARN');
  withJsonOption(
    withServerOptions(
      rp
        .command('list')
        .description('list the resource policies of your account (every one, page by page, unless --limit)')
        .option('--limit <n>', 'at most this many policies; with --json the answer then holds `next` when more follow, else stderr says how to go on', listLimit)
        .option('--after <resource>', 'only the policies after this resource (the `next` of an earlier `list --limit N --json`)', nonEmptyArg('--after', 'the resource an earlier listing cut at --limit stopped at', 'to start from the first')),
    ),
  ).action(async (opts: ConnectionOptions & { json?: true; limit?: number; after?: string }) =>
    ctx.exit(
      await remote(
        ctx,
        opts,
        async (c): Promise<ClientResult<{ resourcePolicies: Listed[]; next?: string }>> => {
          // The server answers a page at a time (review bx, 4).
          const r = await followPages<Listed>(
            async (want, next) => asItems(await call<{ resourcePolicies: Listed[]; next?: string }>(c, 'GET', ['resource-policies'], { query: { limit: String(want), after: next }, shape: { resourcePolicies: [{ resource: 'string', updated: 'string' }], next: 'string?' } }), 'resourcePolicies'),
            opts.limit,
            opts.after,
          );
          return r.ok ? { ok: true, value: { resourcePolicies: r.value.items, ...(r.value.next !== undefined ? { next: r.value.next } : {}) } } : r;
        },
        (v) => {
          ctx.out(formatTable([{ header: 'resource', value: (r: Listed) => r.resource }, { header: 'updated', value: (r: Listed) => r.updated }], v.resourcePolicies));
          if (v.next !== undefined) ctx.err(moreFollow('policies', opts.limit, '--after', v.next));
        },
      ),
    ),
  );
  withJsonOption(withServerOptions(rp.command('get').description('show the policy on a resource').argument('<resource>'))).action(async (resource: string, opts: ConnectionOptions & { json?: true }) =>
    ctx.exit(await remote(ctx, opts, (c) => call<{ document: unknown }>(c, 'GET', ['resource-policies', resource], { shape: { document: 'any' } }), (v) => ctx.out(`${printableJson(JSON.stringify(v.document, null, 2))}\n`))),
  );
  // --json on every command, changes too, as the aws CLI's --output: a script passing it throughout is not refused here.
  withJsonOption(withServerOptions(rp.command('put').description('attach a policy to a resource (replacing any)').argument('<resource>').requiredOption('--file <policy>', 'the policy document, JSON or YAML'))).action(
    async (resource: string, opts: ConnectionOptions & { json?: true; file: string }) => {
      const text = await readInputFile(ctx, opts.file, opts.json === true);
      if (text === undefined) return ctx.exit(EXIT.noInput);
      // Read as every command that sends a policy file reads it (review bx, 3): JSON as written, YAML by its value.
      // Loaded here: it brings the YAML parser and the IAM engine, which a command that sends no policy never needs.
      const { loadPolicy } = await import('../policy-files.ts');
      const loaded = loadPolicy(opts.file, text);
      if (loaded.errors.length > 0) {
        ctx.err(fileErrorsText(opts.file, loaded.errors, opts.json === true));
        return ctx.exit(exitCodeOf(loaded.errors));
      }
      const conn = await connect(opts, ctx);
      if (!conn.ok) return ctx.exit(report(ctx, conn, opts.json));
      const r = await call(conn.value, 'PUT', ['resource-policies', resource], { body: { document: loaded.input }, shape: { document: 'any' } });
      // A refusal of the document is said at its places in the file; one of the resource argument, a permission or the
      // server's is said as any other.
      if (!r.ok) {
        const about = (e: ClientFailure['errors'][number]) => e.path !== 'resource' && e.path !== 'document';
        return ctx.exit((opts.json ? undefined : refusedInFile(ctx, r, 'resource-policies put', opts.file, loaded.locate, about, 'document')) ?? report(ctx, r, opts.json));
      }
      ctx.out(opts.json ? `${JSON.stringify(r.value, null, 2)}\n` : `policy attached to ${resource}\n`);
      ctx.exit(EXIT.ok);
    },
  );
  withJsonOption(withServerOptions(rp.command('delete').description('remove the policy of a resource').argument('<resource>'))).action(async (resource: string, opts: ConnectionOptions & { json?: true }) =>
    ctx.exit(
      await remote(
        ctx,
        opts,
        (c) => deleteNoContent(c, ['resource-policies', resource], resource),
        () => ctx.out(`policy of ${resource} removed\n`),
      ),
    ),
  );
};
