/**
 * AWS's way of revoking a role's older sessions: an identity policy (or boundary) statement that denies when the
 * session's `aws:TokenIssueTime` is before a date — the `AWSRevokeOlderSessions` inline policy IAM's "Revoke active
 * sessions" attaches (Deny `*` on `*`, `DateLessThan aws:TokenIssueTime` the moment it was written). A holder of such a
 * session (a job's credential endpoints) asks whether a session issued now would escape it.
 */
import { evaluateCondition } from './conditions.ts';
import { keyLookup } from './principal.ts';
import type { CompiledStatement } from './compile.ts';
import type { PolicySet, Principal } from './types.ts';
import type { KeyLookup } from './variables.ts';

const ISSUE_TIME_KEYS: ReadonlySet<string> = new Set(['aws:tokenissuetime', 'acs:tokenissuetime']);

/** Every condition of `cs` holds for `lookup`, one that cannot be evaluated counting as holding (a Deny fails closed). */
function conditionsHold(cs: CompiledStatement, lookup: KeyLookup): boolean {
  return cs.conditions.every((c) => {
    const miss = evaluateCondition(c, lookup);
    return miss === undefined || miss.error;
  });
}

/**
 * Whether `set` (a role's identity policies and permissions boundary) holds a Deny that, by the session's issue time,
 * applies to the session `principal` is (`principal.session.issuedAt`) and would not apply to the same principal's
 * session issued at `now`: its older sessions were revoked the AWS way, and a new one is not. Only the conditions are
 * read (the Deny may name any action or resource: the session is refused some of what it was issued for), with what
 * the session itself carries (its principal's keys, the time `now`); a condition on a request's own key (a source
 * address) does not hold without it, so such a Deny is not counted.
 */
export function deniedByIssueTime(set: PolicySet, principal: Principal, now: number): boolean {
  if (principal.session === undefined) return false;
  let held: KeyLookup | undefined;
  let fresh: KeyLookup | undefined;
  const policies = set.boundary !== undefined ? [...set.identity, set.boundary] : set.identity;
  for (const p of policies) {
    for (const cs of p.statements) {
      if (cs.effect !== 'Deny' || !cs.conditions.some((c) => ISSUE_TIME_KEYS.has(c.key))) continue;
      held ??= keyLookup({ principal, action: '', resource: '', time: now });
      fresh ??= keyLookup({ principal: { ...principal, session: { ...principal.session, issuedAt: now } }, action: '', resource: '', time: now });
      if (conditionsHold(cs, held) && !conditionsHold(cs, fresh)) return true;
    }
  }
  return false;
}
