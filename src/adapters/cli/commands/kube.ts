/**
 * `gatehouse kube`: Kubernetes clusters backed by Gatehouse.
 *
 *   kube access-entry create|list|describe|delete   IAM principal → Kubernetes username and groups, per cluster
 *   kube webhook-config --cluster C [--out DIR] [--authorization flags|config]
 *                                                   the files kube-apiserver needs to call Gatehouse's webhooks
 *   kube token --cluster C                          an ExecCredential for kubectl (`users[].user.exec`)
 *
 * `kube token` is `aws eks get-token` against this server (credential-protocols §3.5, §6.2): a presigned
 * `GetCallerIdentity` URL for this server's STS, signed with the caller's credentials (environment, else the
 * data dir's admin-credentials.json) over `host` and `x-k8s-aws-id: <cluster>`, wrapped as
 * `k8s-aws-v1.<base64url>`; `expirationTimestamp` is now + 14 minutes (the token is honoured for 15). Signing
 * itself makes no network call; a profile with `role_arn` (`AWS_PROFILE`) first assumes that role on this server, once
 * per run.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, renameSync, rmdirSync, unlinkSync, writeFile as writeFileCallback } from 'node:fs';
import { lstat, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { yaml } from '../yaml.ts';
import { TRAINING_WORKLOAD_RESOURCES } from '../../../core/kube/admission.ts';
import { defaultUsername } from '../../../core/kube/access-entry.ts';
import { assumedConnection, call, connect, encodeSegment, remote, report, withServerOptions, type ConnectionOptions } from '../client.ts';
import type { CommandContext, CommandGroup } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { describeReadError, sayUnreadable } from '../input-file.ts';
import { makeDirectory, removeDirectories } from '../../fs/index.ts';
import { formatJson, formatTable, withJsonOnlyOutput, nonEmptyArg, printable, roleArnArg, usageFailure, withJsonOption } from '../output.ts';

interface EntryJson {
  readonly cluster: string;
  readonly principalArn: string;
  readonly kubernetesGroups: readonly string[];
  readonly username?: string;
  readonly name: string;
  readonly created: string;
  readonly modified: string;
}

type Opts = ConnectionOptions & { json?: true; cluster: string };

/** An access entry as `describeEntry` and the listing read it. */
const ENTRY = { cluster: 'string', principalArn: 'string', kubernetesGroups: ['string'], username: 'string?', name: 'string', created: 'string', modified: 'string' } as const;

/** The ExecCredential versions kubectl speaks; the one asked for in KUBERNETES_EXEC_INFO wins. */
const EXEC_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];
/** The session name `aws eks get-token --role-arn` assumes its role with (awscli/customizations/eks/get_token.py). */
const EKS_SESSION_NAME = 'EKSGetTokenAuth';
/** kubectl refreshes the token this long before the 15 minutes the server honours it (as aws eks get-token). */
const TOKEN_VALIDITY_MS = 14 * 60_000;
/** `X-Amz-Expires` as aws eks get-token sends it; the server honours the token for 15 minutes regardless. */
const PRESIGN_EXPIRES = 60;

const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The username an entry gives, its own or, marked `(default)`, the one it gives naming none (the principal's ARN; for a
 * role, its assumed-role template), as EKS answers it: `(default)` alone did not say which username the cluster sees,
 * what a RoleBinding for the user names (review qq, 5).
 */
const usernameOf = (e: Pick<EntryJson, 'username' | 'principalArn'>): string => e.username ?? `${defaultUsername(e.principalArn)} (default)`;

function describeEntry(e: EntryJson): string {
  // Each value as the terminal may show it (review id, 2): a username (any 1–512 characters) with a line feed printed a
  // `kubernetes groups: system:masters` line of its own, and an ESC cleared the screen.
  return [
    `cluster:           ${printable(e.cluster)}`,
    `principal ARN:     ${printable(e.principalArn)}`,
    `username:          ${printable(usernameOf(e))}`,
    `kubernetes groups: ${printable(e.kubernetesGroups.join(', ') || '(none)')}`,
    `name:              ${printable(e.name)}`,
    `created:           ${printable(e.created)}`,
    `modified:          ${printable(e.modified)}`,
  ].join('\n') + '\n';
}

/**
 * `--kubernetes-groups`: a JSON list, as `aws eks create-access-entry` takes it, or comma-separated names. Text that
 * starts as a JSON list must be one: `'["a",'` (a quote or bracket lost to the shell) was sent on and split at its
 * commas, creating an entry for the group `["a"` without a word.
 */
function kubernetesGroups(value: string): string[] {
  const text = value.trim();
  if (!text.startsWith('[')) return text.split(',').map((g) => g.trim()).filter((g) => g !== '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new InvalidArgumentError(`\`${value}\` starts as a JSON list but is not one (${e instanceof Error ? e.message : String(e)}); give '["g1","g2"]' or g1,g2`);
  }
  if (!Array.isArray(parsed) || !parsed.every((g) => typeof g === 'string')) throw new InvalidArgumentError(`\`${value}\` must be a JSON list of group names, such as '["g1","g2"]'`);
  return parsed;
}

export const kubeCommands: CommandGroup = (program, ctx) => {
  const kube = program.command('kube').description('Kubernetes: access entries, webhook configuration for kube-apiserver, tokens for kubectl');
  const entries = kube.command('access-entry').description('map IAM principals to Kubernetes usernames and groups, per cluster (as EKS access entries)');

  withJsonOption(
    withServerOptions(
      entries
        .command('create')
        .description('map a user or role (and every session of the role) to Kubernetes groups in a cluster')
        .requiredOption('--cluster <name>', 'the cluster')
        .requiredOption('--principal-arn <arn>', 'ARN of an IAM user or role', principalArnArg)
        .option('--kubernetes-groups <json>', 'the groups, as a JSON list (`\'["g1","g2"]\'`) or comma-separated', kubernetesGroups, [])
        .option('--username <name>', 'the Kubernetes username; may use {{AccountID}}, {{SessionName}} (each @ as -, as EKS), {{SessionNameRaw}}, {{AccessKeyID}} (default: the user ARN, or arn:aws:sts::ACCOUNT:assumed-role/ROLE/{{SessionName}})'),
    ),
  )
    .addHelpText('after', `\nExample:\n  gatehouse kube access-entry create --cluster hyperpod \\\n    --principal-arn arn:aws:iam::111122223333:role/ScientistUserRole \\\n    --kubernetes-groups '["hyperpod-scientist-user-namespace-level","hyperpod-scientist-user-cluster-level"]'`)
    .action(async (opts: Opts & { principalArn: string; kubernetesGroups: readonly string[]; username?: string }) =>
      ctx.exit(
        await remote(
          ctx,
          opts,
          (conn) => call<EntryJson>(conn, 'POST', ['clusters', opts.cluster, 'access-entries'], {
              body: { principalArn: opts.principalArn, kubernetesGroups: opts.kubernetesGroups, ...(opts.username !== undefined ? { username: opts.username } : {}) },
              shape: ENTRY,
            }),
          (e) => ctx.out(`created access entry for ${e.principalArn} in cluster ${e.cluster}\n${describeEntry(e)}`),
        ),
      ),
    );

  withJsonOption(withServerOptions(entries.command('list').description('list the access entries of a cluster').requiredOption('--cluster <name>', 'the cluster'))).action(async (opts: Opts) =>
    ctx.exit(
      await remote(
        ctx,
        opts,
        (conn) => call<{ accessEntries: EntryJson[] }>(conn, 'GET', ['clusters', opts.cluster, 'access-entries'], { shape: { accessEntries: [ENTRY] } }),
        (r) =>
          ctx.out(
            formatTable<EntryJson>(
              [
                { header: 'principal ARN', value: (e) => e.principalArn },
                { header: 'username', value: (e) => usernameOf(e) },
                { header: 'groups', value: (e) => e.kubernetesGroups.join(',') },
              ],
              r.accessEntries,
            ),
          ),
      ),
    ),
  );

  for (const [name, method, what] of [
    ['describe', 'GET', 'show one access entry'],
    ['delete', 'DELETE', 'delete an access entry: the principal can no longer authenticate to the cluster'],
  ] as const) {
    withJsonOption(withServerOptions(entries.command(name).description(what).requiredOption('--cluster <name>', 'the cluster').requiredOption('--principal-arn <arn>', 'ARN of the IAM user or role', principalArnArg))).action(
      async (opts: Opts & { principalArn: string }) =>
        ctx.exit(
          await remote(
            ctx,
            opts,
            (conn) => call<EntryJson & { deleted?: EntryJson }>(conn, method, ['clusters', opts.cluster, 'access-entries', opts.principalArn], { shape: method === 'GET' ? ENTRY : { deleted: { principalArn: 'string' } } }),
            (e) => ctx.out(method === 'GET' ? describeEntry(e) : `deleted the access entry of ${e.deleted?.principalArn ?? opts.principalArn} in cluster ${opts.cluster}\n`),
          ),
        ),
    );
  }

  withJsonOption(
    withServerOptions(
      kube
        .command('webhook-config')
      .description('write the files kube-apiserver needs to call Gatehouse: authentication and authorization webhook kubeconfigs, the admission configuration, a MutatingWebhookConfiguration')
      .requiredOption('--cluster <name>', 'the cluster')
      .option('--out <dir>', 'where to write the files (created if missing; the kubeconfigs hold the webhook token: mode 0600); default ./gatehouse-webhooks-CLUSTER', nonEmptyOut)
      .option('--server-url <url>', 'the URL at which kube-apiserver reaches Gatehouse (default: the endpoint this command uses)')
      .option('--ca-file <file>', 'the CA certificate (PEM) kube-apiserver verifies Gatehouse with (default: the certificate the server serves, when it speaks HTTPS)')
      .option('--rotate', 'make a new webhook token (the old one stops working at once)')
      .addOption(
        new Option('--authorization <form>', 'how kube-apiserver is told to call the authorization webhook: flags (--authorization-mode and --authorization-webhook-*: an unreachable Gatehouse is "no opinion", RBAC alone decides) or config (--authorization-config, a structured AuthorizationConfiguration with failurePolicy: Deny: fail closed)')
          .choices(['flags', 'config'])
          .default('flags'),
      )
      .addOption(new Option('--authorization-config-version <version>', 'the AuthorizationConfiguration apiVersion with --authorization config: v1 (Kubernetes 1.32 and later) or v1beta1 (1.30, 1.31)').choices(['v1', 'v1beta1']).default('v1')),
    ),
  )
    .addHelpText(
      'after',
      `
Files written:
  authentication-webhook.kubeconfig   --authentication-token-webhook-config-file (with --authentication-token-webhook-version=v1)
  authorization-webhook.kubeconfig    --authorization-webhook-config-file (with --authorization-webhook-version=v1, --authorization-mode=${AUTHORIZATION_MODE})
  authorization-config.yaml           with --authorization config: --authorization-config instead of the three flags above
                                      (Node, Gatehouse's webhook with failurePolicy: Deny, RBAC; the cluster's own components,
                                      nodes' bootstrap tokens and unauthenticated health checks skip the webhook, so that they work while Gatehouse is down)
  admission-kubeconfig.yaml           the webhook token for the admission webhook, named by admission-configuration.yaml
  admission-configuration.yaml        --admission-control-config-file
  mutating-webhook.yaml               kubectl apply -f it: pods and workloads naming a role by annotation`,
    )
    .action(async (opts: ConnectionOptions & { json?: true; cluster: string; out?: string; serverUrl?: string; caFile?: string; rotate?: true; authorization: AuthorizationForm; authorizationConfigVersion: AuthorizationConfigVersion }) =>
      // DESIGN.md shows `gatehouse kube webhook-config --cluster C` alone: the files go to a directory named after the cluster.
      ctx.exit(await webhookConfig(ctx, { ...opts, out: opts.out ?? `gatehouse-webhooks-${opts.cluster}` })),
    );

  withServerOptions(
    withJsonOnlyOutput(
      kube
        .command('token')
        .description('print an ExecCredential with a k8s-aws-v1 token for kubectl (like `aws eks get-token`), signed with your credentials')
        // Empty (`--cluster "$CLUSTER"` unset in a kubeconfig's args), a token for no cluster was printed, exit 0, and
        // kubectl was refused later with a 401 that said nothing of it (review hm, 12): refused here, naming the option.
        .option('--cluster <name>', 'the cluster the token is for, in any case (signed in lower case as x-k8s-aws-id)', nonEmptyArg('--cluster', 'the name of the cluster the token is for'))
        // What `aws eks update-kubeconfig` writes for `aws eks get-token` (`--cluster-name C --output json`), kept by a
        // kubeconfig moved over to gatehouse: unknown options, kubectl failed with exit 2 (review jc, 6).
        .addOption(new Option('--cluster-name <name>', 'as --cluster (aws eks get-token\'s name for it)').argParser(nonEmptyArg('--cluster-name', 'the name of the cluster the token is for')).hideHelp())
        // What `aws eks update-kubeconfig --role-arn R` writes into the args (review kw, 2): unknown, kubectl failed with exit 2.
        .option('--role-arn <arn>', `sign with a session of this role, assumed with your credentials (session name ${EKS_SESSION_NAME}), as aws eks get-token --role-arn`, roleArnArg('--role-arn')),
      // `--output json`: what `aws eks update-kubeconfig` writes for `aws eks get-token` (review jc, 6).
      'kube token',
      'an ExecCredential',
    ),
  )
    .addHelpText(
      'after',
      `
In a kubeconfig:
  users:
  - name: gatehouse
    user:
      exec:
        apiVersion: client.authentication.k8s.io/v1
        command: gatehouse
        args: [kube, token, --cluster, hyperpod]
        interactiveMode: Never

kubectl runs the command as written, in its own working directory and outside npx: with \`gatehouse\` on no PATH
(a clone), command: CLONE/node_modules/.bin/node and args: [CLONE/bin/gatehouse.js, kube, token, --cluster, hyperpod,
--data-dir, CLONE/.gatehouse], or credentials in kubectl's environment (README, §6).`,
    )
    .action(async (opts: ConnectionOptions & { cluster?: string; clusterName?: string; roleArn?: string }, cmd: Command) => {
      const { cluster, clusterName } = opts;
      if (cluster !== undefined && clusterName !== undefined && cluster.toLowerCase() !== clusterName.toLowerCase()) {
        cmd.error(`error: --cluster \`${cluster}\` and --cluster-name \`${clusterName}\` name two clusters; give one`, { exitCode: EXIT.usage, code: 'gatehouse.conflictingOptions' });
      }
      const name = cluster ?? clusterName;
      if (name === undefined) cmd.error("error: required option '--cluster <name>' not specified", { exitCode: EXIT.usage, code: 'commander.missingMandatoryOptionValue' });
      ctx.exit(await token(ctx, { ...opts, cluster: name as string }));
    });
};

async function token(ctx: CommandContext, opts: ConnectionOptions & { cluster: string; roleArn?: string }): Promise<number> {
  let conn = await connect(opts, ctx);
  if (!conn.ok) return report(ctx, conn);
  if (opts.roleArn !== undefined) {
    conn = await assumedConnection(conn.value, opts.roleArn, EKS_SESSION_NAME, 'kube token --role-arn', ctx.now());
    if (!conn.ok) return report(ctx, conn);
  }
  const { endpoint, credentials, region } = conn.value;
  let apiVersion = EXEC_VERSIONS[0] as string;
  const info = ctx.env?.['KUBERNETES_EXEC_INFO'];
  if (info) {
    try {
      const v = (JSON.parse(info) as { apiVersion?: unknown }).apiVersion;
      if (typeof v === 'string' && EXEC_VERSIONS.includes(v)) apiVersion = v;
    } catch {
      // kubectl always sends JSON; anything else is ignored, as aws eks get-token does.
    }
  }
  // Loaded here, not at the top: the Kubernetes core brings the IAM engine, and the signer about thirty modules, which
  // every other kube command would load at start.
  const [{ CLUSTER_ID_HEADER, encodeToken }, { SignatureV4 }, { Sha256 }] = await Promise.all([import('../../../core/kube/index.ts'), import('@smithy/signature-v4'), import('@aws-crypto/sha256-js')]);
  const now = ctx.now();
  const signer = new SignatureV4({ service: 'sts', region, credentials, sha256: Sha256 });
  const query = { Action: 'GetCallerIdentity', Version: '2011-06-15' };
  const presigned = await signer.presign(
    {
      method: 'GET',
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      ...(endpoint.port ? { port: Number(endpoint.port) } : {}),
      path: '/',
      query,
      // In lower case: cluster names compare without case, and the webhook checks the signature over the Cluster
      // document's spelling and its lower case (review em, 2), so `--cluster` may be given in any case.
      headers: { host: endpoint.host, [CLUSTER_ID_HEADER]: opts.cluster.toLowerCase() },
    },
    { expiresIn: PRESIGN_EXPIRES, signingDate: new Date(now) },
  );
  const q = Object.entries(presigned.query ?? {})
    .map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(Array.isArray(v) ? (v[0] ?? '') : (v ?? ''))}`)
    .join('&');
  const credential = {
    kind: 'ExecCredential',
    apiVersion,
    spec: {},
    status: { expirationTimestamp: isoSeconds(now + TOKEN_VALIDITY_MS), token: encodeToken(`${endpoint.protocol}//${endpoint.host}/?${q}`) },
  };
  ctx.out(formatJson(credential));
  return EXIT.ok;
}

/**
 * `--out ""` (`--out "$DIR"` with DIR unset) resolved to the working directory, and the files holding the webhook token
 * were written wherever the command ran, over any of the same name (review gr, 6).
 */
/** An empty `--principal-arn` (an unset variable) named as the option, not as the API's `principalArn` (review jc, 3). */
const principalArnArg = nonEmptyArg('--principal-arn', 'the ARN of an IAM user or role');

const nonEmptyOut = (v: string): string => {
  // `-` stands for standard input or output where an option takes a file (README §2), which cannot hold the files written
  // here: `--out -` made a directory `-` and wrote the webhook token's kubeconfigs there (review iv, 8).
  if (v === '-') throw new InvalidArgumentError('--out takes the directory to write the files to, not `-`: standard output cannot hold its several files; for a directory named `-`, give ./-');
  return nonEmptyArg('--out', 'the directory to write the files to', 'for ./gatehouse-webhooks-CLUSTER')(v);
};

/**
 * `gatehouse: cannot write to \`DIR\`: …`; with `--json`, `{"error": {"code": "UnwritableDirectory", "message"}}`, as every
 * failure of a `--json` command is (review mr, 1: it was text).
 */
function sayUnwritable(ctx: CommandContext, dir: string, e: unknown, json: boolean): void {
  const message = `cannot write to \`${dir}\`: ${e instanceof Error ? e.message : String(e)}`;
  ctx.err(json ? `${JSON.stringify({ error: { code: 'UnwritableDirectory', message } }, null, 2)}\n` : `gatehouse: ${message}\n`);
}

interface WebhookConfigAnswer {
  readonly cluster: string;
  readonly account: string;
  readonly token: string;
  readonly caBundle?: string;
}

async function webhookConfig(ctx: CommandContext, opts: ConnectionOptions & { json?: true; cluster: string; out: string; serverUrl?: string; caFile?: string; rotate?: true; authorization: AuthorizationForm; authorizationConfigVersion: AuthorizationConfigVersion }): Promise<number> {
  const conn = await connect(opts, ctx);
  if (!conn.ok) return report(ctx, conn, opts.json);
  let caBundle: string | undefined;
  if (opts.caFile !== undefined) {
    let text: string;
    try {
      text = await ctx.readFile(opts.caFile);
    } catch (e) {
      // With --json, the JSON error every failure of a --json command is (review mr, 1: it was text).
      sayUnreadable(ctx, `cannot read --ca-file \`${opts.caFile}\`: ${describeReadError(e)}`, opts.json === true);
      return EXIT.noInput;
    }
    // Only certificates go into the files (review gv, 5): a private key given by mistake (`--ca-file tls.key`, a combined
    // PEM) was written into the kubeconfigs and the MutatingWebhookConfiguration, which is applied to the cluster.
    if (/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) {
      return usageFailure(ctx, `--ca-file \`${opts.caFile}\` holds a private key; give the CA certificate alone (PEM): the files and the cluster's MutatingWebhookConfiguration would carry it`, 'gatehouse');
    }
    const blocks = text.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g);
    if (blocks === null) {
      return usageFailure(ctx, `--ca-file \`${opts.caFile}\` holds no PEM certificate (-----BEGIN CERTIFICATE-----); kube-apiserver could not verify Gatehouse with it`, 'gatehouse');
    }
    caBundle = Buffer.from(`${blocks.join('\n')}\n`, 'utf8').toString('base64');
  }
  let base: URL;
  try {
    base = new URL(opts.serverUrl ?? conn.value.endpoint.origin);
  } catch {
    return usageFailure(ctx, `--server-url \`${opts.serverUrl}\` is not a URL`, 'gatehouse');
  }
  const unusable = serverUrlProblem(base);
  if (unusable !== undefined) {
    // Never its password, which the refusal would otherwise echo to the terminal and its logs.
    const shown = new URL(base.href);
    if (shown.password !== '') shown.password = '***';
    return usageFailure(ctx, `--server-url \`${shown.href}\` ${unusable}`, 'gatehouse');
  }
  // The directory is made, and a file written in it, before the server is asked: `--rotate` makes the old token stop
  // working at once, and a directory that could not be written after it left the cluster's webhooks on a token no
  // file held (review gr, 3). A directory this command made is removed again, with what it wrote there, when
  // anything fails: nothing half-written (a token in some files and not the others) is left where there was nothing.
  const authorization = opts.authorization === 'config' ? { form: 'config' as const, version: opts.authorizationConfigVersion } : { form: 'flags' as const };
  const names = Object.keys(webhookFiles({ base, cluster: opts.cluster, token: '', dir: resolve(opts.out), authorization }));
  let made: readonly string[] = [];
  try {
    made = await makeDirectory(opts.out, 0o700);
    const probe = join(opts.out, `.gatehouse-write-check.${randomBytes(6).toString('hex')}.tmp`);
    await writeFile(probe, '', { mode: 0o600, flag: 'wx' });
    await rm(probe, { force: true });
    // A directory where a file goes (what a container runtime makes when it bind-mounts a file not there yet) fails
    // only at its rename, after the files before it were replaced: refused before anything is asked (review gr, 7).
    for (const name of names) {
      const at = join(opts.out, name);
      if ((await lstat(at).catch(() => undefined))?.isDirectory() === true) throw new Error(`\`${at}\` is a directory, where the file goes; remove it`);
    }
  } catch (e) {
    await removeDirectories(made);
    sayUnwritable(ctx, opts.out, e, opts.json === true);
    return EXIT.noInput;
  }
  const r = await call<WebhookConfigAnswer>(conn.value, 'POST', ['clusters', opts.cluster, 'webhook-config'], {
    body: { rotate: opts.rotate === true },
    shape: { cluster: 'string', account: 'string', token: 'string', caBundle: 'string?' },
  });
  if (!r.ok) {
    await removeDirectories(made);
    return report(ctx, r, opts.json);
  }
  caBundle ??= r.value.caBundle;
  const files = webhookFiles({ base, cluster: r.value.cluster, token: r.value.token, ...(caBundle !== undefined ? { caBundle } : {}), dir: resolve(opts.out), authorization });
  const written: string[] = [];
  const staged: Staged[] = [];
  // Ctrl-C (or a SIGTERM, SIGHUP) ends the command without its `finally`: the temporary files, each holding the webhook
  // token, were left in the directory for good, and one between two renames left some files with the new token and the
  // others with the old (review ur, 3). The listener removes them at once, synchronously, and the renames are made with
  // nothing awaited between them, so that no listener runs amid them: every file the old one, or every file the new one.
  const release = ctx.onInterrupt?.((signal) => {
    for (const { temp } of staged.splice(0)) {
      try {
        unlinkSync(temp);
      } catch {
        // Gone already.
      }
    }
    if (written.length > 0) return `gatehouse kube webhook-config: interrupted (${signal}) once the files were in place in ${resolve(opts.out)}\n`;
    for (const d of [...made].reverse()) {
      try {
        rmdirSync(d);
      } catch {
        // Not empty (not this command's files alone), or gone.
      }
    }
    return `gatehouse kube webhook-config: interrupted (${signal}) before the files were in place: none of them was written, and no temporary file of the token is left${opts.rotate === true ? '; the webhook token was made anew (--rotate), and the one the files held no longer works: run the command again without --rotate to write them' : ''}\n`;
  });
  try {
    await writePrivate(opts.out, files, written, staged);
  } catch (e) {
    if (made.length > 0) {
      for (const f of written) await rm(f, { force: true });
      await removeDirectories(made);
    }
    sayUnwritable(ctx, opts.out, e, opts.json === true);
    return EXIT.noInput;
  } finally {
    release?.();
  }
  const dir = resolve(opts.out);
  const warnings = [
    ...(base.protocol !== 'https:' ? [`${base.origin} is not https; kube-apiserver calls webhooks over https only (start the server with --tls-cert and --tls-key)`] : []),
    ...(caBundle === undefined && base.protocol === 'https:' ? ['no CA certificate given (--ca-file): kube-apiserver will verify Gatehouse against its system roots'] : []),
  ];
  if (opts.json) {
    // What was written and where, never the token (it is in the files, mode 0600).
    const summary = { cluster: r.value.cluster, account: r.value.account, dir, files: Object.keys(files).map((f) => join(dir, f)), webhooks: `${base.origin}/k8s/${encodeSegment(r.value.cluster)}/`, apiserverFlags: apiserverFlags(dir, authorization.form), authorization: authorization.form, warnings };
    ctx.out(`${JSON.stringify(summary, null, 2)}\n`);
    return EXIT.ok;
  }
  ctx.out(
    `wrote ${Object.keys(files).length} files to ${dir} for cluster ${r.value.cluster} (webhooks at ${base.origin}/k8s/${encodeSegment(r.value.cluster)}/)\n` +
      `kube-apiserver flags:\n` +
      apiserverFlags(dir, authorization.form)
        .map((f) => `  ${f}\n`)
        .join('') +
      `(Webhook before RBAC: an IAM explicit deny then overrides what the cluster's own RBAC allows; what Gatehouse does not allow or deny falls through to RBAC)\n` +
      (authorization.form === 'config'
        ? `(failurePolicy: Deny: while Gatehouse cannot be reached, every request the webhook is asked is denied; Node decides kubelets first, and the control plane's own users, nodes' bootstrap tokens, kube-system's service accounts, the gatehouse namespace's and unauthenticated health checks skip the webhook. --authorization-config replaces --authorization-mode and --authorization-webhook-*: remove them)\n`
        : `(an unreachable Gatehouse is "no opinion": RBAC alone decides until it is back, IAM denies fail open; --authorization config fails closed)\n`) +
      `then: kubectl apply -f ${join(dir, 'mutating-webhook.yaml')}\n` +
      (base.protocol !== 'https:' ? `warning: ${base.origin} is not https; kube-apiserver calls webhooks over https only (start the server with --tls-cert and --tls-key)\n` : '') +
      (caBundle === undefined && base.protocol === 'https:' ? 'note: no CA certificate given (--ca-file): kube-apiserver will verify Gatehouse against its system roots\n' : ''),
  );
  return EXIT.ok;
}

/**
 * Why kube-apiserver could not use webhooks at `base`, or undefined. The files name `<origin>/k8s/<cluster>/…`, so
 * anything of the URL besides its scheme, host and port was dropped without a word: `ftp://…` was written into the
 * kubeconfigs, and `https://lb/gatehouse` (a path prefix, which Gatehouse does not serve under) named
 * `https://lb/k8s/…`, exit 0 either way (review gv, 3).
 */
export function serverUrlProblem(base: URL): string | undefined {
  if (base.protocol !== 'https:' && base.protocol !== 'http:') return `is not an https:// URL (kube-apiserver calls webhooks over https)`;
  if (base.username !== '' || base.password !== '') return 'names a user and password; kube-apiserver authenticates with the webhook token the files hold: remove them';
  if (base.pathname !== '/' && base.pathname !== '') return `has the path \`${base.pathname}\`; Gatehouse serves its webhooks at /k8s/… of its root URL: give the scheme, host and port only`;
  if (base.search !== '' || base.hash !== '') return 'has a query or fragment; give the scheme, host and port only';
  return undefined;
}

/**
 * Writes the files (some hold the webhook's bearer token) into `dir`, adding each path to `written` as it is in place:
 * each to a new file of the directory, created with mode 0600 (`wx`: never an existing file or a link), and only once
 * every one of them is written in full, each renamed over its path. Written in place, a file that was there kept its
 * mode (0644) while the new token went into it, and a symbolic link planted at a path was followed (review cli, G19);
 * a rename replaces the link itself, and the token is never in a file others may read. Written and renamed one by
 * one, a failure at the third (a full disk) left the first two with the new token and the rest with the old one
 * (review gr, 7); a failure while writing now leaves every file as it was.
 */
async function writePrivate(dir: string, files: Readonly<Record<string, string>>, written: string[], staged: Staged[]): Promise<void> {
  try {
    for (const [name, text] of Object.entries(files)) {
      const path = join(dir, name);
      const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
      // Created (`wx`: this call's) and staged in one turn, before it is written: a signal's listener, which runs
      // between turns, finds every temporary file there is among `staged`, one being written too.
      const fd = openSync(temp, 'wx', 0o600);
      staged.push({ temp, path });
      try {
        await new Promise<void>((done, failed) => writeFileCallback(fd, text, (e) => (e ? failed(e) : done())));
      } finally {
        closeSync(fd);
      }
    }
    // With nothing awaited: a signal's listener (the command's `onInterrupt`) runs before the first or after the last.
    while (staged.length > 0) {
      const { temp, path } = staged[0] as Staged;
      renameSync(temp, path);
      staged.shift();
      written.push(path);
    }
  } finally {
    for (const { temp } of staged.splice(0)) await rm(temp, { force: true });
  }
}

/** A file written under its temporary name, not yet renamed over its path. */
interface Staged {
  readonly temp: string;
  readonly path: string;
}

/**
 * kube-apiserver's authorizer order. kube-apiserver asks its authorizers in this order and stops at the first that
 * allows or denies; "no opinion" (and, in flag mode, a webhook that cannot be reached) passes to the next. Gatehouse's
 * webhook answers `denied` for an IAM explicit deny, `allowed` for what Gatehouse's RBAC allows and no opinion
 * otherwise, so it must come before the cluster's RBAC, or an IAM deny is never consulted for anything the
 * in-cluster RBAC allows (review I, C1). Node stays first: kubelets are authorized by it alone.
 */
export const AUTHORIZATION_MODE = 'Node,Webhook,RBAC';

/**
 * How kube-apiserver is told about the authorization webhook: the flags (`--authorization-mode`,
 * `--authorization-webhook-*`; a webhook that cannot be reached is "no opinion", so the IAM denies fail open), or the
 * structured `--authorization-config` file, whose webhook has `failurePolicy: Deny` (fail closed). kube-apiserver
 * refuses to start with both.
 */
export type AuthorizationForm = 'flags' | 'config';
/** `apiserver.config.k8s.io/<version>` of the AuthorizationConfiguration: v1 from Kubernetes 1.32, v1beta1 in 1.30 and 1.31. */
export type AuthorizationConfigVersion = 'v1' | 'v1beta1';

/** The webhook's timeout in the structured configuration: Gatehouse answers from memory, and a request waits this long at most. */
export const AUTHORIZATION_WEBHOOK_TIMEOUT = '5s';

/**
 * Who never asks the webhook in the structured configuration (CEL over the SubjectAccessReview v1, all of which
 * must hold for the webhook to be asked): the control plane's own users, nodes, joining nodes' bootstrap tokens,
 * kube-system's service accounts, the `gatehouse` namespace's (where deploy/kubernetes runs Gatehouse) and unauthenticated requests (kubelet's and
 * load balancers' health checks of kube-apiserver). With `failurePolicy: Deny` they would otherwise all be denied while
 * Gatehouse is down, and the cluster could not restart Gatehouse itself. None of them is an IAM principal: access
 * entries never map to `system:` users or groups.
 */
export const AUTHORIZATION_MATCH_CONDITIONS: readonly string[] = [
  "!(request.user in ['system:kube-controller-manager', 'system:kube-scheduler', 'system:kube-proxy', 'system:apiserver'])",
  "!request.user.startsWith('system:node:')",
  // A joining node's kubelet makes its CertificateSigningRequest with a bootstrap token (`system:bootstrap:<id>`), which
  // the Node authorizer does not decide: without this, no node joined while Gatehouse was down (review hr, 7).
  "!('system:bootstrappers' in request.groups)",
  "!('system:serviceaccounts:kube-system' in request.groups)",
  "!('system:serviceaccounts:gatehouse' in request.groups)",
  "!('system:unauthenticated' in request.groups)",
];

/** The structured authorization configuration (`--authorization-config`): Node, Gatehouse's webhook (fail closed), RBAC. Pure, for tests. */
export function authorizationConfiguration(input: { dir: string; version: AuthorizationConfigVersion }): Record<string, unknown> {
  return {
    apiVersion: `apiserver.config.k8s.io/${input.version}`,
    kind: 'AuthorizationConfiguration',
    // The order of AUTHORIZATION_MODE: Node decides kubelets before the webhook is asked; RBAC after it.
    authorizers: [
      { type: 'Node', name: 'node' },
      {
        type: 'Webhook',
        name: 'gatehouse',
        webhook: {
          timeout: AUTHORIZATION_WEBHOOK_TIMEOUT,
          // The flags' defaults (--authorization-webhook-cache-authorized-ttl, …-unauthorized-ttl).
          authorizedTTL: '5m',
          unauthorizedTTL: '30s',
          subjectAccessReviewVersion: 'v1',
          matchConditionSubjectAccessReviewVersion: 'v1',
          failurePolicy: 'Deny',
          connectionInfo: { type: 'KubeConfigFile', kubeConfigFile: join(input.dir, 'authorization-webhook.kubeconfig') },
          matchConditions: AUTHORIZATION_MATCH_CONDITIONS.map((expression) => ({ expression })),
        },
      },
      { type: 'RBAC', name: 'rbac' },
    ],
  };
}

/** The kube-apiserver flags that use the files `webhook-config` wrote to `dir`. Pure, for tests. */
export function apiserverFlags(dir: string, form: AuthorizationForm = 'flags'): string[] {
  return [
    `--authentication-token-webhook-config-file=${join(dir, 'authentication-webhook.kubeconfig')}`,
    '--authentication-token-webhook-version=v1',
    ...(form === 'config'
      ? [`--authorization-config=${join(dir, 'authorization-config.yaml')}`]
      : [`--authorization-mode=${AUTHORIZATION_MODE}`, `--authorization-webhook-config-file=${join(dir, 'authorization-webhook.kubeconfig')}`, '--authorization-webhook-version=v1']),
    `--admission-control-config-file=${join(dir, 'admission-configuration.yaml')}`,
  ];
}

/**
 * How the files are written: plain, an object the value holds twice (the webhooks' shared `clientConfig` and
 * `namespaceSelector`) spelt out each time, not as `&a1`/`*a1`, so that editing one webhook does not silently change
 * the others and the files have the shape of deploy/kubernetes/'s (review lf, 3).
 */
const PLAIN = { aliasDuplicateObjects: false } as const;

/** The files of `webhook-config`, by name. Pure, for tests. */
export function webhookFiles(input: { base: URL; cluster: string; token: string; caBundle?: string; dir: string; authorization?: { form: 'flags' } | { form: 'config'; version: AuthorizationConfigVersion } }): Record<string, string> {
  const { base, cluster, token, caBundle } = input;
  const url = (what: string): string => `${base.origin}/k8s/${encodeSegment(cluster)}/${what}`;
  const kubeconfig = (what: string) =>
    yaml().stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'gatehouse', cluster: { server: url(what), ...(caBundle !== undefined ? { 'certificate-authority-data': caBundle } : {}) } }],
      users: [{ name: 'kube-apiserver', user: { token } }],
      contexts: [{ name: 'webhook', context: { cluster: 'gatehouse', user: 'kube-apiserver' } }],
      'current-context': 'webhook',
    }, PLAIN);
  const namespaceSelector = { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'gatehouse'] }] };
  const clientConfig = { url: url('admit'), ...(caBundle !== undefined ? { caBundle } : {}) };
  const mutating = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    // A DNS-1123 subdomain, which ends alphanumeric: a cluster named `gpu-` or `ml_` made `gatehouse-gpu-`, which
    // kube-apiserver refuses (`kubectl apply` failed on the file as written; review gv, 4).
    metadata: { name: `gatehouse-${cluster.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.replace(/-+$/, '') },
    webhooks: [
      {
        // Pods naming a role get their credential environment; workloads get the grant their pods run on.
        name: 'roles.gatehouse.dev',
        admissionReviewVersions: ['v1'],
        sideEffects: 'NoneOnDryRun',
        failurePolicy: 'Fail',
        reinvocationPolicy: 'Never',
        timeoutSeconds: 10,
        clientConfig,
        namespaceSelector,
        rules: [
          // `pods/ephemeralcontainers`: `kubectl debug` adds a container to a running pod, new code with its role and
          // service account, decided as changing its containers is (review ij, 4).
          { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods', 'pods/ephemeralcontainers', 'replicationcontrollers'], scope: 'Namespaced' },
          { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'], scope: 'Namespaced' },
          { apiGroups: ['batch'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['jobs', 'cronjobs'], scope: 'Namespaced' },
          // The training operators' workloads (PyTorchJob, RayCluster, JobSet…): their templates get grants, which the
          // controllers a Cluster document trusts (`spec.trustedControllers`) make pods on. A rule for a kind the cluster
          // does not serve matches nothing.
          ...Object.entries(TRAINING_WORKLOAD_RESOURCES).map(([group, resources]) => ({ apiGroups: [group], apiVersions: ['*'], operations: ['CREATE', 'UPDATE'], resources: [...resources], scope: 'Namespaced' })),
        ],
      },
      {
        // A Secret of type kubernetes.io/service-account-token is filled with a token of the account it names: refused
        // where impersonating that account is denied (review ij, 5). Only such Secrets are sent (`matchConditions`).
        name: 'service-account-tokens.gatehouse.dev',
        admissionReviewVersions: ['v1'],
        sideEffects: 'None',
        failurePolicy: 'Fail',
        timeoutSeconds: 10,
        clientConfig,
        namespaceSelector,
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['secrets'], scope: 'Namespaced' }],
        matchConditions: [{ name: 'service-account-token', expression: "has(object.type) && object.type == 'kubernetes.io/service-account-token'" }],
      },
      {
        // A deleted pod's job ends (its sessions are revoked); never blocks a deletion.
        name: 'pod-deletions.gatehouse.dev',
        admissionReviewVersions: ['v1'],
        sideEffects: 'NoneOnDryRun',
        failurePolicy: 'Ignore',
        timeoutSeconds: 5,
        clientConfig,
        namespaceSelector,
        rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['DELETE'], resources: ['pods'], scope: 'Namespaced' }],
      },
    ],
  };
  const admissionKubeconfig = yaml().stringify({
    apiVersion: 'v1',
    kind: 'Config',
    // kube-apiserver picks the user whose name is the webhook's host[:port].
    users: [{ name: base.host, user: { token } }],
  }, PLAIN);
  const admissionConfiguration = yaml().stringify({
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AdmissionConfiguration',
    plugins: [{ name: 'MutatingAdmissionWebhook', configuration: { apiVersion: 'apiserver.config.k8s.io/v1', kind: 'WebhookAdmissionConfiguration', kubeConfigFile: join(input.dir, 'admission-kubeconfig.yaml') } }],
  }, PLAIN);
  return {
    'authentication-webhook.kubeconfig': kubeconfig('authenticate'),
    'authorization-webhook.kubeconfig': kubeconfig('authorize'),
    'admission-kubeconfig.yaml': admissionKubeconfig,
    'admission-configuration.yaml': admissionConfiguration,
    'mutating-webhook.yaml': yaml().stringify(mutating, PLAIN),
    // Not folded: a CEL expression stays on one line, as an operator reads and edits it.
    ...(input.authorization?.form === 'config' ? { 'authorization-config.yaml': yaml().stringify(authorizationConfiguration({ dir: input.dir, version: input.authorization.version }), { ...PLAIN, lineWidth: 0 }) } : {}),
  };
}
