/**
 * `gatehouse agent`: the node agent (src/adapters/agent/relay.ts), a caching relay of a server's credential
 * endpoints for the processes of one node. The composition root (src/main/agent.ts) runs it; this module parses
 * the command line.
 */
import { isIP } from 'node:net';
import type { CommandGroup } from '../context.ts';
import { EXIT } from '../exit-codes.ts';

export const agentCommand: CommandGroup = (program, ctx) => {
  program
    .command('agent')
    .description("run a node agent: serves jobs' credential endpoints on this node from a cache, relaying one server's, and keeps serving valid credentials while that server is unreachable")
    .option('--upstream <url>', "base URL of the server's credential endpoints (its --agent-listen or --agent-address URL); default GATEHOUSE_AGENT_UPSTREAM")
    .option('--listen <host:port>', 'address to serve on', '127.0.0.1:8471')
    .option('--revalidate <seconds>', 'how often a cached answer is checked with the server (a job that ended is refused within this time)', '30')
    .option('--ca-bundle <file>', "the CA certificates (PEM) an https --upstream's certificate is checked against, in place of the system's (default AWS_CA_BUNDLE)")
    .option('--metadata-host <ip>', "the address each job's own metadata endpoint (AWS_EC2_METADATA_SERVICE_ENDPOINT) listens on; they answer without a capability, so keep it an address only this node's processes reach", '127.0.0.1')
    .addHelpText(
      'after',
      `
Serves GET /v1/credentials/<capability> (ALIBABA_CLOUD_CREDENTIALS_URI), GET /v1/container-credentials
(AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN; or, as AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
for an agent at http://169.254.170.2, with ?capability=<capability>) and the launcher calls of
\`gatehouse jobs run --agent\`, for which it also opens each job's own metadata endpoint (IMDSv2 of both clouds,
AWS_EC2_METADATA_SERVICE_ENDPOINT) on a port of --metadata-host. Point pods at it with the server's
--agent-address. Every process of a job on the node shares one cached answer: the server sees one request per
job per --revalidate seconds.

Stops on SIGINT, SIGTERM or SIGHUP; started by npx (or npm exec), also when its parent process exits, as the server does
(npm runs it under \`sh -c\`, which does not pass a SIGTERM on).

An https --upstream (an ingress or TLS proxy in front of the server) is checked against the system's CAs, or only
those of --ca-bundle (default AWS_CA_BUNDLE) when given, as the CLI's other commands do.

Exit status: 0 stopped; 2 a malformed argument (--upstream, --listen, --revalidate, --metadata-host); 5 --ca-bundle
cannot be read or holds no certificate; 10 the
--listen address is in use or cannot be bound, or --metadata-host is no address of this node (see docs/errors.md).`,
    )
    .action(async (opts: { upstream?: string; listen: string; revalidate: string; metadataHost: string; caBundle?: string }) => {
      if (!ctx.runAgent) {
        ctx.err('gatehouse agent: not available in this build\n');
        return ctx.exit(EXIT.internal);
      }
      const upstream = opts.upstream ?? ctx.env?.['GATEHOUSE_AGENT_UPSTREAM'];
      if (upstream === undefined || upstream === '') {
        ctx.err('gatehouse agent: give --upstream URL (or GATEHOUSE_AGENT_UPSTREAM): the base URL of the server’s credential endpoints, e.g. http://gatehouse-agent.gatehouse.svc:8471\n');
        return ctx.exit(EXIT.usage);
      }
      const seconds = Number(opts.revalidate);
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
        ctx.err(`gatehouse agent: --revalidate must be a whole number of seconds from 1 to 3600, got \`${opts.revalidate}\`\n`);
        return ctx.exit(EXIT.usage);
      }
      if (isIP(opts.metadataHost) === 0) {
        ctx.err(`gatehouse agent: --metadata-host must be an IP address of this node, got \`${opts.metadataHost}\`\n`);
        return ctx.exit(EXIT.usage);
      }
      // `--ca-bundle`, else AWS_CA_BUNDLE, as the CLI's other commands rank them (review tv, 2: neither reached the agent).
      const caBundle = opts.caBundle !== undefined ? { file: opts.caBundle, from: '--ca-bundle' } : ctx.env?.['AWS_CA_BUNDLE'] ? { file: ctx.env['AWS_CA_BUNDLE'], from: 'AWS_CA_BUNDLE' } : undefined;
      ctx.exit(await ctx.runAgent({ upstream, listen: opts.listen, revalidateSeconds: seconds, metadataHost: opts.metadataHost, ...(caBundle !== undefined ? { caBundle } : {}) }));
    });
};
