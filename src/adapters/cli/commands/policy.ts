/**
 * `gatehouse policy validate|evaluate`: work offline on policy files, with no server and no directory.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { GatehouseError } from '../../../core/errors.ts';
import type { PolicyKind, PolicyType } from '../../../core/iam/index.ts';
import type { ContextInput, PolicyText, SourcedError } from '../../../app/policy.ts';
import { POLICY_KINDS, REQUEST_SOURCE, TRUST_ACTIONS } from '../../../app/policy-names.ts';
import { instantOf } from '../../../app/audit-time.ts';
import type { CommandContext, CommandGroup } from '../context.ts';
import { EXIT, exitCodeOf } from '../exit-codes.ts';
import { describeReadError } from '../input-file.ts';
import { formatError, formatJson, inFileOrder, printableMessage, usageFailure, withJsonOption } from '../output.ts';
import { loadPolicy, type LoadedPolicy } from '../policy-files.ts';

export const policyCommands: CommandGroup = (program, ctx) => {
  const policy = program
    .command('policy')
    .description('validate policy documents and decide requests against them, offline, on files')
    .addHelpText('after', '\nPolicy files are JSON; a file ending in .yaml or .yml is read as YAML.');

  withJsonOption(
    policy
      .command('validate')
      .description('check policy documents against the grammar of where they are attached')
      .argument('<file...>', 'policy documents (JSON, or YAML for .yaml/.yml; - reads standard input: JSON when it starts with `{`, else YAML)')
      .addOption(new Option('--kind <kind>', 'where the policy is attached: identity (users, groups, roles, boundaries, sessions), resource, or trust (a role trust policy)').choices(POLICY_KINDS).default('identity'))
      .option('--resource <arn>', 'with --kind resource: the resource the policy is attached to, whose size limit it is held to (a KMS key\'s policy may have 32,768 characters, any other 20,480)'),
  )
    .addHelpText('after', `
Prints \`valid\`, or one line per error: FILE:LINE:COLUMN: PATH: MESSAGE [CODE].
Exit status: 0 valid, 2 a wrong command line (a --kind other than identity, resource or trust) or --resource
without --kind resource, 3 invalid, 5 a file could not be read (see docs/errors.md).

Examples:
  gatehouse policy validate --kind trust examples/policies/training-trust.json
  gatehouse policy validate --kind resource --resource arn:aws:kms:us-east-1:111122223333:key/KEY-ID key-policy.json`)
    .action(async (files: string[], opts: ValidateOptions) => ctx.exit(await validate(files, opts, ctx)));

  withJsonOption(
    policy
      .command('evaluate')
      .description('decide one request against policy files, as the server would')
      .option('--policy <file...>', 'identity policies of the principal (repeatable)')
      .option('--boundary <file>', 'the principal\'s permissions boundary')
      .option('--session-policy <file...>', 'session policies passed when the role was assumed (repeatable)')
      .option('--resource-policy <file...>', 'resource-based policies on the resource (repeatable)')
      .option('--trust-policy <file>', 'the trust policy of the role being assumed, which --resource names (to decide sts:AssumeRole, AssumeRoleWithWebIdentity, TagSession or SetSourceIdentity on it)')
      .requiredOption('--principal <arn>', 'who asks: a user, root, role, assumed-role session or federated-user ARN, a service principal, or anonymous')
      .requiredOption('--action <action>', 'the action, such as s3:GetObject')
      .requiredOption('--resource <arn>', 'the resource ARN, or * for actions without a resource')
      .option('--resource-account <id>', 'the account owning the resource (default: from the ARN, else the principal\'s)')
      .option('--context <key=value...>', 'a request context value (repeatable; a repeated key is multi-valued)', parseContextPair)
      .option('--time <when>', 'the time of the request: ISO 8601, UTC unless it gives a zone, or epoch seconds (default: now)', parseTime)
      .option('--explain', 'explain the decision: the statements that matched, and conditions that failed'),
  )
    .addHelpText('after', `
Prints the decision (Allow, ExplicitDeny or ImplicitDeny) and why; --explain names the statements.
A file may be - (standard input, JSON when it starts with \`{\`, else YAML) for one of the policy options: it holds
one document.
Exit status: 0 Allow, 1 ExplicitDeny or ImplicitDeny, 2 bad arguments (- given for two policies), 3 invalid policy,
4 invalid request, 5 a file could not be read, 8 a --resource that is no ARN or a --principal over 2,048
characters, refused as the server refuses them (see docs/errors.md).

Example:
  gatehouse policy evaluate --policy examples/policies/ml-data-reader.json \\
    --principal arn:aws:iam::111122223333:user/alice --action s3:GetObject \\
    --resource arn:aws:s3:::ml-datasets/imagenet/train-00001.tar --explain`)
    .action(async (opts: EvaluateOptions) => ctx.exit(await evaluateCommand(opts, ctx)));
};

// ---------------------------------------------------------------------------------------------------------
// validate

interface FileReport {
  readonly file: string;
  readonly valid: boolean;
  readonly errors: readonly GatehouseError[];
  /** Why the file could not be read (`no such file; check the path`): it was left out of `--json`'s files (review hm, 9). */
  readonly unreadable?: string;
}

interface ValidateOptions {
  readonly kind: PolicyKind;
  readonly resource?: string;
  readonly json?: true;
}

async function validate(files: readonly string[], opts: ValidateOptions, ctx: CommandContext): Promise<number> {
  if (opts.resource !== undefined && opts.kind !== 'resource') {
    return usageFailure(ctx, `--resource names the resource a resource-based policy is attached to: give it with --kind resource, or leave it out (--kind is ${opts.kind})`);
  }
  const reports: FileReport[] = [];
  let status: number = EXIT.ok;
  for (const file of files) {
    const loaded = await readPolicyFile(file, ctx, opts.json === true);
    if ('unreadable' in loaded) {
      if (status === EXIT.ok) status = EXIT.noInput;
      reports.push({ file, valid: false, errors: [], unreadable: loaded.unreadable });
      continue;
    }
    let errors = loaded.errors;
    if (errors.length === 0) {
      const { validatePolicy } = await import('../../../app/policy.ts');
      const result = validatePolicy(loaded.input, opts.kind, opts.resource);
      errors = result.ok ? [] : inFileOrder(result.errors.map(loaded.locate));
    }
    reports.push({ file, valid: errors.length === 0, errors });
    if (errors.length > 0 && status === EXIT.ok) status = exitCodeOf(errors);
  }

  if (opts.json) {
    ctx.out(formatJson({ valid: status === EXIT.ok, kind: opts.kind, files: reports }));
  } else {
    for (const r of reports) {
      if (r.unreadable !== undefined) continue;
      if (r.valid) ctx.out(files.length === 1 ? 'valid\n' : `${r.file}: valid\n`);
      else {
        for (const e of r.errors) ctx.out(formatError(r.file, e));
        const hint = kindHint(r.errors, opts.kind);
        if (hint !== undefined) ctx.err(`gatehouse: \`${r.file}\` was checked as ${hint}\n`);
        // Held to a bucket policy's limit for want of --resource, a key policy the server takes (review qx, 4).
        if (opts.kind === 'resource' && opts.resource === undefined && r.errors.some((e) => e.code === 'POLICY_TOO_LARGE' && /the limit is 20480$/.test(e.message))) {
          ctx.err(`gatehouse: \`${r.file}\` was held to a resource policy's 20,480 characters; a KMS key's policy may have up to 32,768 characters: for one, give the key's ARN with --resource\n`);
        }
      }
    }
  }
  return status;
}

/**
 * The errors of a file checked against the grammar of another kind than its own: a role's trust policy or a bucket
 * policy validated as an identity policy (the default `--kind`, README §1) was refused naming its `Principal` and, for
 * a trust policy, its missing `Resource`, without a word on `--kind`, and the user looked for a fault in the file. Said
 * once per file, on stderr, beside the errors (which stay as they are, on stdout).
 */
function kindHint(errors: readonly GatehouseError[], kind: PolicyKind): string | undefined {
  const codes = new Set(errors.map((e) => e.code));
  if (kind === 'identity' && codes.has('POLICY_PRINCIPAL_NOT_ALLOWED')) return 'an identity policy (--kind identity, the default), which names no `Principal`: for a role\'s trust policy give --kind trust, for a bucket\'s or another resource\'s policy --kind resource';
  if (kind !== 'identity' && codes.has('POLICY_PRINCIPAL_REQUIRED')) return `a ${kind === 'trust' ? 'role trust' : 'resource-based'} policy (--kind ${kind}), whose statements name a \`Principal\`: for a policy attached to a user, group or role (or a boundary or session policy) leave --kind out (identity)`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------
// evaluate

interface EvaluateOptions {
  readonly policy?: string[];
  readonly boundary?: string;
  readonly sessionPolicy?: string[];
  readonly resourcePolicy?: string[];
  readonly trustPolicy?: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly resourceAccount?: string;
  readonly context?: [string, string][];
  readonly time?: number;
  readonly explain?: true;
  readonly json?: true;
}

/** The options of `policy evaluate` that read a policy file, which may be `-`, in their order on the help. */
const STDIN_OPTIONS = [
  ['policy', '--policy'],
  ['boundary', '--boundary'],
  ['sessionPolicy', '--session-policy'],
  ['resourcePolicy', '--resource-policy'],
  ['trustPolicy', '--trust-policy'],
] as const satisfies readonly (readonly [keyof EvaluateOptions, string])[];

/** Where a request error came from, in the words of the command line. */
const REQUEST_OPTION: Readonly<Record<string, string>> = {
  principal: '--principal',
  action: '--action',
  resource: '--resource',
  resourceAccount: '--resource-account',
  context: '--context',
};

async function evaluateCommand(opts: EvaluateOptions, ctx: CommandContext): Promise<number> {
  // A trust policy decides only the STS actions on its role (sts:AssumeRole*, sts:TagSession…): given with another
  // action it was still evaluated, and an s3:GetObject an identity policy allows came out ImplicitDeny, "the role
  // trust policy does not allow this principal".
  // Nor any other sts: action (review qx, 2): sts:GetCallerIdentity, which STS answers to every caller, came out
  // ImplicitDeny "the role trust policy does not allow this principal"; and the resource is the role: sts:AssumeRole of a
  // bucket or of `*` came out Allow "allowed by the role trust policy", where the server answers that STS assumes only a
  // role. Said before any file is read, as the server decides it (src/app/authorize.ts): TRUST_ACTIONS on a role's ARN.
  if (opts.trustPolicy !== undefined && !TRUST_ACTIONS.has(opts.action.toLowerCase())) {
    return usageFailure(ctx, `--trust-policy decides sts: actions on the role being assumed (sts:AssumeRole, sts:AssumeRoleWithWebIdentity, sts:TagSession or sts:SetSourceIdentity), and --action is \`${opts.action}\`; leave --trust-policy out, or ask about sts:AssumeRole`);
  }
  if (opts.trustPolicy !== undefined && (await import('../../../core/sts/session.ts')).parseRoleArn(opts.resource) === undefined) {
    return usageFailure(ctx, `--trust-policy is the trust policy of the role being assumed, and --resource \`${printableMessage(opts.resource.length > 200 ? `${opts.resource.slice(0, 200)}…` : opts.resource)}\` is not a role ARN (arn:aws:iam::<account>:role/<path/>name or acs:ram::<account>:role/<name>); give the role's ARN, or leave --trust-policy out`);
  }
  // Standard input holds one document: `--policy - --resource-policy -` (two documents piped, or one meant for one of
  // them) gave the same text to both, and the answer was about a request nobody asked, or an error about the other kind's
  // grammar at `-:1:…`, or about text after the first document (review sg, 3).
  const fromStdin = STDIN_OPTIONS.flatMap(([key, flag]) => {
    const v = opts[key];
    return (Array.isArray(v) ? v : [v]).filter((f) => f === '-').map(() => flag);
  });
  if (fromStdin.length > 1) {
    const named = [...new Set(fromStdin)];
    return usageFailure(ctx, `standard input (\`-\`) holds one policy document, and ${named.length === 1 ? `${named[0]} names it ${fromStdin.length} times` : `${named.slice(0, -1).join(', ')} and ${named.at(-1)} each name it`}: give \`-\` once, and the other documents as files`);
  }
  const files: { type: PolicyType; file: string }[] = [
    ...(opts.policy ?? []).map((file) => ({ type: 'identity' as const, file })),
    ...(opts.boundary !== undefined ? [{ type: 'boundary' as const, file: opts.boundary }] : []),
    ...(opts.sessionPolicy ?? []).map((file) => ({ type: 'session' as const, file })),
    ...(opts.resourcePolicy ?? []).map((file) => ({ type: 'resource' as const, file })),
    ...(opts.trustPolicy !== undefined ? [{ type: 'trust' as const, file: opts.trustPolicy }] : []),
  ];

  const loaded = new Map<string, LoadedPolicy>();
  const unreadable: { source: string; code: 'UnreadableFile'; message: string }[] = [];
  for (const { file } of files) {
    if (loaded.has(file) || unreadable.some((u) => u.source === file)) continue;
    const l = await readPolicyFile(file, ctx, opts.json === true);
    if ('unreadable' in l) unreadable.push({ source: file, code: 'UnreadableFile', message: `cannot read \`${file}\`: ${l.unreadable}` });
    else loaded.set(file, l);
  }
  // With --json, one `{"errors": [...]}` as the files' other errors are printed; the text was printed as each was read
  // (review hm, 9).
  if (unreadable.length > 0) {
    if (opts.json) ctx.err(formatJson({ errors: unreadable }));
    return EXIT.noInput;
  }

  const errors: SourcedError[] = [];
  const policies: PolicyText[] = [];
  for (const { type, file } of files) {
    const l = loaded.get(file);
    if (l === undefined) continue;
    if (l.errors.length > 0) errors.push(...l.errors.map((e) => ({ ...e, source: file })));
    else policies.push({ type, name: file, text: l.input });
  }
  // A file given twice (say as identity policy and as boundary) reports each error once: its load errors, and those the
  // engine finds in it for each place (a syntax error, an unknown operator: both places' grammars refuse it) were
  // printed once per place (review sg, 4). Errors of one kind's grammar alone (a `Principal` a resource policy needs)
  // differ, and are all kept.
  const once = <E extends { readonly source: string; readonly code: string; readonly message: string; readonly path: string }>(list: readonly E[]): E[] =>
    list.filter((e, i) => list.findIndex((x) => x.source === e.source && x.code === e.code && x.message === e.message && x.path === e.path) === i);
  const uniqueErrors = once(errors);

  const { evaluatePolicies } = await import('../../../app/policy.ts');
  const result = evaluatePolicies({
    policies,
    principal: opts.principal,
    action: opts.action,
    resource: opts.resource,
    ...(opts.resourceAccount !== undefined ? { resourceAccount: opts.resourceAccount } : {}),
    context: contextInput(opts.context ?? []),
    time: opts.time ?? ctx.now(),
    explain: opts.explain ?? false,
  });

  if (!result.ok || uniqueErrors.length > 0) {
    const engineErrors = result.ok ? [] : result.errors.map((e) => (e.source === REQUEST_SOURCE ? e : { ...(loaded.get(e.source)?.locate(e) ?? e), source: e.source }));
    const all = once([...uniqueErrors, ...engineErrors]);
    if (opts.json) ctx.err(formatJson({ errors: all }));
    else for (const e of all) ctx.err(e.source === REQUEST_SOURCE ? formatError(REQUEST_OPTION[e.path.split('.')[0] ?? ''] ?? 'request', { ...e, path: '' }) : formatError(e.source, e));
    return exitCodeOf(all);
  }

  const { decision: d, explanation } = result.value;
  if (opts.json) {
    ctx.out(
      formatJson({
        decision: d.decision,
        summary: d.summary,
        allowedBy: d.allowedBy ?? null,
        deniedBy: d.deniedBy ?? null,
        matched: d.matched.map((m) => ({ ...m, sid: m.sid ?? null })),
        conditionFailures: d.conditionFailures.map((c) => ({ ...c, sid: c.sid ?? null })),
        ...(explanation !== undefined ? { explanation } : {}),
      }),
    );
  } else if (explanation !== undefined) {
    // Its lines as the terminal may show them: a condition's values are quoted by JSON.stringify, which leaves C1
    // controls (U+009B is CSI to many terminals) as they are, and a policy's text may hold them (review od, 3).
    const lines = explanation.split('\n').map(printableMessage).join('\n');
    ctx.out(lines.endsWith('\n') ? lines : `${lines}\n`);
  } else {
    ctx.out(`${d.decision}: ${d.summary}\n`);
  }
  return d.decision === 'Allow' ? EXIT.ok : EXIT.denied;
}

// ---------------------------------------------------------------------------------------------------------
// helpers

/** The file loaded, or why it cannot be read (said on stderr here unless `json`: the caller says it in its JSON). */
async function readPolicyFile(file: string, ctx: CommandContext, json: boolean): Promise<LoadedPolicy | { unreadable: string }> {
  let text: string;
  try {
    text = await ctx.readFile(file);
  } catch (e) {
    const why = describeReadError(e);
    if (!json) ctx.err(`gatehouse: cannot read \`${file}\`: ${why}\n`);
    return { unreadable: why };
  }
  return loadPolicy(file, text);
}

function parseContextPair(value: string, previous: [string, string][] | undefined): [string, string][] {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected KEY=VALUE, such as aws:SourceIp=10.0.0.1');
  return [...(previous ?? []), [value.slice(0, eq), value.slice(eq + 1)]];
}

function parseTime(value: string): number {
  const t = instantOf(value, '--time');
  if ('why' in t) throw new InvalidArgumentError(t.why);
  return t.ms;
}

/** Repeated keys (compared case-insensitively, as condition keys are) become one multi-valued key. */
function contextInput(pairs: readonly [string, string][]): ContextInput {
  const byKey = new Map<string, { key: string; values: string[] }>();
  for (const [key, value] of pairs) {
    const entry = byKey.get(key.toLowerCase());
    if (entry) entry.values.push(value);
    else byKey.set(key.toLowerCase(), { key, values: [value] });
  }
  const out: Record<string, string | string[]> = Object.create(null);
  for (const { key, values } of byKey.values()) out[key] = values.length === 1 ? (values[0] ?? '') : values;
  return out;
}
