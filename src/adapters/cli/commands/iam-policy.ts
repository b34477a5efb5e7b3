/**
 * `gatehouse iam-policy get RESOURCE [--json]` and `gatehouse iam-policy set RESOURCE --file F`: the GCP-style
 * IAM policy of an ARN, `account/<id>` or `workspace/<name>`, with its etag (GET/PUT /v1/iam-policies).
 * `gatehouse iam-policy list [--limit N] [--after RESOURCE] [--json]`: the account's policies the caller may read,
 * every page of `GET /v1/iam-policies` (following `next`, as `jobs list` does) unless `--limit`.
 *
 * The read-modify-write loop, as `gcloud … get-iam-policy` / `set-iam-policy`: `get --json > p.json`, edit the
 * bindings, `set --file p.json`. The file carries the etag it was read with, so a policy changed by someone
 * else in between is refused (exit 7, `ConcurrentModification`) instead of overwritten; read it again and
 * reapply the change. A file without an etag overwrites. The file is JSON or YAML: the policy itself
 * (`{bindings, etag?, version?}`, a `resource` if any must match RESOURCE, an `account` if any must be the policy's
 * account), or a `kind: IamPolicy` document (its `metadata.account` likewise). A refusal names each error where it is
 * in the file, `FILE:LINE:COL: PATH: … [CODE]`, as `gatehouse apply` does.
 */
import type { ErrorCode } from '../../../core/errors.ts';
import { jsonSyntaxError, lossyScalars, parseYamlDocument, readAsJson, yaml, yamlMessage, yamlValue } from '../yaml.ts';
import { call, describeError, nothingChanged, remote, report, connect, withServerOptions, type ClientFailure, type ClientResult, type Connection, type ConnectionOptions } from '../client.ts';
import type { CommandContext, CommandGroup } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { readInputFile } from '../input-file.ts';
import { offsetInText, offsetOf } from '../policy-files.ts';
import { asItems, followPages, listLimit, moreFollow } from '../paging.ts';
import { formatJson, formatTable, nonEmptyArg, printable, printableMessage, shownMessage, withJsonOption } from '../output.ts';

export interface Binding {
  readonly role: string;
  readonly members: readonly string[];
  readonly condition?: { readonly expression: string; readonly title?: string; readonly description?: string };
}

export interface PolicyView {
  readonly resource: string;
  readonly account: string;
  readonly version: number;
  readonly bindings: readonly Binding[];
  readonly etag: string;
}

/** What `GET` and `PUT /v1/iam-policies` answer, as `render` reads it. */
const POLICY_VIEW = {
  resource: 'string',
  account: 'string',
  version: 'number',
  etag: 'string',
  bindings: [{ role: 'string', members: ['string'], 'condition?': { expression: 'string', title: 'string?' } }],
} as const;

/** `iam-policy get` as printed: one line a member, a condition after its members. */
export function render(p: PolicyView): string {
  const lines = [`resource: ${p.resource}`, `account:  ${p.account}`, `etag:     ${p.etag}`, `version:  ${p.version}`];
  if (p.bindings.length === 0) lines.push('bindings: (none)');
  else lines.push('bindings:');
  for (const b of p.bindings) {
    // Stored text shown escaped: a condition written before its characters were checked (review aw, 2) may hold an
    // escape sequence that would rewrite the lines above it (the allUsers member) on the terminal.
    lines.push(`  ${printable(b.role)}`);
    for (const m of b.members) lines.push(`    ${printable(m)}`);
    if (b.condition) lines.push(`    if ${b.condition.title ? `"${printable(b.condition.title)}": ` : ''}${printable(b.condition.expression)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A page of `GET /v1/iam-policies`; `next` (the last policy's resource) when more follow. */
export interface PolicyPage {
  readonly iamPolicies: readonly PolicyView[];
  readonly next?: string;
}

/** The policies `GET /v1/iam-policies` lists, every page, or `limit` of them. */
export async function listAll(c: Connection, opts: { limit?: number; after?: string }): Promise<ClientResult<PolicyPage>> {
  const r = await followPages<PolicyView>(
    async (want, next) => asItems(await call<{ iamPolicies: PolicyView[]; next?: string }>(c, 'GET', ['iam-policies'], { query: { limit: String(want), after: next }, shape: { iamPolicies: [POLICY_VIEW], next: 'string?' } }), 'iamPolicies'),
    opts.limit,
    opts.after,
  );
  return r.ok ? { ok: true, value: { iamPolicies: r.value.items, ...(r.value.next !== undefined ? { next: r.value.next } : {}) } } : r;
}

/** `iam-policy list` as printed: a policy a line, its roles and members counted (`get` shows them). */
export function renderList(policies: readonly PolicyView[]): string {
  return formatTable<PolicyView>(
    [
      // formatTable makes every cell printable.
      { header: 'RESOURCE', value: (p) => p.resource },
      { header: 'BINDINGS', value: (p) => String(p.bindings.length) },
      { header: 'MEMBERS', value: (p) => String(new Set(p.bindings.flatMap((b) => b.members)).size) },
      { header: 'ETAG', value: (p) => p.etag },
    ],
    policies,
  );
}

/**
 * Whether a file's `resource` names the policy of the command line's: the same text, or `workspace/<name>` in another
 * case — the server keeps and finds a workspace's policy without case, and `get workspace/ML` answers it as its own
 * name (`workspace/ml`), so the file `get --json` wrote must go back through `set workspace/ML` (review gx, 1). ARNs
 * compare exactly, as IAM matches them.
 */
function sameResource(named: unknown, resource: string): boolean {
  if (named === resource) return true;
  return typeof named === 'string' && named.startsWith('workspace/') && resource.startsWith('workspace/') && named.toLowerCase() === resource.toLowerCase();
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The policy a file holds, and where in the file each of its elements is. */
export interface PolicyFile {
  /** The body of PUT /v1/iam-policies. */
  readonly body: Obj;
  /**
   * Where the element at `path` of the body (as the server's errors name it) is in the file, with the path as the file
   * spells it (under `spec.` in a `kind: IamPolicy` document); undefined where the body's element is not the file's
   * (the resource of the command line, which the file need not name) or the path is the whole policy.
   */
  /**
   * Where the element at `path` is in the file; with `at` (the server's line and column in the text at `path`, a
   * condition's expression), where in that text, when the file lays it out as it reads (`inText`; review rj, 3).
   */
  readonly locate: (path: string, at?: { readonly line: number; readonly column: number }) => { readonly path: string; readonly line: number; readonly column: number; readonly inText?: true } | undefined;
}

/** A scalar of the file YAML reads otherwise than written, at its place: refused before anything is sent. */
export interface MisreadScalar {
  readonly path: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/**
 * Why a file holds no policy, with the code a `--json` error carries (review ok, 3: it had none) and, for a file that
 * does not parse, where: as the syntax errors of the other policy files (policy-files.ts).
 */
export interface NoPolicy {
  readonly error: string;
  readonly code: Extract<ErrorCode, 'POLICY_JSON_SYNTAX' | 'VALIDATION_ERROR'>;
  readonly line?: number;
  readonly column?: number;
}

/**
 * The policy a file holds, as the body of PUT /v1/iam-policies, or why it holds none. `fileName` says how numbers are
 * read: by JSON's rules in a `.json` file (and JSON on standard input), by YAML's elsewhere, as `gatehouse apply` reads them.
 */
export function policyFromFile(file: string, resource: string, fileName: string): PolicyFile | NoPolicy | { misread: readonly MisreadScalar[] } {
  // A UTF-8 byte order mark (Notepad's "UTF-8 with BOM", Windows PowerShell's `Out-File -Encoding utf8`) is dropped, as
  // `gatehouse apply` and the policy files of `gatehouse policy` drop it: a `.json` file starting with one was refused
  // as `unexpected character` at line 1, column 1 (review pb, 2). Positions are then those an editor shows.
  const text = file.startsWith('\uFEFF') ? file.slice(1) : file;
  // Read as `gatehouse apply` reads its files (yaml.ts): merge keys merged, a key given twice refused.
  const json = readAsJson(fileName, text);
  // As `gatehouse apply` reads a `.json` file: as JSON first, its slips in JSON's words (review iv, 1).
  const syntax = json && /^\s*[[{]/.test(text) ? jsonSyntaxError(text) : undefined;
  if (syntax !== undefined) return { error: `not JSON: line ${syntax.line}, column ${syntax.column}: ${syntax.message}`, code: 'POLICY_JSON_SYNTAX', line: syntax.line, column: syntax.column };
  const { document: doc, lineCounter } = parseYamlDocument(text, json);
  const notYaml = (message: string, offset: number | undefined): NoPolicy => {
    const p = offset !== undefined ? lineCounter.linePos(offset) : undefined;
    return { error: `not JSON or YAML: ${p ? `line ${p.line}, column ${p.col}: ` : ''}${yamlMessage(message)}`, code: 'POLICY_JSON_SYNTAX', ...(p ? { line: p.line, column: p.col } : {}) };
  };
  if (doc.errors[0] !== undefined) return notYaml(doc.errors[0].message, doc.errors[0].pos[0]);
  const read = yamlValue(doc);
  if (!read.ok) return notYaml(read.message, read.offset);
  let value = read.value;
  // `title: 2027-01-01` under `%YAML 1.1` would be stored as `2027-01-01T00:00:00.000Z`, a member `0123` sent as 123.
  const misread = lossyScalars(doc.contents, json);
  if (misread.length > 0) {
    return {
      misread: misread.map((l) => {
        const p = lineCounter.linePos(l.offset);
        return { path: l.path, line: p.line, column: p.col, message: l.message };
      }),
    };
  }
  const isDocument = isObj(value) && value['kind'] === 'IamPolicy';
  // Whose policy the file holds: a document's `metadata.account` (a number too, as `gatehouse apply` reads it), or the
  // `account` that `get --json` prints. Sent as `account`, which the server checks against the account the policy of
  // RESOURCE belongs to: dropped, a document of another account's `workspace/ml` was written to the caller's own
  // workspace `ml` (review ew, 1).
  let whose: unknown;
  if (isDocument && isObj(value)) {
    const metadata = value['metadata'];
    const a = isObj(metadata) ? metadata['account'] : undefined;
    whose = typeof a === 'number' ? String(a) : (a ?? undefined);
    value = value['spec'];
  }
  if (!isObj(value)) return { error: 'it must hold an IAM policy: a map with `bindings` (and the `etag` it was read with)', code: 'VALIDATION_ERROR' };
  const { resource: named, account: given, ...rest } = value;
  if (!isDocument) whose = given ?? undefined;
  if (named !== undefined && !sameResource(named, resource)) return { error: `it is the policy of \`${String(named)}\`, not of \`${resource}\``, code: 'VALIDATION_ERROR' };
  const policy = isDocument && yaml().isMap(doc.contents) ? doc.contents.get('spec', true) : doc.contents;
  const locate: PolicyFile['locate'] = (path, at) => {
    if (isDocument && path === 'account' && whose !== undefined) {
      // A document says whose it is in its metadata.
      const offset = offsetOf(doc, 'metadata.account');
      if (offset === undefined) return undefined;
      const p = lineCounter.linePos(offset);
      return { path: 'metadata.account', line: p.line, column: p.col };
    }
    const top = /^[^.[]*/.exec(path)?.[0] ?? '';
    if (top === '' || !yaml().isMap(policy) || !policy.has(top)) return undefined;
    const spelled = isDocument ? `spec.${path}` : path;
    const inText = at !== undefined ? offsetInText(doc, text, spelled, at) : undefined;
    if (inText !== undefined) {
      const p = lineCounter.linePos(inText);
      return { path: spelled, line: p.line, column: p.col, inText: true };
    }
    const offset = offsetOf(doc, spelled);
    if (offset === undefined) return undefined;
    const p = lineCounter.linePos(offset);
    return { path: spelled, line: p.line, column: p.col };
  };
  return { body: { resource, ...rest, ...(whose !== undefined ? { account: whose } : {}) }, locate };
}

/**
 * A refusal of the policy in `file` printed as `gatehouse apply` prints one, an error a line at its place in the file
 * (`p.yaml:6:5: bindings[1].condition.title: … [BINDINGS_MISSING_FIELD]`), then what was refused; the exit status, or
 * undefined when no error is at a place in the file (a stale etag, a resource not found), to be reported as any other.
 */
function reportInFile(ctx: CommandContext, f: ClientFailure, file: string, policy: PolicyFile): number | undefined {
  // A refused PUT changed nothing; a failure of the server's (an outcome unknown) may have.
  if (f.httpStatus < 400 || f.httpStatus >= 500) return undefined;
  const placed = f.errors.map((e) => ({ e, at: typeof e.path === 'string' ? policy.locate(e.path, typeof e.line === 'number' ? { line: e.line, column: typeof e.column === 'number' ? e.column : 1 } : undefined) : undefined }));
  if (!placed.some((p) => p.at !== undefined)) return undefined;
  // Placed inside a condition's expression, its place in the expression is said by the file's line and column alone.
  const shown = (e: ClientFailure['errors'][number], inText: boolean): ClientFailure['errors'][number] => {
    if (!inText) return e;
    const { line: _line, column: _column, ...rest } = e;
    return { ...rest, message: e.message.replace(/ \(at (?:line \d+, )?column \d+\)$/, '') };
  };
  for (const { e, at } of placed) ctx.err(at ? `${file}:${at.line}:${at.column}: ${describeError({ ...shown(e, at.inText === true), path: at.path })}\n` : `gatehouse: ${describeError(e)}\n`);
  ctx.err(nothingChanged('iam-policy set', f.errors.length, f.code));
  return f.status;
}

export const iamPolicyCommands: CommandGroup = (program, ctx: CommandContext) => {
  const group = program.command('iam-policy').description('GCP-style IAM policies (role bindings) on an ARN, account/<id> or workspace/<name>');
  withJsonOption(withServerOptions(group.command('get').description('show the IAM policy of a resource, with its etag').argument('<resource>', 'an ARN, account/<id> or workspace/<name>'))).action(
    async (resource: string, opts: ConnectionOptions & { json?: true }) =>
      ctx.exit(await remote(ctx, opts, (c) => call<PolicyView>(c, 'GET', ['iam-policies'], { query: { resource }, shape: POLICY_VIEW }), (v) => ctx.out(render(v)))),
  );
  withJsonOption(
    withServerOptions(
      group
        .command('list')
        .description("list your account's IAM policies that you may read (every one, page by page, unless --limit)")
        .option('--limit <n>', 'at most this many policies; with --json the answer then holds `next` when more follow, else stderr says how to go on', listLimit)
        .option('--after <resource>', 'only the policies after this resource (the `next` of an earlier `list --limit N --json`)', nonEmptyArg('--after', 'the resource an earlier listing cut at --limit stopped at', 'to start from the first')),
    ),
  ).action(async (opts: ConnectionOptions & { json?: true; limit?: number; after?: string }) =>
    ctx.exit(
      await remote(ctx, opts, (c) => listAll(c, opts), (v) => {
        ctx.out(renderList(v.iamPolicies));
        if (v.next !== undefined) ctx.err(moreFollow('policies', opts.limit, '--after', v.next));
      }),
    ),
  );
  withJsonOption(
    withServerOptions(
      group
        .command('set')
        .description('replace the IAM policy of a resource; refused if it changed since the etag in the file was read')
        .argument('<resource>', 'an ARN, account/<id> or workspace/<name>')
        .requiredOption('--file <policy>', 'JSON or YAML: {bindings, etag?, version?} (as `get --json` prints it) or a kind: IamPolicy document'),
    ),
  )
    .addHelpText('after', '\nExit status: 0 set, 7 the policy changed since it was read (stale etag), other statuses for errors (docs/errors.md).')
    .action(async (resource: string, opts: ConnectionOptions & { json?: true; file: string }) => {
      // With --json, what is wrong with the file is JSON on stderr too, as every error of a --json command (review F,
      // F4); it was text (review hm, 10).
      const text = await readInputFile(ctx, opts.file, opts.json === true);
      if (text === undefined) return ctx.exit(EXIT.noInput);
      const policy = policyFromFile(text, resource, opts.file);
      if ('error' in policy) {
        // The file's name and what is wrong, as the terminal may show them (review od, 1): the character a slip quotes
        // (`unexpected character`) may be a zero-width space or a control one, and reached the terminal raw (review pb, 2).
        ctx.err(opts.json ? formatJson({ errors: [{ source: opts.file, code: policy.code, path: '', message: policy.error, ...(policy.line !== undefined ? { line: policy.line, column: policy.column } : {}) }] }) : `gatehouse: ${printableMessage(opts.file)}: ${shownMessage(policy.error)}\n`);
        return ctx.exit(EXIT.invalidPolicy);
      }
      if ('misread' in policy && opts.json) {
        ctx.err(formatJson({ errors: policy.misread.map((m) => ({ source: opts.file, code: 'POLICY_JSON_SYNTAX', path: m.path, message: m.message, line: m.line, column: m.column })) }));
        return ctx.exit(EXIT.invalidPolicy);
      }
      if ('misread' in policy) {
        // As the policy files of `gatehouse policy` name such a scalar (policy-files.ts), and as a refusal of the server's;
        // the file's name, as every line about a file shows it, with escapes (review od, 1; pb, 2).
        for (const m of policy.misread) ctx.err(`${printableMessage(opts.file)}:${m.line}:${m.column}: ${describeError({ code: 'POLICY_JSON_SYNTAX', path: m.path, message: m.message })}\n`);
        ctx.err(nothingChanged('iam-policy set', policy.misread.length));
        return ctx.exit(EXIT.invalidPolicy);
      }
      const conn = await connect(opts, ctx);
      if (!conn.ok) return ctx.exit(report(ctx, conn, opts.json));
      const r = await call<PolicyView>(conn.value, 'PUT', ['iam-policies'], { body: policy.body, shape: POLICY_VIEW });
      if (!r.ok) return ctx.exit((opts.json ? undefined : reportInFile(ctx, r, opts.file, policy)) ?? report(ctx, r, opts.json));
      ctx.out(opts.json ? `${JSON.stringify(r.value, null, 2)}\n` : `IAM policy of ${r.value.resource} set (${r.value.bindings.length} binding(s), etag ${r.value.etag})\n`);
      ctx.exit(EXIT.ok);
    });
};
