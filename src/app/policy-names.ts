/**
 * The names `gatehouse policy` offers before it decides anything: their own module, so that building the CLI's
 * command tree (every command does) does not load the IAM engine that `src/app/policy.ts` uses.
 */
import type { PolicyKind } from '../core/iam/index.ts';

export const POLICY_KINDS = ['identity', 'resource', 'trust'] as const satisfies readonly PolicyKind[];
/** The `source` of an error in the request (action, resource, context) rather than in a policy file. */
export const REQUEST_SOURCE = 'request';
