/**
 * Output formatting shared by every command: a plain-text table for people, JSON for scripts (`--json`), and one
 * line per error in the `file:line:column: path: message [CODE]` shape editors and CI annotations understand.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { inFileOrder, type GatehouseError } from '../../core/errors.ts';

export interface Column<Row> {
  readonly header: string;
  readonly value: (row: Row) => string;
}

/** Left-aligned columns separated by two spaces, headers in capitals (the `kubectl get` look). */
export function formatTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  // Every cell as the terminal may show it (`printable`): a description's `\r` overwrote the row's name and ARN with
  // text of the writer's choosing (review id, 2).
  const cells = [columns.map((c) => c.header.toUpperCase()), ...rows.map((r) => columns.map((c) => printable(oneLine(c.value(r)))))];
  const widths = columns.map((_, i) => Math.max(...cells.map((line) => (line[i] ?? '').length)));
  return cells.map((line) => line.map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd() + '\n').join('');
}

export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** What follows a usage error in text, as commander's `showHelpAfterError` prints it. */
export const USAGE_HINT = '(add --help for usage)';

/**
 * Whether `argv` asks for JSON output and for no other format: `--json`, `-o json`, `-ojson`, `--output json` or
 * `--output=json` before any `--`, and neither `--csv` nor `-o`/`--output` `text` or `table` (two formats asked for
 * are a usage error said in text, as neither was taken). `-o=json` and `-ojson` are `-o json` (`withJsonOption`).
 */
export function asksForJson(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  const words = end < 0 ? argv : argv.slice(0, end);
  const formats = new Set<string>();
  words.forEach((w, i) => {
    if (w === '--json') formats.add('json');
    else if (w === '--csv') formats.add('csv');
    else if (w === '-o' || w === '--output') formats.add(words[i + 1] ?? '');
    else if (w.startsWith('--output=')) formats.add(w.slice('--output='.length));
    else if (w.startsWith('-o') && !w.startsWith('--') && w.length > 2) formats.add(w.slice(w[2] === '=' ? 3 : 2));
  });
  return formats.has('json') && [...formats].every((f) => f === 'json' || (f !== 'csv' && f !== 'text' && f !== 'table'));
}

/**
 * A usage error (exit status 2) on stderr: `error: MESSAGE` and the hint to `--help`, as commander says its own
 * (`gatehouse: MESSAGE` with `'gatehouse'`, as the commands word theirs); or, when the line asked for JSON
 * (`ctx.jsonErrors`), `{"error": {"code": "UsageError", "message"}}`, the shape of every other failure under `--json`
 * (client.ts `report`), so a script reading stderr as JSON gets JSON whatever went wrong (review jn, 2). On one line:
 * the commands that print JSON lines (`audit query`, `jobs events`) print their errors so, and one line is one JSON
 * document to a reader of either.
 */
export function usageFailure(ctx: { readonly err: (s: string) => void; readonly jsonErrors?: boolean }, message: string, text: 'commander' | 'gatehouse' = 'commander', code = 'UsageError'): 2 {
  if (ctx.jsonErrors === true) ctx.err(`${JSON.stringify({ error: { code, message: message.replace(/\s*\n\s*/g, ' ') } })}\n`);
  else ctx.err(text === 'gatehouse' ? `gatehouse: ${message}\n` : `error: ${message}\n${USAGE_HINT}\n`);
  return 2;
}

/**
 * The JSON error code of a commander error code: `commander.unknownOption` → `UnknownOption`,
 * `gatehouse.conflictingFormats` → `ConflictingFormats`; commander's generic `commander.error` → `UsageError`.
 */
export function usageCode(commanderCode: string): string {
  const name = commanderCode.slice(commanderCode.indexOf('.') + 1);
  return name === '' || name === 'error' ? 'UsageError' : `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
}

/** A file's errors in line order: src/core/errors.ts `inFileOrder`, which the parser now applies too (review ts, 2). */
export { inFileOrder };

/**
 * One error on one line: `source:line:column: path: message [CODE]`; the position and the path are left out when
 * unknown (the path is empty when the error concerns the whole document).
 */
export function formatError(source: string, e: GatehouseError): string {
  // The file's name, the path and the message as the terminal may show them: a policy file's key is any JSON string
  // (`"\u001b[2K\r…"`), echoed in the path and the message, so a file under review rewrote the line `policy validate`
  // printed about it in a CI log (review od, 1).
  const where = e.line !== undefined ? `${printableMessage(source)}:${e.line}:${e.column ?? 1}` : printableMessage(source);
  const path = e.path === '' ? '' : ` ${shownMessage(e.path)}:`;
  return `${where}:${path} ${shownMessage(e.message)} [${e.code}]\n`;
}

/**
 * A policy file's errors found before anything is sent: a line each (`formatError`), or with `--json` the
 * `{"errors": [...]}` document `policy evaluate` prints, each error with its `source` (the file). They were lines with
 * `--json` too, where the server's refusal of the same file is JSON (review hm, 7).
 */
export function fileErrorsText(file: string, errors: readonly GatehouseError[], json: boolean): string {
  const ordered = inFileOrder(errors);
  return json ? formatJson({ errors: ordered.map((e) => ({ ...e, source: file })) }) : ordered.map((e) => formatError(file, e)).join('');
}

/**
 * Adds `--json` to a command; every command that prints a result should offer it. `-o json` and `--output json`, which
 * kubectl and aws CLI users type by habit, are taken as `--json` (hidden from --help); `text` and `table` are the
 * default output; any other format (`yaml`, `wide`) is a usage error listing these, and so is `--json` with `-o text`.
 */
export function withJsonOption(cmd: Command, description = 'print the result as JSON, for scripts'): Command {
  const output = new Option('-o, --output <format>', 'json (as --json), text or table (the default)').choices(['json', 'text', 'table']).hideHelp();
  // `-o=json`, kubectl's spelling (pflag reads `-o=VALUE` as VALUE), came as the value `=json` and was refused (review np, 1).
  const choice = output.parseArg;
  if (choice !== undefined) output.argParser((v: string, previous: unknown) => choice(outputFormatArg(v), previous));
  return cmd
    .option('--json', description)
    .addOption(output)
    .hook('preAction', (self) => {
      const output = self.getOptionValue('output') as string | undefined;
      // `--json -o table` asked for two formats: one would be dropped without a word (review cli, H15).
      if (output !== undefined && output !== 'json' && self.getOptionValue('json') === true) self.error(`error: --json and -o ${output} are two formats; give one`, { exitCode: 2, code: 'gatehouse.conflictingFormats' });
      if (output === 'json') self.setOptionValue('json', true);
    });
}

/**
 * `-o, --output` and `--json` of a command that prints one JSON document whatever is asked (`kube token`'s
 * ExecCredential, `credentials`' credential_process document): `json`, what the aws CLI's `--output json` and every other
 * command's `--json` say, is taken and leaves the document as it is (errors are JSON on stderr where the command says
 * them so under --json); any other format is refused (exit 2) naming what the command prints. Hidden from --help: the
 * command has one output.
 */
export function withJsonOnlyOutput(cmd: Command, command: string, prints: string): Command {
  const output = new Option('-o, --output <format>', `json: what it prints (${prints})`)
    .argParser((given: string) => {
      // `-o=json` as `-o json` (review np, 1), as every other command's `-o` takes it (`withJsonOption`).
      const v = outputFormatArg(given);
      if (v !== 'json') throw new InvalidArgumentError(`${command} prints ${prints}, which is JSON: give --output json or leave it out, not \`${v}\``);
      return v;
    })
    .hideHelp();
  return cmd
    .addOption(output)
    .addOption(new Option('--json', `what it prints (${prints}) is JSON`).hideHelp())
    .hook('preAction', (self) => {
      // One flag, as `withJsonOption` makes them: a command that says its errors as JSON under --json does under -o json.
      if (self.getOptionValue('output') === 'json') self.setOptionValue('json', true);
    });
}

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ');

/**
 * A server's (or this side's) error text as the terminal may show it: on one line, control characters escaped
 * (`printableMessage`: values the message quotes are escaped already). Messages echo what was sent or stored (a name,
 * an ARN, a Kubernetes object's name, a JSON key of a policy file), and an ESC or CR in one rewrote the line a terminal
 * or CI log showed (review od, 1), as apply's plan lines did (review no, 2). `--json` errors are the server's JSON,
 * unchanged.
 */
export const shownMessage = (s: string): string => printableMessage(oneLine(s));

/**
 * The value of a short option as given: `-x=VALUE` (kubectl's spelling: pflag reads it as VALUE) is `-x VALUE`; commander
 * gives `=VALUE`. For `-o` (review np, 1), apply's `-f` and `-n` (review pb, 4).
 */
export const shortOptionValue = (v: string): string => (v.startsWith('=') ? v.slice(1) : v);
/** The value of `-o`/`--output` as given: `-o=json` is `-o json` (`shortOptionValue`). */
export const outputFormatArg = shortOptionValue;

const NAMED_ESCAPES: ReadonlyMap<string, string> = new Map([
  ['\\', '\\\\'],
  ['\n', '\\n'],
  ['\r', '\\r'],
  ['\t', '\\t'],
]);

/**
 * A value as the terminal may show it: audit records hold what unauthenticated clients sent (an S3 key, a path), policies what their writers wrote, so C0 and
 * C1 controls, DEL, and other characters that print nothing or move text (format characters such as bidi overrides
 * and zero-width ones, line and paragraph separators, lone surrogates) are written as escapes (`\r`, `\x1b`,
 * `\u202e`), as journalctl and kubectl do; a backslash is doubled, so an escape shown is never one a client typed.
 * `--json` output is JSON as the server sent it (JSON lines escape these too, as JSON: `jsonLine`).
 */
export const printable = (s: string): string => s.replace(/[\\\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu, escapeOne);

/**
 * An error's text as the terminal may show it: what `printable` escapes, but a backslash left as it is. Error messages
 * already show the values they quote escaped (the CLI's own with `printable`, `` profile `alice\r` ``; the server's
 * JSON-style, `` `x\r\u001b` ``), and doubling their backslashes made those read as other values; the control
 * characters a message or a path still holds raw (a policy file's JSON key, a name the server echoes) are escaped
 * (review od, 1).
 */
export const printableMessage = (s: string): string => s.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu, escapeOne);

function escapeOne(c: string): string {
  const named = NAMED_ESCAPES.get(c);
  if (named !== undefined) return named;
  const n = c.codePointAt(0) ?? 0;
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/**
 * JSON text (`JSON.stringify`'s) as the terminal may show it: what `printable` escapes, but as JSON escapes (`\u202e`,
 * `\u009b`), which read as the same string, so the text stays the document it was. JSON.stringify escapes C0 controls
 * only: DEL, C1 controls (U+009B is CSI to many terminals), bidi overrides and the other invisible characters came
 * out raw (review id, 2). Its own line feeds, the layout's, stay.
 */
export const printableJson = (text: string): string =>
  text.replace(/(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu, (c) => Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''));

/**
 * One JSON lines record (`audit query --json`, `jobs events --json`): `JSON.stringify` escapes C0 controls only, so a
 * record's U+2028 / U+2029 came out raw, and readers that take them for line ends (Python's `str.splitlines`, editors,
 * some shippers) cut the record into two lines, neither of them JSON; its C1 controls and bidi overrides reached the
 * terminal (review vo, 1). Written as `printableJson` writes them: the same values, on one line.
 */
export const jsonLine = (value: unknown): string => `${printableJson(JSON.stringify(value))}\n`;

/** A value as one shell word: bare when it holds only safe characters (keys, tokens, ARNs do), else single-quoted. */
export const shellWord = (s: string): string => (/^[\w+/=.:,@%-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`);

/**
 * An option's parser refusing an empty value (`--workspace "$WS"` with WS unset), naming the option: the server reads
 * an empty parameter as none, so `jobs list --workspace ''` listed every workspace's jobs, exit 0 (review hm, 11), and
 * an empty path was the working directory (review gr, 6 and 10). `otherwise`: what leaving the option out does (none
 * for a required option).
 */
export const nonEmptyArg = (flag: string, what: string, otherwise?: string) => (v: string): string => {
  if (v.trim() === '') throw new InvalidArgumentError(`${flag} is empty: give ${what} (is a shell variable unset?)${otherwise !== undefined ? `, or leave ${flag} out ${otherwise}` : ''}`);
  return v;
};

/**
 * An option's parser taking a role's ARN (`--role-arn`): an empty value as `nonEmptyArg` refuses it, and a word that
 * is no ARN, a role's bare name above all (`--role-arn trainer`), refused before anything is sent, saying what to give,
 * as `jobs run --role NAME` says it. Sent, a short name was told only a length constraint (`Member must have length
 * greater than or equal to 20`), a longer one that it "is not a role ARN" (review qq, 4). Not resolved to an ARN: that
 * takes a request to learn the account, and a role with a path (`role/team/x`) cannot be written from its name.
 */
export const roleArnArg = (flag: string) => (v: string): string => {
  nonEmptyArg(flag, "the role's ARN")(v);
  if (/^(?:arn|acs):/i.test(v.trim())) return v;
  const hint = /^[\w+=,.@-]{1,64}$/.test(v) ? `; for the role named \`${v}\`, give its ARN: ${flag} arn:aws:iam::<account>:role/${v} (\`gatehouse whoami\` shows your account)` : ' (arn:aws:iam::<account>:role/<name>, or acs:ram::<account>:role/<name>)';
  throw new InvalidArgumentError(`${flag} takes a role's ARN, got \`${v}\`${hint}`);
};
