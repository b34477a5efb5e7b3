/**
 * `gatehouse demo`: the README's tour as one command. The composition root supplies the demo itself
 * (src/main/demo.ts: an embedded server in a temporary data dir, the example organisation, a training job);
 * this module only parses the command line.
 */
import type { CommandGroup } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { withJsonOption } from '../output.ts';

export const demoCommand: CommandGroup = (program, ctx) => {
  // `-o json` too, as every command that prints a result takes it (README, "Run it"; review readme, ez7: unknown option).
  withJsonOption(
    program
      .command('demo')
      .description('run the tour on this machine: an embedded server, the example organisation, a 2-rank job reading and writing S3 with its role, the refusals, the audit trail')
      .option('--keep', 'keep the temporary data dir and print its path'),
    'print the step results as one JSON document, for scripts',
  )
    .addHelpText(
      'after',
      `
Nothing to set up and nothing left behind: every listener is on 127.0.0.1 with a port the system picks (a
running \`gatehouse server\` is not disturbed), and the temporary data dir is removed at the end, on failure and
on Ctrl-C. Exit status 0 when every step had the outcome it should (refusals included), 1 otherwise;
interrupted (SIGINT, SIGTERM, SIGHUP), 128 + the signal's number (130 for Ctrl-C), as shells report it.`,
    )
    .action(async (opts: { keep?: true; json?: true }) => {
      if (!ctx.runDemo) {
        ctx.err('gatehouse demo: not available in this build\n');
        return ctx.exit(EXIT.internal);
      }
      ctx.exit(await ctx.runDemo({ ...(opts.keep ? { keep: true } : {}), ...(opts.json ? { json: true } : {}) }));
    });
};
