/**
 * The effective policy of a resource and its compiled, indexed form.
 *
 * Hierarchy (policy-semantics.md §A.4, "Hierarchy"): account → workspace → resource. The effective allow policy
 * of a resource is the union of its own policy and its ancestors'; a grant on an ancestor cannot be taken back
 * below. The caller supplies the chain (root first): which workspace claims a resource is the directory's
 * knowledge, not the engine's.
 *
 * Compiled form: member → bindings (in chain order, then binding order), role → permissions as a `Set`, and
 * conditions compiled to closures. Compile a chain once per resource, or each attached policy once and hand
 * `decide` the list of a resource's compiled policies (the union is the same).
 */
import { parseCondition, type CompiledCondition } from './cel.ts';
import { predefinedPermissions } from './catalogue.ts';
import { customRoleAccount, roleKind } from './names.ts';
import type { AttachedPolicy, CustomRole, IamBinding } from './types.ts';

/** A binding of the effective policy, with where it comes from. */
export interface EffectiveBinding extends IamBinding {
  /** The resource the policy holding this binding is attached to. */
  readonly resource: string;
  /** Its index in that policy's `bindings`. */
  readonly index: number;
}

/** The union of the policies of a chain (root first), in order: a pure function of the chain. */
export function effectiveBindings(chain: readonly AttachedPolicy[]): EffectiveBinding[] {
  const out: EffectiveBinding[] = [];
  for (const { resource, policy } of chain) {
    policy.bindings.forEach((b, index) => out.push({ ...b, resource, index }));
  }
  return out;
}

export interface CompiledBinding {
  readonly resource: string;
  readonly index: number;
  readonly role: string;
  /** Undefined when the role grants nothing here (it does not exist, or is another account's custom role). */
  readonly permissions: ReadonlySet<string> | undefined;
  /** Why `permissions` is undefined, as a diagnostic. */
  readonly roleProblem?: string;
  readonly condition?: CompiledCondition;
  readonly conditionTitle?: string;
  /** Set when the condition does not parse (the policy was not validated): the binding never applies. */
  readonly conditionProblem?: string;
}

export interface CompiledBindings {
  /** The resources of the chain, root first. */
  readonly resources: readonly string[];
  readonly bindings: readonly CompiledBinding[];
  /** Member (exactly as written in the policy) → the bindings that list it. */
  readonly byMember: ReadonlyMap<string, readonly CompiledBinding[]>;
  /**
   * The same lists by kind of member, keyed by what the principal carries (`alice` for `user:alice`, the whole
   * URI for `principal://…`), so that a decision looks members up without building strings.
   */
  readonly byKind: MemberIndex;
  /** Role → its permissions, for every role the chain uses that grants something. */
  readonly rolePermissions: ReadonlyMap<string, ReadonlySet<string>>;
  /** Problems found while compiling (missing roles, conditions that do not parse). */
  readonly diagnostics: readonly string[];
}

export interface MemberIndex {
  readonly user: ReadonlyMap<string, readonly CompiledBinding[]>;
  readonly group: ReadonlyMap<string, readonly CompiledBinding[]>;
  readonly serviceAccount: ReadonlyMap<string, readonly CompiledBinding[]>;
  readonly principal: ReadonlyMap<string, readonly CompiledBinding[]>;
  readonly allAuthenticatedUsers: readonly CompiledBinding[];
  readonly allUsers: readonly CompiledBinding[];
}

export interface CompileOptions {
  /** Custom roles (`accounts/<id>/roles/<name>`) the policies may use. */
  readonly customRoles?: readonly CustomRole[];
  /**
   * The account whose custom roles the chain may use; by default the account of the chain's `account/<id>`
   * policy, if there is one. Another account's custom role grants nothing (its owner could change what it
   * grants here).
   */
  readonly account?: string;
}

/** Permission sets of custom roles, built once per role object. */
const customSets = new WeakMap<CustomRole, ReadonlySet<string>>();

function customSet(role: CustomRole): ReadonlySet<string> {
  let s = customSets.get(role);
  if (s === undefined) {
    s = new Set(role.permissions);
    customSets.set(role, s);
  }
  return s;
}

const describeBinding = (b: { index: number; role: string; resource: string }): string => `binding ${b.index} (${b.role}) on ${b.resource}`;

export function compileBindings(chain: readonly AttachedPolicy[], options: CompileOptions = {}): CompiledBindings {
  const account = options.account ?? chain.find((p) => p.resource.startsWith('account/'))?.resource.slice('account/'.length);
  const custom = new Map<string, CustomRole>();
  for (const r of options.customRoles ?? []) custom.set(r.name, r);

  const rolePermissions = new Map<string, ReadonlySet<string>>();
  const roleProblems = new Map<string, string>();
  const resolveRole = (role: string): void => {
    if (rolePermissions.has(role) || roleProblems.has(role)) return;
    const kind = roleKind(role);
    if (kind === 'predefined') {
      const p = predefinedPermissions(role);
      if (p !== undefined) rolePermissions.set(role, p);
      else roleProblems.set(role, `role \`${role}\` is not a predefined role`);
    } else if (kind === 'custom') {
      const owner = customRoleAccount(role);
      const r = custom.get(role);
      if (account !== undefined && owner !== account) roleProblems.set(role, `custom role \`${role}\` belongs to account ${owner ?? '?'}, not ${account}`);
      else if (r === undefined) roleProblems.set(role, `custom role \`${role}\` does not exist`);
      else rolePermissions.set(role, customSet(r));
    } else {
      roleProblems.set(role, `role \`${role}\` is not a role name`);
    }
  };

  const conditions = new Map<string, CompiledCondition | string>();
  const bindings: CompiledBinding[] = [];
  const byMember = new Map<string, CompiledBinding[]>();
  const byKind = { user: new Map<string, CompiledBinding[]>(), group: new Map<string, CompiledBinding[]>(), serviceAccount: new Map<string, CompiledBinding[]>(), principal: new Map<string, CompiledBinding[]>() };
  const listOf = (m: string): CompiledBinding[] => {
    let list = byMember.get(m);
    if (list === undefined) {
      list = [];
      byMember.set(m, list);
      // One list, reachable from both indexes. A malformed member is only in byMember: nothing looks it up.
      const colon = m.indexOf(':');
      const prefix = m.slice(0, colon);
      if (prefix === 'user' || prefix === 'group' || prefix === 'serviceAccount') byKind[prefix].set(m.slice(colon + 1), list);
      else if (m.startsWith('principal://')) byKind.principal.set(m, list);
    }
    return list;
  };
  const diagnostics: string[] = [];

  for (const eb of effectiveBindings(chain)) {
    resolveRole(eb.role);
    const permissions = rolePermissions.get(eb.role);
    const roleProblem = roleProblems.get(eb.role);
    let condition: CompiledCondition | undefined;
    let conditionProblem: string | undefined;
    if (eb.condition !== undefined) {
      const text = eb.condition.expression;
      let c = conditions.get(text);
      if (c === undefined) {
        const parsed = parseCondition(text);
        c = parsed.ok ? parsed.value : (parsed.errors[0]?.message ?? 'the condition does not parse');
        conditions.set(text, c);
      }
      if (typeof c === 'string') conditionProblem = c;
      else condition = c;
    }
    const compiled: CompiledBinding = {
      resource: eb.resource,
      index: eb.index,
      role: eb.role,
      permissions,
      ...(roleProblem !== undefined ? { roleProblem: `${describeBinding(eb)} grants nothing: ${roleProblem}` } : {}),
      ...(condition !== undefined ? { condition } : {}),
      ...(eb.condition?.title !== undefined ? { conditionTitle: eb.condition.title } : {}),
      ...(conditionProblem !== undefined ? { conditionProblem: `the condition of ${describeBinding(eb)} does not parse, so the binding never applies: ${conditionProblem}` } : {}),
    };
    if (compiled.roleProblem !== undefined) diagnostics.push(compiled.roleProblem);
    if (compiled.conditionProblem !== undefined) diagnostics.push(compiled.conditionProblem);
    bindings.push(compiled);
    for (const m of new Set(eb.members)) listOf(m).push(compiled);
  }
  const none: readonly CompiledBinding[] = [];
  return {
    resources: chain.map((p) => p.resource),
    bindings,
    byMember,
    byKind: { ...byKind, allAuthenticatedUsers: byMember.get('allAuthenticatedUsers') ?? none, allUsers: byMember.get('allUsers') ?? none },
    rolePermissions,
    diagnostics,
  };
}
