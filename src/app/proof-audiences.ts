/**
 * The operator's rule for `principalProof`s (review dy, 1): `GATEHOUSE_AUTHORIZE_PROOF_AUDIENCES`. Unset, a proof may
 * be unbound when the question names no `audience` (review dt, 2, for compatibility), so a resource server shown an
 * unbound proof can replay it, for its lifetime, to a resource server that sends no audience or to Gatehouse itself.
 * Set, every proof must be bound to an audience and every question with a proof must name it, as aws-iam-authenticator
 * always requires its cluster id (`x-k8s-aws-id`) and Vault with `iam_server_id_header_value` requires
 * `X-Vault-AWS-IAM-Server-ID`; a list also limits the audiences to those named, as Vault checks that header against the
 * one value it is configured with (Gatehouse serves many resource servers, so a list). Checked before the proof's
 * signature, as both check theirs before asking STS; such a refusal is recorded, as a refused proof is.
 */
import { failWith, ok, type Result } from '../core/errors.ts';
import { isAudience, MAX_AUDIENCE_CHARS } from './authorize.ts';

export const PROOF_AUDIENCES_ENV = 'GATEHOUSE_AUTHORIZE_PROOF_AUDIENCES';

/** Every proof bound, and its question naming the audience: any audience (`accepted` absent), or one of `accepted`. */
export interface ProofAudiences {
  readonly accepted?: ReadonlySet<string>;
}

/**
 * The setting's text: `*` (bound proofs only, any audience), or the audiences accepted, separated by commas (blanks
 * around each are dropped; an audience itself has no leading or trailing blank). Empty or unset: off. `what` names the
 * setting in the error.
 */
export function parseProofAudiences(text: string | undefined, what = PROOF_AUDIENCES_ENV): Result<ProofAudiences | undefined> {
  if (text === undefined || text.trim() === '') return ok(undefined);
  if (text.trim() === '*') return ok({});
  const expected = `\`*\` (every proof bound to an audience, whichever) or the audiences accepted, separated by commas (each 1 to ${MAX_AUDIENCE_CHARS} printable ASCII characters, words separated by single spaces, as a question's \`audience\`)`;
  const accepted = new Set<string>();
  const items = text.split(',');
  for (const [i, raw] of items.entries()) {
    const item = raw.trim();
    const which = `item ${i + 1} of ${items.length}`;
    if (item === '') return failWith('VALIDATION_ERROR', `${what} must be ${expected}: ${which} is empty`);
    if (item === '*') return failWith('VALIDATION_ERROR', `${what} must be ${expected}: \`*\` stands alone, not in a list (${which})`);
    if (!isAudience(item as unknown)) {
      const shown = item.length <= 100 && /^[\x20-\x7e]*$/.test(item) ? ` \`${item}\`` : '';
      return failWith('VALIDATION_ERROR', `${what} must be ${expected}: ${which}${shown} is not an audience (${item.length} characters)`);
    }
    accepted.add(item);
  }
  return ok({ accepted });
}

/** The setting as the start log says it. */
export function describeProofAudiences(rule: ProofAudiences): string {
  const all = [...(rule.accepted ?? [])];
  const shown = all.slice(0, 10).map((a) => `\`${a}\``).join(', ') + (all.length > 10 ? ` and ${all.length - 10} more` : '');
  const which = rule.accepted === undefined ? 'any audience' : `${all.length === 1 ? 'the audience' : `one of ${all.length} audiences,`} ${shown}`;
  return `authorize API: every principalProof must be bound to ${which}, which its question names (${PROOF_AUDIENCES_ENV})`;
}

/**
 * The refusals of the rule, and only they: the audit records them as refused proofs (src/app/audit.ts), where a proof
 * refused for its shape (another `ValidationError`) is not. Remembered by identity: the edge hands the very result to
 * the decision (`ProvenCallers`).
 */
const refusals = new WeakSet<object>();
export const isProofAudienceRefusal = (r: unknown): boolean => typeof r === 'object' && r !== null && refusals.has(r);
const refused = (message: string, path: 'audience' | 'principalProof'): Result<never> => {
  const r = failWith('VALIDATION_ERROR', message, path);
  refusals.add(r);
  return r;
};

/**
 * Why the rule refuses a proof (`bound`: it signs `x-gatehouse-audience`) with the question's `audience` (a valid one,
 * or undefined: none), or undefined when it takes it. The question's own fault first: no audience, or one not listed;
 * then the proof's. The messages' openings are what the audit record's fixed text is chosen by (auth-failures.ts).
 */
export function proofAudienceRefusal(rule: ProofAudiences | undefined, audience: string | undefined, bound: boolean): Result<never> | undefined {
  if (rule === undefined) return undefined;
  const sign = (a: string) => `the caller must sign the header \`x-gatehouse-audience: ${a}\` into its presigned GetCallerIdentity (X-Amz-SignedHeaders host;x-gatehouse-audience)`;
  if (audience === undefined) {
    return refused(`\`audience\` is required: this server takes only a \`principalProof\` bound to an audience (${PROOF_AUDIENCES_ENV} is set), so that a proof shown to one resource server proves nothing at another; send the name this resource server gives itself as \`audience\`${bound ? '' : `, and note that this proof is not bound: ${sign('<that name>')}`}`, 'audience');
  }
  if (rule.accepted !== undefined && !rule.accepted.has(audience)) {
    return refused(`\`audience\` is not one this server accepts (\`${audience}\`): ${PROOF_AUDIENCES_ENV} lists the audiences of its resource servers, compared exactly (case and a trailing \`/\` count); send this resource server's listed name, or ask the operator to add it`, 'audience');
  }
  if (!bound) {
    return refused(`\`principalProof\` is not bound to an audience, as this server requires (${PROOF_AUDIENCES_ENV} is set): ${sign(audience)}, so that its proof is good for this resource server alone`, 'principalProof');
  }
  return undefined;
}
