/** The JSON-policy engine as an authorizer: ExplicitDeny → deny, Allow → allow, ImplicitDeny → no-opinion. */
import { evaluate, renderDecision, type AuthzRequest, type Decision, type PolicySet } from '../iam/index.ts';
import type { Authorizer, AuthorizerResult } from './authorizer.ts';

export interface IamAuthzInput {
  readonly request: AuthzRequest;
  readonly policies: PolicySet;
}

export function verdictOf(d: Decision): AuthorizerResult {
  const verdict = d.decision === 'Allow' ? 'allow' : d.decision === 'ExplicitDeny' ? 'deny' : 'no-opinion';
  return { verdict, reasons: [renderDecision(d)], errors: [] };
}

export const iamAuthorizer: Authorizer<IamAuthzInput> = {
  name: 'iam',
  authorize: (input) => verdictOf(evaluate(input.request, input.policies, { explain: true })),
};
