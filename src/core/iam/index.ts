/** The JSON policy engine (AWS IAM and Alibaba RAM dialects). API: docs/engine-api.md. */
export { parsePolicy, countNonWhitespace, plainNumber, DEFAULT_MAX_CHARS, type ParseOptions } from './parse.ts';
export { compilePolicy, namedEntity, referencedKeys, statementKeys, withUnresolvedResourcesOpen, type CompiledPolicy } from './compile.ts';
export { compiledWeight } from './weight.ts';
export { replacePrincipals } from './rewrite.ts';
export { evaluate, accountOf, type EvaluateOptions } from './evaluate.ts';
export { denyResourcePatterns, type DenyPatterns } from './deny-patterns.ts';
export { principalFromArn, contextOf, isoSeconds, type PrincipalExtra } from './principal.ts';
export { renderDecision } from './explain.ts';
export { LITERAL_STAR, LITERAL_QMARK, LITERAL_DOLLAR } from './glob.ts';
export { parseDateValue } from './conditions.ts';
export { contextKeyProblem, contextValueTypeProblem, isTagKey } from './context-keys.ts';
export { isConditionKeyName, MAX_CONDITION_KEY_CHARS } from './key-name.ts';
export { parseCidr, parseIp, cidrContains, type Cidr } from './ip.ts';
export { plainDecimal, readJson, type JsonValue } from './json.ts';
export * from './types.ts';
export { attachmentWildcard } from './attach.ts';
export { bindStatement } from './bind-principal.ts';
export { otherDialectActions, RAM_GUARD_NAMES, RAM_OWN_NAMES } from './ram-actions.ts';
