/**
 * Binding a Deny statement to one principal's facts (review X, X2). A statement copied out of a user's policies and
 * evaluated for another principal (a default-role training job's session carries its submitter's table Denies) must
 * deny that principal what it denied the user, whoever the new principal is. Its parts that describe the principal
 * are therefore decided with the user's facts, once, and taken out:
 *
 * - a condition entry on a principal key (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`,
 *   `aws:userid`, `aws:username`, `aws:PrincipalTag/K`, and their `acs:` forms) is decided by the engine's own
 *   condition evaluation against the user: true, the entry is dropped; false, the statement does not apply to the
 *   user and is dropped whole; an evaluation error drops the entry (the Deny stands, as the engine fails closed);
 * - principal policy variables (`${aws:username}`, `${aws:PrincipalTag/K}`…) in `Resource`, `NotResource` and the
 *   values of string and ARN conditions are replaced by the user's values, as literal text; a pattern or value whose
 *   variable the user has no value for (and no default) matches nothing for the user, so it is left out.
 *
 * Whatever cannot be decided exactly fails closed, so that the Deny binds more, never less: an entry on another key
 * that describes the principal or its credentials (`aws:PrincipalOrgID`, `aws:PrincipalIsAWSService`,
 * `aws:FederatedProvider`, `aws:SourceIdentity`, `aws:MultiFactorAuthPresent`, `aws:MultiFactorAuthAge`,
 * `aws:TokenIssueTime`, RAM's `acs:AccessId`, any other `aws:Principal…`) is dropped; so is an entry on a principal key whose values use a
 * variable of the request, and an entry whose values would all be left out. Such a variable in `Resource` becomes
 * `*`; in `NotResource` its pattern is left out. Entries on request keys stay as written and are decided at each
 * request. Pure: no I/O.
 */
import { compilePolicy, resourcePart, type CompiledPolicy, type CompiledStatement } from './compile.ts';
import { compileCondition, evaluateCondition } from './conditions.ts';
import { LITERAL_DOLLAR, LITERAL_QMARK, LITERAL_STAR } from './glob.ts';
import { parsePolicy } from './parse.ts';
import { awsFormOf, keyLookup } from './principal.ts';
import type { ConditionEntry, Dialect, Effect, Principal, PolicyVersion, Statement } from './types.ts';
import { parseTemplate, type KeyLookup, type Template } from './variables.ts';

/** The parts of a statement that binding changes. */
export interface BindableStatement {
  readonly resource: readonly string[] | undefined;
  readonly notResource: readonly string[] | undefined;
  readonly conditions: readonly ConditionEntry[];
}

/** A statement bound to a principal; `changed` false when it is the statement as written. */
export interface BoundStatement extends BindableStatement {
  readonly changed: boolean;
}

/** How a condition key or a policy variable stands to the principal. */
type KeyClass = 'principal' | 'undecidable' | 'request';

/** Keys whose value the engine derives from the principal alone (src/core/iam/principal.ts `derived`). */
const PRINCIPAL_KEYS: ReadonlySet<string> = new Set(['aws:principalarn', 'aws:principalaccount', 'aws:principaltype', 'aws:userid', 'aws:username']);

/** Keys that describe the principal or its credentials, whose value for the bound principal is not known exactly. */
const UNDECIDABLE_KEYS: ReadonlySet<string> = new Set([
  'aws:federatedprovider',
  'aws:sourceidentity',
  'aws:multifactorauthpresent',
  'aws:multifactorauthage',
  'aws:tokenissuetime',
]);

/**
 * RAM's `acs:AccessId`, the AccessKey ID a request is signed with (reference §A.2), which has no `aws:` counterpart
 * (src/core/iam/principal.ts): it describes the credentials, and the bound principal signs with its own key. Kept as a
 * key of the request, a Deny on the key the owner signed with was decided for the job's session key and never applied
 * (review on, 2).
 */
const UNDECIDABLE_RAM_KEYS: ReadonlySet<string> = new Set(['acs:accessid']);

/** Whether a condition key (or a variable's key) describes the principal: `aws:` and `acs:` forms alike. */
export function keyClass(key: string): KeyClass {
  const k = key.toLowerCase();
  const a = awsFormOf(k);
  if (PRINCIPAL_KEYS.has(a)) return 'principal';
  if (a.startsWith('aws:principaltag/') && a.length > 'aws:principaltag/'.length) return 'principal';
  if (UNDECIDABLE_KEYS.has(a) || UNDECIDABLE_RAM_KEYS.has(k) || a.startsWith('aws:principal')) return 'undecidable';
  return 'request';
}

/** The base operators whose values are templates when variables are honoured (src/core/iam/conditions.ts). */
const TEMPLATED = /^(String|Arn)/;

/** Text written into a template as literal characters: the escapes `${*}`, `${?}`, `${$}` (variables.ts). */
function literal(v: string): string {
  return v.replace(/[*?$]/g, (c) => `\${${c}}`);
}

/** A template's literal part back to text: the escape marks parseTemplate made become escapes again. */
function textOf(part: string): string {
  return part.replaceAll(LITERAL_STAR, '${*}').replaceAll(LITERAL_QMARK, '${?}').replaceAll(LITERAL_DOLLAR, '${$}');
}

/**
 * Renders `t` with its principal variables replaced by the principal's values (or their defaults), other variables
 * kept as written. `undecidable` says what to put for a variable of an undecidable key (undefined: give up).
 * Returns undefined when a principal variable has no value and no default (the text matches nothing for the
 * principal), or when an undecidable variable is met and `undecidable` is undefined; `null` for give-up.
 */
function render(t: Template, lookup: KeyLookup, undecidable: string | undefined): string | undefined | null {
  let out = '';
  for (const p of t.parts) {
    if (typeof p === 'string') {
      out += textOf(p);
      continue;
    }
    const cls = keyClass(p.key);
    if (cls === 'request') {
      out += p.fallback !== undefined ? `\${${p.key}, '${p.fallback}'}` : `\${${p.key}}`;
      continue;
    }
    if (cls === 'undecidable') {
      if (undecidable === undefined) return null;
      out += undecidable;
      continue;
    }
    const v = lookup(p.key);
    if (v !== undefined && v.length === 1) out += literal(v[0] as string);
    else if (p.fallback !== undefined) out += literal(p.fallback);
    else return undefined;
  }
  return out;
}

/** The variables' keys of a template. */
function keysOf(t: Template): string[] {
  return t.parts.flatMap((p) => (typeof p === 'string' ? [] : [p.key]));
}

type EntryResult = { readonly kind: 'holds' } | { readonly kind: 'fails' } | { readonly kind: 'drop' } | { readonly kind: 'keep'; readonly entry: ConditionEntry };

function bindEntry(entry: ConditionEntry, lookup: KeyLookup, variables: boolean): EntryResult {
  const cls = keyClass(entry.key);
  if (cls === 'undecidable') return { kind: 'drop' };
  const templated = variables && TEMPLATED.test(entry.base);
  const templates = entry.values.map((v) => (templated ? parseTemplate(v) : undefined));
  if (cls === 'principal') {
    // Decided whole with the principal's facts only: a value naming a variable of the request cannot be.
    if (templates.some((t) => t !== undefined && keysOf(t).some((k) => keyClass(k) !== 'principal'))) return { kind: 'drop' };
    const miss = evaluateCondition(compileCondition(entry, variables), lookup);
    if (miss === undefined) return { kind: 'holds' };
    // An evaluation error: the engine lets a Deny stand (evaluate.ts `applies`), so the entry is dropped.
    return miss.error ? { kind: 'drop' } : { kind: 'fails' };
  }
  if (!templates.some((t) => t !== undefined && keysOf(t).some((k) => keyClass(k) !== 'request'))) return { kind: 'keep', entry };
  const values: string[] = [];
  for (const [i, v] of entry.values.entries()) {
    const t = templates[i];
    if (t === undefined) {
      values.push(v);
      continue;
    }
    const r = render(t, lookup, undefined);
    if (r === null) return { kind: 'drop' };
    if (r !== undefined) values.push(r);
  }
  // Every value left out: what the entry then means depends on the operator and on IfExists; it is dropped.
  if (values.length === 0) return { kind: 'drop' };
  return { kind: 'keep', entry: { ...entry, values } };
}

/**
 * Resource patterns bound; a pattern that matches nothing for the principal is left out (`unresolved`: some was, for a
 * principal variable it has no value for). `narrow`: an undecidable variable leaves its pattern out (a Deny's
 * NotResource, an Allow's Resource), else it becomes `*`.
 */
function bindResources(list: readonly string[], lookup: KeyLookup, variables: boolean, narrow: boolean): { out: string[]; changed: boolean; unresolved: boolean } {
  if (!variables) return { out: [...list], changed: false, unresolved: false };
  const out: string[] = [];
  let changed = false;
  let unresolved = false;
  for (const r of list) {
    const t = parseTemplate(r, resourcePart(r));
    if (t === undefined || keysOf(t).every((k) => keyClass(k) === 'request')) {
      out.push(r);
      continue;
    }
    changed = true;
    // A Deny's Resource (an Allow's NotResource) with an undecidable variable matches anything there (`*`).
    const v = render(t, lookup, narrow ? undefined : '*');
    if (typeof v === 'string') out.push(v);
    else if (v === undefined) unresolved = true;
  }
  return { out, changed, unresolved };
}

/** The principal's facts as condition keys read them: the engine's own lookup, with nothing from a request. */
export function principalLookup(principal: Principal): KeyLookup {
  return keyLookup({ principal, action: '', resource: '' });
}

/**
 * `st` bound to `principal` (see the module's comment). `variables`: whether the statement's policy honours policy
 * variables (`Version: 2012-10-17`). Undefined when the statement does not apply to the principal. An Allow
 * (`effect`) is bound the same way but fails closed the other way: a condition entry that cannot be decided leaves
 * the statement out, an undecidable variable leaves its `Resource` pattern out and makes a `NotResource` one `*`, and a
 * `NotResource` pattern with a principal variable the principal has no value for leaves the statement out.
 */
export function bindStatement(st: BindableStatement, principal: Principal | KeyLookup, variables: boolean, effect: Effect = 'Deny'): BoundStatement | undefined {
  const lookup = typeof principal === 'function' ? principal : principalLookup(principal);
  const deny = effect === 'Deny';
  const conditions: ConditionEntry[] = [];
  let changed = false;
  for (const e of st.conditions) {
    const r = bindEntry(e, lookup, variables);
    // An Allow fails closed the other way: what cannot be decided leaves the statement out.
    if (r.kind === 'fails' || (r.kind === 'drop' && !deny)) return undefined;
    if (r.kind === 'keep') {
      conditions.push(r.entry);
      if (r.entry !== e) changed = true;
    } else changed = true;
  }
  let resource = st.resource;
  let notResource = st.notResource;
  if (st.resource !== undefined) {
    const b = bindResources(st.resource, lookup, variables, !deny);
    // Every pattern matches nothing for the principal: the statement denies (allows) it nothing.
    if (b.out.length === 0) return undefined;
    if (b.changed) [resource, changed] = [b.out, true];
  }
  if (st.notResource !== undefined) {
    const b = bindResources(st.notResource, lookup, variables, deny);
    // A `NotResource` pattern whose variable the principal has no value for cannot say what it excludes: an Allow with it
    // grants the principal nothing (src/core/iam/evaluate.ts `applies`; policy review C4), a Deny applies unless another
    // pattern excludes the resource, as leaving the pattern out reads it. Left out of an Allow too, an exception emptied
    // of its patterns made the copy `Resource: *` (review vp, 1).
    if (b.unresolved && !deny) return undefined;
    if (b.changed) {
      changed = true;
      // Nothing excluded any more: the statement covers every resource.
      if (b.out.length === 0) [resource, notResource] = [['*'], undefined];
      else notResource = b.out;
    }
  }
  return { resource, notResource, conditions, changed };
}

// ---------------------------------------------------------------------------------------------------------
// Compiled policies (decisions) and JSON statements (a session policy written at submit)

/**
 * `cs` (a Deny of a policy of `dialect` and `version`) bound to the principal, compiled; `cs` itself when binding
 * changes nothing; undefined when it does not apply to the principal. The compiled Deny keeps its resource patterns'
 * text (compile.ts), so they are bound from it; a statement whose text is missing is kept as it is.
 */
export function bindCompiledStatement(cs: CompiledStatement, dialect: Dialect, version: PolicyVersion, lookup: KeyLookup): CompiledStatement | undefined {
  const texts = cs.resources?.map((r) => r.text);
  if (texts?.some((t) => t === undefined)) return cs;
  const list = texts as string[] | undefined;
  const b = bindStatement({ resource: cs.notResource ? undefined : list, notResource: cs.notResource ? list : undefined, conditions: cs.conditions.map((c) => c.entry) }, lookup, version === '2012-10-17', cs.effect);
  if (b === undefined) return undefined;
  if (!b.changed) return cs;
  const st: Statement = { index: cs.index, sid: cs.sid, effect: cs.effect, action: ['*'], notAction: undefined, resource: b.resource, notResource: b.notResource, principal: undefined, notPrincipal: undefined, conditions: b.conditions };
  const c = compilePolicy({ version, dialect, id: undefined, statements: [st] }, cs.policy).statements[0] as CompiledStatement;
  return { ...cs, resources: c.resources, notResource: c.notResource, resourceVariables: c.resourceVariables, conditions: c.conditions, refs: {} };
}

/**
 * A view of `policy` holding only the statements `keep` picks, each bound to the principal (`bindCompiledStatement`);
 * undefined when none is left. Indexed as the policy indexes them.
 */
export function boundView(policy: CompiledPolicy, keep: (cs: CompiledStatement) => boolean, lookup: KeyLookup): CompiledPolicy | undefined {
  const bound = new Map<CompiledStatement, CompiledStatement>();
  for (const cs of policy.statements) {
    if (!keep(cs)) continue;
    const b = bindCompiledStatement(cs, policy.dialect, policy.version, lookup);
    if (b !== undefined) bound.set(cs, b);
  }
  if (bound.size === 0) return undefined;
  const map = (list: readonly CompiledStatement[]): CompiledStatement[] => list.flatMap((s) => {
    const b = bound.get(s);
    return b === undefined ? [] : [b];
  });
  return {
    ...policy,
    statements: map(policy.statements),
    byService: new Map([...policy.byService].map(([svc, list]) => [svc, map(list)] as const).filter(([, list]) => list.length > 0)),
    anyService: map(policy.anyService),
  };
}

/** `${` made literal where a policy honouring variables would read one: in a pattern's resource part, a value. */
function escapeVariables(text: string, from: number): string {
  return text.slice(0, from) + text.slice(from).replaceAll('$', '${$}');
}

/**
 * A statement of a JSON policy (as written, a plain object) bound to the principal, as JSON for a policy of
 * `targetVersion`: the object itself when nothing changes, undefined when it does not apply to the principal.
 * `sourceVersion`: the `Version` of the policy it comes from. A statement that does not parse is returned as it is.
 * Where the source does not honour policy variables and the target does, `$` is escaped where the target would read
 * a variable, so that text stays text.
 */
export function bindJsonStatement(raw: Record<string, unknown>, sourceVersion: unknown, targetVersion: string, lookup: KeyLookup): Record<string, unknown> | undefined {
  const parsed = parsePolicy({ ...(sourceVersion !== undefined ? { Version: sourceVersion } : {}), Statement: [raw] }, { kind: 'identity', maxChars: 1 << 20 });
  if (!parsed.ok) return raw;
  const st = parsed.value.statements[0];
  if (st === undefined) return raw;
  const variables = parsed.value.version === '2012-10-17';
  const b = bindStatement(st, lookup, variables, st.effect);
  if (b === undefined) return undefined;
  const escape = !variables && targetVersion === '2012-10-17';
  const needsEscape = escape && JSON.stringify([st.resource, st.notResource, st.conditions.map((c) => c.values)]).includes('$');
  if (!b.changed && !needsEscape) return raw;
  const resources = (list: readonly string[] | undefined) => (list === undefined ? undefined : escape ? list.map((r) => escapeVariables(r, resourcePart(r))) : list);
  const condition: Record<string, Record<string, string[]>> = {};
  for (const e of b.conditions) {
    const block = (condition[e.operator] ??= {});
    block[e.key] = escape && TEMPLATED.test(e.base) ? e.values.map((v) => escapeVariables(v, 0)) : [...e.values];
  }
  const { Resource: _r, NotResource: _n, Condition: _c, ...rest } = raw;
  void _r, void _n, void _c;
  return {
    ...rest,
    ...(b.resource !== undefined ? { Resource: resources(b.resource) } : {}),
    ...(b.notResource !== undefined ? { NotResource: resources(b.notResource) } : {}),
    ...(b.conditions.length > 0 ? { Condition: condition } : {}),
  };
}
