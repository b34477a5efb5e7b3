/**
 * The CLI's client of the admin API (`/v1/`): finds the server and the credentials (DESIGN.md,
 * "Interfaces"), signs every request with SigV4 (service `gatehouse`) using `@smithy/signature-v4`, the
 * signer of AWS SDK v3, and turns answers into values: the JSON body, or the errors with their
 * `ErrorCode` so that the exit status follows `EXIT_CODES`.
 *
 * Where things come from, first found wins:
 * - credentials: the profile `--profile` names, as the aws CLI's `--profile`, which passes the environment's keys over
 *   (review jc, 2); else `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`, else its older name
 *   `AWS_SECURITY_TOKEN`, as botocore reads both; a profile's `aws_security_token` likewise), else the profile
 *   `AWS_PROFILE` names (shared credentials and config files, as the AWS tools read them: its keys, what its
 *   `credential_process` prints, or the session of its `role_arn`, assumed on the same server with its
 *   `source_profile`'s credentials or, for `credential_source = Environment`, the environment's keys, which then do
 *   not sign themselves), else `ALIBABA_CLOUD_ACCESS_KEY_ID` + `ALIBABA_CLOUD_ACCESS_KEY_SECRET` (+
 *   `ALIBABA_CLOUD_SECURITY_TOKEN`), the Alibaba SDKs' first source (review qk, 2), else, inside a job (`gatehouse jobs run`'s environment: `GATEHOUSE_JOB_ID` and the job's
 *   container endpoint), the job's own session (refused, never the admin file, when its token is gone and the URI
 *   names no capability: review qk, 4), else `<data-dir>/admin-credentials.json` (`--data-dir`, default
 *   `./.gatehouse`). AWS_WEB_IDENTITY_TOKEN_FILE set where neither the environment's keys nor a profile sign is
 *   refused (`WebIdentityNotFollowed`): the AWS tools would sign as AWS_ROLE_ARN's session (review mr, 2).
 *   The last is an account's admin: credentials given partly (a key id without its secret, an empty secret, a token
 *   alone) are refused, never replaced by it (botocore's `PartialCredentialsError`), and so is a profile this CLI
 *   cannot use (missing, half a key, no credentials, SSO, web identity, mfa_serial, a failing credential_process, a
 *   role the server refuses);
 * - server, whichever credentials sign: `--endpoint`, else `GATEHOUSE_ENDPOINT`, else in a job the job's
 *   `AWS_ENDPOINT_URL` (the server it was submitted to), else the data dir's `admin-credentials.json`'s `Endpoint`, else
 *   `http://127.0.0.1:8470`;
 * - region (part of the signature scope only): `--region`, else `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the
 *   profile's `region` (`--profile`, else AWS_DEFAULT_PROFILE, else AWS_PROFILE, else `default`, in the credentials
 *   file, else the config file, as the aws CLI reads it), else `us-east-1`;
 * - the CAs an https endpoint's certificate is checked against: `--ca-bundle`, else `AWS_CA_BUNDLE`, else the profile's
 *   `ca_bundle` (a PEM file, as the aws CLI and the SDKs read them), else Node's (and NODE_EXTRA_CA_CERTS);
 * - how many times a request is tried: `AWS_MAX_ATTEMPTS`, else the profile's `max_attempts` (as the aws CLI reads them),
 *   else 3; see `retryable`;
 * - the proxy: `HTTP_PROXY` for an http endpoint, `HTTPS_PROXY` for an https one (CONNECT), either case, none for a
 *   host `NO_PROXY` names, as the aws CLI reads them, from the command's environment; see `proxyOf`.
 */
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ERROR_CODES, type ErrorCode, type GatehouseError } from '../../core/errors.ts';
import type { Command } from 'commander';
import type { CliDeps, CommandContext } from './context.ts';
import { EXIT, EXIT_CODES, type ExitCode } from './exit-codes.ts';
import { shownGivenUrl } from '../../core/shown-url.ts';
import { configProfiles, iniSections, type IniSections } from './aws-ini.ts';
import { formatError, inFileOrder, nonEmptyArg, printable, shownMessage } from './output.ts';
import { containerCapabilityOf, containerUriOf } from '../../core/jobs/jobs.ts';

// `node:http` and `node:https` through `require`, when a request is first made: imported as ES modules, Node builds
// their facade with every export and so loads its bundled fetch (undici), which the CLI never uses: about 60 ms of
// CPU at every command's start, `--help` included.
const require = createRequire(import.meta.url);

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8470';
export const DEFAULT_DATA_DIR = './.gatehouse';
export const CREDENTIALS_FILE = 'admin-credentials.json';
const SERVICE = 'gatehouse';
const TIMEOUT_MS = 30_000;
/** Answers are small except listings; this bounds a misbehaving server. */
const MAX_RESPONSE = 64 << 20;

export interface ConnectionOptions {
  readonly endpoint?: string;
  readonly dataDir?: string;
  /**
   * Leave `AWS_PROFILE` alone: `gatehouse credentials` runs as a profile's `credential_process`, with the
   * profile that names it in `AWS_PROFILE`.
   */
  readonly ignoreProfile?: boolean;
  /**
   * `--profile NAME`, as the aws CLI's: that profile signs, whatever AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and
   * AWS_PROFILE say (botocore drops its environment provider for a profile given explicitly). Read by `gatehouse
   * credentials` too: AWS_PROFILE names the profile whose credential_process it is, `--profile` the one it is to use.
   */
  readonly profile?: string;
  /** `--region`: the region signed for, over AWS_REGION, AWS_DEFAULT_REGION and the profile's `region`. */
  readonly region?: string;
  /** `--ca-bundle`: the CA certificates (PEM) an https endpoint is checked against, over AWS_CA_BUNDLE and the profile's `ca_bundle`. */
  readonly caBundle?: string;
}

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface Connection {
  readonly endpoint: URL;
  readonly credentials: Credentials;
  readonly region: string;
  /** Where the credentials came from, for messages: `environment` or the file's path. */
  readonly credentialsSource: string;
  /**
   * What gets new credentials from that source, said after an `ExpiredToken` (a session expired or revoked): the
   * server's message alone said what, not what to do. Absent: nothing is added.
   */
  readonly renew?: string;
  /**
   * The environment's variables that hold a session token (AWS_SESSION_TOKEN, its older name AWS_SECURITY_TOKEN), when
   * the credentials are the environment's: named in the advice for a long-term key sent with a token (review ll, 2).
   */
  readonly tokenVariables?: readonly string[];
  /** The CA certificates (PEM) of `--ca-bundle`, `AWS_CA_BUNDLE` or the profile's `ca_bundle`, which replace Node's for an https endpoint. */
  readonly ca?: string;
  /** The process's `CliDeps.onInterrupt`: what a change on its way says when a signal ends the command. */
  readonly onInterrupt?: CliDeps['onInterrupt'];
  /** Which of those `ca` came from, for messages (`AWS_CA_BUNDLE`, `ca_bundle of the profile \`ci\``). */
  readonly caFrom?: string;
  /**
   * Tries of a request that fails in a way worth trying again (`retryable`), the first included: `connect` sets it
   * from AWS_MAX_ATTEMPTS, default 3. Absent (a connection made by hand, as tests of the server's answers make): one.
   */
  readonly maxAttempts?: number;
  /**
   * The proxy the environment names for the endpoint (`proxyOf`): requests go through it, and a failure to connect
   * names it rather than the server. Absent: straight to the endpoint.
   */
  readonly proxy?: ProxyUse;
}

/** A proxy in use: the variable that names it, its URL as shown (no password), and the agent that sends through it. */
export interface ProxyUse {
  readonly variable: string;
  /** The variable that says which hosts go around it: `no_proxy` when set, as it wins, else `NO_PROXY`. */
  readonly bypass: string;
  readonly shown: string;
  readonly agent: import('node:http').Agent;
}

/** The aws CLI's default (standard retry mode) and the most `AWS_MAX_ATTEMPTS` may ask here. */
export const DEFAULT_MAX_ATTEMPTS = 3;
const MOST_ATTEMPTS = 10;
/** The longest wait between tries, ms (the SDKs' cap), and the first wait's bound before doubling. */
const MAX_BACKOFF_MS = 20_000;
const BASE_BACKOFF_MS = 100;
/** The answers that say "nothing was done, try again" (the SDKs' throttling and transient codes). */
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['ServiceUnavailable', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'SlowDown', 'TooManyRequestsException']);

/** A failure the CLI reports: one line per error, and the exit status. */
export interface ClientFailure {
  readonly ok: false;
  readonly status: ExitCode;
  /** HTTP status, 0 when the server was not reached. */
  readonly httpStatus: number;
  /** The AWS-style code of the answer (`NoSuchEntity`), or a local one (`NoCredentials`, `ConnectionFailed`). */
  readonly code: string;
  readonly message: string;
  /** Every error the server listed (apply lists one per document problem). */
  readonly errors: readonly (GatehouseError & Record<string, unknown>)[];
  /** The id the server answered with (`x-amzn-requestid`): its log line and its audit records name it. */
  readonly requestId?: string;
}

/** `requestId`: the id the server answered with (`x-amzn-requestid`), which the request's audit records name. */
export type ClientResult<T = Record<string, unknown>> = { readonly ok: true; readonly value: T; readonly requestId?: string } | ClientFailure;

const failure = (status: ExitCode, code: string, message: string, httpStatus = 0, errors: ClientFailure['errors'] = []): ClientFailure => ({ ok: false, status, httpStatus, code, message, errors });

/**
 * An empty `--data-dir` (`"$DIR"` unset) was the working directory: the `./admin-credentials.json` found there signed,
 * and the server it names was asked (review jc, 7). Refused, naming the option, as `server --data-dir ''` is.
 */
const DATA_DIR_ARG = nonEmptyArg('--data-dir', 'the directory of the server\'s admin-credentials.json', `for ${DEFAULT_DATA_DIR}`);

/** Adds the options of every command that talks to the server. */
export function withServerOptions(cmd: Command): Command {
  return cmd
    .option('--endpoint <url>', 'the Gatehouse server, whatever credentials sign (default: GATEHOUSE_ENDPOINT, else in a job its AWS_ENDPOINT_URL, else the Endpoint in --data-dir\'s admin-credentials.json, else http://127.0.0.1:8470)')
    .option('--data-dir <dir>', `where admin-credentials.json is: the server it names (Endpoint) is asked unless --endpoint or GATEHOUSE_ENDPOINT says another; its key (the account admin's) signs when neither AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY nor AWS_PROFILE is set (nor AWS_DEFAULT_PROFILE, which the aws CLI reads first, nor --profile given, nor ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET)`, DATA_DIR_ARG, DEFAULT_DATA_DIR)
    .option('--profile <name>', 'sign with this profile of ~/.aws/credentials or ~/.aws/config (its keys, credential_process or role_arn), as the aws CLI\'s --profile: it wins over AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY and AWS_PROFILE')
    .option('--region <name>', 'the region requests are signed for (default: AWS_REGION, else AWS_DEFAULT_REGION, else the profile\'s region, else us-east-1)')
    .option('--ca-bundle <file>', 'the CA certificates (PEM) an https endpoint\'s certificate is checked against, as the aws CLI\'s --ca-bundle (default: AWS_CA_BUNDLE, else the profile\'s ca_bundle, else the system\'s)');
}

type Env = Readonly<Record<string, string | undefined>>;

/** A setting of the profile in the config file: its value, and where it is, for messages. */
interface ProfileSetting {
  readonly value: string;
  readonly from: string;
}

/**
 * The most the shared config and credentials files may hold (review jw, 1): a few KiB is usual, and a path given by
 * mistake (a log, a disk image, `/dev/zero`) is refused once this much is read, rather than read and parsed up to the
 * CLI's 16 MiB at every command, or, for the config file, passed over in silence.
 */
export const MAX_PROFILE_FILE_BYTES = 1 << 20;
/** The most a CA bundle may hold (the whole of Mozilla's roots is about 200 KiB). */
export const MAX_CA_BUNDLE_BYTES = 10 << 20;

const inMiB = (bytes: number): string => `${bytes / (1 << 20)} MiB`;
const errorCode = (e: unknown): string => (typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '');

/** The text of `path`, at most `max` bytes of it: rejects as `ctx.readFile` does, `EFBIG` for a file over `max`. */
async function readBounded(ctx: CommandContext, path: string, max: number): Promise<string> {
  const text = await ctx.readFile(path, { maxBytes: max });
  // A reader that does not bound (a test's own) is held to it all the same.
  if (text.length > max || Buffer.byteLength(text) > max) throw Object.assign(new Error(`larger than ${inMiB(max)}`), { code: 'EFBIG' });
  return text;
}

/** One of the shared files as a command read it: its sections, absent, or why it cannot be used. */
type SharedFileRead = { readonly kind: 'sections'; readonly sections: IniSections } | { readonly kind: 'missing' } | { readonly kind: 'failed'; readonly error: unknown };

/**
 * The shared credentials and config files of one command: each read and parsed once, whoever asks first (the config
 * file gives the profile's region and ca_bundle, then its credentials; review jw, 1), and only when asked.
 */
interface SharedFiles {
  readonly credentialsPath: string;
  readonly configPath: string;
  read(path: string): Promise<SharedFileRead>;
  /** Why `path`, over MAX_PROFILE_FILE_BYTES, is refused: the file, the variable that named it, the limit. */
  tooLarge(path: string): string;
}

function sharedFiles(env: Env, ctx: CommandContext): SharedFiles {
  const home = env['HOME'] || homedir();
  // A variable holding the file's text, not its path (a CI variable with the file in it, `"$(cat ~/.aws/credentials)"`):
  // every message naming the file echoed it, the secret access key with it (review qz, 8). No path has a line break: it
  // is named as what it is, and read as no file there.
  const fileOf = (variable: string, fallback: string): string => {
    const v = env[variable];
    if (v !== undefined && /[\r\n]/.test(v)) return `<${variable}: a file's text, not its path; not shown>`;
    return expandHome(v, home) || fallback;
  };
  const credentialsPath = fileOf('AWS_SHARED_CREDENTIALS_FILE', join(home, '.aws', 'credentials'));
  const configPath = fileOf('AWS_CONFIG_FILE', join(home, '.aws', 'config'));
  const reads = new Map<string, Promise<SharedFileRead>>();
  return {
    credentialsPath,
    configPath,
    read(path) {
      let r = reads.get(path);
      if (r === undefined) {
        r = readBounded(ctx, path, MAX_PROFILE_FILE_BYTES).then(
          (text): SharedFileRead => ({ kind: 'sections', sections: iniSections(text) }),
          (error: unknown): SharedFileRead => (errorCode(error) === 'ENOENT' ? { kind: 'missing' } : { kind: 'failed', error }),
        );
        reads.set(path, r);
      }
      return r;
    },
    tooLarge(path) {
      const [variable, what] = path === configPath ? ['AWS_CONFIG_FILE', 'config'] : ['AWS_SHARED_CREDENTIALS_FILE', 'credentials'];
      const named = env[variable] ? ` (${variable})` : '';
      const fix = named === '' ? 'check what it holds' : `set ${variable} to the AWS ${what} file, or unset it for ~/.aws/${what}`;
      return `\`${path}\`${named} is larger than ${inMiB(MAX_PROFILE_FILE_BYTES)}, more than an AWS shared ${what} file holds (a few KiB is usual); ${fix}`;
    },
  };
}

/**
 * The settings the aws CLI takes from a profile besides its credentials, `region` and `ca_bundle`, from the profile
 * `--profile`, AWS_DEFAULT_PROFILE or AWS_PROFILE names (`profileVariable`), else `default` (not from a source_profile), as the aws CLI's:
 * in the config file, and in the credentials file, whose section of the same name botocore merges over the config
 * file's profile (`Session.full_config`; the JavaScript SDK's `parseKnownFiles` too), so that a `region` kept with the
 * keys in ~/.aws/credentials wins (review kw, 1: it was read from the config file only, and signed for us-east-1).
 * A file that cannot be read gives none: the profile's credentials say so when they are read from it
 * (`profilePlan`), and a profile that is only `default` was never required. One over MAX_PROFILE_FILE_BYTES is
 * refused: no shared file is that large.
 */
async function profileSettings(files: SharedFiles, env: Env, explicit?: string): Promise<ClientResult<{ region?: ProfileSetting; caBundle?: ProfileSetting; maxAttempts?: ProfileSetting }>> {
  const variable = profileVariable(env);
  const name = explicit ?? (variable !== undefined ? env[variable] : undefined) ?? 'default';
  // The credentials file first: its keys win.
  const found: { path: string; keys: Map<string, string> | undefined }[] = [];
  for (const [path, profilesOf] of [
    [files.credentialsPath, (s: IniSections) => s],
    [files.configPath, configProfiles],
  ] as const) {
    const read = await files.read(path);
    if (read.kind === 'failed' && errorCode(read.error) === 'EFBIG') return failure(EXIT.noInput, 'InvalidProfile', files.tooLarge(path));
    found.push({ path, keys: read.kind === 'sections' ? profilesOf(read.sections).get(name) : undefined });
  }
  const setting = (key: string): ProfileSetting | undefined => {
    const at = found.find((f) => f.keys?.has(key));
    const value = at?.keys?.get(key)?.trim();
    return at !== undefined && value ? { value, from: `${key} of the profile \`${printable(name)}\` in \`${at.path}\`` } : undefined;
  };
  const region = setting('region');
  const caBundle = setting('ca_bundle');
  // botocore's `max_attempts`, below AWS_MAX_ATTEMPTS (review kw, 5).
  const maxAttempts = setting('max_attempts');
  return { ok: true, value: { ...(region !== undefined ? { region } : {}), ...(caBundle !== undefined ? { caBundle } : {}), ...(maxAttempts !== undefined ? { maxAttempts } : {}) } };
}

/**
 * `~/x` as `HOME/x`, as the AWS tools read their file variables (botocore's expanduser): set where no shell expands it
 * (a systemd unit, a Dockerfile's ENV, quotes), `AWS_SHARED_CREDENTIALS_FILE=~/.aws/ci` named a file `~` here, the
 * profile was not found, and the command went on as --data-dir's admin.
 */
const expandHome = (path: string | undefined, home: string): string | undefined => (path === '~' ? home : path?.startsWith('~/') ? join(home, path.slice(2)) : path);

/**
 * Ways a profile gets credentials that this CLI does not follow: web identity and SSO. The AWS tools take each before
 * the profile's keys (botocore's chain: assume-role, web identity, SSO, then the credentials file's keys;
 * credential-protocols §3.4), so signing with keys beside them would act as someone the profile does not name.
 * `role_arn` is followed (`rolePlan`).
 */
const UNFOLLOWED_KEYS = ['web_identity_token_file', 'sso_session', 'sso_start_url', 'login_session'] as const;
/**
 * Keys botocore reads only beside `role_arn`, and passes over without it: a profile with one of them and no role means
 * a role was meant, and its keys (or the admin's) would act as someone else.
 */
const ROLE_ONLY_KEYS = ['source_profile', 'credential_source'] as const;
/**
 * The most roles one profile's chain of `source_profile`s assumes one after the other. botocore sets no bound (it
 * refuses a cycle), but each is a request to the server before the command's own, and a chain longer than this is a
 * mistake in the files.
 */
const MAX_ROLE_CHAIN = 8;

/**
 * Set in a credential_process's environment: the profiles whose process is running, one a line. A gatehouse command
 * that process runs with the same AWS_PROFILE (anything but `gatehouse credentials`, which reads no profile) would run
 * it again, without end.
 */
const CREDENTIAL_PROCESS_VARIABLE = 'GATEHOUSE_CREDENTIAL_PROCESS_PROFILES';
/** The most a credential_process may print (the JavaScript SDK's, `exec`'s maxBuffer), and the start of its stderr shown. */
const MAX_PROCESS_OUTPUT = 1 << 20;
const PROCESS_STDERR_SHOWN = 2000;

type ProfileCredentials = ClientResult<{ credentials: Credentials; source: string; renew: string }>;

/** A profile's section in one of the two files. */
interface Section {
  readonly path: string;
  readonly keys: Map<string, string>;
}

/** The shared credentials and config files as one command reads them: each read once, whatever the chain of profiles. */
interface ProfileFiles {
  readonly credentialsPath: string;
  readonly configPath: string;
  /** `--profile`, `AWS_DEFAULT_PROFILE` or `AWS_PROFILE`, whichever named the first profile (`profileVariable`). */
  readonly variable: string;
  /** False for a command that reads no AWS_PROFILE (`gatehouse credentials`): its advice does not name it. */
  readonly readsProfileVariable: boolean;
  /** A profile's sections, the credentials file's first (its keys win, as botocore merges the two); none when neither file has it. */
  readonly sectionsOf: (profile: string) => Section[];
}

/** Where the first credentials of a profile's chain come from. */
type BaseCredentials =
  | { readonly kind: 'keys'; readonly credentials: Credentials; readonly source: string; readonly renew: string }
  | { readonly kind: 'process'; readonly command: string; readonly profile: { readonly name: string; readonly variable: string; readonly path: string } }
  /** `credential_source = Environment`: the command's AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (/AWS_SESSION_TOKEN). */
  | { readonly kind: 'environment'; readonly who: string };

/** A role a profile names (`role_arn`), assumed with the credentials before it in the chain; `who` names the profile. */
interface RoleStep {
  readonly who: string;
  readonly roleArn: string;
  readonly sessionName?: string;
  readonly externalId?: string;
  readonly durationSeconds?: number;
}

/** What following a profile takes: its base credentials, then the roles assumed one after the other, the profile's own last. */
interface ProfilePlan {
  readonly base: BaseCredentials;
  readonly roles: readonly RoleStep[];
}

/**
 * The variable that names the profile when `--profile` does not: AWS_DEFAULT_PROFILE, else AWS_PROFILE, as botocore
 * looks them up (configprovider.py: `'profile': (None, ['AWS_DEFAULT_PROFILE', 'AWS_PROFILE'], …)`, kept so for
 * backwards compatibility, boto/boto#3287); undefined when neither is set (not empty). AWS_PROFILE was taken first, so
 * with both set gatehouse signed as another principal than `aws` in the same shell (review pb, 3).
 */
const profileVariable = (env: Env): 'AWS_DEFAULT_PROFILE' | 'AWS_PROFILE' | undefined =>
  env['AWS_DEFAULT_PROFILE'] ? 'AWS_DEFAULT_PROFILE' : env['AWS_PROFILE'] ? 'AWS_PROFILE' : undefined;

/**
 * How to follow the profile `AWS_DEFAULT_PROFILE` (or `AWS_PROFILE`: `profileVariable`) names, from the shared credentials file and the
 * config file (`[profile NAME]`, or `[default]`); undefined when no profile is named. Nothing is run and nothing sent
 * here: `connect` runs a credential_process and assumes the roles once it knows the endpoint. A profile that does not
 * exist, has half a key, has no credentials, or gets them a way this CLI does not follow (web identity, SSO, MFA, EC2
 * or ECS metadata) is an error, as it is to the AWS CLI: the data dir's admin-credentials.json, the account's admin,
 * stands in for no profile.
 */
async function profilePlan(shared: SharedFiles, env: Env, explicit?: string, readsProfileVariable = true): Promise<ClientResult<ProfilePlan> | undefined> {
  const variable = explicit !== undefined ? PROFILE_OPTION : profileVariable(env);
  if (variable === undefined) return undefined;
  const name = explicit ?? env[variable] ?? '';
  const { credentialsPath, configPath } = shared;
  const read: { path: string; profiles: IniSections }[] = [];
  for (const f of [
    { path: credentialsPath, profilesOf: (s: IniSections) => s },
    { path: configPath, profilesOf: configProfiles },
  ]) {
    const r = await shared.read(f.path);
    if (r.kind === 'missing') continue;
    if (r.kind === 'failed') {
      const e = r.error;
      return failure(EXIT.noInput, 'InvalidProfile', errorCode(e) === 'EFBIG' ? shared.tooLarge(f.path) : `cannot read \`${f.path}\` for the profile \`${name}\` (${variable}): ${e instanceof Error ? e.message : String(e)}`);
    }
    read.push({ path: f.path, profiles: f.profilesOf(r.sections) });
  }
  const files: ProfileFiles = {
    credentialsPath,
    configPath,
    variable,
    readsProfileVariable,
    sectionsOf: (profile) =>
      read.flatMap((f) => {
        const keys = f.profiles.get(profile);
        return keys === undefined ? [] : [{ path: f.path, keys }];
      }),
  };
  const sections = files.sectionsOf(name);
  if (sections.length === 0) {
    // Shown escaped (review jc, 9): AWS_PROFILE from a `.env` with Windows line endings is `alice\r`, whose carriage
    // return, printed raw, let the rest of the line overwrite the name on a terminal. A name that is a profile once
    // its surrounding whitespace and controls are gone is named.
    const trimmed = name.replace(/^[\s\p{Cc}]+|[\s\p{Cc}]+$/gu, '');
    const near = trimmed !== name && trimmed !== '' && files.sectionsOf(trimmed).length > 0 ? `; did you mean \`${trimmed}\` (the name given has whitespace or a control character around it: a Windows line ending?)` : '';
    return failure(
      EXIT.usage,
      'InvalidProfile',
      `the profile \`${printable(name)}\` (${variable}) is in neither \`${credentialsPath}\` nor \`${configPath}\`${near}; name a profile that is, ${keysAlone(variable)}${orUnset(variable, readsProfileVariable)}`,
    );
  }
  return planOf(files, name, variable, [name], sections, true);
}

/** After an ExpiredToken of the environment's session. */
/** Where the environment's keys are said to come from, in the refusals of a key. */
const ENVIRONMENT_SOURCE = 'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY';
const RENEW_ENVIRONMENT =
  'set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN to a new session (eval "$(gatehouse sts assume-role --role-arn ARN --role-session-name NAME)" with keys allowed to assume the role), or unset all three to use a profile (AWS_PROFILE) or --data-dir\'s admin-credentials.json';
/**
 * RENEW_ENVIRONMENT for a command that reads no AWS_PROFILE (`gatehouse credentials`, `ignoreProfile`): a profile is
 * named there with `--profile NAME` (review rr, 1: the advice named AWS_PROFILE, which that command passes over).
 */
const RENEW_ENVIRONMENT_NO_PROFILE_VARIABLE =
  'set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN to a new session (eval "$(gatehouse sts assume-role --role-arn ARN --role-session-name NAME)" with keys allowed to assume the role), or unset all three to use --data-dir\'s admin-credentials.json, or give --profile NAME: this command does not read AWS_PROFILE';
const ALIBABA_ENVIRONMENT_SOURCE = 'ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET';
const RENEW_ALIBABA_ENVIRONMENT =
  'set ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET and ALIBABA_CLOUD_SECURITY_TOKEN to a new session (eval "$(gatehouse sts assume-role --format alibaba --role-arn ARN --role-session-name NAME)" with keys allowed to assume the role), or unset all three to use --data-dir\'s admin-credentials.json';
/** What names a profile given on the command line, in messages where a variable's name goes. */
const PROFILE_OPTION = '--profile';
/** `readsProfileVariable`: false for `gatehouse credentials`, which signs with no AWS_PROFILE once --profile is left out (review rr, 2). */
const orUnset = (variable: string, readsProfileVariable = true): string =>
  variable === PROFILE_OPTION ? `or leave out ${PROFILE_OPTION} to sign with AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY${readsProfileVariable ? ', AWS_PROFILE' : ''} or --data-dir's admin-credentials.json` : `or unset ${variable} to use --data-dir's admin-credentials.json`;
/**
 * Advice to set the environment's keys: under --profile, which passes them over (review jc, 2, as botocore's explicit
 * profile), only together with leaving it out; they were advised alone, and set, changed nothing (review rr, 2).
 */
const setKeys = (variable: string, keys = 'AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY'): string => (variable === PROFILE_OPTION ? `leave out ${PROFILE_OPTION} and set ${keys}` : `set ${keys}`);
/** `set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ` before `orUnset`, which under --profile says it already (`setKeys`). */
const keysAlone = (variable: string): string => (variable === PROFILE_OPTION ? '' : `${setKeys(variable)}, `);
const invalidProfile = (message: string): ClientFailure => failure(EXIT.usage, 'InvalidProfile', message);

/**
 * How to follow one profile of a chain: `namedBy` says what named it (`AWS_PROFILE`, `source_profile of \`a\``), for
 * messages, `chain` the profiles followed to it, itself last. As botocore: the profile named
 * first takes its role_arn before its keys (the assume-role provider leads its chain); a source profile takes its keys
 * before its role_arn (`_resolve_credentials_from_profile`), which is what lets a profile with keys be its own
 * source_profile. Without a role: the credentials file's keys, else the profile's credential_process, else the config
 * file's keys (credential-protocols §3.4).
 */
function planOf(files: ProfileFiles, name: string, namedBy: string, chain: readonly string[], sections: readonly Section[], first: boolean): ClientResult<ProfilePlan> {
  const label = `the profile \`${name}\` (${namedBy})`;
  const where = (key: string) => sections.find((s) => s.keys.has(key));
  const hasKeys = where('aws_access_key_id') !== undefined || where('aws_secret_access_key') !== undefined;
  if (where('role_arn') !== undefined && where('web_identity_token_file') === undefined && (first || !hasKeys)) return rolePlan(files, name, label, chain, sections, hasKeys);
  const unfollowed = UNFOLLOWED_KEYS.filter((k) => where(k) !== undefined);
  const advice = `give it a credential_process (\`gatehouse credentials --role-arn ARN\` for a Gatehouse role) or a role_arn with a source_profile, ${setKeys(files.variable)} (with AWS CLI v2: eval "$(aws configure export-credentials --profile ${name} --format env)"), ${orUnset(files.variable, files.readsProfileVariable)}`;
  if (unfollowed.length > 0) return invalidProfile(`${label} in \`${where(unfollowed[0] ?? '')?.path}\` uses ${unfollowed.join(', ')}, which gatehouse does not follow; ${advice}`);
  const stray = where('role_arn') === undefined ? ROLE_ONLY_KEYS.filter((k) => where(k) !== undefined) : [];
  if (stray.length > 0) {
    return invalidProfile(`${label} in \`${where(stray[0] ?? '')?.path}\` has ${stray.join(' and ')} but no role_arn, which they go with; add the role_arn to assume, or remove ${stray.length === 1 ? 'it' : 'them'}`);
  }
  const keysIn = (s: Section): ClientResult<ProfilePlan> | undefined => {
    const id = s.keys.get('aws_access_key_id') ?? '';
    const secret = s.keys.get('aws_secret_access_key') ?? '';
    if (id === '' && secret === '') return undefined;
    if (id === '' || secret === '') return invalidProfile(`${label} in \`${s.path}\` has ${id === '' ? 'aws_secret_access_key but no aws_access_key_id' : 'aws_access_key_id but no aws_secret_access_key'}`);
    // botocore reads the older name too (`aws_security_token`, which SAML and MFA helpers still write; review kw, 4).
    const token = s.keys.get('aws_session_token') || s.keys.get('aws_security_token') || '';
    const credentials = { accessKeyId: id, secretAccessKey: secret, ...(token !== '' ? { sessionToken: token } : {}) };
    const renew = `put a new session's aws_access_key_id, aws_secret_access_key and aws_session_token in the profile \`${name}\` in \`${s.path}\`, or give it a credential_process that prints fresh ones (\`gatehouse credentials --role-arn ARN\` for a Gatehouse role)`;
    return { ok: true, value: { base: { kind: 'keys', credentials, source: `the profile \`${name}\` in ${s.path}`, renew }, roles: [] } };
  };
  const inCredentialsFile = sections.find((s) => s.path === files.credentialsPath && files.credentialsPath !== files.configPath);
  const fromCredentialsFile = inCredentialsFile === undefined ? undefined : keysIn(inCredentialsFile);
  if (fromCredentialsFile !== undefined) return fromCredentialsFile;
  const withProcess = where('credential_process');
  // A command written over several lines (its value continued on indented lines) is one command line, as botocore
  // splits it (shlex: a line break is a space), not several for the shell.
  const command = (withProcess?.keys.get('credential_process') ?? '').replace(/\n+/g, ' ');
  if (withProcess !== undefined && command !== '') return { ok: true, value: { base: { kind: 'process', command, profile: { name, variable: namedBy, path: withProcess.path } }, roles: [] } };
  for (const s of sections) {
    if (s === inCredentialsFile) continue;
    const r = keysIn(s);
    if (r !== undefined) return r;
  }
  return invalidProfile(
    `${label} in \`${sections[0]?.path}\` has neither aws_access_key_id/aws_secret_access_key nor credential_process nor role_arn; give it one, ${keysAlone(files.variable)}${orUnset(files.variable, files.readsProfileVariable)}`,
  );
}

/**
 * A profile with `role_arn`, as botocore's AssumeRoleProvider reads it: the role is assumed with the credentials of
 * `source_profile` (followed in turn: its keys, its credential_process, or another role, which is role chaining) or of
 * `credential_source = Environment`, exactly one of the two; `role_session_name`, `external_id` and
 * `duration_seconds` go with the request. Profiles naming each other are an error, but for a profile with keys that
 * is its own source_profile (botocore's one allowed loop). Not followed: `mfa_serial` (botocore prompts for a code;
 * a gatehouse command may be a credential_process or a kubectl plugin, and Gatehouse has no MFA) and the EC2 and ECS
 * metadata sources.
 */
function rolePlan(files: ProfileFiles, name: string, label: string, chain: readonly string[], sections: readonly Section[], hasKeys: boolean): ClientResult<ProfilePlan> {
  const value = (key: string): string | undefined => sections.find((s) => s.keys.has(key))?.keys.get(key);
  const who = `${label} in \`${sections.find((s) => s.keys.has('role_arn'))?.path}\``;
  const roleArn = value('role_arn') ?? '';
  const source = value('source_profile') || undefined;
  const credentialSource = value('credential_source') || undefined;
  const unset = orUnset(files.variable, files.readsProfileVariable);
  // Every profile of `chain` names a role: a profile is added to it only when its role is followed.
  if (chain.length > MAX_ROLE_CHAIN) {
    return invalidProfile(`${who}: the chain of source_profiles ${chain.map((p) => `\`${p}\``).join(' → ')} assumes more than ${MAX_ROLE_CHAIN} roles one after the other; end it sooner`);
  }
  if (roleArn === '') return invalidProfile(`${who} has an empty role_arn; give the ARN of the role to assume`);
  if (value('mfa_serial') !== undefined) {
    return invalidProfile(
      `${who} has mfa_serial, and gatehouse does not prompt for an MFA code (Gatehouse has no MFA); remove mfa_serial, or ${setKeys(files.variable, 'AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN')} to a session of the role (eval "$(gatehouse sts assume-role --role-arn ${roleArn} --role-session-name NAME)"), ${unset}`,
    );
  }
  if (source !== undefined && credentialSource !== undefined) return invalidProfile(`${who} has both source_profile and credential_source; keep the one whose credentials assume the role`);
  if (source === undefined && credentialSource === undefined) {
    return invalidProfile(`${who} has role_arn but neither source_profile nor credential_source; add source_profile = PROFILE (whose credentials assume the role) or credential_source = Environment`);
  }
  const duration = value('duration_seconds');
  if (duration !== undefined && !/^\d{1,9}$/.test(duration)) return invalidProfile(`${who} has duration_seconds = \`${duration.slice(0, 40)}\`, which is not a whole number of seconds (900 to 43200)`);
  const sessionName = value('role_session_name') || undefined;
  const externalId = value('external_id') || undefined;
  const step: RoleStep = { who, roleArn, ...(sessionName !== undefined ? { sessionName } : {}), ...(externalId !== undefined ? { externalId } : {}), ...(duration !== undefined ? { durationSeconds: Number(duration) } : {}) };
  if (credentialSource !== undefined) {
    // botocore compares the names in any case (CanonicalNameCredentialSourcer).
    const sourceName = credentialSource.toLowerCase();
    if (sourceName === 'environment') return { ok: true, value: { base: { kind: 'environment', who }, roles: [step] } };
    if (sourceName === 'ec2instancemetadata' || sourceName === 'ecscontainer') {
      return invalidProfile(
        `${who} has credential_source = ${credentialSource}, which gatehouse does not follow; use source_profile, or credential_source = Environment with the keys that assume the role in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, ${unset}`,
      );
    }
    return invalidProfile(`${who} has credential_source = \`${credentialSource.slice(0, 40)}\`, which the AWS tools do not know (Environment, Ec2InstanceMetadata or EcsContainer)`);
  }
  const from = source as string;
  const sourceSections = files.sectionsOf(from);
  if (sourceSections.length === 0) {
    return invalidProfile(`${who} names source_profile \`${from}\`, which is in neither \`${files.credentialsPath}\` nor \`${files.configPath}\`; name a profile that is`);
  }
  const sourceNamedBy = `source_profile of \`${name}\``;
  if (chain.includes(from)) {
    if (from === name && hasKeys) return withRole(planOf(files, from, sourceNamedBy, chain, sourceSections, false), step);
    return invalidProfile(`${who}: the profiles ${[...chain, from].map((p) => `\`${p}\``).join(' → ')} name each other as source_profile, without end; end the chain at a profile with keys or a credential_process`);
  }
  return withRole(planOf(files, from, sourceNamedBy, [...chain, from], sourceSections, false), step);
}

const withRole = (source: ClientResult<ProfilePlan>, step: RoleStep): ClientResult<ProfilePlan> => (source.ok ? { ok: true, value: { base: source.value.base, roles: [...source.value.roles, step] } } : source);

/** The credentials a plan starts from: a profile's keys, what its credential_process prints, or the environment's keys. */
async function baseCredentials(base: BaseCredentials, env: Env, now: number): Promise<ProfileCredentials> {
  if (base.kind === 'keys') return { ok: true, value: { credentials: base.credentials, source: base.source, renew: base.renew } };
  if (base.kind === 'process') return processCredentials(base.command, base.profile, env, now);
  const fromEnv = environmentCredentials(env);
  if (fromEnv === undefined) return invalidProfile(`${base.who} has credential_source = Environment, and AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set; set them to the keys that assume the role`);
  if (!fromEnv.ok) return fromEnv;
  return { ok: true, value: { credentials: fromEnv.value, source: 'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (credential_source = Environment)', renew: RENEW_ENVIRONMENT } };
}

/** What the admin API's `POST /v1/sts/assume-role` answers (adapters/http/sts-admin-api.ts), as read here. */
const ASSUMED = { credentials: { accessKeyId: 'string', secretAccessKey: 'string', sessionToken: 'string', expiration: 'string' }, assumedRoleUser: { arn: 'string' } } as const;

/**
 * Assumes a profile's roles one after the other on the server `conn` names, each with the credentials before it (the
 * first with `conn`'s), and answers the last session's. Through the admin API's `sts/assume-role`, which follows STS
 * AssumeRole's rules exactly (app/sts.ts) and is what `gatehouse credentials` asks: signed, retried, proxied and
 * checked against AWS_CA_BUNDLE as every other request of the command, with no SDK client to load. The session name
 * is botocore's default, `botocore-session-<unix seconds>`, unless the profile gives one. A refusal is the server's
 * code and message (AccessDenied, exit 9), naming the profile and the role; never the admin's key instead.
 */
async function assumeRoles(conn: Connection, roles: readonly RoleStep[], now: number): Promise<ProfileCredentials> {
  let credentials = conn.credentials;
  let source = conn.credentialsSource;
  let renew = conn.renew;
  for (const step of roles) {
    const r = await call<{ credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string } }>({ ...conn, credentials, credentialsSource: source, ...(renew !== undefined ? { renew } : {}) }, 'POST', ['sts', 'assume-role'], {
      body: {
        roleArn: step.roleArn,
        roleSessionName: step.sessionName ?? `botocore-session-${Math.floor(now / 1000)}`,
        ...(step.externalId !== undefined ? { externalId: step.externalId } : {}),
        ...(step.durationSeconds !== undefined ? { durationSeconds: step.durationSeconds } : {}),
      },
      shape: ASSUMED,
      // Asking again makes at most another session, which nobody holds: tried again as a read, never OutcomeUnknown.
      read: true,
    });
    if (!r.ok) {
      // A key refused already says where it came from (KEY_REFUSALS).
      const withWhat = r.message.includes(`(credentials from ${source})`) ? '' : ` with ${source}`;
      return failure(r.status, r.code, `${step.who} could not assume the role \`${step.roleArn}\`${withWhat}: ${r.message}`, r.httpStatus);
    }
    const c = r.value.credentials;
    credentials = { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken };
    source = `the role \`${step.roleArn}\` assumed for ${step.who}`;
    renew = 'the session was revoked as it was assumed: run the command again, which assumes the role anew';
  }
  return { ok: true, value: { credentials, source, renew: renew ?? '' } };
}

/**
 * `conn` signing as a session of `roleArn`, assumed on the same server with `conn`'s credentials as a profile's
 * role_arn is (`assumeRoles`): `kube token --role-arn`, as `aws eks get-token --role-arn` (review kw, 2). `who` names
 * what asked for the role, in a refusal.
 */
export async function assumedConnection(conn: Connection, roleArn: string, sessionName: string, who: string, now: number): Promise<ClientResult<Connection>> {
  const r = await assumeRoles(conn, [{ who, roleArn, sessionName }], now);
  return r.ok ? { ok: true, value: { ...conn, credentials: r.value.credentials, credentialsSource: r.value.source, renew: r.value.renew } } : r;
}

/**
 * Runs a profile's `credential_process` as the AWS SDK for JavaScript does (credential-protocols §2.3: through a shell,
 * stdout trimmed and read as JSON, `Version` the number 1, `AccessKeyId` and `SecretAccessKey` required, an
 * `Expiration` in the past refused), in the command's environment (not @aws-sdk/credential-provider-process's
 * `fromProcess`, which runs it in this process's, and cannot add `CREDENTIAL_PROCESS_VARIABLE`), with stdin closed (a
 * command reading `-` keeps its input). Any failure is an error naming the profile, never the admin file; what the
 * process printed on stdout (credentials, perhaps) is never shown, its stderr is.
 */
async function processCredentials(command: string, profile: { name: string; variable: string; path: string }, env: Env, now: number): Promise<ProfileCredentials> {
  const which = `the credential_process of the profile \`${profile.name}\` (${profile.variable}) in \`${profile.path}\``;
  const running = (env[CREDENTIAL_PROCESS_VARIABLE] ?? '').split('\n').filter((p) => p !== '');
  if (running.includes(profile.name)) {
    return failure(
      EXIT.usage,
      'InvalidProfile',
      `${which} runs a gatehouse command that reads the profile \`${profile.name}\` again, without end; make it \`gatehouse credentials --role-arn ARN\`, which reads no profile`,
    );
  }
  const fail = (message: string, exit: ExitCode = EXIT.accessDenied) => failure(exit, 'CredentialProcessFailed', `${which} ${message}`);
  const { spawn } = require('node:child_process') as typeof import('node:child_process');
  const ran = await new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; error?: string }>((resolve) => {
    const child = spawn(command, { shell: true, env: { ...env, [CREDENTIAL_PROCESS_VARIABLE]: [...running, profile.name].join('\n') }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outSize = 0;
    let err = '';
    let error: string | undefined;
    child.stdout.on('data', (c: Buffer) => {
      outSize += c.length;
      if (outSize <= MAX_PROCESS_OUTPUT) out.push(c);
      else if (error === undefined) {
        error = `printed more than ${MAX_PROCESS_OUTPUT} bytes on stdout`;
        child.kill();
      }
    });
    // The start: where the error is said (gatehouse's own runs on with an encoded authorization message).
    child.stderr.on('data', (c: Buffer) => void (err.length <= PROCESS_STDERR_SHOWN && (err = (err + c.toString('utf8')).slice(0, PROCESS_STDERR_SHOWN + 1))));
    child.on('error', (e) => void (error ??= `could not be started: ${e.message}`));
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: err, ...(error !== undefined ? { error } : {}) }));
  });
  const said = oneLine(ran.stderr.length > PROCESS_STDERR_SHOWN ? `${ran.stderr.slice(0, PROCESS_STDERR_SHOWN)}…` : ran.stderr.trim());
  if (ran.error !== undefined) return fail(ran.error);
  // A process that exits 10 says, as `gatehouse credentials` does, that its server is unreachable or unavailable:
  // passed through, so that a script retrying on 10 retries (review ll, 1: it read 9, a refusal, and gave up).
  const exit = ran.code === EXIT.unavailable ? EXIT.unavailable : EXIT.accessDenied;
  if (ran.code !== 0) return fail(`${ran.signal !== null ? `was ended by ${ran.signal}` : `exited with status ${ran.code}`}${said !== '' ? `: ${said}` : ' and said nothing on stderr'}`, exit);
  let doc: unknown;
  try {
    doc = JSON.parse(ran.stdout.trim());
  } catch {
    return fail(`printed no JSON document on stdout (it should print {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"})`);
  }
  const o = (typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? doc : {}) as Record<string, unknown>;
  if (o['Version'] !== 1) return fail(`printed a document without "Version": 1`);
  const id = o['AccessKeyId'];
  const secret = o['SecretAccessKey'];
  const token = o['SessionToken'];
  const expiration = o['Expiration'];
  if (typeof id !== 'string' || id === '' || typeof secret !== 'string' || secret === '') return fail('printed no AccessKeyId and SecretAccessKey');
  if (token !== undefined && token !== null && typeof token !== 'string') return fail('printed a SessionToken that is not a string');
  if (expiration !== undefined && expiration !== null && expiration !== '') {
    const at = typeof expiration === 'string' ? Date.parse(expiration) : Number.NaN;
    const shown = typeof expiration === 'string' ? `\`${expiration.slice(0, 64)}\`` : 'a value';
    if (Number.isNaN(at)) return fail(`printed ${shown} as Expiration, which is not a time (YYYY-MM-DDTHH:MM:SSZ)`);
    if (at <= now) return fail(`printed credentials that expired at ${shown}`);
  }
  return {
    ok: true,
    value: {
      credentials: { accessKeyId: id, secretAccessKey: secret, ...(typeof token === 'string' && token !== '' ? { sessionToken: token } : {}) },
      source: `the credential_process of the profile \`${profile.name}\` in ${profile.path}`,
      renew: `${which} printed a session that no longer works: make it print a new one (\`gatehouse credentials\` assumes the role anew each time it runs)`,
    },
  };
}

/** The variables of a pair of keys in the environment: AWS's, or the Alibaba credentials SDKs'. */
interface KeyVariables {
  readonly id: string;
  readonly secret: string;
  /** The session token's, first found wins. */
  readonly tokens: readonly string[];
}
const AWS_KEY_VARIABLES: KeyVariables = { id: 'AWS_ACCESS_KEY_ID', secret: 'AWS_SECRET_ACCESS_KEY', tokens: ['AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN'] };
/**
 * The Alibaba credentials SDKs' first source (credential-protocols §4.3, `providers/env.ts`): a RAM user's key, or a
 * session's with its token. Passed over, `--data-dir`'s admin signed for someone who meant to be that user (review qk, 2).
 */
const ALIBABA_KEY_VARIABLES: KeyVariables = { id: 'ALIBABA_CLOUD_ACCESS_KEY_ID', secret: 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', tokens: ['ALIBABA_CLOUD_SECURITY_TOKEN'] };

/**
 * The credentials of the environment (`vars`: AWS's variables unless told); undefined when none of the variables is
 * set. Half a pair is refused, as botocore refuses it (`Partial credentials found in env`) and the Alibaba SDKs do
 * (`cannot be empty`): falling back to the admin file would act as the account's admin for someone who meant to be,
 * say, alice. AWS's token is AWS_SESSION_TOKEN, else its older name AWS_SECURITY_TOKEN, which botocore reads too
 * (review kw, 4): the session's keys were sent without it, and the token alone let the admin file sign.
 */
function environmentCredentials(env: Env, vars: KeyVariables = AWS_KEY_VARIABLES): ClientResult<Credentials> | undefined {
  const id = env[vars.id];
  const secret = env[vars.secret];
  const tokenVariable = vars.tokens.find((v) => env[v]) ?? (vars.tokens[0] as string);
  const token = env[tokenVariable];
  if (!id && !secret && !token) return undefined;
  const state = (v: string | undefined) => (v === undefined ? 'is not set' : 'is empty');
  const partial = (message: string) =>
    failure(EXIT.usage, 'PartialCredentials', `partial credentials in the environment: ${message}; set both ${vars.id} and ${vars.secret}, or neither to use ${vars === AWS_KEY_VARIABLES ? '' : 'AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, '}a profile or --data-dir's admin-credentials.json`);
  if (id && !secret) return partial(`${vars.id} is set but ${vars.secret} ${state(secret)}`);
  if (!id && secret) return partial(`${vars.secret} is set but ${vars.id} ${state(id)}`);
  if (!id || !secret) return partial(`${tokenVariable} is set but ${vars.id} and ${vars.secret} are not`);
  return { ok: true, value: { accessKeyId: id, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) } };
}

/**
 * What `NoCredentials` says when the data dir holds no admin-credentials.json. A newcomer's first command before any
 * server ran (or run from another directory) was told to set keys they do not have, or to give `--data-dir DIR with
 * the server's admin-credentials.json` (review readme, ez6): it now says whether a server ever kept its data there,
 * and that the server writes the file on its first start.
 */
async function noCredentials(dataDir: string, file: string, ctx: CommandContext, readsProfileVariable: boolean): Promise<string> {
  const dir = join(dataDir);
  let exists: boolean | undefined;
  try {
    if (ctx.readDir !== undefined) exists = (await ctx.readDir(dir), true);
  } catch (e) {
    if (typeof e === 'object' && e !== null && 'code' in e && e.code === 'ENOENT') exists = false;
  }
  // `gatehouse credentials` reads no AWS_PROFILE (it names the profile whose credential_process runs it): a profile is
  // given there with --profile (review rr, 1).
  const keys = `set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or ${readsProfileVariable ? 'AWS_PROFILE' : 'give --profile NAME; AWS_PROFILE is not read by this command'})`;
  const start = dir === join(DEFAULT_DATA_DIR) ? '`npx gatehouse server`' : `\`npx gatehouse server --data-dir ${dir}\``;
  if (exists === false) return `no credentials: no server keeps its data in \`${dir}\` (it is \`gatehouse server\` that writes its admin's key to \`${file}\`, on its first start): start one (${start}), run this command where one keeps its data or give --data-dir DIR, or ${keys}`;
  if (exists === true) return `no credentials: \`${dir}\` holds no admin-credentials.json, which its server writes on its first start once it can serve (still starting? the file moved away?): wait for it, give --data-dir DIR with the server's admin-credentials.json, or ${keys}`;
  return `no credentials: ${keys}, or give --data-dir DIR with the server's admin-credentials.json (looked for \`${file}\`)`;
}

/** What `WebIdentityNotFollowed` says: the role the variables name (never the token), and what to do instead. */
function webIdentityRefusal(roleArn: string | undefined, readsProfileVariable: boolean): string {
  const role = roleArn ? `a session of \`${printable(roleArn.slice(0, 2048))}\` (AWS_ROLE_ARN)` : 'a session of the role AWS_ROLE_ARN names (it is not set)';
  return `AWS_WEB_IDENTITY_TOKEN_FILE is set: the AWS CLI and SDKs would sign as ${role}, assumed with that token (AssumeRoleWithWebIdentity), which gatehouse does not follow; set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN to such a session, name a profile (${readsProfileVariable ? 'AWS_PROFILE or --profile' : '--profile NAME; AWS_PROFILE is not read by this command'}), or unset AWS_WEB_IDENTITY_TOKEN_FILE to use --data-dir's admin-credentials.json`;
}

/** The job `gatehouse jobs run` gives this process's environment (its id, its container endpoint and token, its server). */
interface JobEnvironment {
  readonly id: string;
  /** Its container endpoint; undefined when both URI variables are unset or empty. */
  readonly uri: string | undefined;
  /** AWS_CONTAINER_AUTHORIZATION_TOKEN; undefined when it is unset or empty. */
  readonly token: string | undefined;
  readonly endpoint: string | undefined;
}

/**
 * The job whose environment `env` is, when it is one: `GATEHOUSE_JOB_ID` (every job's environment has its container
 * URI and token too). Neither is required here: a rank or pod whose token or URI was unset or blanked is in the job all
 * the same, and was taken for none, so that `--data-dir`'s admin key signed for it (review qk, 4); `connect` reads a
 * URI that names the capability without the token, as `credentials --job` does (review kv, 2), and refuses the rest.
 */
function inJob(env: Readonly<Record<string, string | undefined>>): JobEnvironment | undefined {
  const id = env['GATEHOUSE_JOB_ID'];
  if (!id) return undefined;
  // A pod reading the node agent at 169.254.170.2 is given a relative URI (review hk, 1).
  return { id, uri: containerUriOf(env) || undefined, token: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] || undefined, endpoint: env['AWS_ENDPOINT_URL'] || undefined };
}

/**
 * The exit status for a refusal of a job's credential endpoint (`gatehouse credentials --job` and the CLI in a rank
 * alike): 404/410 the job has no role or has ended; 401/403, and a 409 `AccessDenied` (the role's trust policy no
 * longer lets the service assume it, review km, 2), not allowed; another 409 a conflict (a quota); 5xx unavailable,
 * to retry; another 4xx refused input. The CLI in a rank said 10, an outage to retry, for every 409 and 4xx (review ma, 4).
 */
export function jobEndpointExit(status: number, code: unknown): ExitCode {
  if (status === 404 || status === 410) return EXIT.notFound;
  if (status === 401 || status === 403 || (status === 409 && code === 'AccessDenied')) return EXIT.accessDenied;
  if (status === 409) return EXIT.conflict;
  return status >= 500 ? EXIT.unavailable : EXIT.invalidRequest;
}

/** The job's current session, from its container endpoint (as `gatehouse credentials --job` reads it). */
async function jobSession(job: JobEnvironment & { readonly uri: string }): Promise<ClientResult<Credentials>> {
  let r: { status: number; ok: boolean; text: string };
  try {
    // Loaded here: it brings node:http, which a command that sends nothing never needs.
    const { endpointRequest } = await import('../launcher/endpoint-request.ts');
    r = await endpointRequest(job.uri, { headers: job.token !== undefined ? { authorization: job.token } : {} });
  } catch (e) {
    return failure(EXIT.unavailable, 'ConnectionFailed', `cannot reach the credential endpoint of job ${job.id}: ${e instanceof Error ? e.message : String(e)}`);
  }
  let doc: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(r.text);
    if (typeof parsed === 'object' && parsed !== null) doc = parsed as Record<string, unknown>;
  } catch {
    // Said below by the status.
  }
  if (!r.ok || typeof doc['AccessKeyId'] !== 'string' || typeof doc['SecretAccessKey'] !== 'string' || typeof doc['Token'] !== 'string') {
    // A 2xx without credentials in it (a proxy's page) is no refusal: said as unavailable.
    const status = r.ok ? EXIT.unavailable : jobEndpointExit(r.status, doc['Code']);
    const said = typeof doc['Message'] === 'string' ? `: ${doc['Message']}` : '';
    return failure(status, 'NoCredentials', `no credentials: this command runs in job ${job.id}, whose credential endpoint answered ${r.status}${said}`, r.status);
  }
  return { ok: true, value: { accessKeyId: doc['AccessKeyId'], secretAccessKey: doc['SecretAccessKey'], sessionToken: doc['Token'] } };
}

/**
 * The server `<data-dir>/admin-credentials.json` names (`Endpoint`), for credentials that come from elsewhere; nothing
 * when the file is missing, unreadable or malformed: it is not this command's credentials, so it is no error here.
 */
async function dataDirEndpoint(opts: ConnectionOptions, ctx: CommandContext): Promise<string | undefined> {
  try {
    const o: unknown = JSON.parse(await ctx.readFile(join(opts.dataDir ?? DEFAULT_DATA_DIR, CREDENTIALS_FILE)));
    const endpoint = typeof o === 'object' && o !== null ? (o as Record<string, unknown>)['Endpoint'] : undefined;
    return typeof endpoint === 'string' && endpoint !== '' ? endpoint : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What to do about a refused endpoint, by where it came from: the URL meant when it is `host:port` without its scheme
 * (which `new URL` reads as the scheme `host:`, or refuses); nothing else of it is repeated (it may hold a password).
 */
function endpointFix(from: string, raw: string): string {
  const meant = /^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\]):\d{1,5}(?:\/[^\s@]*)?$/.test(raw) ? `http://${raw}` : undefined;
  const give = meant !== undefined ? `give \`${meant}\` (or https:// for a server with --tls-cert)` : 'give one such as http://127.0.0.1:8470';
  if (from === '--endpoint') return `it is --endpoint's: ${give}`;
  if (from === 'GATEHOUSE_ENDPOINT') return `it comes from GATEHOUSE_ENDPOINT: correct or unset it, or ${give} as --endpoint`;
  return `it comes from ${from}: ${give} as --endpoint or GATEHOUSE_ENDPOINT`;
}

/** Finds the endpoint and the credentials; a failure says what to set. */
export async function connect(opts: ConnectionOptions, ctx: CommandContext): Promise<ClientResult<Connection>> {
  const env = ctx.env ?? {};
  if (opts.profile !== undefined && opts.profile.trim() === '') {
    return failure(EXIT.usage, 'EmptyArgument', `--profile is empty; name a profile of ~/.aws/credentials or ~/.aws/config (is a shell variable unset?), or leave the option out`);
  }
  // botocore's rule for a region name (validate_region_name): it goes into the signature's scope, where a `/` split
  // it (the server's IncompleteSignature, blaming the credentials) and a `\r` made Node refuse the Authorization header
  // (reported as ConnectionFailed, exit 10); from the environment as from --region (review jc, 2 and 8).
  // The profile's region and ca_bundle (its credentials file section's first; review kw, 1), below the option and the
  // variables, as the aws CLI ranks them (review jn, 3):
  // a profile with `region = eu-west-1` signed for us-east-1, and one with `ca_bundle` failed UntrustedCertificate.
  const shared = sharedFiles(env, ctx);
  const found = await profileSettings(shared, env, opts.profile);
  if (!found.ok) return found;
  const settings = found.value;
  const [regionFrom, region] =
    opts.region !== undefined ? ['--region', opts.region]
    : env['AWS_REGION'] ? ['AWS_REGION', env['AWS_REGION']]
    : env['AWS_DEFAULT_REGION'] ? ['AWS_DEFAULT_REGION', env['AWS_DEFAULT_REGION']]
    : settings.region !== undefined ? [settings.region.from, settings.region.value]
    : ['', 'us-east-1'];
  if (!/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(region)) {
    const fix = regionFrom === '--region' ? '' : settings.region !== undefined && regionFrom === settings.region.from ? '; correct it, or give --region' : `; correct or unset ${regionFrom}, or give --region`;
    return failure(EXIT.usage, 'InvalidRegion', `${regionFrom} \`${printable(region.slice(0, 64))}\` is not a region name (letters, digits and -, such as us-east-1)${fix}`);
  }
  let credentials: Credentials | undefined;
  let credentialsSource = ENVIRONMENT_SOURCE;
  // `ignoreProfile` (`gatehouse credentials`): AWS_PROFILE is passed over, so no advice names it (review rr, 1).
  const readsProfileVariable = opts.ignoreProfile !== true;
  let renew: string | undefined = readsProfileVariable ? RENEW_ENVIRONMENT : RENEW_ENVIRONMENT_NO_PROFILE_VARIABLE;
  let fileEndpoint: string | undefined;
  let roles: readonly RoleStep[] = [];
  const fromEnv = environmentCredentials(env);
  const fromAlibaba = environmentCredentials(env, ALIBABA_KEY_VARIABLES);
  // DESIGN.md: the environment's keys, else the data dir's admin-credentials.json; a profile named between them is
  // followed or refused, never replaced by the admin file (review ec: §3's credential_process profile acted as the admin).
  const plan = opts.profile !== undefined || opts.ignoreProfile !== true ? await profilePlan(shared, env, opts.profile, opts.ignoreProfile !== true) : undefined;
  // The environment's keys win over AWS_PROFILE, as in botocore, but over a profile whose chain starts from them
  // (credential_source = Environment): that profile says they are what assumes its role, not who signs; followed as
  // the JavaScript SDK follows it (AWS_PROFILE set, its chain skips the environment), and as `aws --profile` does.
  // botocore with AWS_PROFILE signs with the keys themselves (aws/aws-cli#3875), which makes the setting do nothing.
  const sourcedFromEnvironment = plan?.ok === true && plan.value.base.kind === 'environment';
  const job = inJob(env);
  // `--profile` passes the environment's keys over, as botocore drops its environment provider for a profile given
  // explicitly (review jc, 2): the README had to run `env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY` before a profile.
  let tokenVariables: string[] = [];
  if (fromEnv !== undefined && !sourcedFromEnvironment && opts.profile === undefined) {
    if (!fromEnv.ok) return fromEnv;
    credentials = fromEnv.value;
    tokenVariables = ['AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN'].filter((v) => env[v]);
  } else if (plan !== undefined) {
    if (!plan.ok) return plan;
    const base = await baseCredentials(plan.value.base, env, ctx.now());
    if (!base.ok) return base;
    credentials = base.value.credentials;
    credentialsSource = base.value.source;
    renew = base.value.renew;
    roles = plan.value.roles;
  } else if (fromAlibaba !== undefined) {
    // After AWS's keys and a profile (this is an AWS-shaped CLI), before the admin file, which stood in for them.
    if (!fromAlibaba.ok) return fromAlibaba;
    credentials = fromAlibaba.value;
    credentialsSource = ALIBABA_ENVIRONMENT_SOURCE;
    renew = RENEW_ALIBABA_ENVIRONMENT;
    tokenVariables = ALIBABA_KEY_VARIABLES.tokens.filter((v) => env[v]);
  } else if (env['AWS_WEB_IDENTITY_TOKEN_FILE']) {
    // The AWS tools take these variables, after the environment's keys and a profile's role, as this process's identity:
    // a session of AWS_ROLE_ARN assumed with the token (botocore's chain, credential-protocols §3.4; the JavaScript SDK's,
    // §2.5). Passed over, the job's session or the data dir's admin signed instead (review mr, 2); refused as a profile
    // with web_identity_token_file is (review ec), before anything is sent.
    return failure(EXIT.usage, 'WebIdentityNotFollowed', webIdentityRefusal(env['AWS_ROLE_ARN'], readsProfileVariable));
  } else if (job !== undefined) {
    // Inside a job (`gatehouse jobs run`), the job's own session, as the AWS SDKs there find it: never the data dir's
    // admin key, which stood in for the job's role (a job runs as its role only), and the job's server, which its
    // environment names as AWS_ENDPOINT_URL (review fm, 2). Nor when its URI or token is gone (review qk, 4).
    const { uri } = job;
    if (uri === undefined || (job.token === undefined && containerCapabilityOf(uri) === undefined)) {
      const state = (v: string) => (env[v] === undefined ? 'is not set' : 'is empty');
      const missing =
        uri === undefined
          ? 'its container URI, and neither AWS_CONTAINER_CREDENTIALS_FULL_URI nor AWS_CONTAINER_CREDENTIALS_RELATIVE_URI gives it'
          : `AWS_CONTAINER_AUTHORIZATION_TOKEN, which ${state('AWS_CONTAINER_AUTHORIZATION_TOKEN')} (and the container URI names no capability)`;
      return failure(
        EXIT.accessDenied,
        'NoCredentials',
        `no credentials: this command runs in job ${printable(job.id.slice(0, 64))} (GATEHOUSE_JOB_ID), whose session is read with ${missing}; --data-dir's admin-credentials.json does not stand in for the job: restore the variable, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or name a profile) to sign as someone else`,
      );
    }
    const got = await jobSession({ ...job, uri });
    if (!got.ok) return got;
    credentials = got.value;
    credentialsSource = `the job's credential endpoint (${env['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI'] ? 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI' : 'AWS_CONTAINER_CREDENTIALS_FULL_URI'}, job ${job.id})`;
    renew = 'run the command again, which reads the job\'s current credentials (a job that has ended has none)';
  } else {
    const file = join(opts.dataDir ?? DEFAULT_DATA_DIR, CREDENTIALS_FILE);
    credentialsSource = file;
    renew = undefined;
    let text: string | undefined;
    try {
      text = await ctx.readFile(file);
    } catch (e) {
      const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
      if (code !== 'ENOENT') return failure(EXIT.noInput, 'NoCredentials', `cannot read \`${file}\`: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (text === undefined) return failure(EXIT.accessDenied, 'NoCredentials', await noCredentials(opts.dataDir ?? DEFAULT_DATA_DIR, file, ctx, readsProfileVariable));
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return failure(EXIT.invalidInput, 'NoCredentials', `\`${file}\` is not JSON; it should hold AccessKeyId, SecretAccessKey and Endpoint`);
    }
    const o = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as Record<string, unknown>;
    if (typeof o['AccessKeyId'] !== 'string' || typeof o['SecretAccessKey'] !== 'string') return failure(EXIT.invalidInput, 'NoCredentials', `\`${file}\` lacks AccessKeyId or SecretAccessKey`);
    credentials = { accessKeyId: o['AccessKeyId'], secretAccessKey: o['SecretAccessKey'], ...(typeof o['SessionToken'] === 'string' ? { sessionToken: o['SessionToken'] } : {}) };
    if (typeof o['Endpoint'] === 'string') fileEndpoint = o['Endpoint'];
  }
  // The server is found whatever signs, as the aws CLI's endpoint settings are independent of its credentials: keys
  // from the environment or a profile went to 127.0.0.1:8470 though the job or the data dir named the server (review gr, 2).
  // Where it came from is said when it is refused (review lt, 2): GATEHOUSE_ENDPOINT left in a shell profile without its
  // scheme read as a mistake in a command line that gave no endpoint.
  const fromDataDir = () => `the Endpoint in \`${join(opts.dataDir ?? DEFAULT_DATA_DIR, CREDENTIALS_FILE)}\``;
  const dataDirRaw = fileEndpoint ?? (job?.endpoint === undefined ? await dataDirEndpoint(opts, ctx) : undefined);
  const [endpointFrom, raw]: readonly [string, string] =
    opts.endpoint !== undefined ? ['--endpoint', opts.endpoint]
    : env['GATEHOUSE_ENDPOINT'] ? ['GATEHOUSE_ENDPOINT', env['GATEHOUSE_ENDPOINT']]
    : fileEndpoint !== undefined ? [fromDataDir(), fileEndpoint]
    : job?.endpoint !== undefined ? ["the job's AWS_ENDPOINT_URL", job.endpoint]
    : dataDirRaw !== undefined ? [fromDataDir(), dataDirRaw]
    : ['the default', DEFAULT_ENDPOINT];
  let endpoint: URL;
  try {
    endpoint = new URL(raw);
  } catch {
    // Echoed as every refused URL is, without a user's password (review ik, 5).
    return failure(EXIT.usage, 'InvalidEndpoint', `the endpoint \`${shownGivenUrl(raw)}\` is not a URL; ${endpointFix(endpointFrom, raw)}`);
  }
  if (endpoint.protocol !== 'http:' && endpoint.protocol !== 'https:') return failure(EXIT.usage, 'InvalidEndpoint', `the endpoint \`${shownGivenUrl(raw)}\` must be http:// or https://; ${endpointFix(endpointFrom, raw)}`);
  // A server started with --tls-cert from a private CA (the README's way to the console and to webhooks) could be
  // trusted only through NODE_EXTRA_CA_CERTS, which nothing said; AWS_CA_BUNDLE is the aws CLI's way.
  // `--ca-bundle`, else AWS_CA_BUNDLE, else the profile's ca_bundle, as the aws CLI ranks them.
  const [caFrom, given] =
    opts.caBundle !== undefined ? ['--ca-bundle', opts.caBundle]
    : env['AWS_CA_BUNDLE'] ? ['AWS_CA_BUNDLE', env['AWS_CA_BUNDLE']]
    : settings.caBundle !== undefined ? [settings.caBundle.from, settings.caBundle.value]
    : ['', undefined];
  const bundle = expandHome(given, env['HOME'] || homedir()) || undefined;
  let ca: string | undefined;
  if (bundle !== undefined && endpoint.protocol === 'https:') {
    try {
      ca = await readBounded(ctx, bundle, MAX_CA_BUNDLE_BYTES);
    } catch (e) {
      if (errorCode(e) === 'EFBIG') return failure(EXIT.noInput, 'InvalidCaBundle', `${caFrom} \`${bundle}\` is larger than ${inMiB(MAX_CA_BUNDLE_BYTES)}, more than a CA bundle holds; check the path, and give the PEM file of the CA that signed the server's certificate`);
      // The file's text given for its path (`AWS_CA_BUNDLE="$(cat server.pem)"`, a CI variable holding the content): echoed
      // as the file that could not be read, a private key among the PEM was on the terminal (review qz, 7). Not shown.
      if (/-----BEGIN |[\r\n]/.test(bundle)) return failure(EXIT.noInput, 'InvalidCaBundle', `${caFrom} holds PEM text, not the path of a file (not shown): give the path of the PEM file of the CA that signed the server's certificate`);
      return failure(EXIT.noInput, 'InvalidCaBundle', `cannot read ${caFrom} \`${bundle}\`: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) return failure(EXIT.noInput, 'InvalidCaBundle', `${caFrom} \`${bundle}\` holds no PEM certificate (-----BEGIN CERTIFICATE-----); give the CA certificate that signed the server's`);
    // It replaces Node's roots, as it replaces the aws CLI's; certificates NODE_EXTRA_CA_CERTS adds are still trusted
    // (a host with AWS_CA_BUNDLE set for everything, and gatehouse's CA there, kept working).
    const extra = (require('node:tls') as typeof import('node:tls')).getCACertificates?.('extra') ?? [];
    if (extra.length > 0) ca = `${ca}\n${extra.join('\n')}`;
  }
  // AWS_MAX_ATTEMPTS, else the profile's max_attempts, as the aws CLI ranks them (review kw, 5: the profile's was not read).
  const [attemptsFrom, attempts] = env['AWS_MAX_ATTEMPTS'] ? ['AWS_MAX_ATTEMPTS', env['AWS_MAX_ATTEMPTS']] : settings.maxAttempts !== undefined ? [settings.maxAttempts.from, settings.maxAttempts.value] : ['', undefined];
  let maxAttempts = DEFAULT_MAX_ATTEMPTS;
  if (attempts !== undefined && attempts !== '') {
    // The variable is the aws CLI's and the SDKs' too, which take any whole number from 1 (20 is common in CI): a value
    // they take is taken here, at most MOST_ATTEMPTS tries, rather than failing every command, `gatehouse credentials`
    // as a credential_process among them (review aa10).
    if (!/^\d+$/.test(attempts.trim()) || Number(attempts) < 1) {
      return failure(EXIT.usage, 'InvalidMaxAttempts', `${attemptsFrom} must be a whole number of at least 1 (tries of a request, the first included; at most ${MOST_ATTEMPTS} are made), got \`${printable(attempts.slice(0, 40))}\``);
    }
    maxAttempts = Math.min(Number(attempts), MOST_ATTEMPTS);
  }
  const proxy = proxyOf(endpoint, env);
  if (proxy !== undefined && 'ok' in proxy) return proxy;
  const fault = credentialFault(credentials);
  if (fault !== undefined) return failure(EXIT.usage, 'InvalidCredentials', `${fault}, in the credentials from ${credentialsSource}; remove it`);
  const conn: Connection = { endpoint, credentials, region, credentialsSource, maxAttempts, ...(ctx.onInterrupt !== undefined ? { onInterrupt: ctx.onInterrupt } : {}), ...(renew !== undefined ? { renew } : {}), ...(tokenVariables.length > 0 ? { tokenVariables } : {}), ...(ca !== undefined ? { ca, caFrom } : {}), ...(proxy !== undefined ? { proxy } : {}) };
  if (roles.length === 0) return { ok: true, value: conn };
  const assumed = await assumeRoles(conn, roles, ctx.now());
  return assumed.ok ? { ok: true, value: { ...conn, credentials: assumed.value.credentials, credentialsSource: assumed.value.source, renew: assumed.value.renew } } : assumed;
}

/**
 * What makes a credential unsendable, said without its value: a key id, secret or session token is visible ASCII
 * (`A-Z0-9`, base64). A carriage return (a `.env` file with Windows line endings), a line break (a profile's key
 * continued on an indented line) or a space made the signed header invalid, and Node's refusal was reported as
 * `ConnectionFailed: cannot reach the Gatehouse server … (set GATEHOUSE_ENDPOINT or --endpoint)`, exit 10; in the
 * secret it was a SignatureDoesNotMatch from the server (review fd, 8).
 */
export function credentialFault(c: Credentials): string | undefined {
  const fields: [string, string | undefined][] = [['the access key id', c.accessKeyId], ['the secret access key', c.secretAccessKey], ['the session token', c.sessionToken]];
  for (const [what, value] of fields) {
    if (value === undefined) continue;
    const i = value.search(/[^\x21-\x7e]/);
    if (i === -1) continue;
    const code = value.charCodeAt(i);
    const char = code === 0x0d ? 'a carriage return (a Windows line ending?)' : code === 0x0a ? 'a line break' : code === 0x20 || code === 0x09 ? 'whitespace' : `the character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    return `${what} holds ${char} at character ${i + 1} of ${value.length}`;
  }
  return undefined;
}

/**
 * Whether a failed try may be made again, as the aws CLI and the SDKs retry: an answer that says nothing was done
 * (503 or 429 with a throttling or unavailable code: the server's store is down, a writer is busy, it is starting),
 * a connection refused or cut before the request was handed over, and for a read (GET, HEAD, a question sent as POST)
 * any lost connection.
 * Not a change whose connection was lost after it was sent: its outcome is unknown, and trying it again could make
 * it twice (OutcomeUnknown says so instead). Not a timeout of a change, for the same reason.
 */
function retryable(read: boolean, outcome: { status: number; code: string } | { error: SendError }, heavyRead = false): boolean {
  if ('error' in outcome) {
    const e = outcome.error;
    if (UNTRUSTED_CERTIFICATE.has(String(e.code ?? ''))) return false;
    if (tlsRefused(e)) return false;
    return e.sent !== true || (read && !heavyRead);
  }
  return (outcome.status === 503 || outcome.status === 429) && RETRYABLE_CODES.has(outcome.code);
}

/** The wait before try `attempt` + 1 (1-based): `Retry-After` when the server gave one of at most 20 s, else full jitter. */
function backoffMs(attempt: number, retryAfter: string | undefined, random: () => number = Math.random): number {
  const seconds = retryAfter !== undefined && /^\d{1,2}$/.test(retryAfter.trim()) ? Number(retryAfter) : undefined;
  if (seconds !== undefined && seconds * 1000 <= MAX_BACKOFF_MS) return seconds * 1000;
  return Math.floor(random() * Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** attempt));
}

/** RFC 3986 encoding, as SigV4 canonicalizes (`encodeURIComponent` leaves `!'()*` alone). */
export const encodeSegment = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * A path segment: `encodeSegment`, and a name that is `.` or `..` as `%2E`/`%2E%2E`, since SigV4 signs a path with its
 * dot segments removed and the server refuses one (review ld, 1); `%2E` is signed, sent and read as written.
 */
const encodePathSegment = (s: string): string => (s === '.' ? '%2E' : s === '..' ? '%2E%2E' : encodeSegment(s));

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);
/** Answers that refuse the key itself rather than what it asked for. */
const KEY_REFUSALS: ReadonlySet<string> = new Set(['InvalidClientTokenId', 'SignatureDoesNotMatch', 'ExpiredToken', 'IncompleteSignature']);

/**
 * Why the server refused a key with `InvalidClientTokenId`, when its id says it: a user's long-term key (`AKIA…`,
 * Alibaba's `LTAI…`) sent with a session token, or a temporary one (`ASIA…`, `STS.…`) without. The first is what
 * `eval "$(gatehouse sts assume-role …)"` and then exporting a user's two keys (README §3, §4) leaves in a shell:
 * AWS_SESSION_TOKEN of the earlier session, which the refusal, `The security token included in the request is invalid
 * (credentials from AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)`, did not name (review iv, 5).
 */
function tokenMismatch(conn: Connection): string | undefined {
  const { accessKeyId: id, sessionToken } = conn.credentials;
  const alibabaEnv = conn.credentialsSource === ALIBABA_ENVIRONMENT_SOURCE;
  const env = alibabaEnv || conn.credentialsSource === ENVIRONMENT_SOURCE;
  if (sessionToken !== undefined && /^(?:AKIA|LTAI)/.test(id)) {
    // The variable actually set: AWS_SECURITY_TOKEN alone was named AWS_SESSION_TOKEN, which unsetting changed nothing
    // for; both when both are, since the one left would still be sent (review ll, 2).
    const set = conn.tokenVariables ?? ['AWS_SESSION_TOKEN'];
    const named = set.length > 1 ? `${set.join(' and ')} are set (left from an earlier session?): unset them` : `${set[0] ?? 'AWS_SESSION_TOKEN'} is set (left from an earlier session?): unset it`;
    return `: ${id.slice(0, 4)}… is a user's long-term access key, which takes no session token, but ${env ? named : 'one is given with it: remove it'}`;
  }
  if (sessionToken === undefined && /^(?:ASIA|STS\.)/.test(id)) {
    return `: ${id.slice(0, 4)}… is a temporary access key, which needs the session token issued with it, but ${env ? `${alibabaEnv ? 'ALIBABA_CLOUD_SECURITY_TOKEN' : 'AWS_SESSION_TOKEN'} is not set: set it too` : 'none is given with it'}`;
  }
  return undefined;
}

function exitOfHttp(status: number): ExitCode {
  if (status === 401 || status === 403) return EXIT.accessDenied;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  if (status >= 400 && status < 500) return EXIT.invalidInput;
  if (status === 503 || status === 502 || status === 504) return EXIT.unavailable;
  return EXIT.internal;
}

/**
 * What a command reads of an answer, checked before it reads it: a 200 of another shape (an endpoint that answers
 * `{}` or `[]` to everything, a proxy, a service of another kind) was printed as `undefined`, crashed the command
 * (exit 70), or was taken as done (`deleted user bob`). `'string'`, `'number'`, `'boolean'`, `'object'`, `'any'`
 * (present, of any type), each with `?` when it may be absent or null; `[shape]`, a list of that; `{ field: shape }`,
 * an object with those fields (others are not looked at), `'field?'` one that may be absent or null; `'no content'`,
 * a 204 with no body.
 */
export type Shape = ShapeName | `${ShapeName}?` | 'no content' | readonly [Shape] | { readonly [field: string]: Shape };
type ShapeName = 'string' | 'number' | 'boolean' | 'object' | 'any';

/** Where `value` is not `shape`: `` `users[3].arn` is missing ``; undefined when it is. */
export function mismatch(value: unknown, shape: Shape, path = ''): string | undefined {
  const at = path === '' ? 'the answer' : `\`${path}\``;
  const got = value === undefined ? 'missing' : value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;
  const not = (what: string): string => (value === undefined ? `${at} is missing` : `${at} is ${got}, not ${what}`);
  if (typeof shape === 'string') {
    const optional = shape.endsWith('?');
    const name = optional ? shape.slice(0, -1) : shape;
    if (value === undefined || value === null) return optional ? undefined : `${at} is ${got}`;
    if (name === 'any') return undefined;
    if (name === 'object') return typeof value === 'object' && !Array.isArray(value) ? undefined : not('an object');
    return typeof value === name ? undefined : not(`a ${name}`);
  }
  if (Array.isArray(shape)) {
    if (!Array.isArray(value)) return not('a list');
    const each = shape[0] as Shape;
    for (let i = 0; i < value.length; i++) {
      const m = mismatch(value[i], each, `${path}[${i}]`);
      if (m !== undefined) return m;
    }
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return not('an object');
  for (const [key, s] of Object.entries(shape as Record<string, Shape>)) {
    const field = key.endsWith('?') ? key.slice(0, -1) : key;
    const v = (value as Record<string, unknown>)[field];
    if (field !== key && (v === undefined || v === null)) continue;
    const m = mismatch(v, s, path === '' ? field : `${path}.${field}`);
    if (m !== undefined) return m;
  }
  return undefined;
}

export interface RequestOptions {
  /**
   * What the command reads of a 2xx answer (see `Shape`); an answer not of it fails with `InvalidResponse`, exit
   * 10, naming the endpoint. Without it, any JSON, or a 204 with no body.
   */
  readonly shape?: Shape;
  readonly query?: Readonly<Record<string, string | undefined>>;
  readonly body?: unknown;
  /** How long the answer may take once the request is sent, ms (default 30 s). */
  readonly timeoutMs?: number;
  /**
   * Told, on stderr, when the answer is slow to come: after `SLOW_NOTICE_MS`, then each `SLOW_NOTICE_MS` more, so a
   * long wait (an apply may take 10 minutes) is never silent.
   */
  readonly progress?: (text: string) => void;
  /** Tries of this request, the first included (default: the connection's, from AWS_MAX_ATTEMPTS): 1 for a caller with its own retry loop. */
  readonly maxAttempts?: number;
  /**
   * A read whose work on the server is long (`audit verify` walks the whole chain): once sent, it is not sent again
   * when its connection is cut or times out (the walk would start over, while the first may still run); a refusal
   * before the work began (503, 429, a refused connection) is still tried again. A POST given it is a read too.
   */
  readonly heavyRead?: boolean;
  /**
   * A POST that changes nothing (the questions: authorize, simulate, who-can, escalation-paths): retried and reported
   * as a GET is, never `OutcomeUnknown` (exit 11 is for a change whose outcome is unknown: docs/errors.md).
   */
  readonly read?: boolean;
}

/** When a request given `progress` first says it is still waiting, and how often after. */
export const SLOW_NOTICE_MS = 5_000;

/** A transport error, and whether the whole request had been handed to the connection before it. */
/**
 * `sent`: the whole request was handed to the server's HTTP layer (over TLS, once the handshake was made), so a lost
 * connection leaves a change's outcome unknown. `handshake: false`: an https endpoint whose TLS handshake failed, so
 * nothing reached the server.
 */
type SendError = Error & { code?: string; sent?: boolean; handshake?: boolean };

/**
 * The SigV4 signer and its hash, imported when a request is first signed: with `@smithy/core` beneath them they are
 * about thirty modules, which a command that fails before it sends (no credentials, a usage error) never needs.
 */
async function signerModules(): Promise<{ SignatureV4: typeof import('@smithy/signature-v4').SignatureV4; Sha256: typeof import('@aws-crypto/sha256-js').Sha256 }> {
  const [signer, sha] = await Promise.all([import('@smithy/signature-v4'), import('@aws-crypto/sha256-js')]);
  // Both are CommonJS: their `default` is module.exports whole, where a named export Node's loader left undefined (a
  // plain fstat of a pipe before the import, on Node.js 24.9; review ma, 1) is still found.
  return { SignatureV4: signer.SignatureV4 ?? signer.default.SignatureV4, Sha256: sha.Sha256 ?? sha.default.Sha256 };
}

/**
 * Sends one signed request to `/v1/<path>` (`segments` are URL-encoded here) and reads the JSON answer.
 */
export async function call<T = Record<string, unknown>>(conn: Connection, method: string, segments: readonly string[], opts: RequestOptions = {}): Promise<ClientResult<T>> {
  // An empty name (`gatehouse iam users get "$USER"` with USER unset) made another route: `GET /v1/users/` is the
  // listing, printed as if it were the user, exit 0; `DELETE /v1/users/` a MethodNotAllowed. Refused before sending.
  if (segments.some((s) => s.trim() === '')) {
    return failure(EXIT.usage, 'EmptyArgument', `an empty argument where a name or id goes (${method} /v1/${segments.map((s) => (s.trim() === '' ? '<empty>' : s)).join('/')}): give one (is a shell variable unset?)`);
  }
  const base = conn.endpoint.pathname.replace(/\/+$/, '');
  const path = `${base}/v1/${segments.map(encodePathSegment).join('/')}`;
  const query: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) query[k] = v;
  const queryString = Object.entries(query)
    .map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`)
    .join('&');
  const body = opts.body === undefined ? '' : JSON.stringify(opts.body);
  const host = conn.endpoint.host;
  const { SignatureV4, Sha256 } = await signerModules();
  const signer = new SignatureV4({ service: SERVICE, region: conn.region, credentials: conn.credentials, sha256: Sha256 });
  // Signed for each try, as the SDKs sign each attempt: a signature is accepted for 15 minutes, and a retry after a
  // long timeout (10 minutes for `apply` and `audit verify`) sent the first one, refused then as expired (review aa).
  const sign = () =>
    signer.sign({
      method,
      protocol: conn.endpoint.protocol,
      hostname: conn.endpoint.hostname,
      ...(conn.endpoint.port ? { port: Number(conn.endpoint.port) } : {}),
      path,
      query,
      headers: { host, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
      body,
    });

  let answer: Answer;
  const timeoutMs = opts.timeoutMs ?? TIMEOUT_MS;
  const started = Date.now();
  const progress = opts.progress;
  const notice =
    progress === undefined
      ? undefined
      : setInterval(() => {
          const waited = Math.round((Date.now() - started) / 1000);
          progress(`gatehouse: still waiting for the server at ${conn.endpoint.origin} (${waited} s; given up after ${Math.round(timeoutMs / 1000)} s without a byte of answer; Ctrl-C to stop)\n`);
        }, SLOW_NOTICE_MS);
  const maxAttempts = opts.maxAttempts ?? conn.maxAttempts ?? 1;
  const read = method === 'GET' || method === 'HEAD' || opts.read === true || opts.heavyRead === true;
  // Ctrl-C while a change waits for its answer stops the waiting, not the server, which finishes a request it has read:
  // the command ended without a word, and the change was taken for undone (review lt, 3). As exit 11 says it.
  const undoInterrupt = read
    ? undefined
    : conn.onInterrupt?.(
        (signal) =>
          `\ngatehouse: interrupted (${signal}) while waiting for the answer to \`${method} ${path}\` from ${conn.endpoint.origin}: once sent, the server carries it out all the same (it may have already); look before doing it again (\`gatehouse plan\` shows what an apply still has to do)\n`,
      );
  try {
    for (let attempt = 1; ; attempt++) {
      let outcome: { status: number; code: string } | { error: SendError };
      let tried: Answer | undefined;
      try {
        const signed = await sign();
        tried = await send(conn.endpoint, method, queryString ? `${path}?${queryString}` : path, signed.headers, body, timeoutMs, conn.ca, conn.proxy?.agent);
        // The body is read for its code only where a retry could follow (a listing may be megabytes, parsed below).
        outcome = { status: tried.status, code: tried.status === 503 || tried.status === 429 ? errorCodeOf(tried.text) : '' };
      } catch (e) {
        outcome = { error: e as SendError };
      }
      if (attempt >= maxAttempts || !retryable(read, outcome, opts.heavyRead)) {
        if ('error' in outcome) throw outcome.error;
        answer = tried as Answer;
        break;
      }
      const wait = backoffMs(attempt, tried?.retryAfter);
      const what = 'error' in outcome ? (outcome.error.code ?? outcome.error.message) : `${outcome.status} ${outcome.code}`;
      // Said where the command shows progress (the aws CLI says nothing); the last try's failure is reported as before.
      progress?.(`gatehouse: ${what} from ${conn.endpoint.origin}; trying again in ${(wait / 1000).toFixed(1)} s (try ${attempt + 1} of ${maxAttempts}, AWS_MAX_ATTEMPTS)\n`);
      await new Promise((r) => setTimeout(r, wait));
    }
  } catch (e) {
    const err = e as SendError;
    const code = typeof err === 'object' && err !== null && err.code !== undefined ? String(err.code) : '';
    if (UNTRUSTED_CERTIFICATE.has(code)) {
      // Not a server that cannot be reached: one whose certificate is not trusted here, which retrying does not change.
      // Node's own advice (`try running Node.js with --use-system-ca`) is not something a gatehouse user can do.
      const reason = (e instanceof Error ? e.message : code).replace(/; if the root CA is installed locally.*$/, '');
      return failure(
        EXIT.unavailable,
        'UntrustedCertificate',
        `the certificate of ${conn.endpoint.origin} is not trusted (${reason})${conn.ca !== undefined ? ` by ${conn.caFrom ?? 'AWS_CA_BUNDLE'}` : ''}: set AWS_CA_BUNDLE to a PEM file with the CA that signed it (for a self-signed one, the certificate itself: the server's --tls-cert)`,
      );
    }
    const proxy = conn.proxy;
    if (proxy !== undefined && err?.sent !== true && (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ETIMEDOUT' || code === 'ECONNRESET')) {
      // Not the server that could not be reached: the proxy the environment names, which every request goes through.
      return failure(
        EXIT.unavailable,
        'ConnectionFailed',
        `cannot reach the proxy ${proxy.shown} (${proxy.variable}) to send to the Gatehouse server at ${conn.endpoint.origin}: ${code === 'ECONNREFUSED' ? 'connection refused' : code === 'ETIMEDOUT' ? 'timed out' : code}; check ${proxy.variable}, or add ${conn.endpoint.hostname} to ${proxy.bypass} to reach the server directly`,
      );
    }
    const scheme = proxy === undefined ? await otherScheme(conn.endpoint, err) : undefined;
    if (scheme !== undefined) return failure(EXIT.unavailable, 'ConnectionFailed', scheme);
    // OpenSSL's messages end in a line break (`…:tls_common.c:662:\n`): one line, as every error is.
    const why = code === 'ECONNREFUSED' ? 'connection refused; is `gatehouse server` running there?' : code === 'ETIMEDOUT' ? 'timed out' : oneLine(e instanceof Error ? e.message : String(e)).trim().replace(/:$/, '');
    // A change sent in full and then cut off may have been made (an apply committed just before the server went
    // away): saying the server could not be reached would tell the operator that nothing happened.
    if (err?.sent === true && !read) {
      return failure(
        EXIT.outcomeUnknown,
        'OutcomeUnknown',
        `the connection to the Gatehouse server at ${conn.endpoint.origin} was lost after the request was sent (${why}): it may or may not have been carried out; look before doing it again (\`gatehouse plan\` shows what an apply still has to do)`,
      );
    }
    // A long read sent in full and then cut off (`heavyRead`: `audit verify`, `plan`) reached the server, whose work may still be
    // running: not tried again, and not a server that cannot be reached (review ad, ad7: it said so, as for a wrong
    // endpoint).
    if (err?.sent === true && opts.heavyRead === true) {
      return failure(
        EXIT.unavailable,
        'ConnectionLost',
        `the connection to the Gatehouse server at ${conn.endpoint.origin} was lost after the request was sent (${why}): its work may still be running there, so it was not sent again; try again in a while`,
      );
    }
    return failure(EXIT.unavailable, 'ConnectionFailed', `cannot reach the Gatehouse server at ${conn.endpoint.origin}: ${why} (set GATEHOUSE_ENDPOINT or --endpoint)`);
  } finally {
    clearInterval(notice);
    undoInterrupt?.();
  }
  let json: unknown;
  try {
    json = answer.text === '' ? {} : JSON.parse(answer.text);
  } catch {
    return notGatehouse(conn, answer.status, 'with a body that is not JSON', `${method} ${path}`, answer.text);
  }
  if (answer.status >= 200 && answer.status < 300) {
    // Every answer of the admin API is JSON, but for the 204 of a delete; the command says what it reads of it.
    const route = `\`${method} /v1/${segments.join('/')}\``;
    if (opts.shape === 'no content') return answer.status === 204 ? { ok: true, value: {} as T } : notGatehouse(conn, answer.status, `where ${route} answers 204 with no content`, `${method} ${path}`);
    const wrong = answer.text === '' ? (answer.status === 204 && opts.shape === undefined ? undefined : 'the answer is empty') : opts.shape === undefined ? undefined : mismatch(json, opts.shape);
    if (wrong !== undefined) return notGatehouse(conn, answer.status, `but not as ${route} answers (${wrong})`, `${method} ${path}`);
    return { ok: true, value: json as T, ...(answer.requestId !== undefined ? { requestId: answer.requestId } : {}) };
  }
  const err = (typeof json === 'object' && json !== null ? (json as Record<string, unknown>)['error'] : undefined) as Record<string, unknown> | undefined;
  // Every error of the admin API is `{"error": {"code", "message"}}`; any other answer is not its (the agent's port
  // answers 404 `{"Code": …}`), and its status means nothing of what was asked: exit 6 would say the user asked about
  // does not exist.
  if (typeof err?.['code'] !== 'string') return notGatehouse(conn, answer.status, 'without an error of the Gatehouse API', `${method} ${path}`, answer.text);
  const code = err['code'];
  const said = typeof err?.['message'] === 'string' ? err['message'] : `the server answered ${answer.status}`;
  // A key refused is a question of which key: say where it was taken from (the environment, a profile, the admin file).
  // An expired or revoked session (ExpiredToken) says too how to get a new one from where it came from.
  const renewal = code === 'ExpiredToken' && conn.renew !== undefined && conn.renew !== '' ? `: the session has expired or was revoked; ${conn.renew}` : '';
  const ours = typeof err?.['gatehouseCode'] === 'string' && KNOWN_CODES.has(err['gatehouseCode']) ? (err['gatehouseCode'] as ErrorCode) : undefined;
  // No route: the endpoint's path may be why (review id, 3).
  const pathNote = ours === 'UNKNOWN_ROUTE' ? endpointPathNote(conn) : undefined;
  const tokenNote = code === 'InvalidClientTokenId' ? tokenMismatch(conn) : undefined;
  const message = KEY_REFUSALS.has(code) ? `${said} (credentials from ${conn.credentialsSource})${tokenNote ?? ''}${renewal}` : pathNote !== undefined ? `${said}; ${pathNote}` : said;
  // A server of before the details of a single error were sent: its error, without a path.
  const details = Array.isArray(err?.['details']) ? (err['details'] as ClientFailure['errors']) : ours ? [{ code: ours, message, path: '' }] : [];
  // The server lost its database connection while the change committed (review aa1): as a connection lost here after
  // sending, its outcome is unknown (exit 11), and it is not sent again.
  const answered = answer.requestId !== undefined ? { requestId: answer.requestId } : {};
  if (code === 'OutcomeUnknown') return { ...failure(EXIT.outcomeUnknown, code, message, answer.status, details), ...answered };
  return { ...failure(ours ? EXIT_CODES[ours] : exitOfHttp(answer.status), code, message, answer.status, details), ...answered };
}

/**
 * A DELETE the API answers with 204, read as the API's other deletes answer (`{"deleted": name}`), so that `--json`
 * prints the same shape for every delete.
 */
export async function deleteNoContent(conn: Connection, segments: readonly string[], name: string): Promise<ClientResult<{ deleted: string }>> {
  const r = await call(conn, 'DELETE', segments, { shape: 'no content' });
  return r.ok ? { ok: true, value: { deleted: name } } : r;
}

/**
 * An answer that is not the admin API's: the endpoint names something else (the agent's or the S3 gateway's port, a
 * proxy, another service), so the Gatehouse server was not reached (exit 10), unless the status says more: 401/403
 * (a proxy's authentication, exit 9) or a 5xx (a proxy's bad gateway, exit 10; 500, 70).
 */
function notGatehouse(conn: Connection, status: number, what: string, request: string, body?: string): ClientFailure {
  const exit = status === 401 || status === 403 ? EXIT.accessDenied : status >= 500 ? exitOfHttp(status) : EXIT.unavailable;
  // With a path, the endpoint is named with it, and the request sent: the server's origin alone, right as it was, read
  // as the thing wrong when its path was (the console's address given as the endpoint, review id, 3).
  const note = endpointPathNote(conn);
  const port = note === undefined && body !== undefined ? gatehousePort(body) : undefined;
  if (port !== undefined) {
    // The API's address it names is repeated only on the host reached: another host's answer is not taken for a pointer.
    const api = port.api !== undefined && port.api.hostname === conn.endpoint.hostname ? `the API's address, ${port.api.origin},` : "the address of its API (`gatehouse server`'s --listen)";
    return failure(exit, 'InvalidResponse', `${conn.endpoint.origin} is Gatehouse's ${port.what}, not its API: give ${api} as --endpoint (or GATEHOUSE_ENDPOINT)`, status);
  }
  return failure(
    exit,
    'InvalidResponse',
    note !== undefined
      ? `the server at ${conn.endpoint.origin}${conn.endpoint.pathname} answered ${status} to ${request} ${what}: ${note}`
      : `the server at ${conn.endpoint.origin} answered ${status} ${what}: is it the Gatehouse API (\`gatehouse server\`'s --listen, ${DEFAULT_ENDPOINT} by default) and not its agent or S3 gateway port? (set GATEHOUSE_ENDPOINT or --endpoint)`,
    status,
  );
}

/**
 * Which port of a Gatehouse server, not its API, answered (the CLI given the S3 gateway's or the job credential
 * endpoints' address), from what that port says of itself in its refusal (the S3 gateway's `<Message>`, the credential
 * endpoints' JSON `Message`: `This is Gatehouse's S3 gateway, …; send admin API requests to URL`), and the API's address
 * it names when that is a URL. Undefined for any other answer (review iv, 4).
 */
function gatehousePort(body: string): { readonly what: string; readonly api: URL | undefined } | undefined {
  const text = body.slice(0, 16_384);
  let message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1]?.replace(/&(apos|quot|lt|gt|amp);/g, (_, e: string) => XML_ENTITIES[e] ?? '');
  if (message === undefined) {
    try {
      const parsed: unknown = JSON.parse(text);
      const said = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)['Message'] : undefined;
      if (typeof said === 'string') message = said;
    } catch {
      return undefined;
    }
  }
  const m = /This is Gatehouse's (S3 gateway|credential endpoint for jobs \(--agent-listen\)), which serves [^;]*; send admin API requests to (\S+)$/.exec(message ?? '');
  if (m === null) return undefined;
  let api: URL | undefined;
  try {
    api = new URL(m[2] as string);
  } catch {
    api = undefined;
  }
  return { what: m[1] as string, api: api !== undefined && /^https?:$/.test(api.protocol) ? api : undefined };
}

const XML_ENTITIES: Readonly<Record<string, string>> = { apos: "'", quot: '"', lt: '<', gt: '>', amp: '&' };

/**
 * What to say of an endpoint with a path, under which every request is sent (a proxy may serve the API under one):
 * undefined for none. The console's address (`/ui/`, printed by `gatehouse server`) and a path ending in `/v1` (which
 * the CLI adds itself) are named as such, with the endpoint to give.
 */
function endpointPathNote(conn: Connection): string | undefined {
  const base = conn.endpoint.pathname.replace(/\/+$/, '');
  if (base === '') return undefined;
  if (/^\/ui$/i.test(base)) return `the endpoint's path \`${base}\` is the web console's, not the API's: give --endpoint ${conn.endpoint.origin} (or set GATEHOUSE_ENDPOINT so)`;
  if (/\/v1$/i.test(base)) return `the CLI adds /v1/ to the endpoint itself: give --endpoint ${conn.endpoint.origin}${base.slice(0, -3)} (or set GATEHOUSE_ENDPOINT so)`;
  return `every request goes under the endpoint's path \`${base}\`: is the API served there (a proxy's prefix), or at the server's root (--endpoint ${conn.endpoint.origin})?`;
}

/** Node's codes for a certificate chain it does not trust (a name that does not match is said the same way). */
const UNTRUSTED_CERTIFICATE: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** An https endpoint's TLS handshake that failed on the protocol (not on the certificate): no TLS server there. */
const tlsRefused = (e: SendError): boolean => e.handshake === false && (e.code === 'EPROTO' || /^ERR_SSL_/.test(String(e.code ?? '')));

/** How long a probe of the other scheme may take, ms: it follows a failure, and a server on 127.0.0.1 answers in one. */
const SCHEME_PROBE_MS = 2_000;

/**
 * The endpoint's scheme is the other one, said with the URL to use; undefined when that is not what happened. A
 * newcomer's first mistakes: `https://` for a server started without --tls-cert (its TLS handshake fails on a plain
 * HTTP answer: OpenSSL's `packet length too long`, over a line), and `http://` for one started with it (the server
 * closes the connection on a request that is not TLS: `socket hang up`, or a parse error on its TLS alert). Nothing
 * reached the server's HTTP layer either way, so a change was not carried out, and is not OutcomeUnknown (exit 11):
 * it was. Said only when a probe of the same address with the other scheme finds that scheme there.
 */
async function otherScheme(endpoint: URL, e: SendError): Promise<string | undefined> {
  const code = String(e?.code ?? '');
  const port = Number(endpoint.port || (endpoint.protocol === 'https:' ? 443 : 80));
  const address = (scheme: string) => `${scheme}//${endpoint.hostname}:${port}`;
  if (endpoint.protocol === 'https:') {
    if (!tlsRefused(e) || !(await answersHttp(endpoint.hostname, port))) return undefined;
    return `the server at ${endpoint.origin} answers plain HTTP, not TLS: use ${address('http:')} (set GATEHOUSE_ENDPOINT or --endpoint; \`gatehouse server\` speaks HTTPS only with --tls-cert and --tls-key); nothing was sent`;
  }
  if (code !== 'ECONNRESET' && !code.startsWith('HPE_')) return undefined;
  if (!(await completesTls(endpoint.hostname, port))) return undefined;
  return `the server at ${endpoint.origin} speaks HTTPS (started with --tls-cert): use ${address('https:')} (set GATEHOUSE_ENDPOINT or --endpoint; AWS_CA_BUNDLE for a private CA); it read nothing of the request`;
}

/**
 * A URL's hostname as Node's `http.request` options take it: an IPv6 address without the brackets the URL writes it in
 * (`http://[::1]:8470`), as `http.request(url)` itself strips them; with them, it is looked up as a host name and the
 * request fails with ENOTFOUND (review of, 1). The `Host` header, and so the signature, keep the URL's spelling.
 */
const bareHostname = (hostname: string): string => hostname.replace(/^\[(.*)\]$/, '$1');

/** Whether HOST:PORT completes a TLS handshake, whatever its certificate (only the scheme is asked). */
function completesTls(hostname: string, port: number): Promise<boolean> {
  const tls = require('node:tls') as typeof import('node:tls');
  const net = require('node:net') as typeof import('node:net');
  const host = bareHostname(hostname);
  return new Promise((resolve) => {
    const socket = tls.connect({ host, port, rejectUnauthorized: false, timeout: SCHEME_PROBE_MS, ...(net.isIP(host) === 0 ? { servername: host } : {}) });
    const done = (v: boolean) => {
      socket.destroy();
      resolve(v);
    };
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}

/** Whether HOST:PORT answers a plain HTTP request (any status). */
function answersHttp(hostname: string, port: number): Promise<boolean> {
  const http = require('node:http') as typeof import('node:http');
  return new Promise((resolve) => {
    const req = http.request({ hostname: bareHostname(hostname), port, method: 'GET', path: '/healthz', agent: false, timeout: SCHEME_PROBE_MS }, (res) => {
      res.resume();
      resolve(true);
      req.destroy();
    });
    req.once('error', () => resolve(false));
    req.once('timeout', () => req.destroy());
    req.end();
  });
}

/** The code of an admin API error answer (`{"error": {"code"}}`), else ''. */
function errorCodeOf(text: string): string {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } } | null)?.error?.code;
    return typeof code === 'string' ? code : '';
  } catch {
    return '';
  }
}

type Answer = { status: number; text: string; retryAfter?: string; requestId?: string };

/**
 * The proxy variables the aws CLI reads, by the endpoint's protocol, in the order it reads them: lower case first, as
 * Python's `getproxies_environment` (botocore's) and the Node.js agent that sends (`proxyEnv`) prefer it. Upper case
 * first, a failure named `HTTP_PROXY`'s proxy while the agent had tried `http_proxy`'s (review np, 4).
 */
const PROXY_VARIABLES: Readonly<Record<string, readonly string[]>> = { 'https:': ['https_proxy', 'HTTPS_PROXY'], 'http:': ['http_proxy', 'HTTP_PROXY'] };
/** The variable of the hosts no proxy is used for, as the agent reads it: `no_proxy` when it is set (not empty), else `NO_PROXY`. */
const noProxyVariable = (env: Env): string => ((env['no_proxy'] ?? '') !== '' ? 'no_proxy' : 'NO_PROXY');
/** Agents by protocol and the proxy environment they were made with: one each, kept for the process. */
const proxyAgents = new Map<string, import('node:http').Agent>();

/** Whether `NO_PROXY` (either case: `noProxyVariable`) names `endpoint`'s host: `*`, the host, a domain it is in (`.example.com` or `example.com`), with or without its port. */
function noProxy(endpoint: URL, env: Env): boolean {
  const list = env[noProxyVariable(env)] ?? '';
  const host = endpoint.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = endpoint.port || (endpoint.protocol === 'https:' ? '443' : '80');
  return list
    .split(/[,\s]+/)
    .filter((e) => e !== '')
    .some((entry) => {
      if (entry === '*') return true;
      const m = /^(.*?)(?::(\d+))?$/.exec(entry.replace(/^\[|\](?=:\d+$|$)/g, '').toLowerCase());
      const name = (m?.[1] ?? '').replace(/^\*?\./, '');
      if (m?.[2] !== undefined && m[2] !== port) return false;
      return name !== '' && (host === name || host.endsWith(`.${name}`));
    });
}

/**
 * The proxy the environment names for `endpoint`, as the aws CLI reads it (`HTTP_PROXY` for http://, `HTTPS_PROXY` for
 * https://, tunnelled with CONNECT; none for a host `NO_PROXY` names), with the agent that sends through it (Node's own
 * agents read the variables: `proxyEnv`, Node 24.5); undefined when none applies. From the command's environment.
 */
function proxyOf(endpoint: URL, env: Env): ProxyUse | ClientFailure | undefined {
  const variable = (PROXY_VARIABLES[endpoint.protocol] ?? []).find((v) => (env[v] ?? '') !== '');
  if (variable === undefined || noProxy(endpoint, env)) return undefined;
  const proxyEnv: Record<string, string> = {};
  for (const v of [...Object.values(PROXY_VARIABLES).flat(), 'NO_PROXY', 'no_proxy']) if (env[v] !== undefined) proxyEnv[v] = v.toUpperCase() === 'NO_PROXY' ? (env[v] as string) : withProxyScheme(env[v] as string);
  const key = `${endpoint.protocol} ${JSON.stringify(proxyEnv)}`;
  let agent = proxyAgents.get(key);
  const value = withProxyScheme(env[variable] as string);
  const shown = shownGivenUrl(value);
  if (agent === undefined) {
    try {
      agent = endpoint.protocol === 'https:' ? new (require('node:https') as typeof import('node:https')).Agent({ proxyEnv }) : new (require('node:http') as typeof import('node:http')).Agent({ proxyEnv });
    } catch (e) {
      // Node refuses a proxy it cannot parse (ERR_PROXY_INVALID_CONFIG), its message quoting the URL, password and all:
      // that was an internal error printing it (review ik, 2).
      if ((e as { code?: unknown }).code !== 'ERR_PROXY_INVALID_CONFIG') throw e;
      return failure(EXIT.usage, 'InvalidProxy', `${variable} \`${shown}\` is not a proxy URL: give http://[USER:PASSWORD@]HOST:PORT, and percent-encode a \`#\`, \`/\`, \`?\` or \`@\` in the user or password (\`%23\`, \`%2F\`, \`%3F\`, \`%40\`)`);
    }
    proxyAgents.set(key, agent);
  }
  return { variable, shown, agent, bypass: noProxyVariable(env) };
}

/**
 * A proxy as botocore's `_fix_proxy_url` reads it: without a scheme (`proxy.corp:3128`, as curl takes it too) it is
 * http://, and `//proxy.corp:3128` is http: too. Node took `proxy.corp:` for a scheme and went past the proxy to the
 * server directly (review ik, 3).
 */
function withProxyScheme(proxy: string): string {
  if (proxy === '' || /^https?:/i.test(proxy)) return proxy;
  return proxy.startsWith('//') ? `http:${proxy}` : `http://${proxy}`;
}

function send(endpoint: URL, method: string, target: string, headers: Record<string, string>, body: string, timeoutMs: number, ca?: string, agent?: import('node:http').Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = endpoint.protocol === 'https:' ? (require('node:https') as typeof import('node:https')).request : (require('node:http') as typeof import('node:http')).request;
    let sent = false;
    // Over https the request is written into the TLS socket before its handshake is made, and `finish` fires then: a
    // handshake that fails (a plain-HTTP server at that address) delivered nothing, whatever `finish` said.
    let secured = endpoint.protocol !== 'https:';
    const fail = (e: SendError): void => reject(Object.assign(e, { sent: sent && secured }, secured ? {} : { handshake: false }));
    const req = request({ method, hostname: bareHostname(endpoint.hostname), port: endpoint.port || undefined, path: target, headers, timeout: timeoutMs, ...(ca !== undefined ? { ca } : {}), ...(agent !== undefined ? { agent } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE) req.destroy(new Error(`the answer exceeds ${MAX_RESPONSE} bytes`));
        else chunks.push(c);
      });
      const retryAfter = res.headers['retry-after'];
      const requestId = res.headers['x-amzn-requestid'];
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ...(retryAfter !== undefined ? { retryAfter } : {}), ...(typeof requestId === 'string' && /^[\w-]{1,64}$/.test(requestId) ? { requestId } : {}) }),
      );
      res.on('error', fail);
    });
    // The whole request handed to the connection: from here a lost connection leaves its outcome unknown.
    req.on('finish', () => (sent = true));
    req.on('socket', (socket) => {
      if (secured) return;
      // A socket the agent kept alive made its handshake before its first answer; a new one, still connecting, says so
      // when it has made it.
      if (socket.connecting) socket.once('secureConnect', () => (secured = true));
      else secured = true;
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', fail);
    req.end(body);
  });
}

/**
 * Prints a failure on stderr, as the aws CLI does, and returns its exit status: with `json`, as a JSON document (review F,
 * F4: it was on stdout, where a script reading the result found an error in its place); else one line, which names
 * where the error is when the server said (`gatehouse: MalformedPolicyDocument: bindings[0].condition.expression
 * (line 1, column 29): expected …`), and when the server listed several errors, one more line per error, each with
 * where it is and its code.
 */
export function report(ctx: CommandContext, f: ClientFailure, json: boolean | 'line' = false): number {
  // A failure of the server's own (a bug, an outage, a commit cut off) is found in its log, and in the audit log, by the
  // id it was answered with, which docs/errors.md sends the user to: no output showed it (review sd, 3). A refusal of
  // access (401, 403) is a question the user takes to whoever runs the server, who finds its audit record (the decision,
  // the policy) by that id: it was shown for neither (review sp, 1). Not a key refused (`KEY_REFUSALS`), whose message
  // says what to fix here. `--json` carries the id of every answer that gave one, as Alibaba's clients carry RequestId
  // and the AWS SDKs `$metadata.requestId` with every error. The text's line: `sayRequestId`.
  const requestId = f.requestId;
  if (json) {
    // 'line': the command prints JSON lines (`audit query --json`), so the error is one line too.
    ctx.err(`${JSON.stringify({ error: { code: f.code, message: f.message, ...(f.errors.length > 0 ? { details: f.errors } : {}), ...(requestId !== undefined ? { requestId } : {}) } }, null, json === 'line' ? undefined : 2)}\n`);
  } else if (f.errors.length > 1) {
    ctx.err(`gatehouse: ${shownMessage(f.code)}: ${shownMessage(f.message)}\n`);
    for (const e of f.errors) ctx.err(`  ${describeError(e)}\n`);
  } else {
    const only = f.errors[0];
    // The message is the error's own (not, say, apply's summary of it) when it is the one error listed.
    ctx.err(`gatehouse: ${shownMessage(f.code)}: ${only !== undefined && only.message === f.message ? whereOf(only) : ''}${shownMessage(f.message)}\n`);
  }
  if (!json) sayRequestId(ctx, f);
  return f.status;
}

/**
 * The line that says the request id of a failure of the server's own (5xx, OutcomeUnknown: review sd, 3) or of a refusal
 * of access (401, 403, but a key refused: review sp, 1), after its error; nothing for any other failure. For `report`,
 * and for the commands that print a failure in lines of their own (apply's errors at their places: review sp, 3).
 */
export function sayRequestId(ctx: CommandContext, f: ClientFailure): void {
  const id = f.requestId;
  if (id === undefined) return;
  if (f.httpStatus >= 500 || f.code === 'OutcomeUnknown') ctx.err(`gatehouse: request id ${id} (the server's log names it; so do its audit records: gatehouse audit query --request-id ${id})\n`);
  else if ((f.httpStatus === 401 || f.httpStatus === 403) && !KEY_REFUSALS.has(f.code)) ctx.err(`gatehouse: request id ${id} (quote it when asking why: the refusal's audit record names it, gatehouse audit query --request-id ${id})\n`);
}

/**
 * The last line of a refusal printed an error a line (`apply`, `plan`, `iam-policy set`): `gatehouse apply: 2 errors;
 * nothing was changed` (`code`, the answer's code, after the command when there is one).
 */
export const nothingChanged = (command: string, count: number, code?: string, outcome = 'nothing was changed'): string => `gatehouse ${command}: ${code !== undefined ? `${code}: ` : ''}${count} error${count === 1 ? '' : 's'}; ${outcome}\n`;

/**
 * A refusal of a policy document the command read from `file`, each error at its place in that file (`FILE:LINE:COLUMN:
 * PATH: MESSAGE [CODE]`, as `policy validate` and `apply` print them), then `… N errors; nothing was changed`; undefined
 * when the refusal is not a 400 whose every error `aboutDocument` says is the document's, which `report` prints. The
 * server's line and column are those of the JSON it was sent: a YAML file's are found again by the path (`locate`),
 * and the place IAM's message ends with (` (at Statement[0].Action, line 1)`, for the aws CLI) is left out. `field`: the
 * body's field that held the document, whose name the server puts before the path within it. `outcome`: what the
 * refusal left undone, for a command that changes nothing (`no session was issued`).
 */
export function refusedInFile(
  ctx: CommandContext,
  f: ClientFailure,
  command: string,
  file: string,
  locate: (e: GatehouseError) => GatehouseError,
  aboutDocument: (e: ClientFailure['errors'][number]) => boolean,
  field?: string,
  outcome?: string,
): number | undefined {
  if (f.httpStatus !== 400 || f.errors.length === 0 || !f.errors.every(aboutDocument)) return undefined;
  const located: GatehouseError[] = [];
  for (const e of f.errors) {
    const place = ` (at ${e.path}`;
    const at = e.path === '' ? -1 : e.message.lastIndexOf(place);
    const message = at >= 0 && /^(, line \d+)?\)$/.test(e.message.slice(at + place.length)) ? e.message.slice(0, at) : e.message;
    // A document sent as an object is refused at its path in the body (`document.Statement[0].Action`, review ho 3),
    // with the body's line and column: the file's place is found by the path within the document.
    const inBody = field !== undefined && (e.path === field || e.path.startsWith(`${field}.`) || e.path.startsWith(`${field}[`));
    const path = inBody ? e.path.slice((field ?? '').length).replace(/^\./, '') : e.path;
    const position = inBody ? {} : { ...(e.line !== undefined ? { line: e.line } : {}), ...(e.column !== undefined ? { column: e.column } : {}) };
    located.push(locate({ code: e.code, path, message, ...position }));
  }
  // In the order of their places in the file, as `policy validate` prints them (review tm, 3).
  for (const e of inFileOrder(located)) ctx.err(formatError(file, e));
  ctx.err(nothingChanged(command, f.errors.length, f.code, outcome));
  return f.status;
}

/** One error of several, on one line: `Statement[0].Resource: statement needs … [POLICY_MISSING_ELEMENT]`. */
export const describeError = (e: ClientFailure['errors'][number]): string => `${whereOf(e)}${shownMessage(e.message)} [${shownMessage(e.code)}]`;

/** `Statement[0].Resource (line 3, column 5): `, or nothing when the error has no path and no position. */
function whereOf(e: ClientFailure['errors'][number]): string {
  const at = typeof e.line === 'number' ? `line ${e.line}${typeof e.column === 'number' ? `, column ${e.column}` : ''}` : '';
  const path = typeof e.path === 'string' ? e.path : '';
  if (path === '' && at === '') return '';
  return path === '' ? `${at}: ` : at === '' ? `${shownMessage(path)}: ` : `${shownMessage(path)} (${at}): `;
}

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, ' ');

/**
 * The shape of most server commands: connect, make one call, print the answer (as JSON with `--json`, else with
 * `print`), and return the exit status.
 */
export async function remote<T>(
  ctx: CommandContext,
  opts: ConnectionOptions & { readonly json?: true },
  fn: (conn: Connection) => Promise<ClientResult<T>>,
  print: (value: T) => void,
  refused?: (f: ClientFailure) => number | undefined,
): Promise<number> {
  const conn = await connect(opts, ctx);
  if (!conn.ok) return report(ctx, conn, opts.json);
  const r = await fn(conn.value);
  if (!r.ok) return (opts.json ? undefined : refused?.(r)) ?? report(ctx, r, opts.json);
  if (opts.json) ctx.out(`${JSON.stringify(r.value, null, 2)}\n`);
  else print(r.value);
  return EXIT.ok;
}
