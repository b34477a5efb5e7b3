/**
 * Parse and validate `rbac.authorization.k8s.io/v1` objects given as parsed JSON or YAML values, with the
 * rules of the API server: `pkg/apis/rbac/validation/validation.go` (ValidateRole, ValidateClusterRole,
 * ValidateRoleBinding, ValidateClusterRoleBinding, ValidatePolicyRule, ValidateRoleBindingSubject), the v1
 * defaulting (`pkg/apis/rbac/v1/defaults.go`: `roleRef.apiGroup`, User/Group subjects' `apiGroup`) and
 * apimachinery's name and label-selector validation. Unknown fields are rejected, as `kubectl apply` does
 * under strict field validation. `null` stands for an absent field, as in Kubernetes' JSON decoding.
 *
 * Every error is collected, with its JSON path, and the object is rejected whole on any error.
 * Input is read through own properties only (`Object.hasOwn`), so `__proto__` or `constructor` keys are
 * fields like any other; labels come back as null-prototype records.
 */
import type { ErrorCode, GatehouseError, Result } from '../errors.ts';
import {
  RBAC_API_GROUP,
  RBAC_API_VERSION,
  RBAC_KINDS,
  SELECTOR_OPERATORS,
  SUBJECT_KINDS,
  type ClusterRole,
  type LabelSelector,
  type LabelSelectorRequirement,
  type ObjectMeta,
  type PolicyRule,
  type RbacKind,
  type RbacObject,
  type RoleRef,
  type SelectorOperator,
  type Subject,
  type SubjectKind,
} from './types.ts';

export interface ParseOptions {
  /**
   * Namespace for a Role or RoleBinding without `metadata.namespace` (what `kubectl apply -n` or the
   * current context would supply). Without it such an object is rejected: Gatehouse does not guess.
   */
  readonly defaultNamespace?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Obj, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);
const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : typeof v === 'string' ? `the string \`${v.length > 60 ? `${v.slice(0, 60)}…` : v}\`` : `${typeof v} \`${String(v)}\``;
const join = (path: string, key: string | number): string => (typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`);

const DNS1123_LABEL = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** `IsDNS1123Label`: namespaces. */
export function isDnsLabel(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}

/** `IsDNS1123Subdomain`: service account names. */
export function isDnsSubdomain(s: string): boolean {
  return s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}

/** `ValidatePathSegmentName` (the `minimalNameRequirements` of RBAC names): anything but `.`, `..`, `/` and `%`. */
export function isRbacName(s: string): boolean {
  return s !== '' && s !== '.' && s !== '..' && !s.includes('/') && !s.includes('%');
}

/** `IsQualifiedName`: label keys, `[prefix/]name` with a DNS-subdomain prefix. */
export function isLabelKey(s: string): boolean {
  const slash = s.lastIndexOf('/');
  const name = slash < 0 ? s : s.slice(slash + 1);
  if (slash >= 0) {
    const prefix = s.slice(0, slash);
    if (prefix === '' || !isDnsSubdomain(prefix)) return false;
  }
  return name.length <= 63 && QUALIFIED_NAME.test(name);
}

/** `IsValidLabelValue`. */
export function isLabelValue(s: string): boolean {
  return s === '' || (s.length <= 63 && QUALIFIED_NAME.test(s));
}

const TOP_FIELDS: Readonly<Record<RbacKind, readonly string[]>> = {
  Role: ['apiVersion', 'kind', 'metadata', 'rules'],
  ClusterRole: ['apiVersion', 'kind', 'metadata', 'rules', 'aggregationRule'],
  RoleBinding: ['apiVersion', 'kind', 'metadata', 'subjects', 'roleRef'],
  ClusterRoleBinding: ['apiVersion', 'kind', 'metadata', 'subjects', 'roleRef'],
};
/** `metav1.ObjectMeta`. Only name, namespace and labels matter to RBAC; the rest are accepted as they come from a server. */
const META_FIELDS = [
  'name',
  'namespace',
  'labels',
  'annotations',
  'generateName',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'ownerReferences',
  'finalizers',
  'managedFields',
  'selfLink',
];
const RULE_FIELDS = ['verbs', 'apiGroups', 'resources', 'resourceNames', 'nonResourceURLs'];
const SUBJECT_FIELDS = ['kind', 'name', 'namespace', 'apiGroup'];
const ROLE_REF_FIELDS = ['kind', 'name', 'apiGroup'];
const SELECTOR_FIELDS = ['matchLabels', 'matchExpressions'];
const REQUIREMENT_FIELDS = ['key', 'operator', 'values'];
const LIST_KINDS = new Set(['List', 'RoleList', 'ClusterRoleList', 'RoleBindingList', 'ClusterRoleBindingList']);

const isKind = (k: unknown): k is RbacKind => typeof k === 'string' && (RBAC_KINDS as readonly string[]).includes(k);

/** One Role, ClusterRole, RoleBinding or ClusterRoleBinding. */
export function parseRbacObject(value: unknown, opts: ParseOptions = {}): Result<RbacObject> {
  const errors: GatehouseError[] = [];
  const obj = readObject(value, '', opts, errors);
  return obj !== undefined && errors.length === 0 ? { ok: true, value: obj } : { ok: false, errors };
}

/**
 * A set of objects: a list of values (the documents of a YAML stream), or one value. `null` entries (empty
 * YAML documents) are skipped, as kubectl does; a `List` (`kind: List`, `RoleList`…) contributes its `items`.
 * Paths start with the index (`[2].roleRef.name`, `[0].items[3].rules`). Two objects of one kind with the same
 * namespace and name are an error.
 */
export function parseRbacObjects(values: unknown, opts: ParseOptions = {}): Result<readonly RbacObject[]> {
  const errors: GatehouseError[] = [];
  const out: RbacObject[] = [];
  const paths: string[] = [];
  const one = (v: unknown, path: string): void => {
    if (v === null) return;
    if (isObj(v) && LIST_KINDS.has(own(v, 'kind') as string)) {
      readList(v, path);
      return;
    }
    const o = readObject(v, path, opts, errors);
    if (o !== undefined) {
      out.push(o);
      paths.push(path);
    }
  };
  const readList = (v: Obj, path: string): void => {
    for (const k of Object.keys(v)) {
      if (!['apiVersion', 'kind', 'metadata', 'items'].includes(k)) err(errors, 'RBAC_UNKNOWN_FIELD', join(path, k), `\`${k}\` is not a field of a ${String(own(v, 'kind'))}; remove it (fields: apiVersion, kind, metadata, items)`);
    }
    const items = own(v, 'items');
    if (items === undefined || items === null) return;
    if (!Array.isArray(items)) {
      err(errors, 'RBAC_INVALID_TYPE', join(path, 'items'), `\`items\` must be a list of objects, got ${describe(items)}`);
      return;
    }
    items.forEach((item, i) => one(item, join(join(path, 'items'), i)));
  };
  if (Array.isArray(values)) values.forEach((v, i) => one(v, `[${i}]`));
  else one(values, '');

  const seen = new Map<string, string>();
  out.forEach((o, i) => {
    const key = `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`;
    const first = seen.get(key);
    const path = paths[i] as string;
    if (first === undefined) seen.set(key, path);
    else err(errors, 'RBAC_DUPLICATE_OBJECT', path, `${o.kind} \`${qualified(o.metadata)}\` is defined twice (first at \`${first === '' ? '(root)' : first}\`); keep one`);
  });
  return errors.length === 0 ? { ok: true, value: out } : { ok: false, errors };
}

const qualified = (m: ObjectMeta): string => (m.namespace === '' ? m.name : `${m.namespace}/${m.name}`);

function err(errors: GatehouseError[], code: ErrorCode, path: string, message: string): void {
  errors.push({ code, message, path });
}

function readObject(value: unknown, base: string, opts: ParseOptions, errors: GatehouseError[]): RbacObject | undefined {
  const start = errors.length;
  const bad = (code: ErrorCode, path: string, message: string): void => err(errors, code, path, message);
  if (!isObj(value)) {
    bad('RBAC_INVALID_TYPE', base, `an RBAC object must be an object, got ${describe(value)}`);
    return undefined;
  }
  const at = (...keys: (string | number)[]): string => keys.reduce<string>((p, k) => join(p, k), base);

  const kind = own(value, 'kind');
  if (kind === undefined || kind === null || kind === '') {
    bad('RBAC_MISSING_FIELD', at('kind'), `\`kind\` is required: Role, ClusterRole, RoleBinding or ClusterRoleBinding`);
    return undefined;
  }
  if (!isKind(kind)) {
    const what = typeof kind === 'string' ? `\`${kind}\`` : describe(kind);
    bad(
      'RBAC_UNKNOWN_KIND',
      at('kind'),
      LIST_KINDS.has(kind as string)
        ? `a ${kind as string} holds several objects; read it with parseRbacObjects`
        : `kind ${what} is not an RBAC kind; use Role, ClusterRole, RoleBinding or ClusterRoleBinding`,
    );
    return undefined;
  }
  const apiVersion = own(value, 'apiVersion');
  if (apiVersion === undefined || apiVersion === null || apiVersion === '') {
    bad('RBAC_MISSING_FIELD', at('apiVersion'), `\`apiVersion\` is required: \`${RBAC_API_VERSION}\``);
  } else if (apiVersion !== RBAC_API_VERSION) {
    const removed = typeof apiVersion === 'string' && /^rbac\.authorization\.k8s\.io\/v1(?:beta1|alpha1)$/.test(apiVersion);
    bad(
      'RBAC_UNKNOWN_KIND',
      at('apiVersion'),
      removed
        ? `\`${apiVersion as string}\` was removed in Kubernetes 1.22; use \`${RBAC_API_VERSION}\``
        : `apiVersion ${typeof apiVersion === 'string' ? `\`${apiVersion}\`` : describe(apiVersion)} is not \`${RBAC_API_VERSION}\`; RBAC objects use \`${RBAC_API_VERSION}\``,
    );
  }
  const allowed = TOP_FIELDS[kind];
  for (const k of Object.keys(value)) {
    if (!allowed.includes(k)) bad('RBAC_UNKNOWN_FIELD', at(k), `\`${k}\` is not a field of a ${kind}; remove it (fields: ${allowed.join(', ')})`);
  }

  const namespaced = kind === 'Role' || kind === 'RoleBinding';
  const metadata = readMeta(own(value, 'metadata'), at('metadata'), kind, namespaced, opts, errors);

  if (kind === 'Role' || kind === 'ClusterRole') {
    const rules = readRules(own(value, 'rules'), at('rules'), kind, errors);
    let aggregationRule: ClusterRole['aggregationRule'];
    if (kind === 'ClusterRole') aggregationRule = readAggregation(own(value, 'aggregationRule'), at('aggregationRule'), errors);
    if (errors.length > start || metadata === undefined) return undefined;
    if (kind === 'Role') return { kind, metadata, rules };
    return aggregationRule === undefined ? { kind, metadata, rules } : { kind, metadata, rules, aggregationRule };
  }

  const subjects = readSubjects(own(value, 'subjects'), at('subjects'), kind, errors);
  const roleRef = readRoleRef(own(value, 'roleRef'), at('roleRef'), kind, errors);
  if (errors.length > start || metadata === undefined || roleRef === undefined) return undefined;
  if (kind === 'RoleBinding') return { kind, metadata, subjects, roleRef };
  return { kind, metadata, subjects, roleRef: { ...roleRef, kind: 'ClusterRole' } };
}

function fields(o: Obj, path: string, allowed: readonly string[], what: string, errors: GatehouseError[]): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) err(errors, 'RBAC_UNKNOWN_FIELD', join(path, k), `\`${k}\` is not a field of ${what}; remove it (fields: ${allowed.join(', ')})`);
  }
}

/** An optional string field: undefined when absent or null. */
function optString(o: Obj, key: string, path: string, errors: GatehouseError[]): string | undefined {
  const v = own(o, key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') {
    err(errors, 'RBAC_INVALID_TYPE', join(path, key), `\`${key}\` must be a string, got ${describe(v)}`);
    return undefined;
  }
  return v;
}

function stringMap(v: unknown, path: string, what: string, errors: GatehouseError[], check?: (k: string, val: string) => void): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  if (v === undefined || v === null) return out;
  if (!isObj(v)) {
    err(errors, 'RBAC_INVALID_TYPE', path, `${what} must be a map of strings, got ${describe(v)}`);
    return out;
  }
  for (const k of Object.keys(v)) {
    const val = v[k];
    if (typeof val !== 'string') err(errors, 'RBAC_INVALID_TYPE', join(path, k), `${what} values must be strings, got ${describe(val)} (quote it in YAML)`);
    else {
      check?.(k, val);
      out[k] = val;
    }
  }
  return out;
}

function checkLabel(path: string, errors: GatehouseError[]): (k: string, v: string) => void {
  return (k, v) => {
    if (!isLabelKey(k)) err(errors, 'RBAC_INVALID_VALUE', join(path, k), `label key \`${k}\` is not a qualified name ([prefix/]name, name up to 63 letters, digits, \`-\`, \`_\`, \`.\`, starting and ending alphanumeric)`);
    if (!isLabelValue(v)) err(errors, 'RBAC_INVALID_VALUE', join(path, k), `label value \`${v}\` is not valid (up to 63 letters, digits, \`-\`, \`_\`, \`.\`, starting and ending alphanumeric, or empty)`);
  };
}

function readMeta(v: unknown, path: string, kind: RbacKind, namespaced: boolean, opts: ParseOptions, errors: GatehouseError[]): ObjectMeta | undefined {
  if (v === undefined || v === null) {
    err(errors, 'RBAC_MISSING_FIELD', path, `\`metadata\` is required, with at least \`name\`${namespaced ? ' and `namespace`' : ''}`);
    return undefined;
  }
  if (!isObj(v)) {
    err(errors, 'RBAC_INVALID_TYPE', path, `\`metadata\` must be an object, got ${describe(v)}`);
    return undefined;
  }
  fields(v, path, META_FIELDS, 'metadata', errors);
  const name = optString(v, 'name', path, errors);
  if (name === undefined || name === '') {
    if (!(own(v, 'name') !== undefined && own(v, 'name') !== null && typeof own(v, 'name') !== 'string')) {
      err(errors, 'RBAC_MISSING_FIELD', join(path, 'name'), `a ${kind} needs \`metadata.name\``);
    }
  } else if (!isRbacName(name)) {
    err(errors, 'RBAC_INVALID_VALUE', join(path, 'name'), `name \`${name}\` may not be \`.\` or \`..\` and may not contain \`/\` or \`%\``);
  }
  let namespace = optString(v, 'namespace', path, errors) ?? '';
  if (namespaced) {
    if (namespace === '' && opts.defaultNamespace !== undefined) namespace = opts.defaultNamespace;
    if (namespace === '') {
      if (typeof own(v, 'namespace') === 'string' || own(v, 'namespace') === undefined || own(v, 'namespace') === null) {
        err(errors, 'RBAC_MISSING_FIELD', join(path, 'namespace'), `a ${kind} is namespaced: set \`metadata.namespace\``);
      }
    } else if (!isDnsLabel(namespace)) {
      err(errors, 'RBAC_INVALID_VALUE', join(path, 'namespace'), `namespace \`${namespace}\` is not a DNS label (up to 63 lowercase letters, digits and \`-\`, starting and ending alphanumeric)`);
    }
  } else {
    // The API server clears the namespace of a cluster-scoped object.
    namespace = '';
  }
  const labels = stringMap(own(v, 'labels'), join(path, 'labels'), 'labels', errors, checkLabel(join(path, 'labels'), errors));
  stringMap(own(v, 'annotations'), join(path, 'annotations'), 'annotations', errors);
  return name === undefined ? undefined : { name, namespace, labels };
}

function stringList(o: Obj, key: string, path: string, errors: GatehouseError[]): string[] {
  const v = own(o, key);
  const p = join(path, key);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    err(errors, 'RBAC_INVALID_TYPE', p, `\`${key}\` must be a list of strings, got ${describe(v)}`);
    return [];
  }
  const out: string[] = [];
  v.forEach((s, i) => {
    if (typeof s === 'string') out.push(s);
    else err(errors, 'RBAC_INVALID_TYPE', join(p, i), `\`${key}\` must hold strings, got ${describe(s)} (quote it in YAML)`);
  });
  return out;
}

function readRules(v: unknown, path: string, kind: 'Role' | 'ClusterRole', errors: GatehouseError[]): PolicyRule[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    err(errors, 'RBAC_INVALID_TYPE', path, `\`rules\` must be a list of rules, got ${describe(v)}`);
    return [];
  }
  const out: PolicyRule[] = [];
  v.forEach((r, i) => {
    const p = join(path, i);
    if (!isObj(r)) {
      err(errors, 'RBAC_INVALID_TYPE', p, `a rule must be an object, got ${describe(r)}`);
      return;
    }
    fields(r, p, RULE_FIELDS, 'a rule', errors);
    const rule: PolicyRule = {
      verbs: stringList(r, 'verbs', p, errors),
      apiGroups: stringList(r, 'apiGroups', p, errors),
      resources: stringList(r, 'resources', p, errors),
      resourceNames: stringList(r, 'resourceNames', p, errors),
      nonResourceURLs: stringList(r, 'nonResourceURLs', p, errors),
    };
    // ValidatePolicyRule, in its order.
    if (isEmpty(own(r, 'verbs'))) {
      err(errors, 'RBAC_MISSING_FIELD', join(p, 'verbs'), 'a rule needs at least one verb (`get`, `list`, `*`…)');
    }
    if (rule.nonResourceURLs.length > 0) {
      if (kind === 'Role') err(errors, 'RBAC_INVALID_VALUE', join(p, 'nonResourceURLs'), 'a Role cannot grant non-resource URLs; put the rule in a ClusterRole bound by a ClusterRoleBinding');
      if (rule.apiGroups.length > 0 || rule.resources.length > 0 || rule.resourceNames.length > 0) {
        err(errors, 'RBAC_INVALID_VALUE', join(p, 'nonResourceURLs'), 'a rule cannot apply to both resources and non-resource URLs; split it in two');
      }
    } else {
      if (isEmpty(own(r, 'apiGroups'))) {
        err(errors, 'RBAC_MISSING_FIELD', join(p, 'apiGroups'), 'a resource rule needs at least one API group (`""` for the core group, `*` for all)');
      }
      if (isEmpty(own(r, 'resources'))) {
        err(errors, 'RBAC_MISSING_FIELD', join(p, 'resources'), 'a resource rule needs at least one resource (`pods`, `pods/log`, `*`…), or give `nonResourceURLs` instead');
      }
    }
    out.push(rule);
  });
  return out;
}

/** Absent, null or `[]` (a value of another type is reported as a type error instead). */
const isEmpty = (v: unknown): boolean => v === undefined || v === null || (Array.isArray(v) && v.length === 0);

function readAggregation(v: unknown, path: string, errors: GatehouseError[]): ClusterRole['aggregationRule'] {
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) {
    err(errors, 'RBAC_INVALID_TYPE', path, `\`aggregationRule\` must be an object, got ${describe(v)}`);
    return undefined;
  }
  fields(v, path, ['clusterRoleSelectors'], 'aggregationRule', errors);
  const p = join(path, 'clusterRoleSelectors');
  const sels = own(v, 'clusterRoleSelectors');
  if (sels !== undefined && sels !== null && !Array.isArray(sels)) {
    err(errors, 'RBAC_INVALID_TYPE', p, `\`clusterRoleSelectors\` must be a list of label selectors, got ${describe(sels)}`);
    return undefined;
  }
  if (!Array.isArray(sels) || sels.length === 0) {
    err(errors, 'RBAC_MISSING_FIELD', p, 'an aggregationRule needs at least one selector in `clusterRoleSelectors`; remove `aggregationRule` to keep the hand-written rules');
    return undefined;
  }
  const clusterRoleSelectors = sels.map((s, i) => readSelector(s, join(p, i), errors));
  return { clusterRoleSelectors };
}

function readSelector(v: unknown, path: string, errors: GatehouseError[]): LabelSelector {
  if (!isObj(v)) {
    err(errors, 'RBAC_INVALID_TYPE', path, `a label selector must be an object, got ${describe(v)}`);
    return { matchLabels: {}, matchExpressions: [] };
  }
  fields(v, path, SELECTOR_FIELDS, 'a label selector', errors);
  const matchLabels = stringMap(own(v, 'matchLabels'), join(path, 'matchLabels'), '`matchLabels`', errors, checkLabel(join(path, 'matchLabels'), errors));
  const matchExpressions: LabelSelectorRequirement[] = [];
  const exprs = own(v, 'matchExpressions');
  const ep = join(path, 'matchExpressions');
  if (exprs !== undefined && exprs !== null) {
    if (!Array.isArray(exprs)) err(errors, 'RBAC_INVALID_TYPE', ep, `\`matchExpressions\` must be a list, got ${describe(exprs)}`);
    else
      exprs.forEach((e, i) => {
        const p = join(ep, i);
        if (!isObj(e)) {
          err(errors, 'RBAC_INVALID_TYPE', p, `a selector requirement must be an object, got ${describe(e)}`);
          return;
        }
        fields(e, p, REQUIREMENT_FIELDS, 'a selector requirement', errors);
        const key = optString(e, 'key', p, errors);
        if (key === undefined || key === '') {
          if (typeof own(e, 'key') !== 'string' && own(e, 'key') !== undefined && own(e, 'key') !== null) return;
          err(errors, 'RBAC_MISSING_FIELD', join(p, 'key'), 'a selector requirement needs a label `key`');
        } else if (!isLabelKey(key)) {
          err(errors, 'RBAC_INVALID_VALUE', join(p, 'key'), `label key \`${key}\` is not a qualified name`);
        }
        const op = own(e, 'operator');
        const values = stringList(e, 'values', p, errors);
        for (const [j, val] of values.entries()) {
          if (!isLabelValue(val)) err(errors, 'RBAC_INVALID_VALUE', join(join(p, 'values'), j), `label value \`${val}\` is not valid`);
        }
        if (op === undefined || op === null || op === '') {
          err(errors, 'RBAC_MISSING_FIELD', join(p, 'operator'), 'a selector requirement needs an `operator`: In, NotIn, Exists or DoesNotExist');
          return;
        }
        if (typeof op !== 'string' || !(SELECTOR_OPERATORS as readonly string[]).includes(op)) {
          err(errors, 'RBAC_INVALID_VALUE', join(p, 'operator'), `operator ${typeof op === 'string' ? `\`${op}\`` : describe(op)} is not one of In, NotIn, Exists, DoesNotExist (case matters)`);
          return;
        }
        const operator = op as SelectorOperator;
        if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
          err(errors, 'RBAC_MISSING_FIELD', join(p, 'values'), `\`values\` must be non-empty when \`operator\` is ${operator}`);
        }
        if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
          err(errors, 'RBAC_INVALID_VALUE', join(p, 'values'), `\`values\` must be empty when \`operator\` is ${operator}`);
        }
        if (key !== undefined) matchExpressions.push({ key, operator, values });
      });
  }
  return { matchLabels, matchExpressions };
}

function readSubjects(v: unknown, path: string, kind: 'RoleBinding' | 'ClusterRoleBinding', errors: GatehouseError[]): Subject[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    err(errors, 'RBAC_INVALID_TYPE', path, `\`subjects\` must be a list, got ${describe(v)}`);
    return [];
  }
  const out: Subject[] = [];
  v.forEach((s, i) => {
    const p = join(path, i);
    if (!isObj(s)) {
      err(errors, 'RBAC_INVALID_TYPE', p, `a subject must be an object, got ${describe(s)}`);
      return;
    }
    fields(s, p, SUBJECT_FIELDS, 'a subject', errors);
    const sk = optString(s, 'kind', p, errors);
    const name = optString(s, 'name', p, errors) ?? '';
    const namespace = optString(s, 'namespace', p, errors) ?? '';
    let apiGroup = optString(s, 'apiGroup', p, errors) ?? '';
    if (name === '' && (typeof own(s, 'name') === 'string' || own(s, 'name') === undefined || own(s, 'name') === null)) {
      err(errors, 'RBAC_MISSING_FIELD', join(p, 'name'), 'a subject needs a `name`');
    }
    if (sk === undefined || sk === '') {
      if (typeof own(s, 'kind') === 'string' || own(s, 'kind') === undefined || own(s, 'kind') === null) {
        err(errors, 'RBAC_MISSING_FIELD', join(p, 'kind'), 'a subject needs a `kind`: User, Group or ServiceAccount');
      }
      return;
    }
    if (!(SUBJECT_KINDS as readonly string[]).includes(sk)) {
      err(errors, 'RBAC_INVALID_VALUE', join(p, 'kind'), `subject kind \`${sk}\` is not User, Group or ServiceAccount (case matters)`);
      return;
    }
    const subjectKind = sk as SubjectKind;
    if (subjectKind === 'ServiceAccount') {
      if (apiGroup !== '') err(errors, 'RBAC_INVALID_VALUE', join(p, 'apiGroup'), `a ServiceAccount subject has no \`apiGroup\` (got \`${apiGroup}\`); remove it`);
      if (name !== '' && !isDnsSubdomain(name)) err(errors, 'RBAC_INVALID_VALUE', join(p, 'name'), `service account name \`${name}\` is not a DNS subdomain (lowercase letters, digits, \`-\` and \`.\`)`);
      if (kind === 'ClusterRoleBinding' && namespace === '') {
        err(errors, 'RBAC_MISSING_FIELD', join(p, 'namespace'), `a ServiceAccount subject of a ClusterRoleBinding needs the service account's \`namespace\``);
      }
    } else {
      if (apiGroup === '') apiGroup = RBAC_API_GROUP;
      else if (apiGroup !== RBAC_API_GROUP) err(errors, 'RBAC_INVALID_VALUE', join(p, 'apiGroup'), `a ${subjectKind} subject's \`apiGroup\` must be \`${RBAC_API_GROUP}\`, got \`${apiGroup}\``);
    }
    out.push({ kind: subjectKind, name, namespace, apiGroup });
  });
  return out;
}

function readRoleRef(v: unknown, path: string, kind: 'RoleBinding' | 'ClusterRoleBinding', errors: GatehouseError[]): RoleRef | undefined {
  if (v === undefined || v === null) {
    err(errors, 'RBAC_MISSING_FIELD', path, `a ${kind} needs a \`roleRef\` naming the ${kind === 'RoleBinding' ? 'Role or ClusterRole' : 'ClusterRole'} it grants`);
    return undefined;
  }
  if (!isObj(v)) {
    err(errors, 'RBAC_INVALID_TYPE', path, `\`roleRef\` must be an object { apiGroup, kind, name }, got ${describe(v)}`);
    return undefined;
  }
  fields(v, path, ROLE_REF_FIELDS, 'roleRef', errors);
  const start = errors.length;
  const apiGroup = optString(v, 'apiGroup', path, errors) ?? '';
  if (apiGroup !== '' && apiGroup !== RBAC_API_GROUP) err(errors, 'RBAC_INVALID_VALUE', join(path, 'apiGroup'), `\`roleRef.apiGroup\` must be \`${RBAC_API_GROUP}\`, got \`${apiGroup}\``);
  const rk = optString(v, 'kind', path, errors);
  const allowedKinds = kind === 'RoleBinding' ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  if (rk === undefined || rk === '') {
    if (typeof own(v, 'kind') === 'string' || own(v, 'kind') === undefined || own(v, 'kind') === null) {
      err(errors, 'RBAC_MISSING_FIELD', join(path, 'kind'), `\`roleRef.kind\` is required: ${allowedKinds.join(' or ')}`);
    }
  } else if (!allowedKinds.includes(rk)) {
    err(
      errors,
      'RBAC_INVALID_VALUE',
      join(path, 'kind'),
      kind === 'ClusterRoleBinding' && rk === 'Role'
        ? 'a ClusterRoleBinding can only refer to a ClusterRole; bind a Role with a RoleBinding in its namespace'
        : `\`roleRef.kind\` \`${rk}\` is not ${allowedKinds.join(' or ')}`,
    );
  }
  const name = optString(v, 'name', path, errors);
  if (name === undefined || name === '') {
    if (typeof own(v, 'name') === 'string' || own(v, 'name') === undefined || own(v, 'name') === null) {
      err(errors, 'RBAC_MISSING_FIELD', join(path, 'name'), '`roleRef.name` is required: the name of the role to grant');
    }
  } else if (!isRbacName(name)) {
    err(errors, 'RBAC_INVALID_VALUE', join(path, 'name'), `role name \`${name}\` may not be \`.\` or \`..\` and may not contain \`/\` or \`%\``);
  }
  if (errors.length > start || name === undefined || rk === undefined) return undefined;
  return { kind: rk as 'Role' | 'ClusterRole', name, apiGroup: RBAC_API_GROUP };
}
