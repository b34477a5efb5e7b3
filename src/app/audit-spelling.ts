/**
 * A user's or role's ARN in an audit filter (`principal=`, `role=`), as records spell it. IAM names users and roles
 * without regard to case ("not distinguished by case": one account cannot hold `Alice` and `alice`), and every record
 * names a principal of the directory in the one spelling it was created with (the authorize API records `user/BOB` as
 * user `bob`, review V, P8; a refused AssumeRole of `role/LOCKED` is recorded under the role's own spelling, V6). A
 * filter compared as typed found nothing for `user/ALICE`, answered "no records match" as if alice had done nothing
 * (review pa, 5). Only the name's case is read so: the partition, account and path (part of the name in IAM) must be
 * as stored, and a session's own name (the caller's choice) stays as given. A principal the directory does not hold
 * (deleted, another deployment's) is matched as written.
 */
import { parseRoleArn, parseSessionArn, roleArnOf, sessionArn, userArnOf } from '../core/sts/session.ts';
import { parseJobArn, storedJobId } from '../core/jobs/jobs.ts';
import { roleKey, userKey, type RoleEntry, type UserEntry } from './live.ts';

type Principals = ReadonlyMap<string, RoleEntry | UserEntry>;

/** An IAM user's ARN (`arn:aws:iam::A:user/path/Name`) or a RAM user's (`acs:ram::A:user/Name`). */
const USER_ARN = /^(?:arn:aws:iam::(\d{12}):user(\/(?:[\u0021-\u007E]*\/)?)|acs:ram::(\d{1,20}):user\/)([\w+=,.@-]{1,64})$/;

/** `canonical` when `given` is the same ARN but for the case of its last `name.length` characters (the name). */
function sameButCase(given: string, canonical: string, nameLength: number): string | undefined {
  if (given === canonical || given.length !== canonical.length) return undefined;
  const cut = given.length - nameLength;
  return given.slice(0, cut) === canonical.slice(0, cut) && given.slice(cut).toLowerCase() === canonical.slice(cut).toLowerCase() ? canonical : undefined;
}

const roleOf = (principals: Principals, account: string, name: string): RoleEntry | undefined => {
  const e = principals.get(roleKey(account, name));
  return e !== undefined && 'role' in e ? e : undefined;
};

/** The role ARN `arn` as records spell it (the directory's role of that name, in any case, at the same path), else `arn`. */
export function recordedRoleArn(principals: Principals, arn: string): string {
  const p = parseRoleArn(arn);
  const e = p === undefined ? undefined : roleOf(principals, p.account, p.name);
  if (p === undefined || e === undefined) return arn;
  return sameButCase(arn, roleArnOf(e.partition, e.role.account, e.role.path, e.role.name), p.name.length) ?? arn;
}

/**
 * The principal `arn` as records spell it: a user's ARN, or a role session's whose role is named in another case (its
 * session name as given), else `arn`.
 */
export function recordedPrincipalArn(principals: Principals, arn: string): string {
  const u = USER_ARN.exec(arn);
  if (u !== null) {
    const name = u[4] as string;
    const e = principals.get(userKey((u[1] ?? u[3]) as string, name));
    if (e === undefined || !('user' in e)) return arn;
    return sameButCase(arn, userArnOf(e.partition, e.user.account, e.user.path, e.user.name), name.length) ?? arn;
  }
  const s = parseSessionArn(arn);
  const e = s === undefined ? undefined : roleOf(principals, s.account, s.roleName);
  if (s === undefined || e === undefined || e.role.name === s.roleName) return arn;
  // The session's ARN as given, its role's part as the directory spells it: only that part may differ, in case only.
  const given = sessionArn(s.partition, s.account, s.roleName, s.sessionName);
  return given === arn && s.roleName.toLowerCase() === e.role.name.toLowerCase() ? sessionArn(s.partition, s.account, e.role.name, s.sessionName) : arn;
}

/**
 * A job in an audit filter (`job=`), as records name it: by the id drawn for it, in lower case. A job's ARN, in either
 * dialect's spelling (`arn:aws:training::A:job/ID`, `acs:pai::A:job/ID`: what decisions about a job and the refusals of
 * its credentials name it by), reads as its id, and a drawn id in another case as the lower-case one; compared as typed,
 * both found nothing, "no records match" as if the job had done nothing (review qo, 2). Anything else is matched as
 * written.
 */
export function recordedJobId(given: string): string {
  return storedJobId(parseJobArn(given)?.id ?? given);
}
