/**
 * The `gatehouse` command tree. Each command group lives in `commands/<group>.ts` and registers itself on the
 * program; to add one (`server`, `iam`, `apply`, `sts`, `jobs`…), write its module and list it in
 * `COMMAND_GROUPS`. Parsing errors never exit the process: they become exit status 2 (`EXIT.usage`), and
 * `runCli` returns the status for the composition root to set.
 */
import { Command, CommanderError } from 'commander';
import { policyCommands } from './commands/policy.ts';
import { serverCommand } from './commands/server.ts';
import { jobsCommands } from './commands/jobs.ts';
import { authorizeCommands } from './commands/authorize.ts';
import { accountsCommands } from './commands/accounts.ts';
import { applyCommands } from './commands/apply.ts';
import { iamCommands } from './commands/iam.ts';
import { credentialsCommand, keysCommands, stsCommands, usersCommands } from './commands/sts.ts';
import { kubeCommands } from './commands/kube.ts';
import { auditCommands } from './commands/audit.ts';
import { iamPolicyCommands } from './commands/iam-policy.ts';
import { demoCommand } from './commands/demo.ts';
import { agentCommand } from './commands/agent.ts';
import type { CliDeps, CommandContext, CommandGroup } from './context.ts';
import { EXIT } from './exit-codes.ts';
import { CREDENTIALS_NOTE } from './client.ts';

export const COMMAND_GROUPS: readonly CommandGroup[] = [serverCommand, policyCommands, authorizeCommands, jobsCommands, accountsCommands, iamCommands, applyCommands, stsCommands, usersCommands, keysCommands, credentialsCommand, kubeCommands, auditCommands, iamPolicyCommands, demoCommand, agentCommand];

export function createProgram(ctx: CommandContext, groups: readonly CommandGroup[] = COMMAND_GROUPS): Command {
  const program = new Command('gatehouse')
    .description('Gatehouse: uniform access control for AI training clusters')
    .version(ctx.version, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help for this command')
    .helpCommand('help [command]', 'show help for a command')
    .configureOutput({
      writeOut: (s) => ctx.out(s),
      writeErr: (s) => ctx.err(s),
      outputError: (s, write) => write(s),
    })
    .addHelpText('after', `\n${CREDENTIALS_NOTE}\n`)
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true)
    .exitOverride();
  // Subcommands copy the settings above (output, exit override) when they are created, so groups come after.
  for (const register of groups) register(program, ctx);
  return program;
}

/**
 * `--endpoint URL` given before the command (`gatehouse --endpoint URL whoami`): DESIGN.md names `--endpoint` beside
 * `GATEHOUSE_ENDPOINT` without saying where it goes, and each command reads it as its own option. Taken out of the
 * arguments and given to the command as `GATEHOUSE_ENDPOINT`, which a command's own `--endpoint` still overrides.
 */
function leadingEndpoint(argv: readonly string[], deps: CliDeps): { argv: readonly string[]; deps: CliDeps } {
  let endpoint: string | undefined;
  let i = 0;
  for (;;) {
    const a = argv[i];
    if (a === '--endpoint' && argv[i + 1] !== undefined) {
      endpoint = argv[i + 1];
      i += 2;
    } else if (a?.startsWith('--endpoint=')) {
      endpoint = a.slice('--endpoint='.length);
      i += 1;
    } else break;
  }
  if (endpoint === undefined) return { argv, deps };
  return { argv: argv.slice(i), deps: { ...deps, env: { ...(deps.env ?? {}), GATEHOUSE_ENDPOINT: endpoint } } };
}

/** Runs the CLI on `argv` (without `node` and the script) and resolves to the process exit status. */
export async function runCli(argvGiven: readonly string[], depsGiven: CliDeps, groups: readonly CommandGroup[] = COMMAND_GROUPS): Promise<number> {
  const { argv, deps } = leadingEndpoint(argvGiven, depsGiven);
  let status: number = EXIT.ok;
  const program = createProgram({ ...deps, exit: (code) => void (status = code) }, groups);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) return commanderStatus(e);
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
