/**
 * `gatehouse iam …`: the identity directory, one object at a time, over the admin API's JSON routes (`/v1/users`,
 * `/v1/roles`…), which call the same use cases as the IAM Query API. JSON rather than the Query API's XML, so the
 * CLI needs no XML parser and `--json` prints what the server sent. For bulk changes, `gatehouse apply`.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { call, refusedInFile, remote, report, withServerOptions, type ClientFailure, type ClientResult, type Connection, type ConnectionOptions } from '../client.ts';
import type { CommandContext, CommandGroup } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { readInputFile } from '../input-file.ts';
import { fileErrorsText, formatTable, nonEmptyArg, printable, printableJson, usageFailure, withJsonOption, type Column } from '../output.ts';
import { loadPolicy } from '../policy-files.ts';

type Opts = ConnectionOptions & { readonly json?: true };
type Row = Record<string, unknown>;

/** What the commands read of the answers: an entity (`created user ARN`), a row of a listing, a deletion. */
const NAMED = { name: 'string', arn: 'string' } as const;
const LISTED = { ...NAMED, created: 'string' } as const;
const DELETED = { deleted: 'string' } as const;
const MEMBERSHIP = { group: 'string', user: 'string' } as const;

const s = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v));
const col = (header: string, key: string): Column<Row> => ({ header, value: (r) => s(r[key]) });

/**
 * `2026-12-01T06:00:00Z (sts, us-east-1)`, or `never`: a key's `lastUsed` in the /v1/ answers; a role's has no service
 * (`2026-12-01T06:00:00Z (us-east-1)`).
 */
const lastUsedText = (used: unknown): string => {
  if (typeof used !== 'object' || used === null) return 'never';
  const u = used as { at?: unknown; service?: unknown; region?: unknown };
  const where = [u.service, u.region].filter((x) => x !== undefined && x !== null).map(String);
  return where.length === 0 ? String(u.at) : `${String(u.at)} (${where.join(', ')})`;
};

/**
 * `key: value` lines for one object; documents and lists as JSON. Values as the terminal may show them (review id, 2): a
 * description's line feed printed a line of its own choosing among the fields, and a document's U+202E reversed them.
 */
function formatObject(o: Row): string {
  const keys = Object.keys(o);
  const width = Math.max(...keys.map((k) => k.length));
  return keys
    .map((k) => {
      const v = o[k];
      const text = typeof v === 'object' && v !== null ? printableJson(JSON.stringify(v, null, 2)).replace(/\n/g, `\n${' '.repeat(width + 2)}`) : printable(s(v));
      return `${k.padEnd(width)}  ${text}\n`;
    })
    .join('');
}

function command(parent: Command, spec: string, description: string): Command {
  return withServerOptions(withJsonOption(parent.command(spec).description(description)));
}

/** A policy document read from a file: what to send, and how to say the server's refusal of it at its places there. */
interface PolicyDocument {
  readonly ok: true;
  readonly value: unknown;
  /**
   * Prints a refusal of the document (IAM's MalformedPolicyDocument: every error a `POLICY_*` one) at its places in
   * the file, as `policy validate` prints them, and gives the exit status; undefined for any other failure.
   */
  readonly refused: (command: string) => (f: ClientFailure) => number | undefined;
}

/**
 * Reads a policy document file (JSON as written, YAML as its value), or the document's JSON text given as the option's
 * value, as the aws CLI takes `--policy-document '{…}'` (review lt, 4: it was read as a file's name, "no such file");
 * no policy file's name starts with `{`. Prints its load errors, placed in the file or in the option's text.
 */
async function readDocument(given: string, ctx: CommandContext, json: boolean, field: 'document' | 'trustPolicy' = 'document'): Promise<PolicyDocument | { ok: false; status: number }> {
  const inline = /^\s*\{/.test(given);
  const file = inline ? `${field === 'trustPolicy' ? '--trust-policy' : '--document'}'s JSON text` : given;
  const text = inline ? given : await readInputFile(ctx, given, json);
  if (text === undefined) return { ok: false, status: EXIT.noInput };
  const loaded = loadPolicy(file, text);
  if (loaded.errors.length > 0) {
    ctx.err(fileErrorsText(file, loaded.errors, json));
    return { ok: false, status: EXIT.invalidPolicy };
  }
  // The server's line and column are those of the JSON it was sent, a YAML file's rendering: found again by path.
  return { ok: true, value: loaded.input, refused: (command) => (f) => refusedInFile(ctx, f, command, file, loaded.locate, (e) => e.code.startsWith('POLICY_'), field) };
}

function parseTag(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError('expected KEY=VALUE, such as team=vision');
  const key = value.slice(0, eq);
  // A key given twice kept its last value without a word; IAM refuses duplicate tag keys (`Duplicate tag keys found`),
  // and tag keys compare case-insensitively there.
  const twice = Object.keys(previous ?? {}).find((k) => k.toLowerCase() === key.toLowerCase());
  if (twice !== undefined) throw new InvalidArgumentError(`the tag key \`${key}\` is given twice (\`${twice}=${previous?.[twice] ?? ''}\` before); give each key once`);
  return { ...previous, [key]: value.slice(eq + 1) };
}

function parseSeconds(value: string): number {
  const n = Number(value);
  // Digits only: Number() also reads ``, `0x10`, `1e4` and ` 5` as whole numbers.
  if (!/^\d+$/.test(value) || n < 3600 || n > 43200) throw new InvalidArgumentError(`--max-session-duration must be a whole number of seconds from 3600 to 43200, got \`${value}\``);
  return n;
}

/**
 * Empty names given as options (`--user "$NAME"` with NAME unset) are refused as usage errors naming the option (review
 * jc, 3): sent, `--user ''` got `UserName is required when the caller is not a user` (said to a user), and an empty
 * boundary `Policy arn:…:policy/ does not exist` (exit 6).
 */
const ownUser = nonEmptyArg('--user', "a user's name", 'for your own keys');
const boundaryArg = nonEmptyArg('--permissions-boundary', "a managed policy's name or ARN", 'for no boundary');

/** Which principal a command is about: exactly one of --user, --group, --role. */
interface Target {
  readonly user?: string;
  readonly group?: string;
  readonly role?: string;
}

function targetOf(opts: Target, ctx: CommandContext): { segment: 'users' | 'groups' | 'roles'; name: string } | undefined {
  const given = (['user', 'group', 'role'] as const).filter((k) => opts[k] !== undefined);
  if (given.length !== 1) {
    // A usage error as every other: under --json the JSON error document (review mr, 1: it was text there).
    usageFailure(ctx, 'give exactly one of --user, --group or --role', 'gatehouse');
    return undefined;
  }
  const k = given[0] ?? 'user';
  return { segment: `${k}s` as 'users' | 'groups' | 'roles', name: opts[k] ?? '' };
}

function withTarget(cmd: Command): Command {
  return cmd.option('--user <name>', 'a user').option('--group <name>', 'a group').option('--role <name>', 'a role');
}

// ---------------------------------------------------------------------------------------------------------

export const iamCommands: CommandGroup = (program, ctx) => {
  const iam = program
    .command('iam')
    .description('manage users, groups, roles, managed and inline policies and access keys, one at a time')
    .addHelpText(
      'after',
      `
Every command talks to the server (--endpoint, GATEHOUSE_ENDPOINT) with the credentials of --profile, else those in
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, else AWS_PROFILE's, else --data-dir's admin-credentials.json, and acts in the caller's account. Policies are
named by name (your account's, else a built-in such as AmazonS3ReadOnlyAccess) or by ARN.
Exit status: 0 done, 2 a wrong command line, 3 invalid policy document, 5 a policy file that cannot be read
(--document, --trust-policy; nothing is sent), 6 no such entity, 7 exists or still in use, 8 invalid input,
9 not authorized, 10 server unreachable, 11 the connection was lost once a change was sent: it may or may not have
been made (docs/errors.md).`,
    );
  const run = async <T>(opts: Opts, fn: (c: Connection) => Promise<ClientResult<T>>, print: (v: T) => void, refused?: (f: ClientFailure) => number | undefined): Promise<void> =>
    ctx.exit(await remote(ctx, opts, fn, print, refused));
  const printObject = (v: Row) => ctx.out(formatObject(v));
  const done = (message: (v: Row) => string) => (v: Row) => ctx.out(`${message(v)}\n`);

  // --- users ---
  const users = iam.command('users').description('create, show, list and delete users');
  command(users, 'create <name>', 'create a user')
    .option('--path <path>', 'the IAM path, such as /ml/', undefined)
    .option('--tag <key=value>', 'a tag (repeatable)', parseTag)
    .option('--permissions-boundary <policy>', 'a managed policy (name or ARN) bounding the user\'s rights', boundaryArg)
    .action((name: string, o: Opts & { path?: string; tag?: Record<string, string>; permissionsBoundary?: string }) =>
      run(o, (c) => call<Row>(c, 'POST', ['users'], { body: { name, path: o.path, tags: o.tag, permissionsBoundary: o.permissionsBoundary }, shape: NAMED }), done((u) => `created user ${s(u['arn'])}`)),
    );
  command(users, 'get <name>', 'show a user, with its groups').action((name: string, o: Opts) => run(o, (c) => call<Row>(c, 'GET', ['users', name], { shape: NAMED }), printObject));
  command(users, 'list', 'list the users of your account')
    .option('--path-prefix <prefix>', 'only users whose path starts with this')
    .action((o: Opts & { pathPrefix?: string }) =>
      run(o, (c) => call<{ users: Row[] }>(c, 'GET', ['users'], { query: { pathPrefix: o.pathPrefix }, shape: { users: [LISTED] } }), (r) => ctx.out(formatTable([col('name', 'name'), col('arn', 'arn'), col('created', 'created')], r.users))),
    );
  command(users, 'delete <name>', 'delete a user (first detach its managed policies, delete its inline policies (iam delete-inline), access keys and group memberships)').action((name: string, o: Opts) =>
    run(o, (c) => call<Row>(c, 'DELETE', ['users', name], { shape: DELETED }), done(() => `deleted user ${name}`)),
  );

  // --- groups ---
  const groups = iam.command('groups').description('create, show, list and delete groups');
  command(groups, 'create <name>', 'create a group')
    .option('--path <path>', 'the IAM path, such as /ml/')
    .action((name: string, o: Opts & { path?: string }) => run(o, (c) => call<Row>(c, 'POST', ['groups'], { body: { name, path: o.path }, shape: NAMED }), done((g) => `created group ${s(g['arn'])}`)));
  command(groups, 'get <name>', 'show a group and its members').action((name: string, o: Opts) => run(o, (c) => call<Row>(c, 'GET', ['groups', name], { shape: NAMED }), printObject));
  command(groups, 'list', 'list the groups of your account').action((o: Opts) =>
    run(o, (c) => call<{ groups: Row[] }>(c, 'GET', ['groups'], { shape: { groups: [LISTED] } }), (r) => ctx.out(formatTable([col('name', 'name'), col('arn', 'arn'), col('created', 'created')], r.groups))),
  );
  command(groups, 'delete <name>', 'delete a group (it must have no members or policies)').action((name: string, o: Opts) =>
    run(o, (c) => call<Row>(c, 'DELETE', ['groups', name], { shape: DELETED }), done(() => `deleted group ${name}`)),
  );

  // --- roles ---
  const roles = iam.command('roles').description('create, show, list and delete roles');
  command(roles, 'create <name>', 'create a role')
    .requiredOption('--trust-policy <file>', 'who may assume the role: a file (JSON, or YAML for .yaml/.yml), or the JSON itself; for training jobs, trust the service principal training.gatehouse.dev')
    .option('--description <text>', 'what the role is for')
    .option('--max-session-duration <seconds>', 'longest session, 3600–43200 seconds', parseSeconds)
    .option('--path <path>', 'the IAM path, such as /ml/')
    .option('--tag <key=value>', 'a tag (repeatable)', parseTag)
    .option('--permissions-boundary <policy>', 'a managed policy (name or ARN) bounding the role\'s rights', boundaryArg)
    .addHelpText('after', '\nExample:\n  gatehouse iam roles create trainer --trust-policy examples/policies/training-trust.json')
    .action(async (name: string, o: Opts & { trustPolicy: string; description?: string; maxSessionDuration?: number; path?: string; tag?: Record<string, string>; permissionsBoundary?: string }) => {
      const doc = await readDocument(o.trustPolicy, ctx, o.json === true, 'trustPolicy');
      if (!doc.ok) return ctx.exit(doc.status);
      await run(
        o,
        (c) =>
          call<Row>(c, 'POST', ['roles'], {
            body: { name, trustPolicy: doc.value, description: o.description, maxSessionDuration: o.maxSessionDuration, path: o.path, tags: o.tag, permissionsBoundary: o.permissionsBoundary },
            shape: NAMED,
          }),
        done((r) => `created role ${s(r['arn'])}`),
        doc.refused('iam roles create'),
      );
    });
  // A role's last use (when a session of it was last issued, and the region asked) is printed as a key's.
  command(roles, 'get <name>', 'show a role with its trust policy and when it was last assumed').action((name: string, o: Opts) =>
    run(o, (c) => call<Row>(c, 'GET', ['roles', name], { shape: { ...NAMED, lastUsed: 'object?' } }), (r) => printObject({ ...r, lastUsed: lastUsedText(r['lastUsed']) })),
  );
  command(roles, 'list', 'list the roles of your account, with when each was last assumed').action((o: Opts) =>
    run(
      o,
      (c) => call<{ roles: Row[] }>(c, 'GET', ['roles'], { shape: { roles: [{ ...NAMED, maxSessionDuration: 'number', description: 'string?', lastUsed: 'object?' }] } }),
      (r) =>
        ctx.out(
          formatTable(
            [col('name', 'name'), col('arn', 'arn'), col('max session', 'maxSessionDuration'), col('last used', 'lastUsedText'), col('description', 'description')],
            r.roles.map((x) => ({ ...x, lastUsedText: lastUsedText(x['lastUsed']) })),
          ),
        ),
    ),
  );
  command(roles, 'delete <name>', 'delete a role (first detach its managed policies and delete its inline policies (iam delete-inline))').action((name: string, o: Opts) => run(o, (c) => call<Row>(c, 'DELETE', ['roles', name], { shape: DELETED }), done(() => `deleted role ${name}`)));

  // --- managed policies ---
  const policies = iam.command('policies').description('create, show, list and delete managed policies');
  command(policies, 'create <name>', 'create a managed policy in your account')
    .requiredOption('--document <file>', 'the policy document: a file (JSON, or YAML for .yaml/.yml; - reads standard input: JSON when it starts with `{`, else YAML), or the JSON itself')
    .option('--description <text>', 'what the policy is for (cannot change later)')
    .option('--path <path>', 'the IAM path, such as /ml/')
    .action(async (name: string, o: Opts & { document: string; description?: string; path?: string }) => {
      const doc = await readDocument(o.document, ctx, o.json === true);
      if (!doc.ok) return ctx.exit(doc.status);
      await run(o, (c) => call<Row>(c, 'POST', ['policies'], { body: { name, document: doc.value, description: o.description, path: o.path }, shape: NAMED }), done((p) => `created policy ${s(p['arn'])}`), doc.refused('iam policies create'));
    });
  command(policies, 'get <policy>', 'show a managed policy (name or ARN) with its default document').action((ref: string, o: Opts) => run(o, (c) => call<Row>(c, 'GET', ['policies', ref], { shape: NAMED }), printObject));
  command(policies, 'list', 'list managed policies: your account\'s and the built-ins')
    .addOption(new Option('--scope <scope>', 'All, AWS (built-in) or Local (your account\'s)').choices(['All', 'AWS', 'Local']).default('All'))
    .action((o: Opts & { scope: string }) =>
      run(
        o,
        (c) => call<{ policies: Row[] }>(c, 'GET', ['policies'], { query: { scope: o.scope }, shape: { policies: [{ ...NAMED, attachmentCount: 'number', description: 'string?' }] } }),
        (r) => ctx.out(formatTable([col('name', 'name'), col('arn', 'arn'), col('attachments', 'attachmentCount'), col('description', 'description')], r.policies)),
      ),
    );
  command(policies, 'delete <policy>', 'delete a managed policy of your account (detach it first)').action((ref: string, o: Opts) =>
    run(o, (c) => call<Row>(c, 'DELETE', ['policies', ref], { shape: DELETED }), done((r) => `deleted policy ${s(r['deleted'])}`)),
  );

  // --- access keys ---
  // Without --user, "yours": a role session (or an account's root) has no user, and the server's refusal named its own
  // field, `ValidationError: UserName: UserName is required when the caller is not a user`, not the option to give
  // (review hm, 8). Said as the option; with --json, the server's error as it is (its path `userName`: review nd, 2).
  const userNeeded = (o: { user?: string }) => (f: ClientFailure): number | undefined => {
    if (o.user !== undefined || f.code !== 'ValidationError' || !f.errors.some((e) => e.path === 'userName')) return undefined;
    ctx.err('gatehouse: ValidationError: the credentials in use are not a user\'s (a role session\'s, for one), so there are no keys of yours: name the user with --user NAME\n');
    return f.status;
  };
  // Without --user, IAM looks for the key among the signer's own keys only, and answers another user's key as one that
  // "cannot be found", of a key `access-keys list --user NAME` just showed (README §2's update, as the admin): IAM's
  // words, then what to do (review qq, 6). Said by the CLI, which knows it sent no --user; the server's answer, which
  // tells no one whose a key is, stays as IAM's.
  const keyOfAnother = (o: { user?: string }) => (f: ClientFailure): number | undefined => {
    const needed = userNeeded(o)(f);
    if (needed !== undefined || o.user !== undefined || f.code !== 'NoSuchEntity') return needed;
    report(ctx, f);
    ctx.err("gatehouse: without --user, only the keys of the user signing (yours) are looked at: for another user's key, give --user NAME (`gatehouse iam access-keys list --user NAME` lists them)\n");
    return f.status;
  };
  const keys = iam.command('access-keys').description('create, list, deactivate and delete access keys');
  command(keys, 'create', 'create an access key and print its secret once')
    .option('--user <name>', 'whose key (default: yours)', ownUser)
    .action((o: Opts & { user?: string }) =>
      run(
        o,
        (c) => call<Row>(c, 'POST', ['access-keys'], { body: { userName: o.user }, shape: { userName: 'string', accessKeyId: 'string', secretAccessKey: 'string' } }),
        (k) => ctx.out(`access key of ${s(k['userName'])} (shown once; store it now):\n  AccessKeyId      ${s(k['accessKeyId'])}\n  SecretAccessKey  ${s(k['secretAccessKey'])}\n`),
        userNeeded(o),
      ),
    );
  command(keys, 'list', 'list access keys (no secrets)')
    .option('--user <name>', 'whose keys (default: yours)', ownUser)
    .action((o: Opts & { user?: string }) =>
      run(
        o,
        (c) => call<{ accessKeys: Row[] }>(c, 'GET', ['access-keys'], {
          query: { userName: o.user },
          shape: { accessKeys: [{ accessKeyId: 'string', userName: 'string', status: 'string', created: 'string', lastUsed: 'object?' }] },
        }),
        (r) =>
          ctx.out(
            formatTable(
              [col('access key id', 'accessKeyId'), col('user', 'userName'), col('status', 'status'), col('created', 'created'), col('last used', 'lastUsedText')],
              r.accessKeys.map((k) => ({ ...k, lastUsedText: lastUsedText(k['lastUsed']) })),
            ),
          ),
        userNeeded(o),
      ),
    );
  // Rotation as AWS documents it: the new key made, the old one Inactive until nothing fails, then deleted (review id, 1:
  // a key could only be deleted, at once and for good).
  command(keys, 'update <access-key-id>', 'make an access key Inactive (refused from then on) or Active again')
    .addOption(new Option('--status <status>', 'Active or Inactive').choices(['Active', 'Inactive']).makeOptionMandatory())
    .option('--user <name>', 'whose key (default: yours)', ownUser)
    .action((id: string, o: Opts & { status: string; user?: string }) =>
      run(
        o,
        (c) => call<Row>(c, 'PATCH', ['access-keys', id], { body: { status: o.status, userName: o.user }, shape: { accessKeyId: 'string', status: 'string' } }),
        done((r) => `access key ${id}${typeof r['userName'] === 'string' ? ` of ${r['userName']}` : ''} is now ${s(r['status'])}`),
        keyOfAnother(o),
      ),
    );
  command(keys, 'delete <access-key-id>', 'delete an access key')
    .option('--user <name>', 'whose key (default: yours)', ownUser)
    .action((id: string, o: Opts & { user?: string }) => run(o, (c) => call<Row>(c, 'DELETE', ['access-keys', id], { query: { userName: o.user }, shape: DELETED }), done(() => `deleted access key ${id}`), keyOfAnother(o)));

  command(iam, 'credential-report', 'every user of your account with its access keys: status, creation, last use (IAM’s credential report)')
    .option('--csv', 'print IAM’s CSV as is')
    .addHelpText('after', '\nThe report is generated when none younger than four hours is kept (as in IAM), so a key used since may not show yet.')
    .action((o: Opts & { csv?: true }) => {
      // Both asked for: one was dropped without a word (--json won). An option that would do nothing is a usage error
      // (review cli, G9).
      if (o.csv && o.json) {
        ctx.err('error: --csv and --json (or -o json) are two formats of the report; give one\n(add --help for usage)\n');
        return ctx.exit(EXIT.usage);
      }
      return run(
        o,
        async (c) => {
          const made = await call<Row>(c, 'POST', ['credential-report'], { shape: { state: 'string' } });
          return made.ok ? call<{ generated: string; csv: string; users: Record<string, string>[] }>(c, 'GET', ['credential-report'], { shape: { generated: 'string', csv: 'string', users: [{ user: 'string' }] } }) : made;
        },
        (r) => {
          if (o.csv) return ctx.out(r.csv);
          const rows = r.users;
          const key = (n: 1 | 2) => (x: Record<string, string>) => (x[`access_key_${n}_last_rotated`] === 'N/A' ? '-' : `${x[`access_key_${n}_active`] === 'true' ? 'active' : 'inactive'}, created ${x[`access_key_${n}_last_rotated`]}, used ${x[`access_key_${n}_last_used_date`] === 'N/A' ? 'never' : x[`access_key_${n}_last_used_date`]}`);
          ctx.out(formatTable([{ header: 'user', value: (x: Record<string, string>) => x['user'] ?? '' }, { header: 'key 1', value: key(1) }, { header: 'key 2', value: key(2) }], rows));
          ctx.out(`report generated ${r.generated}\n`);
        },
      );
    });

  // --- relations ---
  const attach = withTarget(command(iam, 'attach <policy>', 'attach a managed policy (name or ARN) to a user, group or role'));
  attach.registeredArguments[0]?.argParser(nonEmptyArg('the policy', 'its name or ARN'));
  attach
    .addHelpText('after', '\nExample:\n  gatehouse iam attach --role trainer AmazonS3ReadOnlyAccess')
    .action((policy: string, o: Opts & Target) => {
      const t = targetOf(o, ctx);
      if (!t) return ctx.exit(EXIT.usage);
      return run(o, (c) => call<Row>(c, 'POST', [t.segment, t.name, 'policies'], { body: { policy }, shape: { attached: 'string' } }), done((r) => `attached ${s(r['attached'])} to ${t.segment.slice(0, -1)} ${t.name}`));
    });
  withTarget(command(iam, 'detach <policy>', 'detach a managed policy (name or ARN) from a user, group or role')).action((policy: string, o: Opts & Target) => {
    const t = targetOf(o, ctx);
    if (!t) return ctx.exit(EXIT.usage);
    return run(o, (c) => call<Row>(c, 'DELETE', [t.segment, t.name, 'policies', policy], { shape: { detached: 'string' } }), done((r) => `detached ${s(r['detached'])} from ${t.segment.slice(0, -1)} ${t.name}`));
  });
  withTarget(command(iam, 'list-policies', 'list the managed policies attached to a user, group or role, and its inline policies')).action((o: Opts & Target) => {
    const t = targetOf(o, ctx);
    if (!t) return ctx.exit(EXIT.usage);
    return run(
      o,
      (c) => call<{ attached: Row[]; inline: string[] }>(c, 'GET', [t.segment, t.name, 'policies'], { shape: { attached: [{ name: 'string', arn: 'string' }], inline: ['string'] } }),
      (r) => ctx.out(formatTable([col('type', 'type'), col('name', 'name'), col('arn', 'arn')], [...r.attached.map((p) => ({ type: 'managed', ...p })), ...r.inline.map((name) => ({ type: 'inline', name, arn: '' }))])),
    );
  });
  withTarget(command(iam, 'put-inline <policy-name>', 'create or replace an inline policy of a user, group or role'))
    .requiredOption('--document <file>', 'the policy document: a file (JSON, or YAML for .yaml/.yml; - reads standard input: JSON when it starts with `{`, else YAML), or the JSON itself')
    .action(async (policyName: string, o: Opts & Target & { document: string }) => {
      const t = targetOf(o, ctx);
      if (!t) return ctx.exit(EXIT.usage);
      const doc = await readDocument(o.document, ctx, o.json === true);
      if (!doc.ok) return ctx.exit(doc.status);
      await run(o, (c) => call<Row>(c, 'PUT', [t.segment, t.name, 'inline-policies', policyName], { body: { document: doc.value }, shape: { name: 'string' } }), done(() => `put inline policy ${policyName} on ${t.segment.slice(0, -1)} ${t.name}`), doc.refused('iam put-inline'));
    });
  withTarget(command(iam, 'get-inline <policy-name>', 'show an inline policy of a user, group or role')).action((policyName: string, o: Opts & Target) => {
    const t = targetOf(o, ctx);
    if (!t) return ctx.exit(EXIT.usage);
    return run(o, (c) => call<Row>(c, 'GET', [t.segment, t.name, 'inline-policies', policyName], { shape: { name: 'string', document: 'any' } }), printObject);
  });
  withTarget(command(iam, 'delete-inline <policy-name>', 'delete an inline policy of a user, group or role')).action((policyName: string, o: Opts & Target) => {
    const t = targetOf(o, ctx);
    if (!t) return ctx.exit(EXIT.usage);
    return run(o, (c) => call<Row>(c, 'DELETE', [t.segment, t.name, 'inline-policies', policyName], { shape: DELETED }), done(() => `deleted inline policy ${policyName} of ${t.segment.slice(0, -1)} ${t.name}`));
  });
  command(iam, 'add-to-group', 'add a user to a group')
    .requiredOption('--user <name>', 'the user')
    .requiredOption('--group <name>', 'the group')
    .action((o: Opts & { user: string; group: string }) => run(o, (c) => call<Row>(c, 'PUT', ['groups', o.group, 'users', o.user], { shape: MEMBERSHIP }), done(() => `added ${o.user} to ${o.group}`)));
  command(iam, 'remove-from-group', 'remove a user from a group')
    .requiredOption('--user <name>', 'the user')
    .requiredOption('--group <name>', 'the group')
    .action((o: Opts & { user: string; group: string }) => run(o, (c) => call<Row>(c, 'DELETE', ['groups', o.group, 'users', o.user], { shape: MEMBERSHIP }), done(() => `removed ${o.user} from ${o.group}`)));
};

