/**
 * Validating parsers for IAM policies, custom roles and resource names, from parsed JSON or YAML values
 * (untrusted). Every error is a value `{ code, message, path }` with the JSON path of the element
 * (`bindings[2].members[0]`), and for a condition the line and column in its expression; all errors are
 * reported, not only the first. Sizes are checked before the elements they bound are read; only own
 * properties are read, and the results are fresh objects.
 */
import type { ErrorCode, GatehouseError, Result } from '../errors.ts';
import { inValueOrder } from '../iam/json.ts';
import { keyPath, shownKey } from '../directory/rules.ts';
import { predefinedRole, KNOWN_PERMISSIONS } from './catalogue.ts';
import { parseCondition, unprintableExpression, type ConditionScope } from './cel.ts';
import { CUSTOM_ROLE, customRoleAccount, memberKind, PERMISSION, resourceBytesProblem, resourceLevel, resourceTypeProblem, rootArnProblem, arnCaseProblem, underWorkspaceProblem, roleKind, roleNameProblem, trailingSlashProblem, unprintableIn, wildcardResourceProblem } from './names.ts';
import type { AttachedPolicy, CustomRole, IamBinding, IamCondition, IamPolicy, ResourceName } from './types.ts';

/** GCP's limit: of the members of an allow policy, at most 250 may be groups (each group counted once). */
export const MAX_GROUPS_PER_POLICY = 250;

/** What the bindings of one policy have used of its limits so far. */
interface Budget {
  /** Members still allowed (each occurrence counts). */
  members: number;
  reported: boolean;
  /** The distinct `group:` members named so far. */
  readonly groups: Set<string>;
  groupsReported: boolean;
  /** `<role>\u0000<member>` → the condition expressions it is granted under so far (`MAX_CONDITIONS_PER_GRANT`). */
  readonly conditioned: Map<string, Set<string>>;
  /** The `<role>\u0000<member>` already reported over that limit. */
  readonly conditionedReported: Set<string>;
}

/**
 * GCP's limit: "Role bindings in a policy that include the same role and the same member, but different condition
 * expressions: 20" (iam/quotas, "Limits"; review jl, 5).
 */
export const MAX_CONDITIONS_PER_GRANT = 20;

/** The basic roles: GCP takes no condition on a binding of one of them. */
export const BASIC_ROLES: ReadonlySet<string> = new Set(['roles/owner', 'roles/editor', 'roles/viewer']);

/** GCP's limit: 1,500 members in one allow policy (each occurrence counts). */
export const MAX_MEMBERS_PER_POLICY = 1500;
export const MAX_TITLE_CHARS = 100;
export const MAX_DESCRIPTION_CHARS = 256;
/** GCP's limit for a custom role. */
export const MAX_ROLE_PERMISSIONS = 3000;
/** GCP's limit, "Custom roles for a project: 300" (iam/quotas, "Limits"): custom roles of one account (review jl, 6). */
export const MAX_CUSTOM_ROLES_PER_ACCOUNT = 300;
/** GCP's limits for a custom role's title and description, in UTF-8 bytes (cloud.google.com/iam/quotas, "Limits"). */
export const MAX_ROLE_TITLE_BYTES = 100;
export const MAX_ROLE_DESCRIPTION_BYTES = 300;
export const MAX_ETAG_CHARS = 128;
export const POLICY_VERSIONS: readonly number[] = [0, 1, 3];

export interface ParseOptions {
  /** Prefix of every error path (`spec` for a YAML document's spec). */
  readonly path?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : typeof v === 'string' ? 'a string' : `${typeof v} \`${String(v)}\``);

class Errors {
  readonly list: GatehouseError[] = [];
  private readonly prefix: string;
  constructor(prefix: string) {
    this.prefix = prefix;
  }
  path(p: string): string {
    if (this.prefix === '') return p;
    if (p === '') return this.prefix;
    return p.startsWith('[') ? `${this.prefix}${p}` : `${this.prefix}.${p}`;
  }
  add(code: ErrorCode, message: string, path: string, extra?: { line?: number; column?: number }): void {
    const e: GatehouseError = { code, message, path: this.path(path), ...(extra?.line !== undefined ? { line: extra.line } : {}), ...(extra?.column !== undefined ? { column: extra.column } : {}) };
    this.list.push(e);
  }
  /**
   * The errors in the order of their elements in `raw`, the value read (src/core/iam/json.ts `inValueOrder`): found
   * field by field (a binding's `role`, then `members`, then `condition`), a file writing `members` first was refused at
   * its later line first (review ty, 2).
   */
  inOrderOf(raw: unknown): GatehouseError[] {
    const pre = this.prefix;
    const within = (p: string): string => (pre === '' ? p : p === pre ? '' : p.startsWith(`${pre}.`) ? p.slice(pre.length + 1) : p.startsWith(`${pre}[`) ? p.slice(pre.length) : p);
    return inValueOrder(raw, this.list.map((e, i) => ({ path: within(e.path), i }))).map((x) => this.list[x.i] as GatehouseError);
  }
}

const join = (base: string, key: string): string => (base === '' ? key : `${base}.${key}`);

function unknownFields(o: Obj, allowed: readonly string[], base: string, what: string, errs: Errors): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) errs.add('BINDINGS_UNKNOWN_FIELD', `unknown field \`${shownKey(k)}\` in ${what} (allowed: ${allowed.join(', ')})`, keyPath(k, base === '' ? '' : `${base}.`));
  }
}

/** Refuses text that would not show as written (`unprintableIn`), naming the character, never echoing it. */
function printableText(v: string, key: string, base: string, keep: string, errs: Errors): boolean {
  const bad = unprintableIn(v, keep);
  if (bad === undefined) return true;
  errs.add('BINDINGS_INVALID_CONDITION', `\`${key}\` holds ${bad.name} at offset ${bad.at}, a control, format or separator character that would not show as written (it can hide or reorder text where the policy is shown): remove it`, join(base, key));
  return false;
}

/**
 * Whether optional field `key` of `o` is given: present and not null. GCP's policies and roles are proto3 messages,
 * whose JSON mapping reads `null` as the field's default (unset), and a YAML key left blank (`etag:`) is null: such a
 * field is absent, as `condition: null` always was (review gx, 4).
 */
const given = (o: Obj, key: string): boolean => Object.hasOwn(o, key) && o[key] !== null;

function optionalString(o: Obj, key: string, base: string, max: number, errs: Errors): string | undefined {
  if (!given(o, key)) return undefined;
  const v = o[key];
  if (typeof v !== 'string') {
    errs.add('BINDINGS_INVALID_TYPE', `\`${key}\` must be a string, got ${describe(v)}`, join(base, key));
    return undefined;
  }
  if (v.length > max) {
    errs.add('BINDINGS_TOO_LARGE', `\`${key}\` is ${v.length} characters long; the limit is ${max}`, join(base, key));
    return undefined;
  }
  return v;
}

const utf8 = new TextEncoder();

/** As `optionalString`, with the limit in UTF-8 bytes (GCP counts a custom role's title and description so). */
function optionalBytes(o: Obj, key: string, base: string, maxBytes: number, errs: Errors): string | undefined {
  const v = optionalString(o, key, base, Number.MAX_SAFE_INTEGER, errs);
  if (v === undefined) return undefined;
  // More UTF-16 code units than the limit is more bytes too: no need to encode a long text to say so.
  const bytes = v.length > maxBytes ? undefined : utf8.encode(v).length;
  if (bytes === undefined || bytes > maxBytes) {
    errs.add('BINDINGS_TOO_LARGE', `\`${key}\` is ${bytes === undefined ? `${v.length} characters` : `${bytes} bytes in UTF-8`} long; the limit is ${maxBytes} bytes (GCP's, for a custom role): shorten it`, join(base, key));
    return undefined;
  }
  return v;
}

function parseConditionField(raw: unknown, base: string, errs: Errors): IamCondition | undefined {
  if (!isObj(raw)) {
    errs.add('BINDINGS_INVALID_TYPE', `\`condition\` must be an object {expression, title, description?}, got ${describe(raw)}`, base);
    return undefined;
  }
  unknownFields(raw, ['expression', 'title', 'description'], base, 'a condition', errs);
  const title = optionalString(raw, 'title', base, MAX_TITLE_CHARS, errs);
  // GCP requires the title of an IAM condition ("The condition's title is required, but the description is optional",
  // conditions-overview); a blank one is none (proto3 reads an empty `string title` as unset). Only writes are parsed
  // here: a policy stored before this check, with an untitled condition, still loads and decides (src/app/bindings.ts).
  const titled = given(raw, 'title');
  const untitled = !titled || (title !== undefined && title.trim() === '');
  if (untitled) {
    errs.add('BINDINGS_MISSING_FIELD', `${titled ? 'the condition `title` is blank' : 'a condition needs a `title`'}: give it a short name that says what it grants, such as \`until 2027\` (GCP requires one, and decisions name the condition by it)`, join(base, 'title'));
  }
  const description = optionalString(raw, 'description', base, MAX_DESCRIPTION_CHARS, errs);
  // A description may keep its line breaks and tabs; a title is one line.
  const shown = !untitled && (title === undefined || printableText(title, 'title', base, '', errs)) && (description === undefined || printableText(description, 'description', base, '\n\t', errs));
  const exprPath = join(base, 'expression');
  if (!Object.hasOwn(raw, 'expression')) {
    errs.add('BINDINGS_MISSING_FIELD', 'a condition needs an `expression` (a CEL expression such as `request.time < timestamp("2027-01-01T00:00:00Z")`)', exprPath);
    return undefined;
  }
  const expression = raw['expression'];
  if (typeof expression !== 'string') {
    errs.add('BINDINGS_INVALID_TYPE', `\`expression\` must be a string, got ${describe(expression)}`, exprPath);
    return undefined;
  }
  if (expression.trim() === '') {
    errs.add('BINDINGS_MISSING_FIELD', 'the condition `expression` is empty; remove the condition or write an expression', exprPath);
    return undefined;
  }
  const unprintable = unprintableExpression(expression);
  if (unprintable !== undefined) {
    errs.add(unprintable.code, unprintable.message, exprPath, unprintable);
    return undefined;
  }
  const parsed = parseCondition(expression, { knownValues: true });
  if (!parsed.ok) {
    for (const e of parsed.errors) errs.add(e.code, e.message, exprPath, e);
    return undefined;
  }
  if (!shown) return undefined;
  return { expression, ...(title !== undefined ? { title } : {}), ...(description !== undefined ? { description } : {}) };
}

function parseBinding(raw: unknown, base: string, errs: Errors, budget: Budget): IamBinding | undefined {
  if (!isObj(raw)) {
    errs.add('BINDINGS_INVALID_TYPE', `a binding must be an object {role, members, condition?}, got ${describe(raw)}`, base);
    return undefined;
  }
  unknownFields(raw, ['role', 'members', 'condition'], base, 'a binding', errs);
  let ok = true;

  const role = raw['role'];
  if (!Object.hasOwn(raw, 'role')) {
    errs.add('BINDINGS_MISSING_FIELD', 'a binding needs a `role` such as `roles/viewer`', join(base, 'role'));
    ok = false;
  } else if (typeof role !== 'string') {
    errs.add('BINDINGS_INVALID_TYPE', `\`role\` must be a string, got ${describe(role)}`, join(base, 'role'));
    ok = false;
  } else if (roleKind(role) === undefined) {
    errs.add('BINDINGS_INVALID_ROLE', roleNameProblem(role), join(base, 'role'));
    ok = false;
  }

  const members: string[] = [];
  /** Each member taken, at its first index in `members`. */
  const firstAt = new Map<string, number>();
  const mPath = join(base, 'members');
  const rawMembers = raw['members'];
  if (!Object.hasOwn(raw, 'members')) {
    errs.add('BINDINGS_MISSING_FIELD', 'a binding needs `members`, a list such as ["user:alice", "group:researchers"]', mPath);
    ok = false;
  } else if (!Array.isArray(rawMembers)) {
    errs.add('BINDINGS_INVALID_TYPE', `\`members\` must be a list of strings, got ${describe(rawMembers)}`, mPath);
    ok = false;
  } else if (rawMembers.length === 0) {
    errs.add('BINDINGS_MISSING_FIELD', '`members` is empty; list at least one member, or remove the binding', mPath);
    ok = false;
  } else if (rawMembers.length > budget.members && !budget.reported) {
    // Said once, at the binding that crosses the limit, with the count so far (GCP: each occurrence counts).
    const before = MAX_MEMBERS_PER_POLICY - budget.members;
    const why = before === 0 ? `this binding alone lists ${rawMembers.length}` : `the bindings before this one list ${before}, and this one ${rawMembers.length} more`;
    errs.add('BINDINGS_TOO_LARGE', `a policy may list at most ${MAX_MEMBERS_PER_POLICY} members in all (each occurrence counts); ${why}`, mPath);
    budget.reported = true;
    ok = false;
  } else {
    budget.members -= rawMembers.length;
    // A member listed twice in one binding: GCP never holds one (Cloud Storage's setIamPolicy answers "The member … is
    // listed more than once in the role"; others keep one copy), and it is most often a slip for another member.
    rawMembers.forEach((m: unknown, j: number) => {
      const p = `${mPath}[${j}]`;
      if (typeof m !== 'string') {
        errs.add('BINDINGS_INVALID_TYPE', `a member must be a string, got ${describe(m)}`, p);
        ok = false;
        return;
      }
      const k = memberKind(m);
      if (!k.ok) {
        errs.add('BINDINGS_INVALID_MEMBER', k.message, p);
        ok = false;
        return;
      }
      const first = firstAt.get(m);
      if (first !== undefined) {
        errs.add('BINDINGS_INVALID_MEMBER', `member \`${m.length > 80 ? `${m.slice(0, 80)}…` : m}\` is listed more than once in this binding (first at \`members[${first}]\`): list each member once, or correct the one meant to be another member`, p);
        ok = false;
        return;
      }
      firstAt.set(m, j);
      if (k.kind === 'group' && !budget.groups.has(m)) {
        budget.groups.add(m);
        if (budget.groups.size > MAX_GROUPS_PER_POLICY) {
          // Said once, at the first group past the limit (GCP: each group counts once, however often it appears).
          if (!budget.groupsReported) errs.add('BINDINGS_TOO_LARGE', `a policy may name at most ${MAX_GROUPS_PER_POLICY} groups (each counts once, however often it appears); \`${m.length > 80 ? `${m.slice(0, 80)}…` : m}\` is group ${budget.groups.size}: bind fewer groups, or their users directly`, p);
          budget.groupsReported = true;
          ok = false;
          return;
        }
      }
      members.push(m);
    });
  }

  let condition: IamCondition | undefined;
  if (Object.hasOwn(raw, 'condition') && raw['condition'] !== null) {
    const cPath = join(base, 'condition');
    condition = parseConditionField(raw['condition'], cPath, errs);
    if (condition === undefined) ok = false;
    else if (typeof role === 'string') {
      // One role to one member under more than 20 different conditions: said once, at the member of the binding past it.
      for (const [m, j] of firstAt) {
        const key = `${role}\u0000${m}`;
        const seen = budget.conditioned.get(key) ?? new Set<string>();
        budget.conditioned.set(key, seen);
        if (seen.has(condition.expression)) continue;
        seen.add(condition.expression);
        if (seen.size <= MAX_CONDITIONS_PER_GRANT || budget.conditionedReported.has(key)) continue;
        budget.conditionedReported.add(key);
        const shown = m.length > 80 ? `${m.slice(0, 80)}…` : m;
        errs.add('BINDINGS_TOO_LARGE', `a policy may grant one role to one member under at most ${MAX_CONDITIONS_PER_GRANT} different conditions (GCP's limit); this is the ${seen.size}th binding of \`${role}\` to \`${shown}\` with another condition: combine conditions with \`||\` in fewer bindings`, `${mPath}[${j}]`);
        ok = false;
      }
    }
    // GCP takes no condition on a basic role's binding, nor on a binding of `allUsers` or `allAuthenticatedUsers`
    // (conditions-overview: "You cannot use conditions when you grant legacy basic roles … or … to all users or all
    // authenticated users"); its setIamPolicy answers INVALID_ARGUMENT. A binding Gatehouse would store there is one
    // that GCP tools could never write back.
    if (typeof role === 'string' && BASIC_ROLES.has(role)) {
      errs.add('BINDINGS_INVALID_CONDITION', `basic role \`${role}\` cannot be granted under a condition (roles/owner, roles/editor and roles/viewer take none, as in GCP): grant a predefined role such as \`roles/ml.viewer\`, or a custom role, with the condition, or remove \`condition\``, cPath);
      ok = false;
    }
    if (Array.isArray(rawMembers)) {
      rawMembers.forEach((m: unknown, j: number) => {
        if (m !== 'allUsers' && m !== 'allAuthenticatedUsers') return;
        errs.add('BINDINGS_INVALID_CONDITION', `\`${m}\` cannot be in a binding with a condition (GCP grants \`allUsers\` and \`allAuthenticatedUsers\` only without one): move it to a binding without \`condition\`, or bind the users, groups or service accounts the condition was meant for`, `${mPath}[${j}]`);
        ok = false;
      });
    }
  }
  if (!ok) return undefined;
  return { role: role as string, members, ...(condition !== undefined ? { condition } : {}) };
}

function parsePolicyObject(raw: unknown, errs: Errors, allowResource: boolean): { policy: IamPolicy; resource?: ResourceName } | undefined {
  const fields = allowResource ? ['resource', 'bindings', 'etag', 'version'] : ['bindings', 'etag', 'version'];
  if (!isObj(raw)) {
    errs.add('BINDINGS_INVALID_TYPE', `an IAM policy must be an object {${fields.map((f) => (f === 'bindings' || f === 'resource' ? f : `${f}?`)).join(', ')}}, got ${describe(raw)}`, '');
    return undefined;
  }
  unknownFields(raw, fields, '', 'an IAM policy', errs);

  let resource: ResourceName | undefined;
  if (allowResource) {
    if (!Object.hasOwn(raw, 'resource')) errs.add('BINDINGS_MISSING_FIELD', 'an IAM policy needs the `resource` it is attached to (an ARN, `account/<id>` or `workspace/<name>`)', 'resource');
    else {
      const r = parseResourceName(raw['resource']);
      if (r.ok) resource = r.value;
      else for (const e of r.errors) errs.add(e.code, e.message, 'resource');
    }
  }

  const bindings: IamBinding[] = [];
  const rawBindings = Object.hasOwn(raw, 'bindings') ? raw['bindings'] : [];
  if (!Array.isArray(rawBindings)) {
    errs.add('BINDINGS_INVALID_TYPE', `\`bindings\` must be a list of {role, members, condition?}, got ${describe(rawBindings)}`, 'bindings');
  } else if (rawBindings.length > MAX_MEMBERS_PER_POLICY) {
    // Every binding has a member: more bindings than the member limit cannot be valid.
    errs.add('BINDINGS_TOO_LARGE', `a policy may list at most ${MAX_MEMBERS_PER_POLICY} members in all; it has ${rawBindings.length} bindings`, 'bindings');
  } else {
    const budget: Budget = { members: MAX_MEMBERS_PER_POLICY, reported: false, groups: new Set(), groupsReported: false, conditioned: new Map(), conditionedReported: new Set() };
    rawBindings.forEach((b: unknown, i: number) => {
      const parsed = parseBinding(b, `bindings[${i}]`, errs, budget);
      if (parsed !== undefined) bindings.push(parsed);
    });
  }

  if (resource?.level === 'account' && Array.isArray(rawBindings)) {
    for (const at of publicMembersOnAccount(resource.name, rawBindings)) errs.add('BINDINGS_INVALID_MEMBER', publicOnAccountMessage(at.member, resource.name), `bindings[${at.binding}].members[${at.index}]`);
  }

  const wildcard = resource !== undefined && bindings.length > 0 ? (wildcardResourceProblem(resource.name) ?? trailingSlashProblem(resource.name) ?? resourceTypeProblem(resource.name) ?? rootArnProblem(resource.name) ?? arnCaseProblem(resource.name) ?? underWorkspaceProblem(resource.name) ?? resourceBytesProblem(resource.name)) : undefined;
  if (wildcard !== undefined) errs.add('BINDINGS_INVALID_RESOURCE', wildcard, 'resource');

  let version: number | undefined;
  if (given(raw, 'version')) {
    // Policy.version is an int32, which proto3's JSON mapping takes as a number or a string ("Either numbers or strings
    // are accepted"): GCP's setIamPolicy takes `"version": "3"`, which was refused here (review po, 5).
    const written = raw['version'];
    const v = typeof written === 'string' && /^-?\d{1,10}$/.test(written) ? Number(written) : written;
    if (typeof v !== 'number' || !POLICY_VERSIONS.includes(v)) {
      errs.add('BINDINGS_INVALID_VERSION', `\`version\` must be 0, 1 or 3, got ${describe(v)}`, 'version');
    } else {
      version = v;
      const conditional = Array.isArray(rawBindings) && rawBindings.some((b) => isObj(b) && Object.hasOwn(b, 'condition') && b['condition'] !== null);
      if (conditional && v !== 3) {
        errs.add('BINDINGS_INVALID_VERSION', `a policy with a conditional binding must be version 3 (or give no version), not ${v}: an older reader would drop its conditions`, 'version');
      }
    }
  }
  // An empty etag is no etag, as GCP reads it (proto3's default for `bytes etag`): the write overwrites.
  const sent = optionalString(raw, 'etag', '', MAX_ETAG_CHARS, errs);
  const etag = sent === '' ? undefined : sent;
  if (etag !== undefined && !isBase64(etag)) {
    // GCP's `etag` is `bytes`, base64 in JSON: a value that is not base64 is INVALID_ARGUMENT, not a stale etag (ABORTED),
    // which would tell the writer that the policy changed and to retry — no read gave it (review gx, 3).
    errs.add('BINDINGS_INVALID_TYPE', '`etag` is not base64, so no read of the policy gave it: send the `etag` that reading the policy answered (such as `BwXhqDFw0f0=`), unchanged, or leave it out to overwrite the policy', 'etag');
  }

  const policy: IamPolicy = { bindings, ...(version !== undefined ? { version } : {}), ...(etag !== undefined ? { etag } : {}) };
  return resource === undefined ? { policy } : { policy, resource };
}

/**
 * Whether `v` is base64 as proto3's JSON reads a `bytes` field: the standard or URL-safe alphabet, with or without its
 * `=` padding (google/iam/v1 `Policy.etag`).
 */
function isBase64(v: string): boolean {
  const m = /^([A-Za-z0-9+/_-]*)(={0,2})$/.exec(v);
  if (m === null) return false;
  const body = (m[1] as string).length;
  const pad = (m[2] as string).length;
  return pad === 0 ? body % 4 !== 1 : (body + pad) % 4 === 0 && body % 4 === 4 - pad;
}

/** The members that grant to everyone: GCP takes neither in a project's policy (review ra, 1). */
export const PUBLIC_MEMBERS: ReadonlySet<string> = new Set(['allUsers', 'allAuthenticatedUsers']);

/**
 * Where the bindings of a policy on `resource` list `allUsers` or `allAuthenticatedUsers` when `resource` is an account
 * (`account/<id>`), the level above every resource of it: GCP refuses both in a project's policy (resourcemanager
 * projects.setIamPolicy: "Project does not support allUsers and allAuthenticatedUsers as members in a Binding of a
 * Policy"), and here one opened every resource of the account to every authenticated principal of every account (or to
 * anyone). `bindings` as given (raw or stored); anything not a binding's member list is skipped.
 */
export function publicMembersOnAccount(resource: string, bindings: readonly unknown[]): { binding: number; index: number; member: string }[] {
  const out: { binding: number; index: number; member: string }[] = [];
  if (!resource.startsWith('account/')) return out;
  bindings.forEach((b, i) => {
    const members = isObj(b) && Array.isArray(b['members']) ? (b['members'] as unknown[]) : [];
    members.forEach((m, j) => {
      if (typeof m === 'string' && PUBLIC_MEMBERS.has(m)) out.push({ binding: i, index: j, member: m });
    });
  });
  return out;
}

/** Why `member` (`allUsers` or `allAuthenticatedUsers`) cannot be bound on account `resource`. */
export function publicOnAccountMessage(member: string, resource: string): string {
  const who = member === 'allUsers' ? 'anyone, unauthenticated too' : 'every authenticated principal of every account';
  return `\`${member}\` cannot be a member of a binding on an account (\`${resource}\`): it would grant the role on every resource of the account to ${who}; GCP refuses it in a project's policy alike. Bind users, groups or service accounts on the account, or \`${member}\` on the one resource (a model, a bucket) that is to be public`;
}

/** Parses an IAM policy `{bindings, etag?, version?}` (a parsed JSON or YAML value). */
export function parseIamPolicy(raw: unknown, options: ParseOptions = {}): Result<IamPolicy> {
  const errs = new Errors(options.path ?? '');
  const r = parsePolicyObject(raw, errs, false);
  return errs.list.length > 0 || r === undefined ? { ok: false, errors: errs.inOrderOf(raw) } : { ok: true, value: r.policy };
}

/** Parses the spec of `kind: IamPolicy`: `{resource, bindings, etag?, version?}`. */
export function parseAttachedPolicy(raw: unknown, options: ParseOptions = {}): Result<AttachedPolicy> {
  const errs = new Errors(options.path ?? '');
  const r = parsePolicyObject(raw, errs, true);
  if (errs.list.length > 0 || r === undefined || r.resource === undefined) return { ok: false, errors: errs.inOrderOf(raw) };
  return { ok: true, value: { resource: r.resource.name, policy: r.policy } };
}

/** Parses what a policy attaches to: an ARN, `account/<12-digit id>` or `workspace/<name>`. */
export function parseResourceName(raw: unknown, options: ParseOptions = {}): Result<ResourceName> {
  const path = options.path ?? '';
  if (typeof raw !== 'string') return { ok: false, errors: [{ code: 'BINDINGS_INVALID_TYPE', message: `a resource must be a string, got ${describe(raw)}`, path }] };
  const r = resourceLevel(raw);
  if ('error' in r) return { ok: false, errors: [{ code: 'BINDINGS_INVALID_RESOURCE', message: r.error, path }] };
  return { ok: true, value: r };
}

export interface RoleParseOptions extends ParseOptions {
  /**
   * Refuse permissions the catalogue does not know (default true): a typo (`storage.object.get`) would
   * otherwise grant nothing, silently.
   */
  readonly knownPermissionsOnly?: boolean;
}

/** The name of custom role `name` of `account`: `accounts/<id>/roles/<name>`. */
export function customRoleName(account: string, name: string): string {
  return `accounts/${account}/roles/${name}`;
}

/**
 * The ARN that IAM policies scope custom role `name` of `account` by (`gatehouse:CreateIamRole`, `UpdateIamRole`,
 * `DeleteIamRole`): a statement's `Resource` is `*` or an ARN, so `accounts/<id>/roles/<name>` itself can be named by none.
 * Spelled as the other gatehouse resources are (`…:resource-policy/…`, `…:audit`).
 */
export function customRoleArn(partition: 'aws' | 'acs', account: string, name: string): string {
  return partition === 'acs' ? `acs:gatehouse:*:${account}:custom-role/${name}` : `arn:aws:gatehouse::${account}:custom-role/${name}`;
}

/** Parses a custom role `{name: accounts/<id>/roles/<name>, permissions, title?, description?}`. */
export function parseCustomRole(raw: unknown, options: RoleParseOptions = {}): Result<CustomRole> {
  const errs = new Errors(options.path ?? '');
  const strict = options.knownPermissionsOnly ?? true;
  if (!isObj(raw)) {
    errs.add('BINDINGS_INVALID_TYPE', `a custom role must be an object {name, permissions, title?, description?}, got ${describe(raw)}`, '');
    return { ok: false, errors: errs.list };
  }
  unknownFields(raw, ['name', 'permissions', 'title', 'description'], '', 'a custom role', errs);
  const title = optionalBytes(raw, 'title', '', MAX_ROLE_TITLE_BYTES, errs);
  const description = optionalBytes(raw, 'description', '', MAX_ROLE_DESCRIPTION_BYTES, errs);
  const name = raw['name'];
  if (!Object.hasOwn(raw, 'name')) errs.add('BINDINGS_MISSING_FIELD', 'a custom role needs a `name` such as `accounts/123456789012/roles/trainer`', 'name');
  else if (typeof name !== 'string') errs.add('BINDINGS_INVALID_TYPE', `\`name\` must be a string, got ${describe(name)}`, 'name');
  else if (!CUSTOM_ROLE.test(name)) errs.add('BINDINGS_INVALID_ROLE', `custom role name \`${name.length > 80 ? `${name.slice(0, 80)}…` : name}\` is not \`accounts/<12-digit id>/roles/<name>\` with a name of 3 to 64 letters, digits, \`_\` and \`.\``, 'name');

  const permissions: string[] = [];
  const perms = raw['permissions'];
  if (!Object.hasOwn(raw, 'permissions')) errs.add('BINDINGS_MISSING_FIELD', 'a custom role needs `permissions`, a list such as ["storage.objects.get"]', 'permissions');
  else if (!Array.isArray(perms)) errs.add('BINDINGS_INVALID_TYPE', `\`permissions\` must be a list of strings, got ${describe(perms)}`, 'permissions');
  else if (perms.length > MAX_ROLE_PERMISSIONS) errs.add('BINDINGS_TOO_LARGE', `a custom role may hold at most ${MAX_ROLE_PERMISSIONS} permissions, got ${perms.length}`, 'permissions');
  // A role that grants nothing, bound as if it granted something (review jw, 3): a file that narrowed a role to nothing
  // went through silently. Refused; a permission Gatehouse does not know is refused below, each at its place.
  else if (perms.length === 0) errs.add('BINDINGS_MISSING_FIELD', 'a custom role has no permissions (`permissions: []`); list at least one it grants, such as ["storage.objects.get"], or delete the role', 'permissions');
  else {
    perms.forEach((p: unknown, i: number) => {
      const path = `permissions[${i}]`;
      if (typeof p !== 'string') errs.add('BINDINGS_INVALID_TYPE', `a permission must be a string, got ${describe(p)}`, path);
      else if (!PERMISSION.test(p)) errs.add('BINDINGS_INVALID_PERMISSION', `permission \`${p.length > 80 ? `${p.slice(0, 80)}…` : p}\` is not \`service.resource.verb\` (such as \`storage.objects.get\`; no wildcards)`, path);
      else if (strict && !KNOWN_PERMISSIONS.has(p)) errs.add('BINDINGS_INVALID_PERMISSION', `permission \`${p}\` does not exist; roles/owner lists every permission Gatehouse knows`, path);
      else permissions.push(p);
    });
  }
  if (errs.list.length > 0) return { ok: false, errors: errs.list };
  return { ok: true, value: { name: name as string, permissions, ...(title !== undefined ? { title } : {}), ...(description !== undefined ? { description } : {}) } };
}

/**
 * The errors of the conditions of `policy` that compare `resource.name` with an IAM or RAM ARN of the dialect its account
 * (of `partition`, when known) does not use (cel.ts `ConditionParseOptions.partition`; review ie, 2), or, for a policy
 * attached to an ARN (`scope`), with a name no request it governs has (`ConditionParseOptions.scope`; review jl, 1),
 * each at `<path>bindings[i].condition.expression` with its line and column. Checked when a policy is written, once its
 * account and resource are known; the rest of each condition was checked by `parseIamPolicy`.
 */
export function conditionDialectErrors(policy: IamPolicy, partition: 'aws' | 'acs' | undefined, path = '', scope?: ConditionScope): GatehouseError[] {
  const out: GatehouseError[] = [];
  if (partition === undefined && scope === undefined) return out;
  policy.bindings.forEach((b, i) => {
    if (b.condition === undefined) return;
    const r = parseCondition(b.condition.expression, { knownValues: true, ...(partition !== undefined ? { partition } : {}), ...(scope !== undefined ? { scope } : {}) });
    if (r.ok) return;
    for (const e of r.errors) out.push({ ...e, path: `${path}bindings[${i}].condition.expression` });
  });
  return out;
}

export interface CheckRolesOptions extends ParseOptions {
  /** The account the policy belongs to: custom roles of other accounts are refused. */
  readonly account?: string;
  readonly customRoles?: readonly CustomRole[];
  /** The resource the policy attaches to: on a role's ARN (a service account), only a role that can act on one binds. */
  readonly resource?: string;
}

/** A role's ARN (`arn:aws:iam::A:role/…`, `acs:ram::A:role/…`): in bindings, a service account as a resource. */
const ROLE_ARN = /^(arn:aws[a-z-]*:iam|acs:ram)::\d{12,16}:role\//;
/** An IAM user's or group's ARN: no bindings permission is about one (IAM alone decides `iam:GetUser`, `AddUserToGroup`…). */
const USER_OR_GROUP_ARN = /^(?:arn:aws[a-z-]*:iam|acs:ram)::\d{12,16}:(user|group)\//;

/**
 * The resources whose requests need permissions of known families, and what they are: a binding on one governs
 * requests about it (and what lies under it), so a role with none of those permissions grants nothing there. ARNs of
 * other kinds (tables, what the catalogue has no permission for) are not checked.
 */
const RESOURCE_KINDS: readonly { readonly arn: RegExp; readonly what: string; readonly prefixes: readonly string[]; readonly roles: string }[] = [
  { arn: /^(arn:aws[a-z-]*:s3:::|acs:oss:)/, what: 'a bucket (or objects in one)', prefixes: ['storage.'], roles: 'roles/storage.objectViewer, roles/storage.objectAdmin, roles/storage.admin' },
  { arn: /^(arn:aws[a-z-]*:training|acs:pai):[^:]*:\d+:model\//, what: 'a model', prefixes: ['ml.models.', 'ml.versions.'], roles: 'roles/ml.viewer, roles/ml.developer, roles/ml.admin' },
  { arn: /^(arn:aws[a-z-]*:training|acs:pai):[^:]*:\d+:job\//, what: 'a training job', prefixes: ['ml.jobs.'], roles: 'roles/ml.viewer, roles/ml.developer, roles/ml.admin' },
  { arn: /^(arn:aws[a-z-]*:(training|eks)|acs:pai):[^:]*:\d+:cluster\//, what: 'a cluster', prefixes: ['container.'], roles: 'roles/container.clusterViewer, roles/container.viewer, roles/container.developer' },
  // A workspace is not a project: what lies under it is its own ARN (reading it, its policy, submitting and reaching its
  // jobs) and, for `workspace/<name>`, its default bucket's objects; roles, clusters and models sit under the account
  // (review fv, 4).
  { arn: /^(arn:aws[a-z-]*:training|acs:pai):[^:]*:\d+:workspace\//, what: "a workspace's ARN (requests about the workspace itself and its jobs)", prefixes: ['resourcemanager.workspaces.', 'ml.jobs.'], roles: 'roles/ml.developer, roles/ml.viewer' },
  { arn: /^workspace\//, what: 'a workspace (its ARN, its jobs, its default bucket and the objects in it)', prefixes: ['resourcemanager.workspaces.', 'ml.jobs.', 'storage.'], roles: 'roles/ml.developer, roles/storage.objectViewer, roles/storage.objectAdmin' },
];

/**
 * Why `role` (with `permissions`) cannot be bound on `resource`, or undefined. As GCP refuses `setIamPolicy` binding a
 * role none of whose permissions applies to the resource ("Role … is not supported for this resource"): seed 004's
 * Pulumi program binds `roles/container.clusterViewer` through `serviceaccount.IAMMember`, which on a service account
 * would grant nothing, silently (review fp, 1); a binding on a role's ARN governs only requests about that role
 * (passing it, reading it), which need an `iam.serviceAccounts.*` permission. The same for a bucket, a model, a job
 * and a cluster (review fp, 3), and for a workspace (review fv, 4: `roles/iam.serviceAccountUser` or a Kubernetes role there,
 * bound as on a GCP project, granted nothing). Basic roles apply anywhere but on a user's or group's ARN, where nothing
 * applies (review rj, 1). `policyAccount` names the account in the advice.
 */
function unsupportedOn(role: string, permissions: readonly string[], resource: string, policyAccount?: string): string | undefined {
  const account = (/^arn:[^:]*:[^:]*:[^:]*:(\d+):/.exec(resource) ?? /^acs:[^:]*:[^:]*:(\d+):/.exec(resource))?.[1] ?? policyAccount ?? '<id>';
  // No permission a binding grants is about a user or a group: requests about them are the IAM Query API's, decided by IAM
  // policies alone, and no request names one as a bucket, model, job or cluster. A role bound there granted nothing,
  // silently (review qi, 2), a basic role too: `roles/owner` there holds nothing that applies (review rj, 1).
  const entity = USER_OR_GROUP_ARN.exec(resource);
  if (entity !== null) {
    return `role \`${role}\` is not supported for this resource: \`${resource}\` is an IAM ${entity[1] as string}, and requests about ${entity[1] === 'user' ? 'users' : 'groups'} (iam:GetUser, iam:CreateAccessKey, iam:AddUserToGroup…) are decided by IAM policies alone, which no binding grants, so \`${role}\` would grant nothing here. To give the ${entity[1] as string} the role's rights, bind it on what they are about, or on the account (\`account/${account}\`), with \`${entity[1] as string}:<name>\` as member`;
  }
  if (BASIC_ROLES.has(role)) return undefined;
  if (ROLE_ARN.test(resource)) {
    if (permissions.some((p) => p.startsWith('iam.serviceAccounts.'))) return undefined;
    return `role \`${role}\` is not supported for this resource: \`${resource}\` is a service account (a role), and a binding on it governs only requests about that role, which need an iam.serviceAccounts.* permission (roles/iam.serviceAccountUser, roles/iam.serviceAccountTokenCreator, a basic role); \`${role}\` has none, so it would grant nothing here. To give the service account the role's rights, bind it on what they are about, such as the account (\`account/${account}\`), with the service account as member`;
  }
  const kind = RESOURCE_KINDS.find((k) => k.arn.test(resource));
  if (kind === undefined || permissions.some((p) => kind.prefixes.some((x) => p.startsWith(x)))) return undefined;
  const families = kind.prefixes.map((x) => `${x}*`).join(' or ');
  return `role \`${role}\` is not supported for this resource: \`${resource}\` is ${kind.what}, and a binding on it governs only requests about it, which need a ${families} permission (${kind.roles}, a basic role); \`${role}\` has none, so it would grant nothing here. Bind it on what its permissions are about, or on the account (\`account/${account}\`)`;
}

/**
 * The check made when a policy is written: every role exists (predefined, or a custom role given here) and a
 * custom role belongs to the policy's account. Decisions never need it: a binding of a missing role grants
 * nothing and is reported as a diagnostic.
 */
export function checkRoles(policy: IamPolicy, options: CheckRolesOptions = {}): Result<IamPolicy> {
  const errs = new Errors(options.path ?? '');
  const custom = new Map((options.customRoles ?? []).map((r) => [r.name, r.permissions]));
  policy.bindings.forEach((b, i) => {
    const path = `bindings[${i}].role`;
    const kind = roleKind(b.role);
    if (kind === 'predefined') {
      const found = predefinedRole(b.role);
      if (found === undefined) errs.add('BINDINGS_INVALID_ROLE', `role \`${b.role}\` is not a predefined role; use one such as \`roles/viewer\` or \`roles/ml.developer\`, or a custom role \`accounts/<id>/roles/<name>\``, path);
      const unsupported = found !== undefined && options.resource !== undefined ? unsupportedOn(b.role, found.includedPermissions, options.resource, options.account) : undefined;
      if (unsupported !== undefined) errs.add('BINDINGS_INVALID_ROLE', unsupported, path);
      return;
    }
    if (kind === undefined) {
      errs.add('BINDINGS_INVALID_ROLE', roleNameProblem(b.role), path);
      return;
    }
    const owner = customRoleAccount(b.role);
    if (options.account !== undefined && owner !== options.account) {
      errs.add('BINDINGS_INVALID_ROLE', `custom role \`${b.role}\` belongs to account ${owner ?? '?'}; a policy of account ${options.account} may use only its own custom roles`, path);
    } else if (!custom.has(b.role)) {
      errs.add('BINDINGS_INVALID_ROLE', `custom role \`${b.role}\` does not exist; create it (kind: IamRole) first`, path);
    } else if (options.resource !== undefined) {
      const unsupported = unsupportedOn(b.role, custom.get(b.role) ?? [], options.resource, options.account);
      if (unsupported !== undefined) errs.add('BINDINGS_INVALID_ROLE', unsupported, path);
    }
  });
  return errs.list.length > 0 ? { ok: false, errors: errs.list } : { ok: true, value: policy };
}
