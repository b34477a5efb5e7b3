/** `gatehouse server`: the long-running service (DESIGN.md, "Interfaces"). */
import { AUDIT_ENV } from '../../../app/audit-env.ts';
import type { CommandGroup } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { MAX_WORKERS, parseWorkers } from '../../cluster/index.ts';
import { backupCommands } from './server-backup.ts';

/** The audit settings, one per line, wrapped under their name. */
const auditHelp = Object.entries(AUDIT_ENV)
  .map(([name, text]) => `  ${name}\n${wrap(text, 100, '      ')}`)
  .join('\n');

function wrap(text: string, width: number, indent: string): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(indent + line);
  return lines.join('\n');
}

export const serverCommand: CommandGroup = (program, ctx) => {
  const server = program.command('server');
  server
    .description('run the Gatehouse server: IAM and STS Query APIs, admin API, S3-compatible gateway, health checks')
    .option('--data-dir <dir>', 'where the embedded store, master key and admin credentials live', './.gatehouse')
    .option('--listen <host:port>', 'address of the API', '127.0.0.1:8470')
    .option('--agent-listen <host:port>', 'address of the credential endpoints for jobs', '127.0.0.1:8471')
    .option('--s3-listen <host:port>', 'address of the S3-compatible gateway (path-style; objects in DIR/objects), or `off`', '127.0.0.1:8472')
    .option('--s3-address <url>', 'base URL at which jobs and pods reach the S3 gateway (AWS_ENDPOINT_URL_S3); default the --s3-listen URL')
    .option('--master-key-file <file>', 'master key file (base64 of 32 bytes); default GATEHOUSE_MASTER_KEY, else DIR/master.key')
    .option('--tls-cert <file>', 'serve --listen and --s3-listen over HTTPS with this certificate (PEM); kube-apiserver calls webhooks over HTTPS only; the files are read again within a minute of a renewal')
    .option('--tls-key <file>', 'the private key (PEM) of --tls-cert')
    .option('--agent-address <url>', 'base URL at which pods reach the node agent (their credential environment); default the --agent-listen URL')
    .option('--api-address <url>', 'URL (no path) at which jobs and pods reach this server\'s API (AWS_ENDPOINT_URL), such as its Service or load balancer; default the --listen URL (its loopback when it is a wildcard)')
    .option('--max-staleness <seconds>', 'past this long without a refresh from the database, leave readiness and answer decisions and session checks with 503; default GATEHOUSE_MAX_STALENESS_SECONDS, else no bound')
    .option('--health-listen <host:port>', 'serve GET /healthz, /readyz and /metrics on this port of their own too, outside --max-connections (for the kubelet and Prometheus); default GATEHOUSE_HEALTH_LISTEN, else none')
    .option('--max-connections <n>', 'the most connections --listen holds at once, and the S3 gateway separately (one more is closed when accepted); default GATEHOUSE_MAX_CONNECTIONS, else 1024')
    .option('--workers <n>', 'server processes sharing these ports and this data dir, so every core decides (`auto`: one per CPU); each connection goes to one in turn; default GATEHOUSE_WORKERS, else 1')
    .option('--max-live-jobs <n>', 'the most live jobs (jobs, cluster nodes, pods admitted with a role) one account may keep at once; past it a submission or pod is refused with LimitExceeded; default GATEHOUSE_MAX_LIVE_JOBS, else 1000')
    .addHelpText(
      'after',
      `
GATEHOUSE_DATABASE_URL=postgres://… selects PostgreSQL instead of SQLite in the data dir; any number of
servers may share it (give them the same master key): changes reach every instance through LISTEN/NOTIFY,
else by polling. GATEHOUSE_DATABASE_SCHEMA puts the tables in that schema (created if missing);
GATEHOUSE_CHANGE_POLL_MS is the safety-net poll while notifications flow (default 1000). On SQLite,
GATEHOUSE_SQLITE_SYNCHRONOUS=normal commits without an fsync each (they survive the server's crash, not a power
loss: the last ones may be lost, never the file); default full, each commit fsynced. Without
--max-staleness an instance that cannot reach the database keeps deciding from what it last loaded (a full
outage, or this instance alone cut off: they look the same from inside); with it, past the bound it leaves
readiness and answers 503 until a refresh succeeds (gatehouse_directory_staleness_seconds in /metrics).
A database that cannot be reached at start is waited for (backoff up to 15 s, one log line per attempt;
/healthz 200 and /readyz 503 meanwhile): GATEHOUSE_DATABASE_WAIT_SECONDS bounds the wait (unset: no bound;
0: give up at once, exit 10). Migrations waiting for a lock (another instance running them) give up after
GATEHOUSE_MIGRATION_LOCK_TIMEOUT_SECONDS (default 30, at most 86400), say which lock, and are tried again the same way.
GATEHOUSE_JOB_SESSION_SECONDS is the duration asked for each session of a job or node (10 to 43200; default
43200), up to the role's maximum session duration, or 3 h when that is shorter. Jobs get new credentials before
a session ends, so it bounds how long one leaked copy works, not how long a job runs. Under 1200 (20 minutes) not
every SDK gets its refresh margin: botocore's IMDS provider may keep using a session past its end (ExpiredToken now
and then); the start logs a warning. Keep it at 1200 or more where jobs run boto3 or the aws CLI.
Under 8000, part of every session (all of it at 3600 or less) is served with under 60 min left, and Alibaba's
ECS RAM-role provider (@alicloud/credentials ecs_ram_role, the metadata endpoint's ram/ path) then fetches again
before every call; the start logs a warning. Keep it at 8000 or more where jobs use that provider.
GATEHOUSE_CONSOLE_IDLE_SECONDS: a console sign-in with no request (signed with its secret) for as long is refused
(ExpiredToken) and ended, and the console tab forgets it after as long (1 to 28800; default 1800: 30 minutes).
GATEHOUSE_ISSUER_URL is this deployment's public URL as an OIDC issuer (the \`iss\` of the workload tokens it
signs, e.g. behind a load balancer); default the URL --listen is bound to.
GATEHOUSE_TRUSTED_PROXIES names the load balancers in front of --listen and the S3 gateway (addresses or CIDR
blocks, separated by commas; default none): from one of them, a request's source IP (aws:SourceIp, audit) is the
right-most X-Forwarded-For address that is not one of them, and X-Forwarded-Proto: https from one of them is
aws:SecureTransport true (a balancer that ends TLS); from any other peer the headers are ignored.
GATEHOUSE_KEEP_ALIVE_TIMEOUT_SECONDS is how long --listen and the S3 gateway keep an idle keep-alive connection
(0.001 to 3600 seconds; default 65 for --listen, 20 for the gateway, as S3): keep it above the idle timeout of a
load balancer in front (60 s for an AWS ALB or nginx), or the balancer reuses a connection the server is closing
and answers 502 now and then.
On first start with an empty store the server creates account 000000000000 with user admin and writes
DIR/admin-credentials.json (mode 0600); each later start points its Endpoint at this start's URL, unless a
server still answers at the one it names. GET /healthz and GET /readyz answer 200 when it can serve.
Kubernetes webhooks: POST /k8s/{cluster}/authenticate, /authorize and /admit on --listen (see
\`gatehouse kube webhook-config\`); GATEHOUSE_KUBE_TOKEN_HOSTS lists further host[:port] names of this
server that k8s-aws-v1 tokens may name.
GATEHOUSE_AUTHORIZE_PROOF_AUDIENCES makes the authorize API take only a principalProof bound to an audience
(signed x-gatehouse-audience) that its question names: \`*\` for any audience, or the audiences of the resource
servers, separated by commas (one of those only); unset, an unbound proof without \`audience\` is decided. Shown in
the start log when set.

The audit log (\`gatehouse audit\`; the settings in effect are logged at start and shown by GET /v1/audit/status):
${auditHelp}
Records not yet written when the server stops (SIGTERM) are retried, then spooled to DIR/audit-spool (mode 0600)
and appended to the audit log, marked as recovered, at the next start with this data dir. A hard crash (kill -9,
out of memory) loses only decisions' records still queued (sessions, changes and jobs are journaled, and appended
the same way), or with GATEHOUSE_AUDIT_JOURNAL=off every record still queued.

Started by npx (or npm exec), the server also stops as on SIGTERM when its parent process exits: npm runs it
under \`sh -c\`, which does not pass a SIGTERM to the npm process on. A service manager can run
\`node bin/gatehouse.js server\` directly (Node.js 24 or later: node_modules/.bin/node).

\`gatehouse server backup\` copies the SQLite store of the data dir while the server runs; \`gatehouse server
restore\` puts a backup in its place with every server on the data dir stopped (see their --help).

Exit status: 0 stopped (SIGINT, SIGTERM, SIGHUP, while it starts too, or its npm parent exited), 10 if that stop lost audit records; 2 a malformed argument or setting (--listen,
--s3-address, --api-address, only one of --tls-cert and --tls-key, GATEHOUSE_* variables); 5 an input file cannot be read or is
not what it must be (--master-key-file, --tls-cert, --tls-key), or the data dir cannot be created; 10 something it
needs is unavailable: an address to listen on is in use or cannot be bound, the database cannot be reached or
refuses it (see docs/errors.md).`,
    )
    .action(async (opts: { dataDir: string; listen: string; agentListen: string; s3Listen: string; masterKeyFile?: string; tlsCert?: string; tlsKey?: string; agentAddress?: string; apiAddress?: string; s3Address?: string; maxStaleness?: string; maxConnections?: string; maxLiveJobs?: string; healthListen?: string; workers?: string }) => {
      if (!ctx.runServer) {
        ctx.err('gatehouse server: not available in this build\n');
        return ctx.exit(EXIT.internal);
      }
      // Given empty (`--health-listen "$VAR"` with VAR unset), they were read as left out: no probes' port at all, even
      // over GATEHOUSE_HEALTH_LISTEN, and one process for the workers asked for (review mz, 4). An empty variable is unset.
      if (opts.healthListen !== undefined && opts.healthListen.trim() === '') {
        ctx.err('gatehouse server: --health-listen is empty: give HOST:PORT (such as 0.0.0.0:8475), or leave --health-listen out (default GATEHOUSE_HEALTH_LISTEN, else no port of their own)\n');
        return ctx.exit(EXIT.usage);
      }
      if (opts.workers !== undefined && opts.workers.trim() === '') {
        ctx.err(`gatehouse server: --workers is empty: give a whole number from 1 to ${MAX_WORKERS} or \`auto\`, or leave --workers out (default GATEHOUSE_WORKERS, else 1)\n`);
        return ctx.exit(EXIT.usage);
      }
      if (opts.maxStaleness !== undefined && !/^\s*\d+(\.\d+)?\s*$/.test(opts.maxStaleness)) {
        ctx.err(`gatehouse server: --max-staleness \`${opts.maxStaleness}\`: give a number of seconds above 0 (leave it out for no bound)\n`);
        return ctx.exit(EXIT.usage);
      }
      if (opts.maxConnections !== undefined && !/^\s*[1-9]\d{0,6}\s*$/.test(opts.maxConnections)) {
        ctx.err(`gatehouse server: --max-connections \`${opts.maxConnections}\`: give a whole number from 1 to 9999999\n`);
        return ctx.exit(EXIT.usage);
      }
      if (opts.maxLiveJobs !== undefined && (!/^\s*[1-9]\d{0,6}\s*$/.test(opts.maxLiveJobs) || Number(opts.maxLiveJobs) > 1_000_000)) {
        ctx.err(`gatehouse server: --max-live-jobs \`${opts.maxLiveJobs}\`: give a whole number from 1 to 1000000\n`);
        return ctx.exit(EXIT.usage);
      }
      const workersText = opts.workers ?? ctx.env?.['GATEHOUSE_WORKERS'];
      let workers: number | undefined;
      if (workersText !== undefined && workersText !== '') {
        try {
          workers = parseWorkers(workersText, opts.workers !== undefined ? '--workers' : 'GATEHOUSE_WORKERS');
        } catch (e) {
          ctx.err(`gatehouse server: ${e instanceof Error ? e.message : String(e)}\n`);
          return ctx.exit(EXIT.usage);
        }
      }
      ctx.exit(
        await ctx.runServer({
          ...(workers !== undefined ? { workers } : {}),
          dataDir: opts.dataDir,
          listen: opts.listen,
          agentListen: opts.agentListen,
          s3Listen: opts.s3Listen,
          ...(opts.masterKeyFile !== undefined ? { masterKeyFile: opts.masterKeyFile } : {}),
          ...(opts.tlsCert !== undefined ? { tlsCert: opts.tlsCert } : {}),
          ...(opts.tlsKey !== undefined ? { tlsKey: opts.tlsKey } : {}),
          ...(opts.agentAddress !== undefined ? { agentAddress: opts.agentAddress } : {}),
          ...(opts.apiAddress !== undefined ? { apiAddress: opts.apiAddress } : {}),
          ...(opts.s3Address !== undefined ? { s3Address: opts.s3Address } : {}),
          ...(opts.maxStaleness !== undefined ? { maxStalenessSeconds: Number(opts.maxStaleness) } : {}),
          ...(opts.maxConnections !== undefined ? { maxConnections: Number(opts.maxConnections) } : {}),
          ...(opts.healthListen !== undefined ? { healthListen: opts.healthListen } : {}),
          ...(opts.maxLiveJobs !== undefined ? { maxLiveJobs: Number(opts.maxLiveJobs) } : {}),
        }),
      );
    });
  backupCommands(server, ctx);
  // Commander reads the server's own options anywhere on a line that names a subcommand, so `server backup --data-dir D`
  // gave D to the server and backup ran on ./.gatehouse. Each is handed on to the subcommand, which has one of that name
  // (an option of the server's alone, such as --listen, is the subcommand's unknown option).
  server.hook('preSubcommand', (self, sub) => {
    for (const option of self.options) {
      const name = option.attributeName();
      if (self.getOptionValueSource(name) !== 'cli') continue;
      if (!sub.options.some((o) => o.attributeName() === name)) sub.error(`error: unknown option '${option.long ?? option.flags}'`, { code: 'commander.unknownOption', exitCode: EXIT.usage });
      sub.setOptionValueWithSource(name, self.getOptionValue(name), 'cli');
    }
  });
};
