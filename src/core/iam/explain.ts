/** Human-readable rendering of a decision: what decided, which statements matched, which conditions failed. */
import type { Decision, StatementRef } from './types.ts';

const TYPE_NAME = {
  identity: 'identity policy',
  boundary: 'permissions boundary',
  session: 'session policy',
  resource: 'resource policy',
  trust: 'trust policy',
} as const;

function ref(r: { policy: string; index: number; sid: string | undefined }): string {
  return `\`${r.policy}\` statement ${r.index}${r.sid ? ` (Sid \`${r.sid}\`)` : ''}`;
}

export function renderDecision(d: Decision): string {
  const lines: string[] = [];
  lines.push(`${d.decision}: ${d.summary}`);
  if (d.decision === 'ExplicitDeny') {
    const deny = d.matched.find((m: StatementRef) => m.effect === 'Deny');
    if (deny) lines.push(`  denied by ${TYPE_NAME[deny.type]} ${ref(deny)}`);
  } else if (d.decision === 'ImplicitDeny' && d.deniedBy) {
    // A rule refuses what a statement of that type allows (STS takes GetFederationToken and GetSessionToken with a user's
    // long-term key only): "no statement allows" sent the reader to write one that changes nothing (review mo, 2).
    const by = d.deniedBy;
    const allowedThere = d.matched.some((m: StatementRef) => m.type === by && m.effect === 'Allow');
    lines.push(`  blocked at: ${TYPE_NAME[by]} (${allowedThere ? 'a statement of it allows this request; the summary above says why it is refused' : 'no statement allows'})`);
  } else if (d.allowedBy) {
    lines.push(`  allowed through: ${d.allowedBy === 'root' ? 'account root' : d.allowedBy === 'resource' ? 'resource-based policy' : 'identity-based policies'}`);
  }
  if (d.matched.length > 0) {
    lines.push('  matched statements:');
    for (const m of d.matched) lines.push(`    ${m.effect.padEnd(5)} ${TYPE_NAME[m.type]} ${ref(m)}`);
  }
  // A `Resource`/`NotResource` reading a policy variable with no value is listed apart from conditions (policy review ir, 3).
  const unresolved = d.conditionFailures.filter((f) => f.operator === 'Resource' || f.operator === 'NotResource');
  // A NotPrincipal Deny that lists the principal yet applies to it for its permissions boundary (policy review ir, 4).
  const bounded = d.conditionFailures.filter((f) => f.operator === 'NotPrincipal' && f.otherCase !== true);
  // A Principal (NotPrincipal) naming the principal in another case (policy review qe, 2).
  const otherCase = d.conditionFailures.filter((f) => f.otherCase === true);
  const conditions = unresolved.length === 0 && bounded.length === 0 && otherCase.length === 0 ? d.conditionFailures : d.conditionFailures.filter((f) => !unresolved.includes(f) && !bounded.includes(f) && !otherCase.includes(f));
  if (conditions.length > 0) {
    lines.push('  statements whose conditions did not hold:');
    for (const f of conditions) lines.push(`    ${TYPE_NAME[f.type]} ${ref(f)}: ${f.reason}`);
  }
  if (unresolved.length > 0) {
    lines.push('  statements whose resource reads a policy variable with no value:');
    for (const f of unresolved) lines.push(`    ${TYPE_NAME[f.type]} ${ref(f)}: ${f.reason}`);
  }
  if (otherCase.length > 0) {
    lines.push('  statements naming this principal in another case:');
    for (const f of otherCase) lines.push(`    ${TYPE_NAME[f.type]} ${ref(f)}: ${f.reason}`);
  }
  if (bounded.length > 0) {
    lines.push('  NotPrincipal statements that deny this principal for its permissions boundary:');
    for (const f of bounded) lines.push(`    ${TYPE_NAME[f.type]} ${ref(f)}: ${f.reason}`);
  }
  return lines.join('\n');
}
