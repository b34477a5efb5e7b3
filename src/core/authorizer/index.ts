export { union, type Authorizer, type AuthorizerResult, type UnionResult, type Verdict } from './authorizer.ts';
export { iamAuthorizer, verdictOf, type IamAuthzInput } from './iam.ts';
