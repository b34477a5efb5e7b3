/**
 * `gatehouse apply` and `gatehouse plan`: configuration as code. Reads YAML (multi-document) and JSON files, or
 * directories of them, sends the documents to `POST /v1/apply`, and prints the plan: `+ create`, `~ update
 * (fields)`, `- delete`, `= unchanged` per object. Errors come back with the document and the field path; they
 * are printed with the file, line and column where the field is.
 */
import { Option, type Command } from 'commander';
import type { Document, LineCounter } from 'yaml';
import { expandsPast, jsonSyntaxError, lossyScalars, MAX_EXPANDED_CHARS, parseYamlDocuments, readAsJson, yaml, yamlMessage, yamlValue } from '../yaml.ts';
import type { GatehouseError } from '../../../core/errors.ts';
import { shortName } from '../../../core/directory/rules.ts';
import type { ApplyResult, DocumentChange, PlannedChange } from '../../../app/apply.ts';
import { call, connect, DEFAULT_DATA_DIR, nothingChanged, report, sayRequestId, withServerOptions, type ClientFailure, type ConnectionOptions } from '../client.ts';
import type { CommandContext, CommandGroup } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { describeReadError } from '../input-file.ts';
import { formatJson, nonEmptyArg, printable, shellWord, shortOptionValue, withJsonOption } from '../output.ts';
import { offsetInPolicyText, offsetInText, offsetOf } from '../policy-files.ts';

/** How long an apply may take to answer once sent. */
const APPLY_TIMEOUT_MS = 10 * 60_000;

/** Far above any real configuration file; bounds the YAML parser's work. */
const MAX_FILE_CHARS = 4 << 20;
const CONFIG_FILE = /\.(ya?ml|json)$/i;

interface ApplyOptions extends ConnectionOptions {
  readonly filename: string[];
  readonly prune?: true;
  readonly json?: true;
  readonly cluster?: string;
  readonly namespace?: string;
  /** `plan --exit-code`: exit 1 when the plan changes something. */
  readonly exitCode?: true;
}

export const applyCommands: CommandGroup = (program, ctx) => {
  for (const [name, dryRun] of [
    ['apply', false],
    ['plan', true],
  ] as const) {
    const cmd = program
      .command(name)
      .description(dryRun ? 'show what `gatehouse apply` would change, changing nothing' : 'make the directory match YAML or JSON documents: accounts, users, groups, roles, policies, workspaces, clusters, bindings, Kubernetes RBAC')
      // `-f=FILE` and `-n=NS`, kubectl's spellings (pflag reads `-x=VALUE` as VALUE), as `-o=json` (review np, 1): commander
      // read `=FILE` as the path (`no such file`) and `=NS` as the namespace, blamed on the document (review pb, 4).
      .addOption(new Option('-f, --filename <path...>', 'a YAML (multi-document) or JSON file, or a directory read recursively for .yaml/.yml/.json files (not those named .* nor those in a directory named .*), or - for standard input (repeatable)').makeOptionMandatory().argParser((v: string, previous: string[] | undefined) => [...(previous ?? []), shortOptionValue(v)]))
      .option('--prune', 'also delete objects of the kinds in the files, in the accounts they touch, that the files do not name (never an account\'s admin user, your own user or the role you act as, the training default role Gatehouse creates, nor built-in policies); a pruned managed policy is detached from every user, group and role still attached to it, each listed as `~ update <Kind>/<name> (policies)`; a pruned group is taken from each of its members, listed as `~ update User/<name> (groups)`; a pruned user, group or role is forgotten by the roles\' trust policies, resource policies, IAM policies, workspaces and cluster mappings that name it, each listed as `~ update` (an IAM policy on its own ARN as `- delete`); a pruned Cluster takes its RBAC objects, access entries and webhook token, each object listed as `- delete`; a document renamed renames its object')
      // Empty (`-n "$NS"` with NS unset, `-n=`), a namespace given: the Role was blamed, refused for the empty namespace
      // put in it or as not matching `--namespace ` (review pn, 3); refused here, naming the option, as elsewhere.
      .option('--cluster <name>', 'the cluster that Kubernetes RBAC documents (rbac.authorization.k8s.io/v1 Role, ClusterRole, RoleBinding, ClusterRoleBinding) go to', nonEmptyArg('--cluster', 'the name of the cluster RBAC documents go to'))
      .addOption(new Option('-n, --namespace <namespace>', 'the namespace of Roles and RoleBindings that name none (default: `default`, as kubectl); one naming another is refused').argParser((v: string) => nonEmptyArg('--namespace', 'a namespace', 'for `default`')(shortOptionValue(v))));
    if (dryRun) cmd.option('--exit-code', 'exit 1 when the directory differs from the files (something to create, update or delete), 0 when it matches them, as `git diff --exit-code` and `kubectl diff` do: a drift check for CI');
    withServerOptions(withJsonOption(cmd))
      .addHelpText(
        'after',
        `
Documents: apiVersion gatehouse.dev/v1; kind Account, User, Group, Role, Policy, Workspace, Cluster,
ResourcePolicy, AccessEntry, IamPolicy or IamRole; metadata.name and metadata.account (default: your
account); each kind's spec fields in docs/documents.md (examples/config). Kubernetes RBAC documents (apiVersion
rbac.authorization.k8s.io/v1) are applied unchanged to the cluster named by --cluster, as kubectl applies them: a
Role or RoleBinding without metadata.namespace goes to --namespace (default \`default\`), and a \`kind: List\` (as
\`kubectl get -o yaml\` prints several objects) is applied item by item. A document owns its object:
spec fields left out are empty (no policies, no tags…). Everything is validated first and applied in one
transaction: one bad document or one failing step changes nothing. An IamPolicy with spec.etag (as
\`gatehouse iam-policy get --json\` prints it) is applied only while that is still the policy's etag (else
exit 7, nothing changed); without spec.etag it overwrites the policy.

Prints one line per object: + create, ~ update (changed fields), - delete, = unchanged. Under an update, one line
per change of each field, inside a policy document at its path, as terraform plan marks them: ~ PATH: OLD → NEW,
+ PATH: VALUE, - PATH: VALUE (+ policies: ARN for a policy attached, ~ tags.team: "a" → "b", ~ maxSessionDuration).
Exit status: 0 done${dryRun ? ' (with --exit-code: 0 nothing to change, 1 something to change)' : ''}, 3 invalid policy document, 5 unreadable file, 6 a referenced object does not exist,
7 conflict or quota, 8 invalid document, 9 not authorized, 10 server unreachable${dryRun ? '' : ', 11 the connection was lost\nonce the apply was sent: it was made or not, as a whole (plan shows what is left)'} (docs/errors.md).

Example:
  gatehouse ${name} -f examples/config/${dryRun ? '' : ' --prune'}`,
      )
      .action(async (opts: ApplyOptions) => ctx.exit(await applyCommand(opts, dryRun, ctx)));
    if (!dryRun) sayPlanForDryRun(cmd);
  }
};

/**
 * `gatehouse apply --dry-run` (kubectl's `apply --dry-run=client|server`, terraform's habit of a flag on the command
 * that changes things) was refused `unknown option '--dry-run'` with nothing to say that `gatehouse plan` is the dry run
 * (review ja, 4). It is still refused (a typo of a flag on the command that writes must never write), with a usage error
 * (exit 2) that names `plan`, which takes the same options. `unknownOption` is commander's hook for this error (a method
 * of `Command`, not in its typings), as jobs.ts hooks it.
 */
function sayPlanForDryRun(cmd: Command): void {
  const hooked = cmd as Command & { unknownOption(flag: string): void };
  const unknown = hooked.unknownOption.bind(cmd);
  hooked.unknownOption = (flag: string) => {
    if (!/^--(?:server-)?dry-?run(?:=.*)?$/i.test(flag)) return unknown(flag);
    cmd.error(`error: gatehouse apply has no \`${flag}\`: \`gatehouse plan\` takes the same options and shows what apply would change, changing nothing (\`gatehouse plan --exit-code\` exits 1 when something would change, as kubectl diff)`, { code: 'commander.unknownOption' });
  };
}

// ---------------------------------------------------------------------------------------------------------
// Reading documents

interface LoadedDocument {
  readonly file: string;
  /** 0-based position among the file's documents. */
  readonly index: number;
  readonly value: unknown;
  readonly yaml: Document.Parsed;
  /** Places an offset of `yaml` in its file (a value of a JSON stream is parsed on its own, its offsets shifted). */
  readonly lineCounter: Pick<LineCounter, 'linePos'>;
  /** The text `yaml` was read from, which its offsets index. */
  readonly text: string;
  /** `[i]` when the document is an item of a JSON array file. */
  readonly prefix: string;
}

interface LoadError {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  /** 1-based position of the document in the file, as the server's errors number it, when the error is within one. */
  readonly document?: number;
  /** JSON path within the document. */
  readonly path?: string;
  readonly message: string;
  /** The code, as the server's errors of a document carry it: for an error found in a document that was read. */
  readonly code?: string;
  /** The kind and name of the document the error is in, when it gives them (a `kind: List`'s item its own). */
  readonly kind?: string;
  readonly name?: string;
}

/** The kind and name a document gives, shortened as the server's errors give them; none of either it lacks. */
function namedIn(value: unknown): { kind?: string; name?: string } {
  if (typeof value !== 'object' || value === null) return {};
  const v = value as { kind?: unknown; metadata?: unknown };
  const name = typeof v.metadata === 'object' && v.metadata !== null ? (v.metadata as { name?: unknown }).name : undefined;
  return typeof v.kind === 'string' ? { kind: shortName(v.kind), ...(typeof name === 'string' ? { name: shortName(name) } : {}) } : {};
}

/** Deeper than any configuration tree; a symbolic link to a directory above it loops, and is stopped here. */
const MAX_DIRECTORY_DEPTH = 32;

/**
 * The files of `path`: itself, or a directory's `.yaml`, `.yml` and `.json` files, its subdirectories' too. Names
 * starting with a dot are not read in a directory (`.git`, `.github`'s workflows, an editor's `.#users.yaml` lock),
 * where kubectl -R reads them; the files among them that would have been read are added to `hidden`, which the
 * command names, so that an object defined only there is not deleted by `--prune` unseen (review pn, 6).
 */
async function collectFiles(path: string, ctx: CommandContext, depth = 0, hidden: string[] = []): Promise<string[] | LoadError> {
  // `-f -`: the documents on standard input, as kubectl reads them.
  if (path === '-') return [path];
  if (ctx.readDir) {
    if (depth > MAX_DIRECTORY_DEPTH) return { file: path, message: `directories nested more than ${MAX_DIRECTORY_DEPTH} deep; a symbolic link that loops?`, code: UNREADABLE_CODE };
    try {
      const entries = [...(await ctx.readDir(path))].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      const out: string[] = [];
      for (const e of entries) {
        const child = `${path.replace(/\/+$/, '')}/${e.name}`;
        if (e.name.startsWith('.')) {
          if (!e.directory && CONFIG_FILE.test(e.name)) hidden.push(child);
          continue;
        }
        if (e.directory) {
          const sub = await collectFiles(child, ctx, depth + 1, hidden);
          if (!Array.isArray(sub)) return sub;
          out.push(...sub);
        } else if (CONFIG_FILE.test(e.name)) out.push(child);
      }
      return out;
    } catch (e) {
      const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
      if (code === 'ENOENT') return { file: path, message: 'no such file or directory; check the path', code: UNREADABLE_CODE };
      if (code !== 'ENOTDIR') return { file: path, message: e instanceof Error ? e.message : String(e), code: UNREADABLE_CODE };
    }
  }
  return [path];
}

/**
 * The code of a file's text that is not YAML or JSON (or a document the CLI refuses whole): every other error of a
 * document carries one, and such a file exits 8, VALIDATION_ERROR's status (review tx, 2).
 */
const SYNTAX_CODE = 'VALIDATION_ERROR';

/**
 * The code of a file or directory that cannot be read (exit 5), as every `--json` command's unreadable file carries it
 * (docs/errors.md): apply's `{"errors": [...]}` gave it none, where each other error there has one, so that a CI step
 * switching on `code` found nothing to switch on (review ur, 1).
 */
const UNREADABLE_CODE = 'UnreadableFile';

/**
 * A byte order mark at the start of a document of a YAML stream, just before or after its `---` (or `...`) line: files
 * saved "UTF-8 with BOM" and joined into one stream (`for f in *.yaml; do echo ---; cat "$f"; done`), or `cat`-ed when
 * each starts with `---`. YAML 1.2 allows a BOM before a document's `---` (§9.2), which the yaml package refuses, and
 * kubectl, decoding each document on its own, drops the one after it too; the yaml package read that one into the
 * document's first key (`\uFEFFapiVersion`), refused as a missing `apiVersion` on the line that holds it (review wf, 1).
 * Only at column 0, where `---` and `...` are always document markers, never content.
 */
const DOCUMENT_BOM = /^\uFEFF(?=(?:---|\.\.\.)(?:[ \t]|\r?$))|(?<=^(?:---|\.\.\.)(?:[ \t][^\n]*)?\r?\n)\uFEFF/gm;

function loadFile(file: string, text: string): LoadedDocument[] | LoadError[] {
  const source = (text.startsWith('\uFEFF') ? text.slice(1) : text).replace(DOCUMENT_BOM, '');
  if (source.length > MAX_FILE_CHARS) return [{ file, message: `file is ${source.length} characters; a configuration file may have at most ${MAX_FILE_CHARS}`, code: SYNTAX_CODE }];
  const stream = jsonStream(file, source);
  const isJson = stream !== undefined || readAsJson(file, source);
  // JSON is read as JSON before the YAML reader, which takes what JSON refuses and words its slips as YAML's; a `.json`
  // file that does not start as JSON does (`{`, `[`) is YAML misnamed, read as before (kubectl goes by the text too).
  if (isJson && /^\s*[[{]/.test(source)) {
    const lines = linesOf(source);
    const syntax: LoadError[] = [];
    // In a stream, the document the error is in, numbered as below and as a YAML stream's errors are (a value that does
    // not parse is one document, a list's items one each): a CI step reading `--json` was told the line alone, where
    // the same mistake in a YAML stream named its document (review ur, 2).
    let position = 0;
    for (const { start, end } of stream ?? [{ start: 0, end: source.length }]) {
      const text = source.slice(start, end);
      const e = jsonSyntaxError(text);
      if (e === undefined) {
        position += documentsOfValue(text);
        continue;
      }
      position++;
      const p = lines.linePos(start + e.offset);
      syntax.push({ file, line: p.line, column: p.col, ...(stream !== undefined ? { document: position } : {}), message: `json: ${e.message}`, code: SYNTAX_CODE });
    }
    if (syntax.length > 0) return syntax;
  }
  const parts = stream !== undefined ? streamParts(source, stream) : [{ ...parseYamlDocuments(source, isJson), text: source }];
  const errors: LoadError[] = [];
  const out: LoadedDocument[] = [];
  // Documents are numbered as the server's errors number them (empty ones skipped), those in error included, so that
  // every error names the document it is in.
  let position = 0;
  for (const { d, lineCounter, text: partText } of parts.flatMap((part) => part.documents.map((d) => ({ d, lineCounter: part.lineCounter, text: part.text })))) {
    if (d.errors.length > 0) position++;
    for (const e of d.errors) {
      const p = lineCounter.linePos(e.pos[0]);
      errors.push({ file, line: p.line, column: p.col, document: position, message: `${isJson ? 'json' : 'yaml'}: ${yamlMessage(e.message)}`, code: SYNTAX_CODE });
    }
    if (d.errors.length > 0 || d.contents === null) continue;
    const read = yamlValue(d);
    if (!read.ok) {
      // Refused whole (more JSON than the server reads once its aliases are written out): at the document's start.
      const offset = read.offset ?? d.contents.range?.[0] ?? d.range[0];
      const p = lineCounter.linePos(offset);
      errors.push({ file, line: p.line, column: p.col, document: ++position, message: `yaml: ${read.message}`, code: SYNTAX_CODE });
      continue;
    }
    const value = read.value;
    // An empty document (a trailing `---`, one holding only comments, as helm and kustomize emit) is skipped, as
    // kubectl skips it; the yaml library gives it a null scalar, not null contents.
    if (value === null) continue;
    // A JSON file holds one document, or a list of them (or a stream of either, each value read on its own above).
    const items = isJson && Array.isArray(value) && yaml().isSeq(d.contents) ? d.contents.items : undefined;
    const documents = items !== undefined && Array.isArray(value) ? value.map((v: unknown, i) => ({ value: v, node: items[i], prefix: `[${i}]` })) : [{ value, node: d.contents, prefix: '' }];
    for (const { value: v, node, prefix } of documents) {
      position++;
      // What YAML reads otherwise than written (`012345678901` as 12345678901: an account id in a Deny's condition
      // that then never matches) is refused, where it is, before anything is sent.
      // Named by its object and code, as the server's refusals of a document are (review tl, 4).
      for (const l of lossyScalars(node, isJson)) {
        const p = lineCounter.linePos(l.offset);
        errors.push({ file, line: p.line, column: p.col, document: position, ...(l.path !== '' ? { path: l.path } : {}), message: l.message, code: 'VALIDATION_ERROR', ...namedIn(v) });
      }
      out.push({ file, index: position - 1, value: v, yaml: d, lineCounter, text: partText, prefix });
    }
  }
  return errors.length > 0 ? errors : out;
}

/** The documents a JSON value of a stream holds, as `loadFile` numbers them: a list's items, else the value itself. */
function documentsOfValue(text: string): number {
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.length : 1;
  } catch {
    // Not JSON as JSON.parse reads it (a number with a leading zero, which the YAML reader then reads): one document.
    return 1;
  }
}

/**
 * The top-level values of a JSON stream, objects or lists one after another (`{…}\n{…}`, as `jq -c '.items[]'` prints a
 * list's items and kubectl reads them), by their offsets: for a `.json` file or standard input holding two or more.
 * Undefined otherwise (one value, or text that is not such a stream, read as before). On standard input, each value
 * must be JSON, so that YAML is never read as a stream.
 */
function jsonStream(file: string, text: string): { readonly start: number; readonly end: number }[] | undefined {
  const json = /\.json$/i.test(file);
  if (!json && file !== '-') return undefined;
  const values: { start: number; end: number }[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i] as string)) i++;
    if (i >= text.length) break;
    if (text[i] !== '{' && text[i] !== '[') return undefined;
    const start = i;
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const ch = text[i];
      if (inString) {
        if (ch === '\\') i++;
        else if (ch === '"') inString = false;
      } else if (ch === '"') inString = true;
      else if (ch === '{' || ch === '[') depth++;
      else if (ch === '}' || ch === ']') {
        if (--depth === 0) break;
      }
    }
    if (depth !== 0) return undefined;
    values.push({ start, end: ++i });
  }
  if (values.length < 2) return undefined;
  if (!json) {
    try {
      for (const v of values) JSON.parse(text.slice(v.start, v.end));
    } catch {
      return undefined;
    }
  }
  return values;
}

/** A line counter of all of `text`, which places an offset anywhere in it. */
function linesOf(text: string): LineCounter {
  const lines = new (yaml().LineCounter)();
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  return lines;
}

/** Each value of a JSON stream parsed on its own, with a line counter that places its offsets in the whole text. */
function streamParts(text: string, values: readonly { start: number; end: number }[]): { documents: Document.Parsed[]; lineCounter: Pick<LineCounter, 'linePos'>; text: string }[] {
  const whole = linesOf(text);
  return values.map(({ start, end }) => ({
    documents: parseYamlDocuments(text.slice(start, end), true).documents,
    lineCounter: { linePos: (offset: number) => whole.linePos(offset + start) },
    text: text.slice(start, end),
  }));
}

async function loadAll(paths: readonly string[], ctx: CommandContext): Promise<{ docs: LoadedDocument[]; errors: LoadError[]; unreadable: boolean; given: ReadonlySet<'input' | 'file' | 'directory'>; hidden: readonly string[] }> {
  const docs: LoadedDocument[] = [];
  const errors: LoadError[] = [];
  let unreadable = false;
  // What the paths were: standard input (`-`), a file, a directory.
  const given = new Set<'input' | 'file' | 'directory'>();
  const seen = new Set<string>();
  const hidden: string[] = [];
  for (const p of paths) {
    const files = await collectFiles(p, ctx, 0, hidden);
    if (!Array.isArray(files)) {
      errors.push(files);
      unreadable = true;
      continue;
    }
    given.add(p === '-' ? 'input' : files.length === 1 && files[0] === p ? 'file' : 'directory');
    for (const file of files) {
      // Known by its real path: `./config/a.yaml` and `config/a.yaml`, or a link to it, are one file, read once. Compared
      // as written, its every object was refused as also defined by itself (review ms, 3).
      const real = file === '-' || ctx.realPath === undefined ? file : await ctx.realPath(file).catch(() => file);
      if (seen.has(real)) continue;
      seen.add(real);
      let text: string;
      try {
        text = await ctx.readFile(file);
      } catch (e) {
        errors.push({ file, message: `cannot read: ${describeReadError(e)}`, code: UNREADABLE_CODE });
        unreadable = true;
        continue;
      }
      const loaded = loadFile(file, text);
      if (loaded.length > 0 && 'message' in (loaded[0] as object)) errors.push(...(loaded as LoadError[]));
      else docs.push(...(loaded as LoadedDocument[]));
    }
  }
  // One given with -f too (`-f config -f config/.legacy.yaml`) was read: known by its real path, as above.
  const notRead: string[] = [];
  for (const h of hidden) if (!seen.has(ctx.realPath === undefined ? h : await ctx.realPath(h).catch(() => h))) notRead.push(h);
  return { docs, errors, unreadable, given, hidden: notRead };
}

// ---------------------------------------------------------------------------------------------------------
// The command

const SIGN: Readonly<Record<PlannedChange['action'], string>> = { create: '+ create', update: '~ update', delete: '- delete', unchanged: '= unchanged' };

/** What `POST /v1/apply` answers, as the plan and the summary read it. */
const APPLIED = {
  dryRun: 'boolean',
  changes: [{ action: 'string', kind: 'string', account: 'string', name: 'string', spelled: 'string?', fields: ['string'] }],
  summary: { create: 'number', update: 'number', delete: 'number', unchanged: 'number' },
  credentials: [{ AccountId: 'string', UserName: 'string', AccessKeyId: 'string', SecretAccessKey: 'string' }],
} as const;

export function formatPlan(changes: readonly PlannedChange[]): string {
  const accounts = [...new Set(changes.map((c) => c.account))];
  let out = '';
  for (const account of accounts) {
    out += `account ${account}\n`;
    for (const c of changes.filter((x) => x.account === account)) {
      // A Kubernetes RBAC object's name is any path segment, control characters included (as the API server takes it):
      // written raw, `x\r\e[2K  = unchanged …` showed a ClusterRoleBinding being created as a line of another (review no, 2).
      out += `  ${SIGN[c.action]} ${printable(`${c.kind}/${c.name}`)}${c.spelled !== undefined ? ` (the file says ${printable(c.spelled)})` : ''}${c.action === 'update' && c.fields.length > 0 ? ` (${printable(c.fields.join(', '))})` : ''}\n`;
      if (Array.isArray(c.diff)) out += formatDiff(c.diff, c.diffOmitted ?? 0);
    }
  }
  return out;
}

/** Longer values are cut: the line says where the change is and how it starts; `--json` has it whole. */
const MAX_SHOWN_VALUE = 120;

/**
 * An update's changes inside its policy documents, under its line, one a line as `terraform plan` marks them:
 * `~ document.Statement[1].Action: "s3:GetObject" → ["s3:GetObject","s3:PutObject"]`, `+ path: value`, `- path: value`.
 * Values are compact JSON, with the characters that would move or hide text on a terminal escaped as JSON escapes them.
 */
function formatDiff(diff: readonly DocumentChange[], omitted: number): string {
  const shown = (v: unknown): string => {
    const text = (JSON.stringify(v) ?? 'null').replace(/[\u007f-\u009f\p{Cf}\p{Zl}\p{Zp}]/gu, (ch) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);
    return text.length > MAX_SHOWN_VALUE ? `${text.slice(0, MAX_SHOWN_VALUE - 1)}…` : text;
  };
  let out = '';
  for (const d of diff) {
    const value = d.op === '~' ? `${shown(d.before)} → ${shown(d.after)}` : shown(d.op === '+' ? d.after : d.before);
    out += `      ${d.op} ${printable(d.path)}: ${value}\n`;
  }
  if (omitted > 0) out += `      … and ${omitted} more difference${omitted === 1 ? '' : 's'}\n`;
  return out;
}

type ServerError = GatehouseError & { document?: number; kind?: string; name?: string };

/**
 * Where in its file the server's error is: the line and column of the element at its path, within a policy written as
 * its JSON text too (`inText`; review iv, 2), else of its document.
 */
function filePosition(e: ServerError, docs: readonly LoadedDocument[]): { readonly line: number; readonly col: number; readonly inText: boolean } | undefined {
  const d = e.document !== undefined ? docs[e.document] : undefined;
  if (!d) return undefined;
  const path = `${d.prefix}.${e.path}`;
  // A condition's error gives its line and column in the expression (review rj, 2), as a JSON text's are found by reading it.
  const inText = offsetInPolicyText(d.yaml, d.text, path) ?? (e.line !== undefined ? offsetInText(d.yaml, d.text, path, { line: e.line, column: e.column ?? 1 }) : undefined);
  const offset = inText ?? offsetOf(d.yaml, path);
  return offset !== undefined ? { ...d.lineCounter.linePos(offset), inText: inText !== undefined } : undefined;
}

function formatServerError(e: ServerError, docs: readonly LoadedDocument[]): string {
  const d = e.document !== undefined ? docs[e.document] : undefined;
  const what = e.kind !== undefined ? ` (${e.kind}${e.name !== undefined ? ` ${e.name}` : ''})` : '';
  const path = e.path ? `${e.path}: ` : '';
  const pos = filePosition(e, docs);
  // The engine's `at line 4, column 24` is of the policy's text; placed in the file, the file's line and column say it.
  // A condition's says `(at line 2, column 26)` of its expression (review rj, 2).
  const message = `${e.message.replace(/\s*\n\s*/g, ' ').replace(pos?.inText === true ? / at line \d+, column \d+$| \(at (?:line \d+, )?column \d+\)$/ : /$^/, '')} [${e.code}]`;
  // The name, path and message echo what the file holds, as the terminal may show it (review no, 2).
  if (!d) return `gatehouse: ${printable(`${what ? `${what.trim()}: ` : ''}${path}${message}`)}\n`;
  return `${printable(d.file)}${pos ? `:${pos.line}:${pos.col}` : ''}: document ${d.index + 1}${printable(`${what}: ${path}${message}`)}\n`;
}

/**
 * The server's errors as `--json` gives them, each placed in its file as the text output places it: `line` and
 * `column` in the file (a position the server gave was within the policy text it read, not the file). A CI step reads
 * them to annotate the line at fault, as it reads a YAML error's (review eo, 2). Its `document` is numbered as the text
 * and the CLI's own errors number it, 1-based in its `file`: the server's is its 0-based index among every file's
 * documents, beside a 0-based `fileDocument`, so that one document had two numbers (review tx, 1).
 */
function placedErrors(errors: ClientFailure['errors'], docs: readonly LoadedDocument[]): ClientFailure['errors'] {
  return errors.map((e) => {
    const pos = filePosition(e as ServerError, docs);
    const d = typeof e['document'] === 'number' ? docs[e['document']] : undefined;
    const { line: _line, column: _column, document: _document, fileDocument: _fileDocument, ...rest } = e;
    return { ...rest, ...(d ? { file: d.file, document: d.index + 1 } : {}), ...(pos ? { line: pos.line, column: pos.col } : {}) };
  });
}

/**
 * The `gatehouse plan` that compares what `opts` applied: the same files, `--prune`, cluster and namespace, and the same
 * server and signer, each word quoted for a shell where it needs it. Named with `-f` alone, the plan after an `apply
 * --prune` whose change was a deletion showed nothing to do whether or not it was made, the plan of RBAC documents was
 * refused for want of `--cluster`, and one after `--endpoint` asked another server (review pf, 3).
 */
function planCommand(opts: ApplyOptions): string {
  const words = ['gatehouse', 'plan'];
  if (opts.prune === true) words.push('--prune');
  const given: readonly [string, string | undefined][] = [
    ['--cluster', opts.cluster],
    ['--namespace', opts.namespace],
    ['--endpoint', opts.endpoint],
    ['--profile', opts.profile],
    ['--region', opts.region],
    ['--ca-bundle', opts.caBundle],
    ['--data-dir', opts.dataDir === DEFAULT_DATA_DIR ? undefined : opts.dataDir],
  ];
  for (const [flag, value] of given) if (value !== undefined) words.push(flag, shellWord(value));
  for (const f of opts.filename) words.push('-f', shellWord(f));
  return printable(words.join(' '));
}

/** What an apply whose outcome is unknown leaves to check: all of it or none of it was applied, and which accounts' keys may be lost. */
function outcomeUnknownNote(opts: ApplyOptions, docs: readonly LoadedDocument[]): string {
  const plan = planCommand(opts);
  // `-f -`: the plan named, run as said, read what was left of standard input (nothing, or the terminal) and said no
  // documents were found; the documents must be given to it again (review pn, 5).
  const stdin = opts.filename.includes('-');
  const accounts = docs.flatMap((d) => {
    const v = d.value as { kind?: unknown; metadata?: { name?: unknown } } | null;
    return typeof v === 'object' && v !== null && v.kind === 'Account' && typeof v.metadata === 'object' && v.metadata !== null ? [String(v.metadata.name)] : [];
  });
  return (
    `gatehouse apply: the apply may or may not have been made, as a whole (it is one transaction: never a part of it); \`${plan}\` shows what is still to do${stdin ? ', given the same documents on its standard input again (this apply read them from it, and they are not there twice)' : ''}, and applying again is safe\n` +
    (accounts.length > 0
      ? `gatehouse apply: if ${accounts.length === 1 ? `account ${accounts[0]} was` : `accounts ${accounts.join(', ')} were`} created by it, the access key of ${accounts.length === 1 ? 'its' : 'their'} \`admin\` user was made too, and its secret was in the answer that was lost: it cannot be shown again\n`
      : '')
  );
}

async function applyCommand(opts: ApplyOptions, dryRun: boolean, ctx: CommandContext): Promise<number> {
  const loaded = await loadAll(opts.filename, ctx);
  if (loaded.errors.length > 0) {
    if (opts.json) ctx.err(formatJson({ errors: loaded.errors }));
    else {
      for (const e of loaded.errors) {
        const what = e.kind !== undefined ? ` (${e.kind}${e.name !== undefined ? ` ${e.name}` : ''})` : '';
        ctx.err(`${printable(e.file)}${e.line !== undefined ? `:${e.line}:${e.column ?? 1}` : ''}: ${e.document !== undefined ? printable(`document ${e.document}${what}: `) : ''}${e.path !== undefined ? `${printable(e.path)}: ` : ''}${printable(e.message)}${e.code !== undefined ? ` [${e.code}]` : ''}\n`);
      }
      // As the server's refusals end: nothing was sent, so none of the documents before the bad one was applied either.
      ctx.err(nothingChanged(dryRun ? 'plan' : 'apply', loaded.errors.length));
    }
    return loaded.unreadable ? EXIT.noInput : EXIT.invalidInput;
  }
  // Named, not read: under --prune, the objects they define are deleted (review pn, 6). On stderr as text; with --json,
  // in the answer's `notRead`, below, where a CI job reading it finds them (review qi, 4).
  if (!opts.json) {
    for (const h of loaded.hidden) ctx.err(`gatehouse ${dryRun ? 'plan' : 'apply'}: not read: \`${printable(h)}\` (a name starting with a dot is skipped in a directory; give it with -f to read it)\n`);
  }
  if (loaded.docs.length === 0) {
    // Why, for what was given: the extensions a directory is read for said of standard input too, where they mean
    // nothing (`helm template … | gatehouse apply -f -` printing nothing; review pn, 4).
    const where = opts.filename.map((f) => (f === '-' ? 'standard input (`-f -`)' : `\`${f}\``)).join(', ');
    const why = [
      ...(loaded.given.has('input') ? ['standard input was empty or held only comments and `---`'] : []),
      ...(loaded.given.has('file') ? ['a file holds none when it is empty or holds only comments and `---`'] : []),
      ...(loaded.given.has('directory') ? ['a directory is read for files ending in .yaml, .yml or .json, not those whose name starts with a dot'] : []),
    ];
    const message = `no documents found in ${where}${why.length > 0 ? `: ${why.join('; ')}` : ''}`;
    // As JSON with --json, as the files' other errors are (review hm, 10).
    ctx.err(opts.json ? formatJson({ errors: [{ message, code: 'NoDocuments' }] }) : `gatehouse: ${message}\n`);
    return EXIT.noInput;
  }
  // Each document is bounded (yamlValue); together they may still be more than the server reads, and more than a string
  // holds once their aliases are written out (review fd, 9).
  if (expandsPast(loaded.docs.map((d) => d.value), MAX_EXPANDED_CHARS)) {
    const message = `the documents are more than ${MAX_EXPANDED_CHARS >> 20} MiB of JSON together, once their aliases are written out: more than the server reads in one apply`;
    // With --json, as the files' other errors are: stderr holds the JSON error alone (review F, F4).
    if (opts.json) ctx.err(formatJson({ errors: [{ message, code: SYNTAX_CODE }] }));
    else {
      ctx.err(`gatehouse: ${message}\n`);
      ctx.err(nothingChanged(dryRun ? 'plan' : 'apply', 1));
    }
    return EXIT.invalidInput;
  }
  const conn = await connect(opts, ctx);
  if (!conn.ok) return report(ctx, conn, opts.json);
  // A large configuration takes a while to apply (about 3 ms a document on a small machine): ten minutes.
  const r = await call<ApplyResult>(conn.value, 'POST', ['apply'], {
    timeoutMs: APPLY_TIMEOUT_MS,
    // A plan changes nothing: cut off, it is a long read (`ConnectionLost`, not sent again), never OutcomeUnknown.
    ...(dryRun ? { heavyRead: true } : {}),
    // Not with --json, whose stderr is the JSON error alone (review F, F4): a notice before it left a stderr no JSON parser
    // reads (review sp, 4). The aws CLI says nothing while it waits or retries.
    ...(opts.json ? {} : { progress: (text: string) => ctx.err(text) }),
    shape: APPLIED,
    body: { documents: loaded.docs.map((d) => d.value), sources: loaded.docs.map((d) => ({ file: d.file, index: d.index })), prune: opts.prune === true, dryRun, ...(opts.cluster !== undefined ? { cluster: opts.cluster } : {}), ...(opts.namespace !== undefined ? { namespace: opts.namespace } : {}) },
  });
  if (!r.ok) {
    // The server lost its database while committing, or the connection was lost once the apply was sent: the one
    // transaction may have committed. Saying "nothing was changed" would send the operator to apply again believing it,
    // and an Account it created would have an admin whose key no one saw (review ak, 3).
    if (r.status === EXIT.outcomeUnknown) {
      const status = report(ctx, r, opts.json);
      if (!opts.json) ctx.err(outcomeUnknownNote(opts, loaded.docs));
      return status;
    }
    if (opts.json) return report(ctx, { ...r, errors: placedErrors(r.errors, loaded.docs) }, true);
    if (r.errors.length === 0) return report(ctx, r);
    for (const e of r.errors) ctx.err(formatServerError(e as ServerError, loaded.docs));
    ctx.err(nothingChanged(dryRun ? 'plan' : 'apply', r.errors.length));
    // A refusal of access (a document the caller may not write) or a failure of the server's own: its id, as `report`
    // says it (review sp, 3).
    sayRequestId(ctx, r);
    return r.status;
  }
  const result = r.value;
  const s = result.summary;
  // `plan --exit-code`: drift is a negative answer (1), as `git diff --exit-code` and `kubectl diff` give it.
  const done = dryRun && opts.exitCode === true && s.create + s.update + s.delete > 0 ? EXIT.denied : EXIT.ok;
  if (opts.json) {
    // Left out with --json, the note left nothing saying that `- delete User/bob` came of a file not read (review qi, 4).
    ctx.out(formatJson(loaded.hidden.length > 0 ? { ...result, notRead: loaded.hidden } : result));
    return done;
  }
  ctx.out(formatPlan(result.changes));
  if (dryRun) ctx.out(`plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.unchanged} unchanged (nothing changed; \`gatehouse apply\` applies it)\n`);
  else ctx.out(`applied: ${s.create} created, ${s.update} updated, ${s.delete} deleted, ${s.unchanged} unchanged\n`);
  for (const c of result.credentials) {
    ctx.out(`\naccount ${c.AccountId}: access key of its user ${c.UserName} (shown once; store it now):\n  AccessKeyId      ${c.AccessKeyId}\n  SecretAccessKey  ${c.SecretAccessKey}\n`);
  }
  return done;
}
