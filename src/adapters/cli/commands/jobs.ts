/**
 * `gatehouse jobs run|list|get|stop|events` and `gatehouse workspaces list|get|put|delete`.
 * `jobs run` submits a job as the caller and runs CMD with the job's credential environment (DESIGN.md
 * "Interfaces"); it exits with CMD's exit status, and the job's sessions stop working when it ends.
 */
import { join, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { StopSignals } from '../../launcher/run.ts';
import { call, connect, deleteNoContent, remote, report, sayRequestId, withServerOptions, type ClientFailure, type ClientResult, type Connection, type ConnectionOptions } from '../client.ts';
import type { CommandContext, CommandGroup } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { outages, sleep, timingWithoutFollow, withFollowTiming, type FollowOptions } from '../follow.ts';
import { formatTable, jsonLine, nonEmptyArg, printable, printableMessage, shownMessage, usageFailure, withJsonOption } from '../output.ts';
import { asItems, followPages, listLimit, moreFollow } from '../paging.ts';
import { credentialsFileProblem } from '../../launcher/credentials-file.ts';
import { makeJobDir, removeUnusedJobDir } from '../../launcher/job-dir.ts';
import { containerUriOf, withContainerUri } from '../../../core/jobs/jobs.ts';
import { shownGivenUrl } from '../../../core/shown-url.ts';

interface JobJson {
  readonly id: string;
  readonly name: string;
  readonly workspace: string;
  readonly state: string;
  readonly role: { readonly mode: string; readonly arn?: string };
  readonly submitter: { readonly arn: string };
  readonly created: string;
  readonly started?: string;
  readonly ended?: string;
  readonly exitCode?: number;
  /** Why it ended when it did not end by itself (stopped by whom, its launcher unheard, its submitter disabled). */
  readonly reason?: string;
  readonly replicas?: number;
  readonly cluster?: string;
  /** A pod's job (src/app/kube.ts): `provisional` until the pod's first credential request (review vw, 1). */
  readonly pod?: { readonly namespace?: string; readonly name?: string; readonly generateName?: string; readonly provisional?: boolean; readonly asked?: string };
}

/**
 * A job's state as the tables print it: a pod job not yet confirmed by its pod's first credential request says so
 * (review wc, 3). The admission refusal past the account's provisional pod jobs says to find those of pods that do not
 * exist with `jobs list`, where they were printed as any running pod job.
 */
const stateShown = (j: JobJson): string => (j.pod?.provisional === true && j.state === 'Running' ? `${j.state} (provisional)` : j.state);

/** `jobs get`'s line of a pod job: the pod, and why its job is provisional when it is (review wc, 3). */
function podLine(pod: NonNullable<JobJson['pod']>): string {
  const name = printable(`${pod.namespace ?? ''}/${pod.name !== undefined && pod.name !== '' ? pod.name : `${pod.generateName ?? ''}*`}`);
  if (pod.provisional !== true) return `pod:        ${name}`;
  if (pod.asked !== undefined) return `pod:        ${name}, provisional: it asked for credentials at ${printable(pod.asked)} while the account's live jobs were at its quota; its job counts from its first request once a place is free`;
  return `pod:        ${name}, provisional: it has not asked for credentials yet (kube-apiserver may have refused it after the webhook, or it has not started); its job is stopped a day after admission unless it does`;
}

type Opts = ConnectionOptions & { json?: true };

/** A job as the commands read it (`JobJson`). */
const JOB = { id: 'string', name: 'string', workspace: 'string', state: 'string', role: { mode: 'string', arn: 'string?' }, submitter: { arn: 'string' }, created: 'string', started: 'string?', ended: 'string?', exitCode: 'number?', reason: 'string?', replicas: 'number?', cluster: 'string?' } as const;
/** A job started (`POST /v1/jobs`, `POST /v1/clusters/NAME/nodes`): the job, its capability and its environment. */
const STARTED = { job: JOB, capability: 'string', environment: { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'string' }, note: 'string?' } as const;

/**
 * What the server adds to a start it accepted, said before the job's own lines: why the job runs otherwise than asked
 * (no metadata endpoint: src/adapters/http/jobs-api.ts `metadataOf`). It was dropped, so the user saw the job's SDKs
 * fall back to the container endpoint without being told why (review ag, 2).
 */
function sayNote(ctx: CommandContext, started: { readonly note?: string }): void {
  if (started.note !== undefined && started.note !== '') ctx.err(`gatehouse: note: ${printableMessage(started.note)}\n`);
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  return formatTable(
    headers.map((header, i) => ({ header, value: (r: readonly string[]) => r[i] ?? '' })),
    rows,
  );
}

/**
 * `--credentials-file ""` (`--credentials-file "$F"` with F unset) was the working directory, refused as a path where
 * something "exists" (review gr, 10): said as what it is.
 */
const nonEmptyPath = nonEmptyArg('--credentials-file', 'the path of the file', 'for a private path of its own');

/**
 * The credentials file `GATEHOUSE_CREDENTIALS_FILE` names for a job run from this environment, or undefined (empty: unset,
 * review gr, 5). Inside a job (`GATEHOUSE_JOB_ID` set) it is the enclosing job's own file, which its launcher gave each
 * rank: a job started from a rank took it for its own and was refused as a file another job uses, exit 7, naming a
 * `--credentials-file` nobody gave (review hu, 3). There it names no file for the new job, which gets a path of its own.
 */
function credentialsFileOfEnvironment(env: Readonly<Record<string, string | undefined>> | undefined): string | undefined {
  if ((env?.['GATEHOUSE_JOB_ID'] ?? '') !== '') return undefined;
  return env?.['GATEHOUSE_CREDENTIALS_FILE'] || undefined;
}

/**
 * The exit status refusing a credentials file the user named (`--credentials-file`, else `GATEHOUSE_CREDENTIALS_FILE`),
 * after saying why; undefined when it may be used (launcher/credentials-file.ts). The per-job default is not checked.
 */
async function refuseCredentialsFile(ctx: CommandContext, given: string | undefined): Promise<number | undefined> {
  const path = given ?? credentialsFileOfEnvironment(ctx.env);
  if (path === undefined) return undefined;
  const problem = await credentialsFileProblem(resolve(path));
  if (problem === undefined) return undefined;
  ctx.err(`gatehouse: ${problem.message}\n`);
  return problem.exit === 'usage' ? EXIT.usage : EXIT.conflict;
}

/**
 * The job's private directory (launcher/job-dir.ts), made before anything is submitted so that a base directory
 * another user could reach is refused, saying why, with no job left behind (review S, S2 and S2b); or the exit
 * status after saying why not: 7 when an unsafe directory is there already, 2 when none can be made.
 */
async function jobDirOrRefuse(ctx: CommandContext): Promise<string | { exit: number }> {
  const made = await makeJobDir(ctx.env ?? {}, process.getuid?.());
  if (made.ok) return made.dir;
  ctx.err(`gatehouse: ${made.message}\n`);
  return { exit: made.exit === 'usage' ? EXIT.usage : EXIT.conflict };
}

/**
 * A job has at most one role (seed 000): a second `--role` is refused rather than silently winning. A role's bare name
 * (`--role training-default`) is refused here, saying what `--role` takes, rather than sent: the server would answer
 * that role `training-default` "does not exist", which it does, by its ARN (review readme, R8). It is not resolved to
 * an ARN of the caller's account: that takes a request to learn the account, and the ARN of a role with a path
 * (`role/team/x`) cannot be written from its name, so the user writes the ARN once, as `--help` shows it.
 */
const oneRole = (v: string, previous: string | undefined): string => {
  if (previous !== undefined) throw new InvalidArgumentError(`a job has at most one role; give --role once (got \`${previous}\` and \`${v}\`)`);
  if (v === 'default' || v === 'none' || /^(?:arn|acs):/i.test(v)) return v;
  const hint = /^[\w+=,.@-]{1,64}$/.test(v) ? `; for the role named \`${v}\`, give its ARN: --role arn:aws:iam::<account>:role/${v} (\`gatehouse whoami\` shows your account)` : '';
  throw new InvalidArgumentError(`--role takes \`default\`, \`none\` or a role ARN, got \`${v}\`${hint}`);
};

/**
 * The subcommand's arguments as typed, after the command's first word and before any `--`, with that word and the
 * subcommand's path (`jobs run`); undefined when no command word comes before `--`. Read from the root command's
 * `rawArgs`: once parsed, a command given after `--` and one given without it look the same.
 */
function afterCommandWord(cmd: Command): { path: readonly string[]; first: string; rest: readonly string[]; option: (arg: string) => Option | undefined } | undefined {
  let root: Command = cmd;
  while (root.parent) root = root.parent;
  const path: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) path.unshift(c.name());
  // The subcommand's own arguments: after its name, following its parents' names (no option comes before them but
  // --help, which never gets here; `--endpoint URL` or `--data-dir DIR` in front is moved after the names before
  // parsing, src/adapters/cli/program.ts, and read below as the subcommand's own).
  // `rawArgs` is set by commander's parse() on the command parsed, but not in its typings.
  const raw = (root as Command & { rawArgs?: readonly string[] }).rawArgs ?? [];
  let at = 0;
  for (const name of path) {
    const i = raw.indexOf(name, at);
    if (i < 0) return undefined;
    at = i + 1;
  }
  const option = (arg: string) => {
    if (!arg.startsWith('-') || arg === '-') return undefined;
    const name = arg.startsWith('--') ? arg.split('=', 1)[0] : arg;
    return cmd.options.find((o) => o.long === name || o.short === name);
  };
  for (let i = at; i < raw.length; i++) {
    const arg = raw[i] as string;
    if (arg === '--') return undefined;
    const known = option(arg);
    if (known === undefined) {
      const end = raw.indexOf('--', i + 1);
      return { path, first: arg, rest: raw.slice(i + 1, end < 0 ? raw.length : end), option };
    }
    // Its value is the next argument, unless given as `--name=value`.
    if ((known.required || (known.optional && !(raw[i + 1] ?? '-').startsWith('-'))) && !arg.includes('=')) i++;
  }
  return undefined;
}

/**
 * Why the command given to `jobs run` (or `clusters run-node`) is refused, or undefined: given without `--`, and one
 * of the subcommand's own options after the command's first word (`jobs run --workspace vision node x.mjs --replicas
 * 2`). Commander takes such an option as gatehouse's wherever it is, so the job ran 2 ranks and `x.mjs` never saw
 * `--replicas` (review readme, R10). Options not gatehouse's are refused by commander (`unknown option`), which
 * `sayCommandOptionsNeedDashDash` words; a negative number is a command's argument.
 */
export function optionTakenFromCommand(cmd: Command): string | undefined {
  const words = afterCommandWord(cmd);
  if (words === undefined) return undefined;
  for (const arg of words.rest) {
    const option = words.option(arg);
    if (option !== undefined) {
      const name = option.long ?? option.short ?? arg;
      return `\`${arg}\` after the command's first word \`${words.first}\` would be taken as gatehouse's own ${name}, not passed to the command: put the command after \`--\` (gatehouse ${words.path.join(' ')} [options] -- ${words.first} …), and gatehouse's options before it`;
    }
  }
  return undefined;
}

/**
 * Commander refuses an option it does not know with `unknown option '--data'` wherever it is; after the command's
 * first word, given without `--` (`jobs run --workspace vision node rank.mjs --data s3://…`, the tour's job), it is
 * the command's, and the message says so and what to do (review readme, bn1). One before the command's first word is
 * a typo of gatehouse's own and keeps commander's message and suggestion. `unknownOption` is commander's hook for
 * this error (a method of `Command`, not in its typings); the error it raises is the same usage error (exit 2).
 */
function sayCommandOptionsNeedDashDash(cmd: Command): Command {
  const hooked = cmd as Command & { unknownOption(flag: string): void };
  const unknown = hooked.unknownOption.bind(cmd);
  hooked.unknownOption = (flag: string) => {
    const words = afterCommandWord(cmd);
    if (words === undefined || !words.rest.includes(flag)) return unknown(flag);
    cmd.error(`error: \`${flag}\` after the command's first word \`${words.first}\` is not an option of gatehouse ${words.path.join(' ')}: to pass it to the command, put the command after \`--\` (gatehouse ${words.path.join(' ')} [options] -- ${words.first} …)`, { code: 'commander.unknownOption' });
  };
  return cmd;
}

/** A usage error (exit 2) naming the option, through commander, not an exception the CLI reports as a bug. */
const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < 1 || n > 1024) throw new InvalidArgumentError(`--replicas must be an integer from 1 to 1024, got \`${v}\``);
  return n;
};

/** The jobs `GET /v1/jobs` lists, every page, or `limit` of them. */
async function listAll(c: Connection, opts: { workspace?: string; state?: string; limit?: number; next?: string }): Promise<ClientResult<{ jobs: JobJson[]; next?: string }>> {
  const r = await followPages<JobJson>(
    async (want, next) => asItems(await call<{ jobs: JobJson[]; next?: string }>(c, 'GET', ['jobs'], { query: { limit: String(want), workspace: opts.workspace, state: opts.state, next }, shape: { jobs: [JOB], next: 'string?' } }), 'jobs'),
    opts.limit,
    opts.next,
  );
  return r.ok ? { ok: true, value: { jobs: r.value.items, ...(r.value.next !== undefined ? { next: r.value.next } : {}) } } : r;
}

interface JobEventJson {
  seq: number;
  at: string;
  type: string;
  message: string;
}
const JOB_EVENT = { seq: 'number', at: 'string', type: 'string', message: 'string' } as const;
/** A page of `GET /v1/jobs/{id}/events`. */
const EVENTS_PAGE = { events: [JOB_EVENT], next: 'string?' } as const;

const eventNumber = (v: string): number => {
  if (!/^[0-9]{1,8}$/.test(v)) throw new InvalidArgumentError(`--after must be an event's number (a whole number from 0 to 99999999), got \`${v}\``);
  return Number(v);
};
const tailCount = (v: string): number => {
  const n = Number(v);
  if (!/^[0-9]+$/.test(v) || n < 1 || n > 1000) throw new InvalidArgumentError(`--tail must be an integer from 1 to 1000, got \`${v}\``);
  return n;
};

/**
 * A job's events from `GET /v1/jobs/{id}/events`, following `next` (1,000 a page) until they end or `limit` are read;
 * `next` when `limit` stopped it with more to come. With `tail`, the newest `tail` events, one request.
 */
async function allEvents(c: Connection, id: string, opts: { limit?: number; after?: number; tail?: number }): Promise<ClientResult<{ events: JobEventJson[]; next?: string }>> {
  if (opts.tail !== undefined) return call<{ events: JobEventJson[]; next?: string }>(c, 'GET', ['jobs', id, 'events'], { query: { tail: String(opts.tail) }, shape: EVENTS_PAGE });
  const r = await followPages<JobEventJson>(
    async (want, after) => asItems(await call<{ events: JobEventJson[]; next?: string }>(c, 'GET', ['jobs', id, 'events'], { query: { limit: String(want), after }, shape: EVENTS_PAGE }), 'events'),
    opts.limit,
    opts.after === undefined ? undefined : String(opts.after),
  );
  return r.ok ? { ok: true, value: { events: r.value.items, ...(r.value.next !== undefined ? { next: r.value.next } : {}) } } : r;
}

/**
 * `jobs events ID --follow`: the job's events (from `--after`, or the newest `--tail`), then new ones as they happen,
 * polled every `--interval`, until the job's `ended` event (written with its end, in the same transaction) has been
 * printed: then exit 0, as `kubectl logs -f` ends with its pod. A full page is followed at once by the next. The
 * server going away meanwhile is waited for up to `--retry-seconds` (follow.ts `outages`); a job deleted, or any other
 * refusal, ends it with the server's error. `--json`: one event a line. The table's columns are as wide as they need
 * to be for each batch printed.
 */
async function followEvents(ctx: CommandContext, id: string, opts: Opts & FollowOptions & { json?: true; after?: number; tail?: number }): Promise<number> {
  const conn = await connect(opts, ctx);
  if (!conn.ok) return report(ctx, conn, opts.json && 'line');
  const fetch = (query: Record<string, string>) => call<{ events: JobEventJson[]; next?: string }>(conn.value, 'GET', ['jobs', id, 'events'], { query, shape: EVENTS_PAGE });
  let after = opts.after ?? 0;
  let ended = false;
  let header = !opts.json;
  const print = (events: readonly JobEventJson[]): void => {
    if (events.length === 0) return;
    if (opts.json) ctx.out(events.map(jsonLine).join(''));
    else {
      const text = table(['SEQ', 'AT', 'TYPE', 'MESSAGE'], events.map((e) => [String(e.seq), e.at, e.type, e.message]));
      // The header once, above the first events printed.
      ctx.out(header ? text : text.slice(text.indexOf('\n') + 1));
      header = false;
    }
    after = events.at(-1)?.seq ?? after;
    if (events.some((e) => e.type === 'ended')) ended = true;
  };
  let behind = false;
  if (opts.tail !== undefined) {
    const r = await fetch({ tail: String(opts.tail) });
    if (!r.ok) return report(ctx, r, opts.json && 'line');
    print(r.value.events);
    // What ended before the newest N is in them: an `ended` among the events before them cannot be, it is the last.
  } else behind = true;
  // `--follow | head -1`: head has what it wanted and is gone, and the job may run for days without an event.
  ctx.watchOutput?.();
  const down = outages(ctx, opts.retrySeconds, () => `event ${after}`);
  while (!ended) {
    if (!behind) await sleep(opts.interval);
    const r = await fetch({ after: String(after), limit: String(JOB_EVENTS_PAGE) });
    if (!r.ok) {
      behind = false;
      if (down.failed(r)) continue;
      return report(ctx, r, opts.json && 'line');
    }
    down.answered();
    print(r.value.events);
    behind = r.value.next !== undefined;
  }
  return EXIT.ok;
}

/** Events a page while following (the API's most). */
const JOB_EVENTS_PAGE = 1000;

export const jobsCommands: CommandGroup = (program, ctx) => {
  const jobs = program.command('jobs').description('training jobs: run a command as a job with a role, list, inspect, stop');

  sayCommandOptionsNeedDashDash(withServerOptions(
    jobs
      .command('run')
      .description('submit a job and run CMD as its processes, with the job role’s temporary credentials')
      .requiredOption('--workspace <name>', 'the workspace the job belongs to', nonEmptyArg('--workspace', "the name of the job's workspace"))
      // `--name "$NAME"` with NAME unset named the job `job-<id>` without a word (review iz, 6): refused, as every other
      // empty value is.
      .option('--name <name>', 'a name for the job (default job-<id>)', nonEmptyArg('--name', "the job's name", 'for the default, job-<id>'))
      .addOption(new Option('--role <role>', '`default` (the workspace default role; the default), `none` (no credentials), or a role ARN').argParser(oneRole))
      .addOption(new Option('--replicas <n>', 'number of local ranks (RANK, LOCAL_RANK, WORLD_SIZE, LOCAL_WORLD_SIZE, GROUP_RANK, MASTER_ADDR, MASTER_PORT and the rest of torchrun\'s variables set as torchrun does); as with torchrun, the first rank to fail stops the others and its status is the job\'s').argParser(positiveInt).default(1))
      .option('--credentials-file <path>', 'where to keep the credentials file (GATEHOUSE_CREDENTIALS_FILE, not inside a job, where it is that job’s own): a path where nothing is yet (missing directories are made, owner-only); removed when the job ends. Default a private per-job path', nonEmptyPath)
      .option('--agent <url>', AGENT_HELP)
      .option('--no-imds', NO_IMDS_HELP)
      .addOption(launcherUidOption())
      .argument('<command...>', 'the command to run (put it after `--`)'),
  ))
    .addHelpText('after', `\nExample:\n  gatehouse jobs run --workspace vision --role arn:aws:iam::123456789012:role/trainer --replicas 2 -- python train.py\n\n${runExitNote('job')}\n\n${IMDS_NOTE}`)
    .action(async (command: string[], opts: Opts & RunOpts & { workspace: string; name?: string; role?: string; replicas: number }, cmd: Command) => {
      const taken = optionTakenFromCommand(cmd);
      if (taken !== undefined) {
        return ctx.exit(usageFailure(ctx, `${taken}`, 'gatehouse'));
      }
      return ctx.exit(await run(ctx, command, opts));
    });

  withJsonOption(
    withServerOptions(
      jobs
        .command('list')
        .description('list the jobs you can see, oldest first (every one, page by page, unless --limit)')
        .option('--workspace <name>', 'only the jobs of this workspace', nonEmptyArg('--workspace', "a workspace's name", 'to list the jobs of every workspace'))
        .addOption(new Option('--state <state>', 'only the jobs in this state').choices(['Queued', 'Running', 'Succeeded', 'Failed', 'Stopped']))
        .option('--limit <n>', 'at most this many jobs; with --json the answer then holds `next` when more follow, else stderr says how to go on', listLimit)
        .option('--next <token>', 'start after the jobs of an earlier `jobs list --limit N --json` with the same filters (its `next`)', nonEmptyArg('--next', 'the `next` an earlier listing cut at --limit printed', 'to start from the first')),
    ),
  ).action(async (opts: Opts & { workspace?: string; state?: string; limit?: number; next?: string }) => {
    // An empty listing of a workspace the caller may see does not exist: said, as `audit query --principal NAME` says
    // why nothing matched (review gn, 8); a typo printed the header alone, as a workspace that ran no job does. Not
    // refused: jobs of a deleted workspace keep its name.
    let note: string | undefined;
    const listed = async (c: Connection): Promise<ClientResult<{ jobs: JobJson[]; next?: string }>> => {
      const r = await listAll(c, opts);
      if (r.ok && r.value.jobs.length === 0 && opts.workspace !== undefined && opts.json !== true) {
        const w = await call(c, 'GET', ['workspaces', opts.workspace]);
        if (!w.ok && w.httpStatus === 404) note = `gatehouse: no jobs: there is no workspace \`${opts.workspace}\` in your account (\`gatehouse workspaces list\` names them; jobs of a deleted workspace keep its name)\n`;
      }
      return r;
    };
    ctx.exit(
      await remote(ctx, opts, listed, (v) => {
        ctx.out(table(['ID', 'NAME', 'WORKSPACE', 'STATE', 'ROLE', 'CREATED'], v.jobs.map((j) => [j.id, j.name, j.workspace, stateShown(j), j.role.arn ?? j.role.mode, j.created])));
        if (note !== undefined) ctx.err(note);
        if (v.next !== undefined) ctx.err(moreFollow('jobs', opts.limit, '--next', v.next));
      }),
    );
  });
  withJsonOption(withServerOptions(jobs.command('get').description('show one job').argument('<id>'))).action(async (id: string, opts: Opts) =>
    ctx.exit(await remote(ctx, opts, (c) => call<JobJson>(c, 'GET', ['jobs', id], { shape: JOB }), (j) => ctx.out(describe(j)))),
  );
  // A job that had already ended Succeeded or Failed is answered as it is (review up, 2), said so: not "Stopped".
  withJsonOption(withServerOptions(jobs.command('stop').description('stop a job: its processes are signalled and its credentials revoked (a job that has already ended is left as it is)').argument('<id>'))).action(async (id: string, opts: Opts) =>
    ctx.exit(await remote(ctx, opts, (c) => call<JobJson>(c, 'POST', ['jobs', id, 'stop'], { shape: JOB }), (j) => ctx.out(j.state === 'Stopped' ? `job ${j.id} Stopped\n` : `job ${j.id} had already ended (${j.state})\n`))),
  );
  withJsonOption(
    withServerOptions(withFollowTiming(
      jobs
        .command('events')
        .description('credential issuances, denials and state changes of a job, oldest first (every one, page by page, unless --limit or --tail)')
        .argument('<id>')
        .option('--limit <n>', 'at most this many events; with --json the answer then holds `next` when more follow, else stderr says how to go on', listLimit)
        .option('--after <n>', 'only the events after this one (a SEQ, or the `next` of an earlier --json answer)', eventNumber)
        .option('--tail <n>', 'only the newest N events (1 to 1000)', tailCount)
        .option('--follow', 'print the events (or the newest --tail N), then new ones as they happen, until the job ends (Ctrl-C to stop)'),
    )),
  )
    .addHelpText(
      'after',
      [
        '',
        '--follow ends with status 0 once the job has ended (its `ended` event printed), or when whatever reads its output',
        'has gone (`| head -1`); with --json it prints one event per line (JSON lines) instead of one answer.',
        'Example:',
        '  gatehouse jobs events 7k2m9x4q1z3p --follow',
      ].join('\n'),
    )
    .action(async (id: string, opts: Opts & FollowOptions & { limit?: number; after?: number; tail?: number }, cmd: Command) => {
      if (opts.tail !== undefined && (opts.limit !== undefined || opts.after !== undefined)) {
        return ctx.exit(usageFailure(ctx, '--tail shows the newest events: it does not go with --limit or --after', 'gatehouse'));
      }
      if (opts.follow && opts.limit !== undefined) {
        return ctx.exit(usageFailure(ctx, '--follow prints every event until the job ends: it does not go with --limit (--tail N starts from the newest N)', 'gatehouse'));
      }
      const idle = timingWithoutFollow(opts, cmd);
      if (idle !== undefined) {
        return ctx.exit(usageFailure(ctx, `${idle}`, 'gatehouse'));
      }
      if (opts.follow) return ctx.exit(await followEvents(ctx, id, opts));
      return ctx.exit(
        await remote(ctx, opts, (c) => allEvents(c, id, opts), (v) => {
          ctx.out(table(['SEQ', 'AT', 'TYPE', 'MESSAGE'], v.events.map((e) => [String(e.seq), e.at, e.type, e.message])));
          if (v.next !== undefined && opts.tail === undefined) ctx.err(moreFollow('events', opts.limit, '--after', v.next));
        }),
      );
    });

  const clusters = program.command('clusters').description('compute clusters: instance roles, compute configs, mapping rules, nodes');
  withJsonOption(withServerOptions(clusters.command('list').description('list clusters of your account'))).action(async (opts: Opts) =>
    ctx.exit(
      await remote(ctx, opts, (c) => call<{ clusters: { name: string; instanceRole?: string; computeConfigs?: Record<string, unknown>; mappings?: unknown[] }[] }>(c, 'GET', ['clusters'], {
          shape: { clusters: [{ name: 'string', instanceRole: 'string?', computeConfigs: 'object?', mappings: 'any?' }] },
        }), (v) =>
        ctx.out(table(['NAME', 'INSTANCE ROLE', 'COMPUTE CONFIGS', 'MAPPINGS'], v.clusters.map((k) => [k.name, k.instanceRole ?? '', Object.keys(k.computeConfigs ?? {}).join(','), String(k.mappings?.length ?? 0)]))),
      ),
    ),
  );
  sayCommandOptionsNeedDashDash(withServerOptions(
    clusters
      .command('run-node')
      .description('run CMD as a node of the cluster, with the temporary credentials of the role the cluster names for it')
      .requiredOption('--cluster <name>', 'the cluster')
      .option('--compute-config <name>', 'a compute config of the cluster whose instance role overrides the default')
      .option('--credentials-file <path>', 'where to keep the credentials file: a path where nothing is yet (missing directories are made, owner-only); removed when the node ends. Default a private per-node path', nonEmptyPath)
      .option('--agent <url>', AGENT_HELP)
      .option('--no-imds', NO_IMDS_HELP)
      .addOption(launcherUidOption())
      .argument('<command...>', 'the command to run (put it after `--`)'),
  ))
    .addHelpText('after', `\nThe role is the compute config's instance role if given, else the first mapping rule matching you or one of\nyour groups, else the cluster's instance role. It must trust compute.gatehouse.dev.\n\n${runExitNote('node')}\n\n${IMDS_NOTE}`)
    .action(async (command: string[], opts: Opts & RunOpts & { cluster: string; computeConfig?: string }, cmd: Command) => {
      const taken = optionTakenFromCommand(cmd);
      if (taken !== undefined) {
        return ctx.exit(usageFailure(ctx, `${taken}`, 'gatehouse'));
      }
      const agent = agentOf(ctx, opts.agent);
      if (typeof agent === 'object') return ctx.exit(agent.usage);
      const fileRefused = await refuseCredentialsFile(ctx, opts.credentialsFile);
      if (fileRefused !== undefined) return ctx.exit(fileRefused);
      const conn = await connect(opts, ctx);
      if (!conn.ok) return ctx.exit(report(ctx, conn));
      const jobDir = await jobDirOrRefuse(ctx);
      if (typeof jobDir === 'object') return ctx.exit(jobDir.exit);
      // The launcher is loaded where a job is run: it brings node:http and the IAM engine's helpers, which --help and the
      // other commands never need (test/cli-startup.part.ts).
      const signals = (await import('../../launcher/run.ts')).stopSignals();
      try {
        const started = await call<{ job: JobJson; capability: string; why: string; environment: Record<string, string>; note?: string }>(conn.value, 'POST', ['clusters', opts.cluster, 'nodes'], {
          shape: { ...STARTED, why: 'string' },
          body: { ...(opts.computeConfig !== undefined ? { computeConfig: opts.computeConfig } : {}), ...launcherFields(opts, agent) },
        });
        if (!started.ok) {
          await removeUnusedJobDir(jobDir);
          return ctx.exit(refusedStart(ctx, started));
        }
        ctx.err(`gatehouse: node ${started.value.job.id} of cluster ${opts.cluster} runs as ${started.value.job.role.arn} (${started.value.why})\n`);
        sayNote(ctx, started.value);
        ctx.exit(await launchLocal(ctx, started.value, command, 1, opts, agent, signals, jobDir, conn.value));
      } finally {
        signals.close();
      }
    });

  const ws = program.command('workspaces').description('workspaces: members, default bucket and table project');
  withJsonOption(withServerOptions(ws.command('list').description('list workspaces of your account'))).action(async (opts: Opts) =>
    ctx.exit(
      await remote(ctx, opts, (c) => call<{ workspaces: { name: string; members: { user?: string; group?: string }[]; defaultBucket?: string }[] }>(c, 'GET', ['workspaces'], {
          shape: { workspaces: [{ name: 'string', members: [{ user: 'string?', group: 'string?' }], defaultBucket: 'string?' }] },
        }), (v) =>
        ctx.out(table(['NAME', 'MEMBERS', 'DEFAULT BUCKET'], v.workspaces.map((w) => [w.name, w.members.map((m) => (m.user ? `user:${m.user}` : `group:${m.group}`)).join(','), w.defaultBucket ?? '']))),
      ),
    ),
  );
  withJsonOption(
    withServerOptions(
      ws
        .command('put')
        .description('create or replace a workspace: what --member, --default-bucket and --default-table-project leave out is removed (and said)')
        .argument('<name>')
        .option('--member <user:NAME|group:NAME...>', 'a member (repeatable)')
        .option('--default-bucket <arn>', 'the default bucket, e.g. arn:aws:s3:::vision-data')
        .option('--default-table-project <name>', 'the default table project'),
    ),
  ).action(async (name: string, opts: Opts & { member?: string[]; defaultBucket?: string; defaultTableProject?: string }) => {
    const members: { user?: string; group?: string }[] = [];
    for (const m of opts.member ?? []) {
      // The whole rest is the name: `split(':', 2)` cut `user:alice:x` to alice, and added her (review hm, 5).
      const colon = m.indexOf(':');
      const [kind, who] = colon < 0 ? [m, ''] : [m.slice(0, colon), m.slice(colon + 1)];
      if ((kind !== 'user' && kind !== 'group') || who.trim() === '') {
        return ctx.exit(usageFailure(ctx, `--member must be user:NAME or group:NAME, got \`${m}\``, 'gatehouse'));
      }
      members.push(kind === 'user' ? { user: who } : { group: who });
    }
    // An empty value (`--default-bucket "$BUCKET"`, BUCKET unset) was left out without a word, and the put, which
    // replaces the workspace, removed the bucket it had (review hm, 5): refused, as an empty name is (review cli, H7).
    for (const [flag, value] of [['--default-bucket', opts.defaultBucket], ['--default-table-project', opts.defaultTableProject]] as const) {
      if (value !== undefined && value.trim() === '') {
        return ctx.exit(usageFailure(ctx, `${flag} is empty (is a shell variable unset?): give a value, or leave ${flag} out for none`, 'gatehouse'));
      }
    }
    const body = { members, ...(opts.defaultBucket !== undefined ? { defaultBucket: opts.defaultBucket } : {}), ...(opts.defaultTableProject !== undefined ? { defaultTableProject: opts.defaultTableProject } : {}) };
    // The put replaces the workspace: what the options leave out is removed. It said only `saved`, and a put meant to set
    // the bucket took every member away unsaid (review ip, 1): the workspace as it was is read first, and what is gone
    // said. Not read by an answer the caller may not get (no training:GetWorkspace, a new workspace): nothing to say.
    let was: WorkspaceShape | undefined;
    ctx.exit(
      await remote(
        ctx,
        opts,
        async (c) => {
          const before = await call<WorkspaceShape>(c, 'GET', ['workspaces', name], { shape: WORKSPACE_SHAPE });
          was = before.ok ? before.value : undefined;
          return call<WorkspaceShape>(c, 'PUT', ['workspaces', name], { body, shape: WORKSPACE_SHAPE });
        },
        (saved) => ctx.out(`workspace ${name} saved${was === undefined ? '' : removedFrom(was, saved)}\n`),
      ),
    );
  });
  withJsonOption(withServerOptions(ws.command('delete').description('delete a workspace').argument('<name>'))).action(async (name: string, opts: Opts) =>
    ctx.exit(
      await remote(
        ctx,
        opts,
        (c) => deleteNoContent(c, ['workspaces', name], name),
        () => ctx.out(`workspace ${name} deleted\n`),
      ),
    ),
  );
};

/** A workspace as `GET`/`PUT /v1/workspaces/<name>` answer it, as `workspaces put` reads it. */
interface WorkspaceShape {
  readonly name: string;
  readonly members: readonly { readonly user?: string; readonly group?: string }[];
  readonly defaultBucket?: string;
  readonly defaultTableProject?: string;
}
const WORKSPACE_SHAPE = { name: 'string', members: [{ user: 'string?', group: 'string?' }], defaultBucket: 'string?', defaultTableProject: 'string?' } as const;

/** `; members removed: user:alice, group:ml; default bucket removed: …`: what replacing `was` by `saved` took away. */
function removedFrom(was: WorkspaceShape, saved: WorkspaceShape): string {
  const named = (m: WorkspaceShape['members'][number]): string => (m.user !== undefined ? `user:${m.user}` : `group:${m.group ?? ''}`);
  const kept = new Set(saved.members.map(named));
  const members = [...new Set(was.members.map(named))].filter((m) => !kept.has(m));
  const parts = [
    ...(members.length > 0 ? [`members removed: ${members.join(', ')}`] : []),
    ...(was.defaultBucket !== undefined && saved.defaultBucket === undefined ? [`default bucket removed: ${was.defaultBucket}`] : []),
    ...(was.defaultTableProject !== undefined && saved.defaultTableProject === undefined ? [`default table project removed: ${was.defaultTableProject}`] : []),
  ];
  return parts.map((p) => `; ${p}`).join('');
}

/**
 * A job as `jobs get` shows it. Why it ended (`reason`: stopped by whom or by which signal, its launcher not heard
 * from, its submitter disabled) was left out, so `jobs get` of a job that Failed or was Stopped did not say why, which
 * only `--json` or `jobs events` showed (review iz, 7); so were when it started, its ranks and a node's cluster.
 */
function describe(j: JobJson): string {
  return [
    `id:         ${j.id}`,
    `name:       ${j.name}`,
    ...(j.cluster !== undefined ? [`cluster:    ${j.cluster}`] : [`workspace:  ${j.workspace}`]),
    `state:      ${j.state}${j.exitCode !== undefined ? ` (exit ${j.exitCode})` : ''}`,
    // Provisional only while it runs: an ended job's document keeps the mark it ended with.
    ...(j.pod !== undefined ? [podLine(j.state === 'Running' ? j.pod : { ...j.pod, provisional: false })] : []),
    ...(j.reason !== undefined ? [`reason:     ${j.reason}`] : []),
    `role:       ${j.role.arn ?? j.role.mode}${j.role.arn ? ` (${j.role.mode})` : ''}`,
    ...(j.replicas !== undefined ? [`replicas:   ${j.replicas}`] : []),
    `submitter:  ${j.submitter.arn}`,
    `created:    ${j.created}`,
    ...(j.started ? [`started:    ${j.started}`] : []),
    ...(j.ended ? [`ended:      ${j.ended}`] : []),
    '',
  ].join('\n');
}

const NO_IMDS_HELP = 'no IMDSv2 metadata endpoint for the job: no AWS_EC2_METADATA_SERVICE_ENDPOINT, and AWS_EC2_METADATA_DISABLED=true';
/**
 * What `jobs run` and `clusters run-node` exit with. Their help said nothing of it, while README §4 names their
 * refusals' statuses (9, 7) and docs/errors.md said a status never changes meaning: once started, the status is the
 * command's, which can be any of those numbers (review gy, 4).
 */
const runExitNote = (what: 'job' | 'node'): string => `Exit status: once the ${what} has started (\`gatehouse: ${what} ID …\` on stderr), its command's: that of the first
rank to fail, else 0; 128+N for a rank killed by signal N (143 when the ${what} is stopped), 127 for a command that
cannot be run${what === 'job' ? '; `gatehouse: job ID ended with status N` closes it' : ''}. Before anything runs, Gatehouse's own
(docs/errors.md): 9 the submission refused (\`check permission for … failed\`: a role that may not be passed or does not
exist), 6 ${what === 'job' ? 'a workspace' : 'a cluster or compute config'} that does not exist, 7 the live-job quota or an unsafe per-job directory,
2 a bad command line, 10 the server not reached. The two can be alike (a command may exit 9): the lines on stderr tell
them apart.`;

const IMDS_NOTE = `The job's clients get their credentials from the container endpoint and the credentials URI, which answer
only the job's capability (AWS_CONTAINER_AUTHORIZATION_TOKEN, the URI's path), and from a metadata endpoint of its
own on a loopback port (AWS_EC2_METADATA_SERVICE_ENDPOINT, IMDSv2 of both clouds). A job of an acs account is given
the credentials URI on that endpoint instead, with no capability in it (Alibaba's SDKs print the URI in their errors). IMDSv2 cannot carry the
capability, so on Linux that endpoint serves only processes running as your uid (the uid this command runs as),
found from /proc/net/tcp: another user's job on the node is refused (403), but any process of yours can read it
(as it can read the job's environment). Where /proc/net/tcp cannot be read (not Linux, no /proc) it cannot tell whose
a process is, so it refuses every one (403; the server's or agent's log says so): use the container
endpoint or the credentials URI there. With --no-imds the job gets no metadata endpoint and
AWS_EC2_METADATA_DISABLED=true, so no AWS SDK falls through to the node's own instance metadata. The server's
endpoint is on the server's own loopback: run against a server on another machine (without --agent), where nothing
of the job answers at that port here (or something else does), the job gets none, as with --no-imds, and is told so.`;

/** The options `jobs run` and `clusters run-node` share. */
interface RunOpts {
  readonly credentialsFile?: string;
  readonly agent?: string;
  /** False with `--no-imds`. */
  readonly imds: boolean;
  readonly launcherUid?: number;
}

/**
 * For tests, which run as one uid: the uid reported instead of this process's own, so that a test can see its own
 * processes refused by the job's metadata endpoint. Hidden: the default, the launcher's own uid, is the one whose
 * processes the job's ranks are.
 */
function launcherUidOption(): Option {
  return new Option('--launcher-uid <uid>')
    .hideHelp()
    .argParser((v: string) => {
      if (!/^\d{1,10}$/.test(v) || Number(v) > 4294967294) throw new InvalidArgumentError(`--launcher-uid must be a uid, a whole number from 0 to 4294967294, got \`${v}\``);
      return Number(v);
    });
}

const AGENT_HELP = 'the node agent (`gatehouse agent`) the processes read their credentials from, e.g. http://127.0.0.1:8471; default GATEHOUSE_AGENT_URL, else the server’s own endpoints';

/** `--agent` (else GATEHOUSE_AGENT_URL) as a base URL; undefined when neither is set; the usage status when it is not one. */
function agentOf(ctx: CommandContext, flag: string | undefined): string | undefined | { usage: number } {
  const given = flag ?? ctx.env?.['GATEHOUSE_AGENT_URL'];
  if (given === undefined || given === '') return undefined;
  let u: URL;
  try {
    u = new URL(given);
  } catch {
    u = new URL('about:blank');
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || (u.pathname !== '/' && u.pathname !== '') || u.search !== '' || u.username !== '') {
    ctx.err(`gatehouse: ${flag !== undefined ? '--agent' : 'GATEHOUSE_AGENT_URL'} must be the base URL of a node agent (http://HOST:PORT), got \`${shownGivenUrl(given)}\`\n`);
    return { usage: EXIT.usage };
  }
  return u.origin;
}

/**
 * The job's environment pointed at the node agent `agent`: the same paths, on its origin; the container endpoint as a
 * pod's is given (`withContainerUri`: at `http://169.254.170.2`, the relative URI, review hq, 2).
 */
function throughAgent(environment: Record<string, string>, agent: string): Record<string, string> {
  const out = { ...environment };
  for (const k of ['ALIBABA_CLOUD_CREDENTIALS_URI', 'ALIBABACLOUD_CREDENTIALS_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI']) {
    const v = out[k];
    if (v !== undefined) {
      const u = new URL(v);
      out[k] = `${agent}${u.pathname}${u.search}`;
    }
  }
  return withContainerUri(out);
}

/**
 * What a submit tells the server of the launcher: whether the server opens the job's metadata endpoint — not with
 * `--no-imds`, nor when the job reads through a node agent, which then opens it on the node (the server's would be
 * one more port for nothing) — and the uid it is to serve, this process's (`--launcher-uid` in tests).
 */
function launcherFields(opts: RunOpts, agent: string | undefined): { imds: boolean; launcherUid?: number } {
  const uid = launcherUid(opts);
  return { imds: opts.imds && agent === undefined, ...(uid !== undefined ? { launcherUid: uid } : {}) };
}

/** The uid whose processes the job's metadata endpoint serves; undefined where there are no uids (Windows). */
function launcherUid(opts: RunOpts): number | undefined {
  return opts.launcherUid ?? process.getuid?.();
}

async function run(ctx: CommandContext, command: string[], opts: Opts & RunOpts & { workspace: string; name?: string; role?: string; replicas: number }): Promise<number> {
  if (command.length === 0) {
    return usageFailure(ctx, 'give the command to run after `--`', 'gatehouse');
  }
  // Checked before anything is submitted: a bad address leaves no job behind.
  const agent = agentOf(ctx, opts.agent);
  if (typeof agent === 'object') return agent.usage;
  const fileRefused = await refuseCredentialsFile(ctx, opts.credentialsFile);
  if (fileRefused !== undefined) return fileRefused;
  const conn = await connect(opts, ctx);
  if (!conn.ok) return report(ctx, conn);
  const jobDir = await jobDirOrRefuse(ctx);
  if (typeof jobDir === 'object') return jobDir.exit;
  // Heard from before the job exists: a signal at any moment from here on stops the job (src/adapters/launcher/run.ts).
  const signals = (await import('../../launcher/run.ts')).stopSignals();
  try {
    return await submitAndRun(ctx, conn.value, command, opts, agent, signals, jobDir);
  } finally {
    signals.close();
  }
}

/**
 * Says why a job or node did not start, and returns the exit status. The server's refusals are the platform's own
 * words (`check permission for ram role failed: …`), printed as they are; a failure of this side (the server not
 * reached, an answer not the API's, an empty argument) was printed bare too, so `cannot reach the Gatehouse server …`
 * among a job's lines did not say who said it: it is reported as every other command reports it (`gatehouse: CODE:`).
 */
function refusedStart(ctx: CommandContext, f: ClientFailure): number {
  if (f.httpStatus === 0 || f.code === 'InvalidResponse') return report(ctx, f);
  // As the terminal may show it, as `report` prints it (review od, 1).
  ctx.err(`${shownMessage(f.message)}\n`);
  // A failure of the server's own is found in its log by the answer's request id, which `report` says after it and this
  // did not (review sp, 3). A refusal stays the platform's one line (seed 2's words, as README's transcripts show it).
  if (f.httpStatus >= 500 || f.code === 'OutcomeUnknown') sayRequestId(ctx, f);
  return f.status;
}

async function submitAndRun(ctx: CommandContext, conn: Parameters<typeof call>[0], command: string[], opts: Opts & RunOpts & { workspace: string; name?: string; role?: string; replicas: number }, agent: string | undefined, signals: StopSignals, jobDir: string): Promise<number> {
  const submitted = await call<{ job: JobJson; capability: string; environment: Record<string, string>; note?: string }>(conn, 'POST', ['jobs'], {
    shape: STARTED,
    body: { workspace: opts.workspace, role: opts.role ?? 'default', replicas: opts.replicas, ...(opts.name ? { name: opts.name } : {}), ...launcherFields(opts, agent) },
  });
  if (!submitted.ok) {
    await removeUnusedJobDir(jobDir);
    return refusedStart(ctx, submitted);
  }
  const { job } = submitted.value;
  ctx.err(`gatehouse: job ${job.id} (${job.name}) in workspace ${job.workspace}, role ${job.role.arn ?? job.role.mode}, ${opts.replicas} rank(s)\n`);
  sayNote(ctx, submitted.value);
  const status = await launchLocal(ctx, submitted.value, command, opts.replicas, opts, agent, signals, jobDir, conn);
  ctx.err(`gatehouse: job ${job.id} ended with status ${status}\n`);
  return status;
}

/**
 * Runs the started job (or node) here: its ranks, its credentials file, its heartbeats; through the node agent
 * `agent` when one is given, which then also serves the job's metadata endpoint on this node (unless `--no-imds`).
 * `jobDir` is the job's private directory (`jobDirOrRefuse`): its profile files, and its credentials file unless the
 * user named one.
 */
/**
 * The variables of a job's credential environment (DESIGN.md "Job credential environment", src/adapters/http/jobs-api.ts
 * `jobEnvironment`): the only ones a start's answer may give the job's processes.
 */
const JOB_VARIABLES: ReadonlySet<string> = new Set([
  'ALIBABA_CLOUD_CREDENTIALS_URI',
  'ALIBABACLOUD_CREDENTIALS_URI',
  'ALIBABA_CLOUD_ECS_METADATA_DISABLED',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_EC2_METADATA_SERVICE_ENDPOINT',
  'AWS_EC2_METADATA_DISABLED',
  'AWS_ENDPOINT_URL',
  'AWS_ENDPOINT_URL_S3',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'GATEHOUSE_JOB_ID',
]);

/**
 * Of the environment a start's answer gives, the job's variables with string values (`JOB_VARIABLES`); any other is
 * left out, and said. Every variable of the answer reached every rank: an answer altered on its way (a plain-http
 * endpoint across a network) or a server that is not the user's could set `GIT_SSH_COMMAND`, `BASH_ENV`, `LD_PRELOAD`,
 * `NODE_OPTIONS`, `PYTHONPATH`…, and run code as the user in the job's processes, which handing out credentials does
 * not (review iz, 12).
 */
function jobVariablesOf(ctx: CommandContext, environment: Readonly<Record<string, unknown>>): Record<string, string> {
  const out: Record<string, string> = {};
  const left: string[] = [];
  for (const [k, v] of Object.entries(environment)) {
    if (JOB_VARIABLES.has(k) && typeof v === 'string') out[k] = v;
    else left.push(k);
  }
  if (left.length > 0) {
    const shown = left.slice(0, 10).map((k) => `\`${k.length > 64 ? `${k.slice(0, 64)}…` : k}\``).join(', ');
    ctx.err(`gatehouse: the server's answer gave the job's processes ${left.length === 1 ? 'a variable' : 'variables'} that ${left.length === 1 ? 'is' : 'are'} not of a job's credential environment, left out: ${shown}${left.length > 10 ? ` and ${left.length - 10} more` : ''}\n`);
  }
  return out;
}

async function launchLocal(ctx: CommandContext, started: { job: JobJson; capability: string; environment: Record<string, string> }, command: string[], replicas: number, opts: RunOpts, agent: string | undefined, signals: StopSignals, jobDir: string, conn: Parameters<typeof call>[0]): Promise<number> {
  const { credentialsFile } = opts;
  const uid = launcherUid(opts);
  const { job, capability } = started;
  const given = jobVariablesOf(ctx, started.environment);
  const environment = agent !== undefined ? throughAgent(given, agent) : given;
  const agentUrl = agent ?? new URL(containerUriOf(environment) ?? '').origin;
  const { launch } = await import('../../launcher/run.ts');
  return launch({
    signals,
    jobId: job.id,
    capability,
    agentUrl,
    environment,
    command,
    replicas,
    // An empty GATEHOUSE_CREDENTIALS_FILE is unset, as `refuseCredentialsFile` reads it: taken as a path, it was the
    // working directory, never checked, and the ranks were pointed at a directory (review gr, 5).
    credentialsFile: credentialsFile ?? credentialsFileOfEnvironment(ctx.env) ?? join(jobDir, 'credentials'),
    profileDir: jobDir,
    baseEnv: (ctx.env ?? {}) as NodeJS.ProcessEnv,
    log: (line) => ctx.err(`${line}\n`),
    metadataFromAgent: agent !== undefined && opts.imds,
    ...(uid !== undefined ? { launcherUid: uid } : {}),
    // The CA this command trusted the server by, for the ranks' https endpoints (review su, 2).
    ...(conn.ca !== undefined ? { ca: { pem: conn.ca, from: conn.caFrom ?? '' } } : {}),
  });
}
