/** `gatehouse server`: the long-running service (DESIGN.md, "Interfaces"). */
import type { CommandGroup } from '../context.ts';
import { EXIT } from '../exit-codes.ts';

export const serverCommand: CommandGroup = (program, ctx) => {
  program
    .command('server')
    .description('run the Gatehouse server: IAM and STS Query APIs, admin API, health checks')
    .option('--data-dir <dir>', 'where the embedded store, master key and admin credentials live', './.gatehouse')
    .option('--listen <host:port>', 'address of the API', '127.0.0.1:8470')
    .option('--agent-listen <host:port>', 'address of the credential endpoints for jobs', '127.0.0.1:8471')
    .option('--master-key-file <file>', 'master key file (base64 of 32 bytes); default GATEHOUSE_MASTER_KEY, else DIR/master.key')
    .addHelpText(
      'after',
      `
GATEHOUSE_DATABASE_URL=postgres://… selects PostgreSQL instead of SQLite in the data dir.
On first start with an empty store the server creates account 000000000000 with user admin and writes
DIR/admin-credentials.json (mode 0600). GET /healthz and GET /readyz answer 200 when it can serve.`,
    )
    .action(async (opts: { dataDir: string; listen: string; agentListen: string; masterKeyFile?: string }) => {
      if (!ctx.runServer) {
        ctx.err('gatehouse server: not available in this build\n');
        return ctx.exit(EXIT.internal);
      }
      ctx.exit(await ctx.runServer({ dataDir: opts.dataDir, listen: opts.listen, agentListen: opts.agentListen, ...(opts.masterKeyFile !== undefined ? { masterKeyFile: opts.masterKeyFile } : {}) }));
    });
};
