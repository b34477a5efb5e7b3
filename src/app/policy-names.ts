/**
 * The names `gatehouse policy` offers before it decides anything: their own module, so that building the CLI's
 * command tree (every command does) does not load the IAM engine that `src/app/policy.ts` uses.
 */
import type { PolicyKind } from '../core/iam/index.ts';

export const POLICY_KINDS = ['identity', 'resource', 'trust'] as const satisfies readonly PolicyKind[];
/** The `source` of an error in the request (action, resource, context) rather than in a policy file. */
export const REQUEST_SOURCE = 'request';
/**
 * The actions STS decides under a role's trust policy (reference §A.1.9), lower-cased: what `policy evaluate
 * --trust-policy` may ask about (review qx, 2), and what the authorize API decides under the role's (src/app/authorize.ts).
 */
export const TRUST_ACTIONS: ReadonlySet<string> = new Set(['sts:assumerole', 'sts:assumerolewithwebidentity', 'sts:tagsession', 'sts:setsourceidentity']);
