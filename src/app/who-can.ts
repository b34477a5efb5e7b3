/**
 * Who can reach a resource (DESIGN.md, the auditor's question): every user and role of the caller's account is
 * asked the same question through the authorize union, as a simulation (the code path of enforcement, recorded
 * nowhere), and those allowed are listed with the rules that allowed them.
 *
 * - A role is asked about by its ARN (`arn:aws:iam::A:role/<role>`), as a session of it with no session policy or
 *   tags. A session policy can only narrow that, but a resource policy naming one session's ARN grants that session
 *   more, and tags may meet conditions the role's do not: those sessions are not listed, and the note says so.
 *   (A session ARN would be decided with the scoped sessions live under it, src/app/authorize.ts.)
 * - A user counts with its groups' policies and its permissions boundary, as in any decision.
 * - Principals of other accounts that a resource policy names are not enumerated: their own account's policies
 *   decide their side (the answer says so).
 * - The caller needs `iam:ListUsers` and `iam:ListRoles` (`ram:` in `acs` accounts), and `gatehouse:Authorize` on
 *   the principals, as for any question about another principal.
 */
import { failWith, ok, type Result } from '../core/errors.ts';
import { roleArnOf, userArnOf } from '../core/sts/session.ts';
import type { AuthorizeAnswer, AuthorizeInput, MatchedRule } from './authorize.ts';
import type { Caller } from './principals.ts';
import type { Directory } from './directory.ts';

/** The authorize API's question, without a principal: every principal of the account is asked about. */
export type WhoCanInput = Omit<AuthorizeInput, 'principal' | 'principalProof' | 'resourceAccount'>;

export interface Reacher {
  readonly kind: 'user' | 'role';
  readonly name: string;
  /** The principal asked about: the user, or the role. */
  readonly principal: string;
  readonly reasons: readonly string[];
  readonly matched: readonly MatchedRule[];
}

export interface WhoCanAnswer {
  readonly action: string;
  readonly resource: string;
  /** Those allowed, users first, each group by name. */
  readonly allowed: readonly Reacher[];
  /** Principals asked about in all. */
  readonly checked: number;
  readonly note: string;
}

type Simulate = (caller: Caller, input: AuthorizeInput) => Promise<Result<AuthorizeAnswer>>;

export function createWhoCan(directory: Pick<Directory, 'listUsers' | 'listRoles'>, simulate: Simulate) {
  return async function whoCan(caller: Caller, input: WhoCanInput): Promise<Result<WhoCanAnswer>> {
    const users = await directory.listUsers(caller, {});
    if (!users.ok) return users;
    const roles = await directory.listRoles(caller, {});
    if (!roles.ok) return roles;
    const principals: { kind: 'user' | 'role'; name: string; principal: string }[] = [
      ...users.value.map((u) => ({ kind: 'user' as const, name: u.name, principal: userArnOf(caller.partition, caller.account, u.path, u.name) })),
      ...roles.value.map((r) => ({ kind: 'role' as const, name: r.name, principal: roleArnOf(caller.partition, caller.account, r.path, r.name) })),
    ];
    const allowed: Reacher[] = [];
    for (const p of principals) {
      const a = await simulate(caller, { ...input, principal: p.principal });
      // The question itself is wrong (an action that is not one), or the caller may not ask about this principal:
      // the whole answer would be partial, so it is refused as it stands.
      if (!a.ok) return failWith(a.errors[0]?.code ?? 'INTERNAL_ERROR', `${p.kind} ${p.name}: ${a.errors[0]?.message ?? 'cannot be asked about'}`, a.errors[0]?.path ?? '');
      if (a.value.decision === 'Allow') allowed.push({ ...p, reasons: a.value.reasons, matched: a.value.matched });
    }
    return ok({
      action: input.action,
      resource: input.resource,
      allowed,
      checked: principals.length,
      // A resource policy naming one session's ARN grants that session alone, without identity policy: the role's
      // answer does not cover it (review I, M3), so the note does not claim it does.
      note: `every user and role of account ${caller.account}, roles as a session with no session policy or tags; sessions that a resource policy names by their ARN (arn:…:sts::…:assumed-role/ROLE/SESSION) and principals of other accounts that a resource policy names are not listed`,
    });
  };
}

export type WhoCan = ReturnType<typeof createWhoCan>;
