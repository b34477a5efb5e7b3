/**
 * The `gatehouse` command tree. Each command group lives in `commands/<group>.ts` and registers itself on the
 * program; to add one (`server`, `iam`, `apply`, `sts`, `jobs`…), write its module and list it in `GROUP_MODULES`
 * with the top-level commands it registers. Parsing errors never exit the process: they become exit status 2
 * (`EXIT.usage`), and `runCli` returns the status for the composition root to set.
 */
import { homedir } from 'node:os';
import { Command, CommanderError } from 'commander';
import type { CliDeps, CommandContext, CommandGroup, ReadFileOptions } from './context.ts';
import { EXIT } from './exit-codes.ts';
import { CREDENTIALS_NOTE } from './credentials-note.ts';
import { filePathOf } from './input-file.ts';
import { asksForJson, usageCode, usageFailure, USAGE_HINT } from './output.ts';

/** A module of command groups, and the top-level commands (names and aliases) its groups register. */
interface GroupModule {
  readonly commands: readonly string[];
  readonly load: () => Promise<readonly CommandGroup[]>;
}

/**
 * Every command group, in the order `gatehouse --help` lists their commands, each loaded only when needed: importing
 * all of them (and through them the request signer, the launcher, the core modules they use) cost every command,
 * `--version` included, several times the CPU of Node's own start. `runCli` loads the one module that registers the
 * command typed (`groupsFor`); commander needs every name only to list them or suggest one. `commands` must be what
 * the module's groups register (src/adapters/cli/command-groups.test.ts checks it).
 */
export const GROUP_MODULES: readonly GroupModule[] = [
  { commands: ['server'], load: async () => [(await import('./commands/server.ts')).serverCommand] },
  { commands: ['policy'], load: async () => [(await import('./commands/policy.ts')).policyCommands] },
  { commands: ['authorize', 'simulate', 'who-can', 'escalation-paths', 'resource-policies'], load: async () => [(await import('./commands/authorize.ts')).authorizeCommands] },
  { commands: ['jobs', 'clusters', 'workspaces'], load: async () => [(await import('./commands/jobs.ts')).jobsCommands] },
  { commands: ['accounts', 'whoami'], load: async () => [(await import('./commands/accounts.ts')).accountsCommands] },
  { commands: ['iam'], load: async () => [(await import('./commands/iam.ts')).iamCommands] },
  { commands: ['apply', 'plan'], load: async () => [(await import('./commands/apply.ts')).applyCommands] },
  { commands: ['sts'], load: async () => [(await import('./commands/sts.ts')).stsCommands] },
  { commands: ['users'], load: async () => [(await import('./commands/sts.ts')).usersCommands] },
  { commands: ['keys'], load: async () => [(await import('./commands/sts.ts')).keysCommands] },
  { commands: ['credentials'], load: async () => [(await import('./commands/sts.ts')).credentialsCommand] },
  { commands: ['kube'], load: async () => [(await import('./commands/kube.ts')).kubeCommands] },
  { commands: ['audit'], load: async () => [(await import('./commands/audit.ts')).auditCommands] },
  { commands: ['iam-policy'], load: async () => [(await import('./commands/iam-policy.ts')).iamPolicyCommands] },
  { commands: ['demo'], load: async () => [(await import('./commands/demo.ts')).demoCommand] },
  { commands: ['agent'], load: async () => [(await import('./commands/agent.ts')).agentCommand] },
];

/** Every command group, in `GROUP_MODULES`' order (src/adapters/cli/command-groups.ts holds them loaded, for tests). */
export async function loadAllGroups(): Promise<readonly CommandGroup[]> {
  return (await Promise.all(GROUP_MODULES.map((m) => m.load()))).flat();
}

/**
 * The command groups `argv` needs, read as `runCli` reads it (`placeLeadingOptions`, then `helpOf`): the module of
 * the command typed first, or of the one `help` is asked about; none for `--version` (`-V`) first, which commander
 * answers before it looks at any command; every group for anything else (no command, `--help`, `help` alone, a word
 * that names no command, whose suggestion needs every name), so that what is printed and the exit status are those of
 * the whole tree.
 */
export async function groupsFor(argv: readonly string[]): Promise<readonly CommandGroup[]> {
  const i = leadingOptions(argv).end;
  let word = argv[i];
  if (word === '-V' || word === '--version') return [];
  if (word === 'help' && argv[i + 1] !== undefined) word = argv[i + 1];
  const module = GROUP_MODULES.find((m) => m.commands.includes(word as string));
  return module === undefined ? loadAllGroups() : module.load();
}

export function createProgram(ctx: CommandContext, groups: readonly CommandGroup[]): Command {
  const program = new Command('gatehouse')
    .description('Gatehouse: uniform access control for AI training clusters')
    .version(ctx.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for this command')
    .helpCommand('help [command]', 'show help for a command')
    .configureOutput({
      writeOut: (s) => ctx.out(s),
      writeErr: (s) => ctx.err(s),
      // Under --json the error is printed as JSON by `runCli`, which has its code (review jn, 2).
      outputError: (s, write) => (ctx.jsonErrors === true ? undefined : write(s)),
    })
    .addHelpText('after', `\nGlobal options (before or after the command, as the aws CLI's):\n  --endpoint <url>  the Gatehouse server, whatever credentials sign (default GATEHOUSE_ENDPOINT, else in a\n                    job its AWS_ENDPOINT_URL, else the Endpoint in --data-dir's admin-credentials.json,\n                    else http://127.0.0.1:8470)\n  --data-dir <dir>  where the server keeps its data and admin-credentials.json (default .gatehouse)\n  --profile <name>  sign with this profile of ~/.aws/credentials or ~/.aws/config, as the aws CLI's --profile:\n                    it wins over AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and AWS_PROFILE\n  --region <name>   the region requests are signed for (default AWS_REGION, else AWS_DEFAULT_REGION, else\n                    the profile's region, else us-east-1)\n  --ca-bundle <file> the CA certificates (PEM) an https endpoint is checked against (default AWS_CA_BUNDLE,\n                    else the profile's ca_bundle)\n  --output <format> json (as --json; -o json too), text or table, for the commands that print a result\n\n${CREDENTIALS_NOTE}\n`)
    .showHelpAfterError(ctx.jsonErrors === true ? false : USAGE_HINT)
    .showSuggestionAfterError(true)
    .exitOverride();
  // Subcommands copy the settings above (output, exit override) when they are created, so groups come after.
  for (const register of groups) register(program, ctx);
  sayUnknownBeforeMissing(program);
  knowGlobalOptions(program);
  return program;
}

/**
 * The global options are taken off the line before commander parses it (`placeLeadingOptions`), so the program does
 * not know them: a slip in one before the command (`gatehouse --endpiont URL whoami`) got commander's `unknown option`
 * without the suggestion every other option gets, and one without its value (`gatehouse --endpoint`) was called unknown
 * (review iv, 6). The program's hook for an unknown option now suggests among them and its own options, and says a
 * global option lacks its value as commander says it of a command's option; the same usage error (exit 2).
 */
function knowGlobalOptions(program: Command): void {
  const hooked = program as Command & { unknownOption(flag: string): void };
  hooked.unknownOption = (flag: string) => {
    const global = GLOBAL_OPTION_VALUES.find(([name]) => name === flag);
    if (global !== undefined) program.error(`error: option '${global[0]} ${global[1]}' argument missing`, { code: 'commander.optionMissingArgument' });
    const candidates = [...GLOBAL_OPTION_VALUES.map(([name]) => name), ...program.options.flatMap((o) => (o.long !== undefined ? [o.long] : []))];
    const meant = flag.startsWith('--') ? closest(flag, candidates) : undefined;
    program.error(`error: unknown option '${flag}'${meant !== undefined ? `\n(Did you mean ${meant}?)` : ''}`, { code: 'commander.unknownOption' });
  };
}

/** The global options with their values, as the help names them. */
const GLOBAL_OPTION_VALUES = [['--endpoint', '<url>'], ['--data-dir', '<dir>'], ['--profile', '<name>'], ['--region', '<name>'], ['--ca-bundle', '<file>'], ['--output', '<format>']] as const;

/**
 * The candidate `word` is most likely a slip of, as commander suggests one: at most 3 edits away (insertions,
 * deletions, substitutions, transpositions of neighbours) and more alike than not; undefined when none is.
 */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: { readonly candidate: string; readonly distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(word.slice(2), candidate.slice(2));
    const length = Math.max(word.length, candidate.length) - 2;
    if (distance > 3 || (length - distance) / length <= 0.4) continue;
    if (best === undefined || distance < best.distance) best = { candidate, distance };
  }
  return best?.candidate;
}

/** Optimal string alignment distance (Damerau–Levenshtein without repeated edits of one substring). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  const at = (i: number, j: number): number => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = v;
    }
  }
  return at(a.length, b.length);
}

/**
 * A typo in a required option's name (`jobs run --worksapce vision`, `policy evaluate --resouce ARN`): commander checks
 * the required options before the unknown ones, so it said `required option '--workspace <name>' not specified` about an
 * option the user had typed, and never `unknown option '--worksapce'` with its `(Did you mean --workspace?)`. On each
 * command that runs (no subcommands), an unknown option is now reported first when a required option is missing, through
 * commander's own `unknownOption` (a method of `Command`, not in its typings; jobs.ts hooks it too), so the message and
 * the suggestion are commander's and the status the same usage error (exit 2). `--help` is left to commander.
 */
function sayUnknownBeforeMissing(cmd: Command): void {
  for (const sub of cmd.commands) sayUnknownBeforeMissing(sub);
  if (cmd.commands.length > 0 || !cmd.options.some((o) => o.mandatory)) return;
  const parse = cmd.parseOptions.bind(cmd);
  cmd.parseOptions = (argv) => {
    const parsed = parse(argv);
    const first = parsed.unknown[0];
    const help = parsed.unknown.some((a) => a === '-h' || a === '--help');
    const missing = cmd.options.some((o) => o.mandatory && cmd.getOptionValue(o.attributeName()) === undefined);
    if (first !== undefined && first.startsWith('-') && first !== '--' && !help && missing) (cmd as Command & { unknownOption(flag: string): void }).unknownOption(first);
    return parsed;
  };
}

/**
 * An option that takes one value, given twice (`policy evaluate --boundary B1 --boundary B2`, `authorize --action A
 * --action B`), kept the last value without a word (commander's way), so the command answered another question than
 * the one typed: a boundary dropped from the set, an Allow for the second action read as one for both (review pb, 1).
 * Now a usage error naming the option (exit 2, `RepeatedOption`), before the action runs (so `--help` still helps);
 * its values are not repeated (an `--endpoint` may hold a password). Options meant to repeat collect their values and
 * are left alone: variadic ones (`--policy <file...>`) and those whose parser takes the value before (`--tag`,
 * `jobs run --role`, which say their own word), but for a parser of a list of values (`-o`, `--kind`, `--state`), which
 * keeps the last (review pn, 2). A global option given before the command (`leading`, moved after its
 * name by `placeLeadingOptions`) may be given once more after it, which wins, as the help says; twice before it is
 * the same slip.
 */
function refuseRepeatedOptions(program: Command, leading: readonly string[]): void {
  const watch = (cmd: Command): void => {
    for (const sub of cmd.commands) watch(sub);
    const repeated: string[] = [];
    for (const option of cmd.options) {
      // A parser of a list of values (`choices`: `-o`, `--kind`, `--state`) takes the value before too, and returns the
      // new one alone: such an option takes one value, and kept the last without a word (review pn, 2).
      const collects = (option.parseArg?.length ?? 0) >= 2 && option.argChoices === undefined;
      if (option.long === undefined || option.variadic || option.negate || option.isBoolean() || collects) continue;
      const long = option.long;
      const before = leading.filter((name) => name === long).length;
      let seen = 0;
      cmd.on(`option:${option.name()}`, () => {
        seen++;
        // The first `before` values are the leading ones, moved in front of the command's own.
        const twice = before > 1 ? seen === 2 : seen - before === 2;
        if (twice) repeated.push(option.flags.replace(/^-\w, /, ''));
      });
    }
    cmd.hook('preAction', (self, action) => {
      if (action !== self || repeated.length === 0) return;
      const flags = repeated[0] as string;
      const name = flags.split(' ')[0] as string;
      self.error(`error: option '${flags}' is given twice, and takes one value: give ${name} once`, { exitCode: EXIT.usage, code: 'gatehouse.repeatedOption' });
    });
  };
  watch(program);
}

/** Options of many commands that may be given before the command too, as the aws CLI's global options. */
const GLOBAL_OPTIONS = ['--endpoint', '--data-dir', '--profile', '--region', '--ca-bundle'] as const;
/**
 * The output format, the aws CLI's `--output` (and `-o`, `--json`), before the command (review jc, 4): moved after its
 * name as the options above are, but never dropped: a command with no JSON output refuses it there, as it refuses it
 * after its name, instead of printing text to a script that asked for JSON.
 */
const FORMAT_OPTIONS: ReadonlyMap<string, string> = new Map([['--output', '--output'], ['-o', '--output']]);
const FORMAT_FLAG = '--json';

/**
 * `--endpoint URL` and `--data-dir DIR` given before the command (`gatehouse --endpoint URL whoami`, `gatehouse
 * --data-dir /srv/gh server`): DESIGN.md names `--endpoint` beside `GATEHOUSE_ENDPOINT` without saying where it
 * goes, and each command reads them as its own options; so a leading one was accepted for `--endpoint` only and
 * `gatehouse --data-dir X server` was refused (`unknown option`). Both are moved to just after the command's name,
 * where it reads them, before its own (given after the name, those win). A command that takes neither (`policy
 * validate`, `demo`) ignores them, as the aws CLI's commands ignore a global option they have no use for: an alias
 * `gatehouse --endpoint URL` works for every command.
 */
/** The global options `argv` starts with (`--endpoint URL`, `--data-dir=DIR`), and where the words after them begin. */
function leadingOptions(argv: readonly string[]): { readonly leading: readonly { name: string; args: string[] }[]; readonly end: number } {
  const leading: { name: string; args: string[] }[] = [];
  let i = 0;
  for (;;) {
    const a = argv[i];
    if (a === FORMAT_FLAG) {
      leading.push({ name: a, args: [a] });
      i++;
      continue;
    }
    // `-ojson` and `-o=json` are `-o json` in one word, as after the command (review np, 1).
    const name = [...GLOBAL_OPTIONS, ...FORMAT_OPTIONS.keys()].find((o) => a === o || (o.startsWith('--') ? a?.startsWith(`${o}=`) : a?.startsWith(o)));
    if (a === undefined || name === undefined) break;
    if (a !== name) leading.push({ name, args: [a] });
    else if (argv[i + 1] !== undefined) leading.push({ name, args: [a, argv[i + 1] as string] });
    else break;
    i += leading.at(-1)?.args.length ?? 1;
  }
  return { leading, end: i };
}

function placeLeadingOptions(argv: readonly string[], program: Command): readonly string[] {
  const { leading, end: i } = leadingOptions(argv);
  if (leading.length === 0) return argv;
  let cmd = program;
  let end = i;
  for (;;) {
    const word = argv[end];
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word as string));
    if (sub === undefined) break;
    cmd = sub;
    end++;
  }
  const format = (name: string): boolean => name === FORMAT_FLAG || FORMAT_OPTIONS.has(name);
  // No command named (`gatehouse --output json`, `gatehouse -o json help`): the format is no command's, and the program
  // given it said `option '--output <format>' argument missing` of a value given, or `unknown option '--json'`; it
  // is left as `--endpoint` is, and the program says what it says with no command, or shows the help asked for (review od, 2).
  const taken = cmd === program ? [] : leading.filter((o) => format(o.name) || cmd.options.some((x) => x.long === o.name)).flatMap((o) => o.args);
  // A word that names no command of the group the walk stopped at (`gatehouse -o json iam userz list`): the options go
  // after it, so that commander says `unknown command 'userz'` with its suggestion; put before it, they were reported
  // as `unknown option '-o'`, as if the format were not taken (review jn, 5).
  const word = argv[end];
  if (cmd.commands.length > 0 && word !== undefined && !word.startsWith('-')) end++;
  return [...argv.slice(i, end), ...taken, ...argv.slice(end)];
}

/**
 * `gatehouse help iam users` as `gatehouse iam users --help`: commander's help command takes one word, so it showed
 * `iam`'s help, and `help nosuch` printed the whole help as an error without saying why. A word that names no command
 * is left to commander, which says `unknown command` and suggests one (exit 2).
 */
function helpOf(argv: readonly string[], program: Command): readonly string[] {
  if (argv[0] !== 'help' || argv.length < 2) return argv;
  const words = argv.slice(1);
  let cmd = program;
  for (const word of words) {
    const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
    if (sub === undefined) return words;
    cmd = sub;
  }
  return [...words, '--help'];
}

/**
 * Runs the CLI on `argv` (without `node` and the script) and resolves to the process exit status. Without `groups`,
 * those `argv` needs (`groupsFor`).
 */
export async function runCli(argv: readonly string[], deps: CliDeps, groups?: readonly CommandGroup[]): Promise<number> {
  let status: number = EXIT.ok;
  const readDir = deps.readDir;
  const home = deps.env?.['HOME'] || homedir();
  const files = { readFile: (path: string, options?: ReadFileOptions) => deps.readFile(filePathOf(path, home), options), ...(readDir !== undefined ? { readDir: (path: string) => readDir(filePathOf(path, home)) } : {}) };
  const jsonErrors = asksForJson(argv);
  const program = createProgram({ ...deps, ...files, exit: (code) => void (status = code), jsonErrors }, groups ?? (await groupsFor(argv)));
  // `-o` before the command is `--output` (review pn, 2).
  refuseRepeatedOptions(program, leadingOptions(argv).leading.map((o) => FORMAT_OPTIONS.get(o.name) ?? o.name));
  try {
    await program.parseAsync([...helpOf(placeLeadingOptions(argv, program), program)], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      const exit = commanderStatus(e);
      // Help asked for, or shown for a group given no command, is help (text); any other is a usage error.
      if (jsonErrors && e.code !== 'commander.help' && e.code !== 'commander.helpDisplayed' && e.code !== 'commander.version') {
        usageFailure({ err: deps.err, jsonErrors }, e.message.replace(/^error: /, ''), 'commander', usageCode(e.code));
      }
      return exit;
    }
    deps.err(`gatehouse: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\nplease report this with the command that caused it\n`);
    return EXIT.internal;
  }
  return status;
}

function commanderStatus(e: CommanderError): number {
  switch (e.code) {
    case 'commander.helpDisplayed':
    case 'commander.version':
      return EXIT.ok;
    case 'commander.help':
      // `gatehouse help` asks for help (0); a group run without a subcommand gets help as an error (1 → usage).
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    default:
      return EXIT.usage;
  }
}
