/**
 * An estimate, in bytes, of what a compiled policy keeps on the heap, for caches bounded by size (src/app/principals.ts
 * `PolicyCache`). Read off the parsed document, not the compiled one (whose matchers are closures): what the compiled
 * form keeps grows with the number of patterns, statements and principals far more than with characters. A
 * 2,048-character session policy compiles to 12 KB (one long pattern) or to 126 KB (135 short actions, each a matcher,
 * most of another service); by characters alone a bound would be off more than tenfold (review ed3).
 *
 * Measured (`--expose-gc`, heap used plus array buffers after a collection, 1,000–2,000 distinct policies of 2,048
 * characters each through `PolicyCache`, each evaluated once: bench/policy-cache-heap.ts) and rounded up, so the
 * estimate is at least what is kept for every shape measured (1.05× for short actions, up to 6× for IP ranges): per
 * pattern (an action, a resource, a condition value) some 300–900 bytes, a pattern matched as steps some 70 bytes a
 * character besides; per statement about 900; per principal element a dozen sets. Shared (interned) matchers are counted
 * in each policy that names them: the estimate errs high.
 */
import type { ConditionEntry, PolicyDocument, PrincipalSpec } from './types.ts';
import { RESOLVED_RESOURCES, RESOLVED_VALUE_CHARS, RESOLVED_VALUES } from './variables.ts';

/** The policy and its cache key, besides what is counted below. */
const POLICY = 1_024;
const STATEMENT = 1_024;
/** A principal element's sets: twelve of them, the lowercased ones included. */
const PRINCIPAL = 2_048;
const PRINCIPAL_VALUE = 160;
/** A pattern's matcher, its intern entry and its place in its statement. */
const PATTERN = 896;
/**
 * Per character of a pattern: one matched as steps (several wildcards, one of them kept from crossing `:`, src/core/iam/
 * glob.ts `programMatcher`) keeps an object per character; one matched by `starMatcher` or a RegExp, a few bytes; a
 * literal or a prefix, its text.
 */
const STEP_CHAR = 96;
const STAR_CHAR = 8;
const PLAIN_CHAR = 6;
/**
 * A pattern with a policy variable is built per request into its statement's cache (`RESOLVED_RESOURCES` resources,
 * `RESOLVED_VALUES` condition values, and as many characters as that many patterns with values of
 * `RESOLVED_VALUE_CHARS`: src/core/iam/variables.ts): counted full, each entry its matcher and its key.
 */
const RESOLVED = 256;

/** How a pattern is matched: a whole-string glob (actions, `String*`), a `Resource`, an `Arn*` condition value. */
type Flavour = 'glob' | 'resource' | 'arn';

function wildcards(p: string): number {
  let n = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p.charCodeAt(i);
    if (c === 0x2a || c === 0x3f) n++;
  }
  return n;
}

/** Whether a wildcard comes before the resource part of an ARN pattern (its first five components, four for `acs:`). */
function wildcardInHead(p: string): boolean {
  const n = p.startsWith('arn:') ? 5 : p.startsWith('acs:') ? 4 : 0;
  let at = 0;
  for (let i = 0; i < n; i++) {
    const c = p.indexOf(':', at);
    if (c < 0) return wildcards(p) > 0;
    at = c + 1;
  }
  return wildcards(p.slice(0, at)) > 0;
}

function perChar(p: string, flavour: Flavour): number {
  const w = wildcards(p);
  if (w === 0) return PLAIN_CHAR;
  if (w > 1 && flavour === 'arn') return p.startsWith('arn:') || p.startsWith('acs:') ? STEP_CHAR : 2 * STEP_CHAR;
  if (w > 1 && flavour === 'resource' && wildcardInHead(p)) return STEP_CHAR;
  return STAR_CHAR;
}

function pattern(p: string, flavour: Flavour, variables: boolean, cacheSize: number): number {
  if (variables && p.includes('${')) return PATTERN + cacheSize * (RESOLVED + (p.length + RESOLVED_VALUE_CHARS) * perChar(p, flavour));
  return PATTERN + p.length * perChar(p, flavour);
}

function principal(spec: PrincipalSpec | undefined): number {
  if (spec === undefined) return 0;
  if (spec === '*') return PRINCIPAL;
  let n = PRINCIPAL;
  for (const list of [spec.AWS, spec.RAM, spec.Service, spec.Federated]) for (const v of list ?? []) n += PRINCIPAL_VALUE + 4 * v.length;
  return n;
}

function condition(c: ConditionEntry, variables: boolean): number {
  const flavour: Flavour = c.base.startsWith('Arn') ? 'arn' : 'glob';
  let n = PATTERN + 2 * c.key.length;
  for (const v of c.values) n += pattern(v, flavour, variables, RESOLVED_VALUES);
  return n;
}

/** Estimated bytes the compiled `doc` keeps, with `textLength`, the characters of the text it was parsed from (a cache's key). */
export function compiledWeight(doc: PolicyDocument, textLength: number): number {
  const variables = doc.version === '2012-10-17';
  let n = POLICY + 2 * textLength;
  for (const st of doc.statements) {
    n += STATEMENT;
    for (const a of st.action ?? st.notAction ?? []) n += pattern(a, 'glob', false, 1);
    for (const r of st.resource ?? st.notResource ?? []) n += pattern(r, 'resource', variables, RESOLVED_RESOURCES);
    n += principal(st.principal) + principal(st.notPrincipal);
    for (const c of st.conditions) n += condition(c, variables);
  }
  return n;
}
