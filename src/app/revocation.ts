/**
 * Revoking temporary credentials and rotating the key that seals them (DESIGN.md "Revocation CLI").
 *
 * A revocation is an entry of the revocation list (live.ts): every session of its target issued at or
 * before the given instant answers `ExpiredToken` from then on, on every instance within one refresh tick.
 * Sessions issued afterwards are not affected, as with AWS's "Revoke active sessions" (which writes an
 * inline policy denying everything when `aws:TokenIssueTime` is older; that way is honoured too, by the
 * engine, since sessions carry their issue time).
 *
 * Who may revoke:
 * - a role's sessions, or one session of it: `iam:PutRolePolicy` (`ram:` in `acs` accounts) on the role,
 *   the permission AWS asks for the same operation; the role must be in the caller's account;
 * - a job's sessions: its submitter (unless explicitly denied), or `training:StopJob` on the job (its ARN, or its workspace's: jobs.ts `jobOrWorkspace`) (who may stop a job may cut
 *   off its credentials);
 * - a user's sessions, by disabling the user: `iam:UpdateUser` on the user;
 * - rotating the session key ring: principals of the root account allowed `gatehouse:RotateKeys`;
 * - seeing it (`gatehouse keys list`): principals of the root account allowed `gatehouse:ListKeys`, a read of the
 *   same resource (`SESSION_KEYS_RESOURCE`); never the keys themselves.
 */
import { failWith, ok, type Result } from '../core/errors.ts';
import { contextOf, evaluate, type Decision } from '../core/iam/index.ts';
import { adminService } from '../core/directory/rules.ts';
import { RETIRED_KEY_OPENS_MS, roleArnOf, sessionArn, parseRoleArn, parseSessionArn, type Partition } from '../core/sts/session.ts';
import { givenJobId, isJobSubmitter, jobArn, jobContainerArn, otherAccountJobWords, type Job } from '../core/jobs/jobs.ts';
import { absentJobRefusal, JOB_ID, jobOrWorkspace } from './jobs.ts';
import { ROOT_ACCOUNT } from './accounts.ts';
import type { AppDeps } from './deps.ts';
import { boundaryContext, resourceTagContext, type Directory } from './directory.ts';
import { KeyRingUnreadable, userRevocationIds, type LiveState, type RevocationKind } from './live.ts';
import { aboutRole, accessDenied, accessDeniedMessage, actorOf, authorizeAdmin, partitionOf, requestContext, userArn, type Caller } from './principals.ts';
import { isStoreOutcomeUnknown, isStoreUnavailable, type UserRecord } from './ports/store.ts';

/** What a revocation did: its list entry and the instant before which sessions no longer work. */
export interface Revoked {
  readonly kind: RevocationKind;
  /** The role ARN, session ARN, job id, or `<account>/<user name>` the entry names. */
  readonly target: string;
  /** Epoch ms: sessions issued at or before it are refused. */
  readonly before: number;
}

export interface RotatedKey {
  readonly keyId: string;
  /** Epoch ms. */
  readonly created: number;
  /** Keys kept to open sessions they sealed until those expire. */
  readonly retiredKeys: number;
  /**
   * Ids of the keys the rotation removed from the ring: with `dropRetired`, every other key (the sessions they sealed
   * are refused from now on); else those retired long enough that every session they sealed has expired.
   */
  readonly droppedKeyIds: readonly string[];
  /** Epoch ms, with `dropRetired` only: sessions issued before it are refused from now on (the new key's `dropped`). */
  readonly refusedBefore?: number;
}

/** A key of the session key ring as `keys list` shows it: what it is and until when it opens tokens, never the key itself. */
export interface ListedKey {
  readonly keyId: string;
  /** Epoch ms. */
  readonly created: number;
  /** Whether new sessions are sealed with it (the newest key not retired, as src/adapters/crypto/session-token.ts `keyRingOf`). */
  readonly active: boolean;
  /** Epoch ms: when a newer key took over; undefined for a key not retired. */
  readonly retired?: number;
  /**
   * Epoch ms, for a retired key: the last instant it opens a token (`RETIRED_KEY_OPENS_MS` after its retirement: every
   * session it sealed has expired by then), whether or not a rotation has dropped it from the ring yet.
   */
  readonly opensUntil?: number;
  /** Epoch ms: the key was made by a rotation that dropped every other key (`--drop-retired`) at this instant. */
  readonly dropped?: number;
}

/** The session key ring an instance holds, as `GET /v1/keys` answers it. */
export interface ListedKeys {
  /** Newest first. */
  readonly keys: readonly ListedKey[];
  /** Epoch ms: the latest drop of every other key the ring records; sessions issued before it are refused. */
  readonly lastDrop?: number;
}

/** How a rotation treats the keys it retires. */
export interface RotateOptions {
  /**
   * Remove every other key instead of keeping them to open the sessions they sealed (after a suspected leak): those
   * sessions are refused from now on, on every instance within a second, as if revoked (`gatehouse keys rotate
   * --drop-retired`).
   */
  readonly dropRetired?: boolean;
}

/** A user just disabled, whose sessions are revoked: as the caller named it, and as stored. */
interface DisabledUser {
  readonly userName: string;
  readonly user: UserRecord;
  readonly partition: Partition;
}

/** What the revoke-sessions call names: exactly one of a role, a session, or a job. */
export type RevokeTarget = { readonly roleArn: string } | { readonly sessionArn: string } | { readonly jobId: string };

/** The action and resource of key rotation, for policies that grant it. */
export const ROTATE_KEYS_ACTION = 'gatehouse:RotateKeys';
/** The action of reading the session key ring (its keys' ids and times, never the keys), on the same resource. */
export const LIST_KEYS_ACTION = 'gatehouse:ListKeys';
export const SESSION_KEYS_RESOURCE = `arn:aws:gatehouse::${ROOT_ACCOUNT}:session-keys`;

/** The jobs module's record of a job (app/jobs.ts keeps jobs under `job/<id>` in the store's key/value table). */
const JOB_KEY = 'job/';

/**
 * `training:StopJob` on a job (its ARN or its workspace's) as the authorize API answers it (IAM, or a binding not cut by the caller's
 * limits; src/app/jobs.ts `unionRefusal`, review B7): undefined when allowed, else why not.
 */
export type UnionRefusal = (caller: Caller, action: string, resource: string, container?: string) => { readonly d: Decision; readonly bindings: string } | undefined;

export function createRevocation(deps: AppDeps, live: LiveState, directory: Directory, unionRefusal: UnionRefusal) {
  const now = (): number => deps.now();

  /**
   * What a call of `recorded` is about to write, for the record of one whose COMMIT answer was lost (it may be in force):
   * a revocation's entry (`revoked`), or a rotation's new key (`rotating`: its id, which `keys list` shows if it was
   * written). `role`: the role a revocation is about; `committed`: records the call as its write commits.
   */
  type Attempt = { revoked?: Revoked; rotating?: RotatedKey; role?: string; committed?: (result: Revoked | RotatedKey) => void };
  /**
   * A revocation's list entry, about to be written, by the caller's copy `recorded` made: what it would write, for the
   * record of a revocation whose COMMIT answer was lost (it may be in force). `role`: the role whose sessions it is about,
   * as the directory spells it, once known (`ownRole`).
   */
  const attempts = new WeakMap<Caller, Attempt>();

  /** `last`: this write is the call's last, whose commit is recorded at once (review iw, 4); a user's takes two. */
  async function revoke(caller: Caller, kind: RevocationKind, target: string, last = true): Promise<Result<Revoked>> {
    const at = now();
    const attempt = attempts.get(caller);
    if (attempt) attempt.revoked = { kind, target, before: at };
    // The instant in force, which an earlier revocation may have set later than now: an ended job's sessions are
    // refused up to the clock skew allowed ahead (src/app/live.ts CLOCK_SKEW_MS), and the answer says so.
    const before = await live.revoke(kind, target, at, (kept) => {
      if (attempt) attempt.revoked = { kind, target, before: kept };
      if (last) attempt?.committed?.({ kind, target, before: kept });
    });
    if (attempt) attempt.revoked = { kind, target, before };
    return ok({ kind, target, before });
  }

  /**
   * The caller's own role named `roleName` in `account`, authorized for `PutRolePolicy`. A role of another
   * account is refused before any lookup, so the answer says nothing about that account.
   */
  async function ownRole(caller: Caller, account: string, roleName: string, given: string, path = '/'): Promise<Result<{ roleArn: string; name: string; partition: Partition }>> {
    const action = `${adminService(caller.partition)}:PutRolePolicy`;
    if (account !== caller.account) {
      return failWith('ACCESS_DENIED', `User: ${caller.principal.arn} is not authorized to perform: ${action} on resource: ${given}: sessions of a role are revoked from the role's own account`);
    }
    const found = await deps.store.read(async (tx) => ({ role: await tx.roles.get(account, roleName), partition: await partitionOf(tx, account) }));
    const partition = found.partition ?? caller.partition;
    // A role not there is decided on the ARN it would have, as the account spells it (`path` as named: `/` for a session
    // ARN, which names none), not on what was given: a session ARN (or the other dialect's spelling) was decided and
    // named in the refusal as given, so a caller without PutRolePolicy told an existing role (its role ARN refused) from
    // a missing one (the session ARN refused) (review ag, 8).
    const roleArn = found.role ? roleArnOf(partition, account, found.role.path, found.role.name) : roleArnOf(partition, account, path, roleName);
    // The record names the role, refused or not: `audit query --role` found every session of it issued and not the
    // revocation that ended them (review ic, 3).
    const attempt = attempts.get(caller);
    if (attempt) attempt.role = roleArn;
    // Authorize before saying whether the role exists, as the directory does, with the condition keys PutRolePolicy
    // carries there: the role's tags (aws:ResourceTag, iam:ResourceTag) and its boundary (review X, X6).
    const a = authorizeAdmin(caller, now(), 'PutRolePolicy', roleArn, { ...resourceTagContext(found.role?.tags), ...boundaryContext(found.role?.permissionsBoundary) });
    if (!a.ok) return a;
    if (!found.role) return failWith('NO_SUCH_ENTITY', `The role with name ${roleName} cannot be found.`);
    return ok({ roleArn, name: found.role.name, partition });
  }

  /** Every session of the role issued before now (`gatehouse sts revoke-sessions --role-arn`). */
  async function revokeRoleSessions(caller: Caller, roleArn: string): Promise<Result<Revoked>> {
    const parsed = parseRoleArn(roleArn);
    if (!parsed) return failWith('VALIDATION_ERROR', `\`${roleArn}\` is not a role ARN (arn:aws:iam::<account>:role/<name> or acs:ram::<account>:role/<name>)`, 'roleArn');
    const role = await ownRole(caller, parsed.account, parsed.name, roleArn, parsed.path);
    if (!role.ok) return role;
    return revoke(caller, 'role', role.value.roleArn);
  }

  /** One session, by its ARN (`--session-arn`): every session of that role with that session name issued before now. */
  async function revokeSession(caller: Caller, arn: string): Promise<Result<Revoked>> {
    const parsed = parseSessionArn(arn);
    if (!parsed) {
      return failWith('VALIDATION_ERROR', `\`${arn}\` is not a session ARN (arn:aws:sts::<account>:assumed-role/<role>/<session> or acs:ram::<account>:role/<role>/<session>)`, 'sessionArn');
    }
    const role = await ownRole(caller, parsed.account, parsed.roleName, arn);
    if (!role.ok) return role;
    // Every case spelling of the session name (src/app/live.ts `isRevoked` compares it lower-cased): revoking `PY1`
    // must not answer success and leave `py1` working.
    return revoke(caller, 'session', sessionArn(role.value.partition, parsed.account, role.value.name, parsed.sessionName.toLowerCase()));
  }

  /**
   * The sessions a job has been given so far (`--job`); the job's credential endpoints issue new ones when they refresh.
   * Authorized before the caller is told whether the job exists: a job the caller's account does not hold is refused as
   * one it may not stop, unless it may stop any job there (src/app/jobs.ts `absentJobRefusal`; review ag, 1: it answered
   * NoSuchEntity to anyone, so an unauthorised caller learnt which job ids exist).
   */
  async function revokeJobSessions(caller: Caller, given: string): Promise<Result<Revoked>> {
    const named = givenJobId(given, caller.account);
    if ('otherAccount' in named) return failWith('VALIDATION_ERROR', otherAccountJobWords(given, named.otherAccount, caller.account), 'jobId');
    const jobId = named.id;
    if (!JOB_ID.test(jobId)) {
      return failWith('VALIDATION_ERROR', `\`${jobId.length > 128 ? `${jobId.slice(0, 128)}…` : jobId}\` is not a job id (1–128 letters, digits, \`_.-\`, as \`gatehouse jobs list\` shows them)`, 'jobId');
    }
    const text = await deps.store.read((tx) => tx.kv.get(`${JOB_KEY}${jobId}`));
    const found = text === undefined ? undefined : (JSON.parse(text) as Job & { readonly submitterId?: string });
    // Another account's job is as absent as one that never existed.
    const job = found?.account === caller.account ? found : undefined;
    const refusal = (resource: string, container?: string) => unionRefusal(caller, 'training:StopJob', resource, container);
    const deniedWords = (r: { readonly resource: string; readonly refused: { readonly d: Decision; readonly bindings: string } }): string =>
      `${accessDeniedMessage(caller.principal.arn, 'training:StopJob', r.resource, r.refused.d)}${r.refused.bindings === '' ? '' : ` (${r.refused.bindings})`}`;
    const denied = (r: { readonly resource: string; readonly refused: { readonly d: Decision; readonly bindings: string } }): Result<Revoked> => failWith('ACCESS_DENIED', deniedWords(r));
    if (!job) {
      const r = absentJobRefusal(caller.partition, caller.account, jobId, refusal);
      return r === undefined ? failWith('NO_SUCH_ENTITY', `job ${jobId} does not exist`) : denied(r);
    }
    // Its submitter: the same ARN and, when the job records it, the same user (a user deleted and created again under
    // the name is another one, src/app/jobs.ts `isSubmitter`).
    const submitter = isJobSubmitter(job, { arn: caller.principal.arn, userId: caller.user?.id });
    {
      // As `jobs stop` decides it (src/app/jobs.ts `authorizeJobAccess`, review J, j2): on the job's ARN, with its
      // workspace's as its container; its submitter needs no Allow, but an explicit Deny refuses it too (review uh, 1).
      const on = (resource: string, container?: string) => ({ resource, refused: refusal(resource, container) });
      const r = jobOrWorkspace(on(jobArn(job.partition, job.account, job.id), jobContainerArn(job)), on(jobContainerArn(job)));
      const refused = r?.refused;
      if (r !== undefined && refused !== undefined && (!submitter || refused.d.decision === 'ExplicitDeny')) {
        // A deny on the job's workspace, to a caller that may not be told whether a job is there: the refusal a job not
        // there gets, which does not say the job exists nor where (review cb, 1); recorded as decided.
        const hidden = r.resource === jobArn(job.partition, job.account, job.id) || submitter ? undefined : absentJobRefusal(caller.partition, caller.account, jobId, refusal);
        if (hidden !== undefined) return accessDenied(deniedWords(hidden), 'training:StopJob', r.resource, 'ExplicitDeny');
        return denied({ resource: r.resource, refused });
      }
    }
    return revoke(caller, 'job', job.id);
  }

  async function revokeSessions(caller: Caller, target: RevokeTarget): Promise<Result<Revoked>> {
    if ('roleArn' in target) return revokeRoleSessions(caller, target.roleArn);
    if ('sessionArn' in target) return revokeSession(caller, target.sessionArn);
    return revokeJobSessions(caller, target.jobId);
  }

  /**
   * Disables a user: its access keys stop working at once (they are looked up on every request) and every
   * session it obtained with GetSessionToken is revoked. Role sessions it assumed are the role's: revoke
   * those by role or session ARN.
   */
  async function disableUser(caller: Caller, userName: string): Promise<Result<{ user: UserRecord; revoked: Revoked }>> {
    if (caller.user !== undefined && caller.user.name.toLowerCase() === userName.toLowerCase()) {
      return failWith('INVALID_INPUT', `you are signed in as \`${caller.user.name}\`: disable it with the credentials of another administrator`);
    }
    const u = await directory.setUserDisabled(caller, { userName, disabled: true });
    if (!u.ok) return u;
    const r = await revokeUser(caller, { userName, user: u.value, partition: caller.partition });
    return r.ok ? ok({ user: u.value, revoked: r.value }) : r;
  }

  /**
   * The sessions of user `user`, just disabled: recorded as every revocation is (`recorded`), on the user's ARN. It was
   * not recorded at all, so a revocation whose COMMIT answer was lost (it may be in force) left no trace but the
   * UpdateUser (review ag, 3, as ab1 for `sts revoke-sessions`).
   */
  async function revokeUserSessions(caller: Caller, { user }: DisabledUser): Promise<Result<Revoked>> {
    const [byName, byId] = userRevocationIds(user);
    const r = await revoke(caller, 'user', byName, false);
    if (!r.ok) return r;
    // And under its unique id: a session names the user as it was called when issued, and a user renamed since then, or
    // renamed back later, must not get it back (review M9). Its commit is the revocation's, recorded at once.
    const attempt = attempts.get(caller);
    if (attempt) attempt.revoked = { kind: 'user', target: byId, before: r.value.before };
    const { value } = r;
    await live.revoke('user', byId, r.value.before, () => attempt?.committed?.(value));
    return r;
  }

  /** Enables a user again; sessions revoked when it was disabled stay revoked. */
  async function enableUser(caller: Caller, userName: string): Promise<Result<UserRecord>> {
    return directory.setUserDisabled(caller, { userName, disabled: false });
  }

  /**
   * A new active session key; older keys keep opening the sessions they sealed until those expire, or with
   * `dropRetired` are removed, ending the sessions they sealed.
   */
  async function rotateKeys(caller: Caller, options: RotateOptions = {}): Promise<Result<RotatedKey>> {
    if (caller.account !== ROOT_ACCOUNT) return failWith('ACCESS_DENIED', `only principals of the root account ${ROOT_ACCOUNT} may rotate the session keys`);
    const d = evaluate({ principal: caller.principal, action: ROTATE_KEYS_ACTION, resource: SESSION_KEYS_RESOURCE, context: contextOf(requestContext(caller)), time: now() }, caller.policies);
    if (d.decision !== 'Allow') return failWith('ACCESS_DENIED', accessDeniedMessage(caller.principal.arn, ROTATE_KEYS_ACTION, SESSION_KEYS_RESOURCE, d));
    let fresh: Awaited<ReturnType<typeof live.rotateKeys>>;
    // Recorded as the key ring's write commits, before the reload that follows it (review ji, 3): what it answers.
    const attempt = attempts.get(caller);
    const rotated = (key: { kid: string; created: number; dropped?: number }, ring: readonly { retired?: number }[], dropped: readonly string[]): RotatedKey => ({
      keyId: key.kid,
      created: key.created,
      retiredKeys: ring.filter((k) => k.retired !== undefined).length,
      droppedKeyIds: dropped,
      ...(key.dropped !== undefined ? { refusedBefore: key.dropped } : {}),
    });
    let answer: RotatedKey | undefined;
    try {
      fresh = await live.rotateKeys(
        (key, ring, dropped) => {
          answer = rotated(key, ring, dropped);
          attempt?.committed?.(answer);
        },
        options.dropRetired === true,
        (key) => {
          if (attempt) attempt.rotating = { keyId: key.kid, created: key.created, retiredKeys: 0, droppedKeyIds: [], ...(key.dropped !== undefined ? { refusedBefore: key.dropped } : {}) };
        },
      );
    } catch (e) {
      // Not an internal error to retry (review in, 1): the admin must give this instance the deployment's master key.
      if (e instanceof KeyRingUnreadable) return failWith('KEY_RING_UNREADABLE', e.message);
      throw e;
    }
    return ok(answer ?? { keyId: fresh.kid, created: fresh.created, retiredKeys: live.keys.filter((k) => k.retired !== undefined).length, droppedKeyIds: [] });
  }

  /**
   * The session key ring as this instance holds it, read again from the store first (a rotation through another
   * instance is in it): each key's id, times, whether it seals, until when a retired one opens tokens, and the last
   * drop. Never the key material. Refused (KEY_RING_UNREADABLE) when the stored ring does not open with this instance's
   * master key; a store that cannot be reached is thrown (503), as for any read.
   */
  async function listKeys(caller: Caller): Promise<Result<ListedKeys>> {
    // Refused naming its action and resource, which the record of the refused read then carries (principals.ts `recordRefusedRequest`).
    if (caller.account !== ROOT_ACCOUNT) return accessDenied(`only principals of the root account ${ROOT_ACCOUNT} may list the session keys`, LIST_KEYS_ACTION, SESSION_KEYS_RESOURCE);
    const a = authorizeAdmin(caller, now(), LIST_KEYS_ACTION, SESSION_KEYS_RESOURCE);
    if (!a.ok) return a;
    try {
      await live.readKeysNow();
    } catch (e) {
      if (e instanceof KeyRingUnreadable) return failWith('KEY_RING_UNREADABLE', e.message);
      throw e;
    }
    const sorted = [...live.keys].sort((x, y) => y.created - x.created);
    const active = sorted.find((k) => k.retired === undefined) ?? sorted[0];
    const lastDrop = sorted.reduce((t, k) => (k.dropped !== undefined && k.dropped > t ? k.dropped : t), -Infinity);
    const keys = sorted.map(
      (k): ListedKey => ({
        keyId: k.kid,
        created: k.created,
        active: k === active,
        ...(k.retired !== undefined ? { retired: k.retired, opensUntil: k.retired + RETIRED_KEY_OPENS_MS } : {}),
        ...(k.dropped !== undefined ? { dropped: k.dropped } : {}),
      }),
    );
    return ok({ keys, ...(lastDrop > -Infinity ? { lastDrop } : {}) });
  }

  /**
   * Records a revocation or a rotation (and a refused one) in the audit log. Never gated by the audit failure
   * policy: taking access away must work during an outage of the audit log. It needs the database, though (the
   * revocation list is there): in a database outage it is refused with 503, and that refusal is recorded too (as
   * a refused directory change is: the error code, the message), queued and journaled until the log can be written.
   */
  function recorded<A extends unknown[], T>(action: string, resourceOf: (...args: A) => string, f: (caller: Caller, ...args: A) => Promise<Result<T>>, requestOf: (...args: A) => unknown = (...args) => (args.length === 1 ? args[0] : args)) {
    return async (caller: Caller, ...args: A): Promise<Result<T>> => {
      const record = (decision: string, detail: Record<string, unknown>): void => {
        const who = actorOf(caller);
        deps.audit?.record({ kind: 'change', account: caller.account, ...who, action, resource: resourceOf(...args), decision, ...(attempt.role !== undefined ? aboutRole(who.role, attempt.role) : {}), detail });
      };
      const note = (r: Result<T>): void => {
        const error = r.ok ? undefined : r.errors[0];
        if (!(r.ok || error?.code === 'ACCESS_DENIED' || error?.code === 'SERVICE_UNAVAILABLE' || error?.code === 'KEY_RING_UNREADABLE')) return;
        record(error ? error.code : 'ok', r.ok ? { result: isoTimes(r.value) } : { error: error?.message });
      };
      // The caller's own copy, the key of what this call is about to write (`revoke`), as the directory's frames.
      const own: Caller = { ...caller };
      const attempt: Attempt = {};
      attempts.set(own, attempt);
      // A revocation is recorded as it commits, before the reloads that follow it (reads of the database, which may
      // hang): a process killed in between left the revocation in force and recorded nowhere (review iw, 4). Its
      // result is what `revoke` answers: the revocation's kind, target and the instant in force.
      let recordedAt = false;
      attempt.committed = (result) => {
        if (recordedAt) return;
        recordedAt = true;
        record('ok', { result: isoTimes(result) });
      };
      let r: Result<T>;
      try {
        r = await f(own, ...args);
      } catch (e) {
        // Thrown on all the same: the edges answer it (503 ServiceUnavailable) and log its cause.
        if (recordedAt) throw e;
        if (isStoreUnavailable(e)) note(failWith('SERVICE_UNAVAILABLE', `the database cannot be reached, so nothing was ${action === ROTATE_KEYS_ACTION ? 'rotated' : 'revoked'}: retry later`));
        // The database connection was lost as the revocation (or the key ring) committed: it may be in force, and a
        // change made must be in the log (as the directory records its own, review aa11). Recorded as of unknown
        // outcome, with what it would have written, then answered 500 OutcomeUnknown.
        else if (isStoreOutcomeUnknown(e)) {
          // A rotation's: the key it would have made, which `gatehouse keys list` shows if it was (review va, 2).
          const after = attempt.revoked ?? (attempt.rotating !== undefined ? { keyId: attempt.rotating.keyId, created: attempt.rotating.created, ...(attempt.rotating.refusedBefore !== undefined ? { refusedBefore: attempt.rotating.refusedBefore } : {}) } : undefined);
          record('OUTCOME_UNKNOWN', { request: requestOf(...args), ...(after !== undefined ? { after: isoTimes(after) } : {}), error: e.message });
        }
        throw e;
      }
      if (!recordedAt) note(r);
      return r;
    };
  }

  /**
   * A result as its record shows it: instants (`before` of a revocation, `created` of a key) as ISO-8601 UTC, as
   * every other time in the audit log; what is stored (the revocation list, the key ring) keeps epoch ms.
   */
  const isoTimes = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
    for (const k of ['before', 'created', 'refusedBefore']) if (typeof out[k] === 'number') out[k] = new Date(out[k]).toISOString();
    return out;
  };
  const targetOf = (t: RevokeTarget): string => ('roleArn' in t ? t.roleArn : 'sessionArn' in t ? t.sessionArn : `job/${t.jobId}`);

  const revokeUser = recorded('gatehouse:RevokeSessions', (t: DisabledUser) => userArn(t.partition, t.user), revokeUserSessions, (t: DisabledUser) => ({ userName: t.userName }));

  return {
    revokeSessions: recorded('gatehouse:RevokeSessions', targetOf, revokeSessions),
    revokeRoleSessions: recorded('gatehouse:RevokeSessions', (arn: string) => arn, revokeRoleSessions),
    revokeSession: recorded('gatehouse:RevokeSessions', (arn: string) => arn, revokeSession),
    revokeJobSessions: recorded('gatehouse:RevokeSessions', (id: string) => `job/${id}`, revokeJobSessions),
    disableUser,
    enableUser,
    rotateKeys: recorded(ROTATE_KEYS_ACTION, (_options?: RotateOptions) => SESSION_KEYS_RESOURCE, rotateKeys),
    listKeys,
  };
}

export type Revocation = ReturnType<typeof createRevocation>;
