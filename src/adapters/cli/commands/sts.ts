/**
 * Temporary credentials and their revocation (DESIGN.md "Revocation CLI"), over the admin API
 * (adapters/http/sts-admin-api.ts):
 *   gatehouse sts assume-role --role-arn ARN --role-session-name N [--duration-seconds S] [--policy DOC] [--external-id ID] [--format aws|alibaba]
 *   gatehouse sts whoami
 *   gatehouse sts revoke-sessions --role-arn ARN | --session-arn ARN | --job ID
 *   gatehouse users disable NAME | enable NAME
 *   gatehouse keys rotate [--drop-retired]
 *   gatehouse keys list
 *   gatehouse credentials --role-arn ARN [--role-session-name N] [--duration-seconds S] [--external-id ID] [--format aws|alibaba]
 * `credentials` is an AWS `credential_process` (credential-protocols §2.3, §3.3), or with `--format alibaba` the
 * `process_command` of an aliyun profile of mode External (§4.4): it prints the process
 * document on stdout and nothing else; every message goes to stderr with a non-zero exit status.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { call, connect, jobEndpointExit, refusedInFile, remote, report, withServerOptions, type ClientFailure, type ConnectionOptions } from '../client.ts';
import type { CommandContext, CommandGroup } from '../context.ts';
import { EXIT, exitCodeOf } from '../exit-codes.ts';
import { describeReadError, sayUnreadable } from '../input-file.ts';
import type { EndpointAnswer } from '../../launcher/endpoint-request.ts';
import { fileErrorsText, formatTable, withJsonOnlyOutput, nonEmptyArg, roleArnArg, shellWord, usageFailure, withJsonOption } from '../output.ts';
import { containerCapabilityOf, containerUriOf } from '../../../core/jobs/jobs.ts';

type Opts = ConnectionOptions & { readonly json?: true };

interface AssumedJson {
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken: string; readonly expiration: string };
  readonly assumedRoleUser: { readonly arn: string; readonly assumedRoleId: string };
  readonly packedPolicySize: number;
}

interface WhoamiJson {
  readonly account: string;
  readonly partition: string;
  readonly arn: string;
  readonly userId: string | null;
  readonly userName: string | null;
  readonly accessKeyId: string;
}

interface RevokedJson {
  readonly kind: string;
  readonly target: string;
  readonly revokedBefore: string;
}
const REVOKED = { kind: 'string', target: 'string', revokedBefore: 'string' } as const;

interface AssumeOpts extends Opts {
  readonly roleArn: string;
  readonly roleSessionName?: string;
  readonly durationSeconds?: number;
  readonly policy?: string;
  /** `--external-id`: what a trust policy's `sts:ExternalId` condition compares (review kw, 3). */
  readonly externalId?: string;
}

/**
 * The bounds STS enforces (900–43,200 s); checked here too so a typo fails before any request, as a usage error
 * (exit 2) naming the option, not an exception the CLI would report as a bug.
 */
const durationSeconds = (v: string): number => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isInteger(n) || n < 900 || n > 43200) throw new InvalidArgumentError(`--duration-seconds must be an integer from 900 to 43200, got \`${v}\``);
  return n;
};


/**
 * `--policy`: the document itself (JSON: it starts with `{`) or `file://PATH`, as the AWS CLI takes it. A path given
 * without `file://` (`--policy deny.json`) was sent as the policy's text and refused as `unexpected character \`d\` at
 * line 1, column 1`, which said nothing of the file (review hm, 6): a usage error saying how to give it.
 */
const policyArg = (v: string): string => {
  if (v.startsWith('file://') || /^\s*\{/.test(v)) return v;
  throw new InvalidArgumentError(`--policy takes the session policy's JSON text (it starts with \`{\`) or file://PATH${v.trim() === '' ? '' : `; to read the file \`${v}\`, give file://${v}`}`);
};
const POLICY_HELP = 'a session policy narrowing the role: JSON text or file://PATH (YAML for .yaml/.yml)';
/**
 * `--external-id`, as `aws sts assume-role --external-id`: a role whose trust policy asks for an external id
 * (`sts:ExternalId`) could not be assumed from the command line at all (review kw, 3). Empty (an unset variable) is a
 * usage error: sent, it would be the server's refusal of an id no one gave.
 */
const EXTERNAL_ID_OPTION = () => new Option('--external-id <id>', 'the external id the role\'s trust policy asks for (sts:ExternalId), as aws sts assume-role --external-id').argParser(nonEmptyArg('--external-id', 'the external id the role\'s trust policy asks for'));

/**
 * `--policy`'s document as sent: its JSON text. A file is read as every command that sends a policy file reads it
 * (policy-files.ts): JSON as written, `.yaml`/`.yml` as YAML, whose value is sent as JSON. The YAML file's text was sent
 * as it was, refused as `unexpected character \`V\` at line 1` (review hm, 6). What the file holds that is not a policy
 * document is said at its line in the file, as `iam policies create --document` says it (exit 3).
 */
async function policyText(ctx: CommandContext, command: string, v: string | undefined, json: boolean): Promise<{ ok: true; value: string | undefined; refused?: (f: ClientFailure) => number | undefined } | { ok: false; status: number }> {
  if (v === undefined) return { ok: true, value: undefined };
  if (!v.startsWith('file://')) return { ok: true, value: v };
  const path = v.slice('file://'.length);
  let text: string;
  try {
    // As given: the CLI's reader takes `file://` (and `file://~/`) as every command's (review jc, 1).
    text = await ctx.readFile(v);
  } catch (e) {
    // With --json, every error is the JSON error on stderr, as every other command's (review F, F4; review hm, 2).
    sayUnreadable(ctx, `cannot read the session policy \`${path}\`: ${describeReadError(e)}`, json);
    return { ok: false, status: EXIT.noInput };
  }
  // Loaded here, as resource-policies put loads it: the YAML reader, which a command given no file never needs.
  const { loadPolicy } = await import('../policy-files.ts');
  const loaded = loadPolicy(path, text);
  // A JSON file is read here too, as `iam policies create --document` has it read: sent unread, its syntax error came
  // back as the server's `Policy: session policy: … at line 4, column 24`, naming no file (review iv, 3).
  const syntax = loaded.format === 'json' && loaded.errors.length === 0 ? (await import('../../../core/iam/index.ts')).readJson(text.replace(/^\uFEFF/, ''), false).errors.filter((e) => e.code === 'POLICY_JSON_SYNTAX') : [];
  const errors = [...loaded.errors, ...syntax];
  if (errors.length > 0) {
    ctx.err(fileErrorsText(path, errors, json));
    return { ok: false, status: exitCodeOf(errors) };
  }
  // The server's refusal of the document (at `Policy.…`), at its places in the file; with --json, the server's error.
  const refused = (f: ClientFailure): number | undefined =>
    json ? undefined : refusedInFile(ctx, f, command, path, loaded.locate, (e) => e.code.startsWith('POLICY_') && (e.path === 'Policy' || e.path.startsWith('Policy.')), 'Policy', 'no session was issued');
  return { ok: true, value: loaded.format === 'json' ? text : JSON.stringify(loaded.input), refused };
}

function assumeBody(opts: AssumeOpts, sessionName: string, policy: string | undefined): Record<string, unknown> {
  return {
    roleArn: opts.roleArn,
    roleSessionName: sessionName,
    ...(opts.durationSeconds !== undefined ? { durationSeconds: opts.durationSeconds } : {}),
    ...(policy !== undefined ? { policy } : {}),
    ...(opts.externalId !== undefined ? { externalId: opts.externalId } : {}),
  };
}

function withAssumeOptions(cmd: Command, sessionNameRequired: boolean): Command {
  const name = new Option('--role-session-name <name>', sessionNameRequired ? 'the session name (2–64 of [A-Za-z0-9_+=,.@-]); it ends the session ARN' : 'the session name (default: gatehouse-<unix time>)');
  return cmd
    .requiredOption('--role-arn <arn>', 'the role to assume, e.g. arn:aws:iam::123456789012:role/trainer', roleArnArg('--role-arn'))
    .addOption(sessionNameRequired ? name.makeOptionMandatory() : name)
    .addOption(new Option('--duration-seconds <seconds>', 'the session lifetime, 900 to 43200 (default 3600; at most the role\'s maximum)').argParser(durationSeconds))
    .addOption(new Option('--policy <document>', POLICY_HELP).argParser(policyArg))
    .addOption(EXTERNAL_ID_OPTION());
}

/**
 * Whose names a session is printed in (`--format`): AWS's, or Alibaba's. `credentials` prints AWS's credential_process
 * document, or what an aliyun profile of mode `External` reads from its process_command (credential-protocols §4.4:
 * `@alicloud/credentials` `providers/external.ts`, the aliyun CLI), which refused AWS's as `access_key_id or
 * access_key_secret is empty` (review qk, 1). `sts assume-role` prints AWS's variables, or the Alibaba SDKs'
 * (ALIBABA_CLOUD_ACCESS_KEY_ID…, §4.3), which no Alibaba tool read as AWS's (review qk, 3).
 */
const CREDENTIALS_FORMATS = ['aws', 'alibaba'] as const;
type CredentialsFormat = (typeof CREDENTIALS_FORMATS)[number];
const formatOption = (what: string) => new Option('--format <format>', what).choices(CREDENTIALS_FORMATS).default('aws');

export const stsCommands: CommandGroup = (program, ctx) => {
  const sts = program.command('sts').description('temporary credentials: assume a role, show who you are, revoke sessions');

  withServerOptions(withJsonOption(withAssumeOptions(sts.command('assume-role').description('assume a role and print its temporary credentials as shell exports'), true)))
    .addOption(formatOption("whose names the session is printed in: aws (AWS_ACCESS_KEY_ID…; with --json, STS AssumeRole's answer; the default) or alibaba (ALIBABA_CLOUD_ACCESS_KEY_ID…; with --json, Alibaba AssumeRole's)"))
    .addHelpText(
      'after',
      `
Prints three lines for the shell (eval "$(gatehouse sts assume-role ...)"):
  export AWS_ACCESS_KEY_ID=...
  export AWS_SECRET_ACCESS_KEY=...
  export AWS_SESSION_TOKEN=...
With --json, the answer of \`aws sts assume-role\`: {Credentials: {AccessKeyId, SecretAccessKey, SessionToken,
Expiration}, AssumedRoleUser: {Arn, AssumedRoleId}, PackedPolicySize}.
With --format alibaba, for the Alibaba Cloud SDKs and tools (a RAM role of an acs account):
  export ALIBABA_CLOUD_ACCESS_KEY_ID=...
  export ALIBABA_CLOUD_ACCESS_KEY_SECRET=...
  export ALIBABA_CLOUD_SECURITY_TOKEN=...
and with --json, the answer of Alibaba's AssumeRole: {RequestId, AssumedRoleUser: {Arn, AssumedRoleId},
Credentials: {AccessKeyId, AccessKeySecret, SecurityToken, Expiration}}.
Exit status: 0 issued, 2 a wrong command line, 3 an invalid --policy (session policy), 5 a --policy file that cannot
be read (nothing is sent for either), 8 invalid parameter, 9 not allowed to assume it (a role that does not exist
too: STS answers AccessDenied either way, as AWS's does, so that whether a role exists is not told), 10 server
unreachable.

Example:
  eval "$(gatehouse sts assume-role --role-arn arn:aws:iam::123456789012:role/trainer --role-session-name alice)"`,
    )
    .action(async (opts: AssumeOpts & { format: CredentialsFormat }) => ctx.exit(await assumeRole(ctx, opts, opts.format)));

  withServerOptions(withJsonOption(sts.command('whoami').description('show the identity of the credentials in use, as `aws sts get-caller-identity`')))
    .addHelpText('after', '\nWith --json: {UserId, Account, Arn}. Session credentials (AWS_SESSION_TOKEN) show their assumed-role ARN.')
    .action(async (opts: Opts) => {
      const conn = await connect(opts, ctx);
      if (!conn.ok) return ctx.exit(report(ctx, conn, opts.json));
      const r = await call<WhoamiJson>(conn.value, 'GET', ['whoami'], { shape: { account: 'string', partition: 'string', arn: 'string', userId: 'string?', accessKeyId: 'string' } });
      if (!r.ok) return ctx.exit(report(ctx, r, opts.json));
      const w = r.value;
      if (opts.json) ctx.out(`${JSON.stringify({ UserId: w.userId ?? w.account, Account: w.account, Arn: w.arn }, null, 2)}\n`);
      else ctx.out(`${w.arn}\n  account    ${w.account} (${w.partition})\n  user id    ${w.userId ?? w.account}\n  access key ${w.accessKeyId}\n`);
      ctx.exit(EXIT.ok);
    });

  withServerOptions(
    withJsonOption(
      sts
        .command('revoke-sessions')
        .description('revoke sessions issued before now: every session of a role, one session, or a job\'s sessions')
        .option('--role-arn <arn>', 'every session of this role issued before now', roleArnArg('--role-arn'))
        .option('--session-arn <arn>', 'one session: arn:aws:sts::<account>:assumed-role/<role>/<session> (acs:ram::<account>:role/<role>/<session>)', nonEmptyArg('--session-arn', "the session's ARN"))
        .option('--job <id>', 'the sessions issued so far to this job', nonEmptyArg('--job', "the job's id")),
    ),
  )
    .addHelpText(
      'after',
      `
A revoked session answers ExpiredToken on every server instance within a second. Sessions issued afterwards
work: for a role, fix what was wrong (its policies, its trust) before or right after revoking.
Needs iam:PutRolePolicy on the role (ram:PutRolePolicy in acs accounts); for --job, training:StopJob on the
job (arn:aws:training::ACCOUNT:job/ID) or on its workspace, or to be its submitter. Whether a role or job exists
is said only to a caller allowed to revoke its sessions: any other is refused alike (9) whether it exists or not.
Exit status: 0 revoked, 2 not exactly one of the options, 6 no such role or job, 8 invalid ARN or job id, 9 not allowed.

Examples:
  gatehouse sts revoke-sessions --role-arn arn:aws:iam::123456789012:role/trainer
  gatehouse sts revoke-sessions --session-arn arn:aws:sts::123456789012:assumed-role/trainer/alice`,
    )
    .action(async (opts: Opts & { roleArn?: string; sessionArn?: string; job?: string }) => {
      const given = [opts.roleArn !== undefined ? { roleArn: opts.roleArn } : undefined, opts.sessionArn !== undefined ? { sessionArn: opts.sessionArn } : undefined, opts.job !== undefined ? { jobId: opts.job } : undefined].filter(
        (x) => x !== undefined,
      );
      if (given.length !== 1) {
        return ctx.exit(usageFailure(ctx, 'give exactly one of --role-arn, --session-arn or --job'));
      }
      ctx.exit(
        await remote(ctx, opts, (c) => call<RevokedJson>(c, 'POST', ['sts', 'revoke-sessions'], { body: given[0], shape: REVOKED }), (r) =>
          ctx.out(`revoked ${r.kind === 'role' ? `every session of role ${r.target}` : r.kind === 'session' ? `session ${r.target}` : `the sessions of job ${r.target}`} issued before ${r.revokedBefore}\n`),
        ),
      );
    });
};

export const usersCommands: CommandGroup = (program, ctx) => {
  const users = program.command('users').description('disable and enable users (for everything else: gatehouse iam users)');
  withServerOptions(withJsonOption(users.command('disable').description('disable a user: its access keys stop working, its GetSessionToken and GetFederationToken sessions are revoked, and its running jobs are stopped').argument('<name>')))
    .addHelpText('after', '\nRole sessions the user assumed belong to the role: revoke them with `gatehouse sts revoke-sessions`.\nNeeds iam:UpdateUser on the user. Exit status: 0 disabled, 6 no such user, 8 it is you, 9 not allowed.')
    .action(async (name: string, opts: Opts) =>
      ctx.exit(
        await remote(ctx, opts, (c) => call<{ user: { name: string; arn?: string } }>(c, 'POST', ['users', name, 'disable'], { shape: { user: { name: 'string', arn: 'string?' }, revoked: REVOKED } }), (r) =>
          // Not "its session tokens no longer work" (review mr, 3): a role's session the user assumed is the role's, and
          // works until it expires, as on AWS; the operator locking out a leaked user is told so, and how to end them.
          // The user's jobs are stopped (README §4; the server's sweep ends them within seconds, ranks killed): said, as
          // the federation sessions that end too, not left to the job's exit 143 to tell (review rq, 2).
          ctx.out(
            `user ${name} disabled: its access keys and GetSessionToken sessions no longer work, nor its GetFederationToken sessions; ` +
              `the jobs it submitted (and pods' jobs whose role it passed) are stopped within seconds, their processes ended (\`gatehouse jobs list --state Stopped\`); ` +
              `sessions of roles it assumed still work until they expire: ` +
              `find them with \`gatehouse audit query --principal ${shellWord(r.user.arn ?? name)} --action sts:AssumeRole\` and revoke them with \`gatehouse sts revoke-sessions --role-arn ARN\`\n`,
          ),
        ),
      ),
    );
  withServerOptions(withJsonOption(users.command('enable').description('enable a disabled user again (sessions revoked when it was disabled stay revoked)').argument('<name>')))
    .addHelpText('after', '\nNeeds iam:UpdateUser on the user. Exit status: 0 enabled, 6 no such user, 9 not allowed.')
    .action(async (name: string, opts: Opts) => ctx.exit(await remote(ctx, opts, (c) => call(c, 'POST', ['users', name, 'enable'], { shape: { user: { name: 'string' } } }), () => ctx.out(`user ${name} enabled\n`))));
};

/** A key of `GET /v1/keys` (adapters/http/sts-admin-api.ts `keysJson`): ids and instants, never the key. */
interface ListedKeyJson {
  readonly keyId: string;
  readonly created: string;
  readonly active: boolean;
  readonly retired: string | null;
  readonly opensUntil: string | null;
  readonly dropped: string | null;
}

/**
 * What a rotation of unknown outcome (its commit cut off, or the connection lost once it was sent) tells its operator:
 * how to see whether it was made, rather than the apply's `gatehouse plan` the generic message names. Made again
 * blindly, a `--drop-retired` also ends every session issued since the first (review va, 2).
 */
function rotationUnknown(message: string, requestId: string | undefined, drop: boolean): string {
  const said = message.replace(/ \(`gatehouse plan` shows what an apply still has to do\)/, '').replace(/\.?\s*$/, '');
  const record = requestId !== undefined ? `; its audit record (gatehouse audit query --request-id ${requestId}) names the key it would have made` : '';
  return `${said}: gatehouse keys list shows whether the rotation was made (an active key created just now${drop ? ', and the last drop then' : ''})${record}; rotate again only if it was not`;
}

export const keysCommands: CommandGroup = (program, ctx) => {
  const keys = program.command('keys').description('the key ring that seals session tokens');
  withServerOptions(withJsonOption(keys.command('list').description('list the session keys: which one seals new sessions, when each was made and retired, until when a retired one opens tokens, and the last drop (never the keys themselves)')))
    .addHelpText(
      'after',
      `
For principals of the root account 000000000000 allowed gatehouse:ListKeys (a read: gatehouse:RotateKeys is not needed
nor enough). The ring is read from the database first, so a rotation through another instance is shown. A retired key
opens the sessions it sealed until OPENS UNTIL (its retirement plus 36 h 15 min); a drop (keys rotate --drop-retired)
removed every other key, and every session issued before it is refused. Exit status: 0 listed, 7 not listed: the stored
key ring does not open with this instance's master key (give every instance the same one), 9 not allowed.`,
    )
    .action(async (opts: Opts) =>
      ctx.exit(
        await remote(
          ctx,
          opts,
          (c) =>
            call<{ keys: ListedKeyJson[]; activeKeyId: string | null; lastDrop: string | null }>(c, 'GET', ['keys'], {
              shape: { keys: [{ keyId: 'string', created: 'string', active: 'boolean', retired: 'string?', opensUntil: 'string?', dropped: 'string?' }], activeKeyId: 'string?', lastDrop: 'string?' },
            }),
          (r) =>
            ctx.out(
              formatTable<ListedKeyJson>(
                [
                  { header: 'key id', value: (k) => k.keyId },
                  { header: 'state', value: (k) => (k.active ? 'active' : k.retired !== null ? 'retired' : 'inactive') },
                  { header: 'created', value: (k) => k.created },
                  { header: 'retired', value: (k) => k.retired ?? '-' },
                  { header: 'opens until', value: (k) => (k.active ? '-' : (k.opensUntil ?? '-')) },
                ],
                r.keys,
              ) + (r.lastDrop !== null ? `last drop of the retired keys: ${r.lastDrop}; every session issued before it is refused\n` : ''),
            ),
        ),
      ),
    );
  withServerOptions(
    withJsonOption(
      keys
        .command('rotate')
        .description('make a new session key active; older keys keep opening the sessions they sealed until those expire (with --drop-retired: are removed)')
        .option('--drop-retired', 'remove every other session key (after a suspected leak): every session they sealed is refused from now on, on every instance within a second'),
    ),
  )
    .addHelpText(
      'after',
      `
For principals of the root account 000000000000 allowed gatehouse:RotateKeys. Every instance uses the new key within a second.
Retired keys keep opening the sessions they sealed for up to 36 h 15 min. After a key may have leaked (a memory dump,
a core file), --drop-retired removes them at once, as Vault's transit min_decryption_version does: every session issued
before the rotation (role sessions, GetSessionToken and federation sessions, console sign-ins, jobs' credentials) is
refused from then on, InvalidClientTokenId where its token is opened, ExpiredToken where its claims are held. That is its
cost: SDKs fetch new credentials only when theirs expire, so clients holding such sessions fail until they assume again
(jobs' credential endpoints issue new ones), this command's own if it signed with a session (it says so). Recorded in the audit log (gatehouse:RotateKeys, detail.result.droppedKeyIds).
Exit status: 0 rotated, 7 not rotated: the stored key ring does not open with this instance's master key (give every instance the same one), 9 not allowed,
10 not rotated: the server or its database cannot be reached (retry), 11 the rotation may or may not have been made (see whether
with gatehouse keys list before rotating again).`,
    )
    .action(async (opts: Opts & { dropRetired?: true }) =>
      ctx.exit(
        await remote(
          ctx,
          opts,
          (c) =>
            call<{ keyId: string; created: string; retiredKeys: number; droppedKeyIds?: string[]; sessionsRefusedBefore?: string }>(c, 'POST', ['keys', 'rotate'], {
              ...(opts.dropRetired === true ? { body: { dropRetired: true } } : {}),
              shape: { keyId: 'string', created: 'string', retiredKeys: 'number', sessionsRefusedBefore: 'string?' },
            }).then((r) => {
              // Signed with a session, which the drop has just ended as it ends every other issued before it: the next
              // command refused InvalidClientTokenId looked like a fault of the rotation (review va, 3).
              if (r.ok && r.value.sessionsRefusedBefore !== undefined && c.credentials.sessionToken !== undefined) {
                ctx.err(`gatehouse: note: the credentials this command signed with (${c.credentialsSource}) are a session issued before the drop, so they are refused from now on (InvalidClientTokenId)${c.renew !== undefined && c.renew !== '' ? `: ${c.renew}` : ': get a new session'}\n`);
              }
              return r.ok || r.code !== 'OutcomeUnknown' ? r : { ...r, message: rotationUnknown(r.message, r.requestId, opts.dropRetired === true) };
            }),
          (k) =>
            ctx.out(
              k.sessionsRefusedBefore !== undefined
                ? `session key ${k.keyId} active since ${k.created}; ${k.droppedKeyIds?.length ?? 0} older key(s) dropped: every session issued before ${k.sessionsRefusedBefore} is refused from now on, on every instance within a second\n`
                : `session key ${k.keyId} active since ${k.created}; ${k.retiredKeys} older key(s) still open the sessions they sealed\n`,
            ),
        ),
      ),
    );
};


export const credentialsCommand: CommandGroup = (program, ctx) => {
  const cmd = program.command('credentials').description('print temporary credentials of a role, or of the job this runs in, as an AWS credential_process document (or an aliyun External profile\'s)');
  withServerOptions(
    cmd
      .option('--role-arn <arn>', 'the role to assume, e.g. arn:aws:iam::123456789012:role/trainer', roleArnArg('--role-arn'))
      .option('--job', 'the credentials of the training job this command runs in (read from its credential endpoint)')
      .addOption(new Option('--role-session-name <name>', 'the session name (default: gatehouse-<unix time>)'))
      .addOption(new Option('--duration-seconds <seconds>', "the session lifetime, 900 to 43200 (default 3600; at most the role's maximum)").argParser(durationSeconds))
      .addOption(new Option('--policy <document>', POLICY_HELP).argParser(policyArg))
      .addOption(EXTERNAL_ID_OPTION())
      .addOption(formatOption("the document printed: aws (an AWS credential_process's, the default) or alibaba (the process_command's of an aliyun profile of mode External)")),
  );
  // The document is JSON: `--output json` (which the global help offers every command that prints a result) and `--json`
  // were `unknown option`, exit 2, and a credential_process line carrying one failed every SDK (review sg, 2).
  withJsonOnlyOutput(cmd, 'credentials', 'a credentials document');
  // The shared line says AWS_PROFILE keeps the data dir's key from signing; this command reads no AWS_PROFILE (it names
  // the profile whose credential_process runs it), so here the key signs whenever no AWS_ACCESS_KEY_ID is set (review ma, 3).
  const dataDir = cmd.options.find((o) => o.long === '--data-dir');
  if (dataDir !== undefined) {
    dataDir.description = "where admin-credentials.json is: the server it names (Endpoint) is asked unless --endpoint or GATEHOUSE_ENDPOINT says another; its key (the account admin's) assumes the role when AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set (nor --profile given, nor ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET), AWS_PROFILE set or not";
  }
  cmd
    .addHelpText(
      'after',
      `
Prints {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"} on stdout and nothing
else; errors go to stderr with a non-zero exit status. Use it in ~/.aws/config:

  [profile trainer]
  credential_process = gatehouse credentials --role-arn arn:aws:iam::123456789012:role/trainer --data-dir /srv/gatehouse
  region = us-east-1

credential_process runs the command as written, outside npx: with \`gatehouse\` on no PATH (a clone), give Node.js 24
and the script by their paths, CLONE/node_modules/.bin/node CLONE/bin/gatehouse.js credentials … (README, §3).

The command runs with the environment of the SDK that starts it: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY there
are the identity that assumes the role, else the --data-dir credentials file (AWS_PROFILE is not read here: it
names the profile that runs this command). --profile NAME makes that profile's credentials assume the role.

Inside a job (gatehouse jobs run), \`credential_process = gatehouse credentials --job\` gives any tool that reads
profiles the job's own credentials.

--format alibaba prints {"mode": "StsToken", "access_key_id", "access_key_secret", "sts_token", "expiration"}
instead, what Alibaba's tools read from the process_command of a profile of mode External in ~/.aliyun/config.json
(the aliyun CLI, the Alibaba Cloud credentials SDKs), for a role of an acs account; here the RAM user key of the
profile ram-alice in ~/.aws/credentials assumes it:

  {"name": "trainer", "mode": "External", "region_id": "cn-hangzhou",
   "process_command": "gatehouse credentials --format alibaba --role-arn acs:ram::350000000001:role/trainer --profile ram-alice --endpoint https://gatehouse.example:8470"}

Alibaba's tools run the command without a shell: no $VARIABLE, ~ or pipe in it.`,
    )
    .action(async (opts: Partial<AssumeOpts> & Opts & { job?: true; format: CredentialsFormat }) => {
      if (opts.job) {
        // The job's credentials are what its endpoint gives: a session policy, a role, a duration or a session name
        // asked for beside --job would be dropped, and a narrowing the caller relies on silently absent.
        // So is `--profile`'s identity (review jc, 2): the job's session is the job's, whoever runs this.
        const given = (['roleArn', 'roleSessionName', 'durationSeconds', 'policy', 'externalId', 'profile'] as const).filter((k) => opts[k] !== undefined).map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
        if (given.length > 0) {
          return ctx.exit(usageFailure(ctx, `--job prints the job's own credentials as its endpoint gives them and takes no ${given.join(', ')}; leave ${given.length === 1 ? 'it' : 'them'} out, or assume a role with --role-arn instead of --job`, 'gatehouse'));
        }
        return ctx.exit(await jobCredentials(ctx, opts.format));
      }
      if (!opts.roleArn) {
        return ctx.exit(usageFailure(ctx, 'give --role-arn ARN, or --job inside a training job', 'gatehouse'));
      }
      ctx.exit(await credentials(ctx, { ...opts, roleArn: opts.roleArn }, opts.format));
    });
};

/** The document `--format` names, of these credentials. */
function processDocument(format: CredentialsFormat, c: { readonly accessKeyId: unknown; readonly secretAccessKey: unknown; readonly sessionToken: unknown; readonly expiration: unknown }): string {
  const doc =
    format === 'alibaba'
      ? { mode: 'StsToken', access_key_id: c.accessKeyId, access_key_secret: c.secretAccessKey, sts_token: c.sessionToken, expiration: c.expiration }
      : { Version: 1, AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, SessionToken: c.sessionToken, Expiration: c.expiration };
  return `${JSON.stringify(doc)}\n`;
}

/** The job's credentials from its container endpoint (the environment `gatehouse jobs run` gives each rank). */
async function jobCredentials(ctx: CommandContext, format: CredentialsFormat): Promise<number> {
  // A pod reading the node agent at 169.254.170.2 is given a relative URI (review hk, 1).
  const uri = containerUriOf(ctx.env ?? {});
  const token = ctx.env?.['AWS_CONTAINER_AUTHORIZATION_TOKEN'];
  // A URI that names the job's capability (`?capability=…`, a node agent's) is served without the token, as the SDKs
  // read it: `--job` required the token all the same (review kv, 2).
  if (!uri || (!token && containerCapabilityOf(uri) === undefined)) {
    const which = !uri ? 'AWS_CONTAINER_CREDENTIALS_FULL_URI (or AWS_CONTAINER_CREDENTIALS_RELATIVE_URI) and AWS_CONTAINER_AUTHORIZATION_TOKEN are not set' : 'AWS_CONTAINER_AUTHORIZATION_TOKEN is not set, and the container URI names no capability';
    return usageFailure(ctx, `--job works inside a training job: ${which}`, 'gatehouse');
  }
  let r: EndpointAnswer;
  try {
    // Loaded here: it brings node:http, which a command that sends nothing never needs.
    const { endpointRequest } = await import('../../launcher/endpoint-request.ts');
    // node:http, not fetch: fetch refuses the ports browsers block (6000, 6665–6669…), which the endpoint may be on.
    r = await endpointRequest(uri, { headers: token ? { authorization: token } : {} });
  } catch (e) {
    ctx.err(`gatehouse: cannot reach the job's credential endpoint: ${e instanceof Error ? e.message : String(e)}\n`);
    return EXIT.unavailable;
  }
  let doc: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(r.text);
    doc = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    doc = undefined;
  }
  // Each answer by what it says (review cf): a 503 (the server cannot be reached by the agent) exited as not allowed,
  // and an answer that is not JSON (a proxy's page) was said to be an endpoint that cannot be reached.
  // A 409 is the job's session refused by a decision (its role's trust policy: `AccessDenied`, exit 9), not an outage
  // (review km, 2).
  const exitOf = (status: number): number => jobEndpointExit(status, doc?.['Code']);
  if (doc === undefined) {
    ctx.err(`gatehouse: the job's credential endpoint answered ${r.status} with a body that is not JSON\n`);
    return r.ok ? EXIT.unavailable : exitOf(r.status);
  }
  if (!r.ok) {
    ctx.err(`gatehouse: the job's credential endpoint answered ${r.status}: ${String(doc['Message'] ?? '')}${r.status >= 500 ? ' (try again in a while)' : ''}\n`);
    return exitOf(r.status);
  }
  // Only a credentials document is passed on (review iq, 4): a 200 of another shape came out as `{"Version":1}` or
  // without its token, exit 0, and the SDK then failed on the output, or took keys without a token for long-term ones.
  const missing = ['AccessKeyId', 'SecretAccessKey', 'Token', 'Expiration'].filter((k) => Array.isArray(doc) || typeof doc?.[k] !== 'string' || doc[k] === '');
  if (missing.length > 0) {
    ctx.err(`gatehouse: the job's credential endpoint answered ${r.status} without ${missing.join(', ')}: that is not a credentials document; is ${uri === ctx.env?.['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ? 'AWS_CONTAINER_CREDENTIALS_FULL_URI' : 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'} the job's container endpoint?\n`);
    return EXIT.unavailable;
  }
  ctx.out(processDocument(format, { accessKeyId: doc['AccessKeyId'], secretAccessKey: doc['SecretAccessKey'], sessionToken: doc['Token'], expiration: doc['Expiration'] }));
  return EXIT.ok;
}

async function assumed(ctx: CommandContext, command: string, opts: AssumeOpts, sessionName: string): Promise<{ ok: true; value: AssumedJson; requestId?: string } | { ok: false; status: number }> {
  // With --json, every error is the JSON error on stderr, as every other command's (review F, F4): they were text here
  // (review hm, 2).
  const policy = await policyText(ctx, command, opts.policy, opts.json === true);
  if (!policy.ok) return { ok: false, status: policy.status };
  const conn = await connect(opts, ctx);
  if (!conn.ok) return { ok: false, status: report(ctx, conn, opts.json) };
  const r = await call<AssumedJson>(conn.value, 'POST', ['sts', 'assume-role'], {
    body: assumeBody(opts, sessionName, policy.value),
    shape: { credentials: { accessKeyId: 'string', secretAccessKey: 'string', sessionToken: 'string', expiration: 'string' }, assumedRoleUser: { arn: 'string', assumedRoleId: 'string' }, packedPolicySize: 'number' },
    // Asking again makes at most another session, which nobody holds: retried as a read, and a lost answer is exit 10,
    // never 11 (OutcomeUnknown), which a profile's credential_process read as a refusal (review lt, 1).
    read: true,
  });
  if (!r.ok) return { ok: false, status: policy.refused?.(r) ?? report(ctx, r, opts.json) };
  return { ok: true, value: r.value, ...(r.requestId !== undefined ? { requestId: r.requestId } : {}) };
}

async function assumeRole(ctx: CommandContext, opts: AssumeOpts, format: CredentialsFormat): Promise<number> {
  const r = await assumed(ctx, 'sts assume-role', opts, opts.roleSessionName ?? '');
  if (!r.ok) return r.status;
  const { credentials: c, assumedRoleUser: u, packedPolicySize } = r.value;
  if (format === 'alibaba') {
    // Alibaba's AssumeRole answer, as `aliyun sts AssumeRole` prints it and this server's Alibaba STS answers it: with its
    // RequestId, the id the session's audit record names (review sp, 2: it was left out).
    const requestId = r.requestId !== undefined ? { RequestId: r.requestId } : {};
    ctx.out(
      opts.json
        ? `${JSON.stringify({ ...requestId, AssumedRoleUser: { Arn: u.arn, AssumedRoleId: u.assumedRoleId }, Credentials: { AccessKeyId: c.accessKeyId, AccessKeySecret: c.secretAccessKey, SecurityToken: c.sessionToken, Expiration: c.expiration } }, null, 2)}\n`
        : `export ALIBABA_CLOUD_ACCESS_KEY_ID=${shellWord(c.accessKeyId)}\nexport ALIBABA_CLOUD_ACCESS_KEY_SECRET=${shellWord(c.secretAccessKey)}\nexport ALIBABA_CLOUD_SECURITY_TOKEN=${shellWord(c.sessionToken)}\n`,
    );
    if (!opts.json) ctx.err(`gatehouse: ${u.arn} until ${c.expiration}\n`);
    return EXIT.ok;
  }
  if (opts.json) {
    ctx.out(
      `${JSON.stringify(
        { Credentials: { AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, SessionToken: c.sessionToken, Expiration: c.expiration }, AssumedRoleUser: { Arn: u.arn, AssumedRoleId: u.assumedRoleId }, PackedPolicySize: packedPolicySize },
        null,
        2,
      )}\n`,
    );
  } else {
    ctx.out(`export AWS_ACCESS_KEY_ID=${shellWord(c.accessKeyId)}\nexport AWS_SECRET_ACCESS_KEY=${shellWord(c.secretAccessKey)}\nexport AWS_SESSION_TOKEN=${shellWord(c.sessionToken)}\n`);
    ctx.err(`gatehouse: ${u.arn} until ${c.expiration}\n`);
  }
  return EXIT.ok;
}

async function credentials(ctx: CommandContext, opts: AssumeOpts, format: CredentialsFormat): Promise<number> {
  const sessionName = opts.roleSessionName ?? `gatehouse-${Math.floor(ctx.now() / 1000)}`;
  // Run as a profile's credential_process, AWS_PROFILE names that very profile: its keys are not this command's.
  const r = await assumed(ctx, 'credentials', { ...opts, ignoreProfile: true }, sessionName);
  if (!r.ok) return r.status;
  const c = r.value.credentials;
  // Exactly the credential_process document; Expiration as YYYY-MM-DDTHH:MM:SSZ, which every SDK parses.
  ctx.out(processDocument(format, c));
  return EXIT.ok;
}
