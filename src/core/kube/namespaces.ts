/**
 * Namespaces an IAM resource pattern reaches (review K, K6). A review with namespace `""` on a namespaced resource
 * (`kubectl get secrets -A`: list across all namespaces) covers that resource in every namespace, so it is denied
 * when IAM denies it in some namespace; `namespaceMatching` finds such a namespace for one deny pattern, or proves
 * there is none.
 */
import { LITERAL_DOLLAR, LITERAL_QMARK, LITERAL_STAR } from '../iam/index.ts';

/**
 * Built-in resources that are not namespaced: a review of them with namespace `""` is about the one cluster-scoped
 * object or list, not about every namespace. Any other resource (a custom resource among them, whose scope the
 * webhook cannot see) is taken as namespaced, which can only deny more.
 *
 * Among them the virtual resources kube-apiserver authorizes without storing them (review gv, 1): impersonation's
 * `users`, `groups`, `userextras/<key>` and `uids` (k8s.io/apiserver `filters/impersonation.go`, namespace `""`), and
 * the CSR admission plugins' `signers` (verbs `approve`, `sign`, `attest`). Taken as namespaced, `kubectl --as=bob` by
 * a principal with a Deny on `…/namespaces/prod/*` was refused "impersonate on …/namespaces/prod/users/bob".
 */
const CLUSTER_SCOPED: ReadonlySet<string> = new Set([
  '/nodes', '/namespaces', '/persistentvolumes', '/componentstatuses', '/users', '/groups',
  'authentication.k8s.io/userextras', 'authentication.k8s.io/uids', 'certificates.k8s.io/signers',
  'resource.k8s.io/resourceslices', 'internal.apiserver.k8s.io/storageversions', 'storagemigration.k8s.io/storageversionmigrations',
  'admissionregistration.k8s.io/mutatingadmissionpolicies', 'admissionregistration.k8s.io/mutatingadmissionpolicybindings', 'metrics.k8s.io/nodes',
  'rbac.authorization.k8s.io/clusterroles', 'rbac.authorization.k8s.io/clusterrolebindings',
  'storage.k8s.io/storageclasses', 'storage.k8s.io/volumeattachments', 'storage.k8s.io/csidrivers', 'storage.k8s.io/csinodes', 'storage.k8s.io/volumeattributesclasses',
  'apiextensions.k8s.io/customresourcedefinitions', 'apiregistration.k8s.io/apiservices',
  'admissionregistration.k8s.io/mutatingwebhookconfigurations', 'admissionregistration.k8s.io/validatingwebhookconfigurations',
  'admissionregistration.k8s.io/validatingadmissionpolicies', 'admissionregistration.k8s.io/validatingadmissionpolicybindings',
  'certificates.k8s.io/certificatesigningrequests', 'certificates.k8s.io/clustertrustbundles',
  'scheduling.k8s.io/priorityclasses', 'networking.k8s.io/ingressclasses', 'networking.k8s.io/ipaddresses', 'networking.k8s.io/servicecidrs',
  'node.k8s.io/runtimeclasses', 'flowcontrol.apiserver.k8s.io/flowschemas', 'flowcontrol.apiserver.k8s.io/prioritylevelconfigurations',
  'authentication.k8s.io/tokenreviews', 'authentication.k8s.io/selfsubjectreviews',
  'authorization.k8s.io/subjectaccessreviews', 'authorization.k8s.io/selfsubjectaccessreviews', 'authorization.k8s.io/selfsubjectrulesreviews',
  'resource.k8s.io/deviceclasses',
]);

/** Whether a resource of this API group is namespaced, as far as the webhook can tell (see `CLUSTER_SCOPED`). */
export function isNamespacedResource(apiGroup: string, resource: string): boolean {
  return !CLUSTER_SCOPED.has(`${apiGroup}/${resource}`);
}

/** One element of a compiled pattern: a literal character, `*` (any run) or `?` (one character). */
type Token = { readonly lit: string } | { readonly star: true; readonly colon: boolean } | { readonly one: true; readonly colon: boolean };

/**
 * A `Resource` pattern as src/core/iam/glob.ts `resourceMatcher` reads it: in an ARN's head segments (before the
 * resource part) a `*` or `?` stays inside its segment, except a `*` that ends its segment; in the resource part,
 * and in a pattern that is not an ARN, they cross `/` and `:`. Marked literal wildcards are plain characters.
 */
function tokens(pattern: string): Token[] {
  const lit = (c: string): Token => ({ lit: c === LITERAL_STAR ? '*' : c === LITERAL_QMARK ? '?' : c === LITERAL_DOLLAR ? '$' : c });
  const free = (s: string): Token[] => [...s].map((c) => (c === '*' ? { star: true, colon: true } : c === '?' ? { one: true, colon: true } : lit(c)));
  const segments = pattern.startsWith('arn:') ? 6 : pattern.startsWith('acs:') ? 5 : 0;
  if (segments === 0) return free(pattern);
  const parts = pattern.split(':');
  const out: Token[] = [];
  parts.slice(0, segments - 1).forEach((seg, i) => {
    if (i > 0) out.push({ lit: ':' });
    const cs = [...seg];
    cs.forEach((c, j) => out.push(c === '*' ? { star: true, colon: j === cs.length - 1 } : c === '?' ? { one: true, colon: false } : lit(c)));
  });
  if (parts.length >= segments) out.push({ lit: ':' }, ...free(parts.slice(segments - 1).join(':')));
  return out;
}

/** Characters of a namespace name (an RFC 1123 label). */
const NAMESPACE_CHAR = /^[a-z0-9-]$/;
/** What a wildcard stands for in a namespace found. */
const FILLER = 'x';

/**
 * A namespace `ns` for which `prefix + ns + suffix` matches `pattern` (an IAM `Resource` pattern), or undefined when
 * no namespace name does. Exact: a search of the pattern's positions against the three parts of the string, where
 * the namespace is one or more name characters, each wildcard that meets it standing for `x`.
 */
export function namespaceMatching(pattern: string, prefix: string, suffix: string): string | undefined {
  const toks = tokensOf(pattern);
  const head = literalHead(toks);
  if (head !== undefined) return namespaceUnder(head, prefix, suffix);
  return search(toks, prefix, suffix);
}

/** Compiled patterns, by pattern: a review asks about the same few deny patterns for every resource it covers. */
const compiled = new Map<string, Token[]>();

function tokensOf(pattern: string): Token[] {
  let t = compiled.get(pattern);
  if (t === undefined) {
    if (compiled.size >= 4096) compiled.clear();
    compiled.set(pattern, (t = tokens(pattern)));
  }
  return t;
}

/**
 * The literal text of a pattern that is literals then one `*` at its end, or undefined for any other pattern. Such a
 * pattern matches exactly the strings that start with that text, as glob.ts `resourceMatcher` reads it (a prefix
 * test), and is the commonest deny (`…/namespaces/team/*`, `…/secrets*`).
 */
function literalHead(toks: readonly Token[]): string | undefined {
  const last = toks[toks.length - 1];
  if (last === undefined || !('star' in last)) return undefined;
  let head = '';
  for (let i = 0; i < toks.length - 1; i++) {
    const t = toks[i] as Token;
    if (!('lit' in t)) return undefined;
    head += t.lit;
  }
  return head;
}

/**
 * `namespaceMatching` for a prefix pattern `head*`, in time linear in its length (review N, N5: the search below, run
 * for every resource a wildcard review covers, held the event loop ~20 µs a resource): a namespace `ns` such that
 * `prefix + ns + suffix` starts with `head`.
 */
function namespaceUnder(head: string, prefix: string, suffix: string): string | undefined {
  if (head.length <= prefix.length) return prefix.startsWith(head) ? FILLER : undefined;
  if (!head.startsWith(prefix)) return undefined;
  const rest = head.slice(prefix.length);
  for (let i = 1; i <= rest.length; i++) {
    if (!NAMESPACE_CHAR.test(rest[i - 1] as string)) return undefined;
    // The namespace is `rest` up to i; the suffix must go on with the rest of the head (all of it when i = rest.length).
    if (suffix.startsWith(rest.slice(i))) return rest.slice(0, i);
    if (i === rest.length) return rest;
  }
  return undefined;
}

/** The general search: positions of the pattern against the three parts of the string. */
function search(toks: readonly Token[], prefix: string, suffix: string): string | undefined {
  const T = toks.length;
  const a = prefix.length;
  const b = suffix.length;
  // String positions: 0…a-1 in the prefix, a: namespace empty so far, a+1: namespace begun, a+2+j: suffix at j.
  const S = a + b + 3;
  const id = (t: number, sp: number): number => t * S + sp;
  const parent = new Map<number, { from: number; ch: string | undefined }>();
  const start = id(0, 0);
  parent.set(start, { from: -1, ch: undefined });
  const queue = [start];
  const visit = (from: number, to: number, ch: string | undefined): void => {
    if (parent.has(to)) return;
    parent.set(to, { from, ch });
    queue.push(to);
  };
  for (let q = 0; q < queue.length; q++) {
    const state = queue[q] as number;
    const t = Math.floor(state / S);
    const sp = state % S;
    if (t === T && sp === a + 2 + b) {
      let ns = '';
      for (let at = state; at !== start; ) {
        const p = parent.get(at) as { from: number; ch: string | undefined };
        if (p.ch !== undefined) ns = p.ch + ns;
        at = p.from;
      }
      return ns;
    }
    // The namespace may end once begun (no character consumed).
    if (sp === a + 1) visit(state, id(t, a + 2), undefined);
    const tok = toks[t];
    if (tok === undefined) continue;
    if ('star' in tok) visit(state, id(t + 1, sp), undefined);
    // The characters the string may take next, with the string position after each.
    const next: [string, number, boolean][] = [];
    if (sp < a) next.push([prefix[sp] as string, sp + 1, false]);
    else if (sp === a || sp === a + 1) {
      if ('lit' in tok) {
        if (NAMESPACE_CHAR.test(tok.lit)) next.push([tok.lit, a + 1, true]);
      } else next.push([FILLER, a + 1, true]);
    } else if (sp - a - 2 < b) next.push([suffix[sp - a - 2] as string, sp + 1, false]);
    for (const [c, nsp, inNamespace] of next) {
      const fits = 'lit' in tok ? tok.lit === c : tok.colon || c !== ':';
      if (!fits) continue;
      const ch = inNamespace ? c : undefined;
      visit(state, id('star' in tok ? t : t + 1, nsp), ch);
    }
  }
  return undefined;
}

/**
 * A non-empty `x` such that `prefix + x` matches `pattern` (an IAM `Resource` pattern), or undefined when none does:
 * the names and subresources below a collection that a deny pattern reaches (review K, K3). `kubectl auth can-i '*'
 * '*' -n ml` asks about every object of every resource in `ml` and their subresources, so a deny on
 * `…/namespaces/*\/pods/*\/exec` or `…/namespaces/ml/secrets/db` is one of its views. Exact as a test (the pattern's
 * positions after `prefix`) for object names as `isObjectBelow` takes them, one subresource after; the `x` given renders
 * the rest of the pattern, each wildcard as `x` (or each `*` as nothing).
 * Linear in the prefix times the pattern's length; a pattern whose literal head diverges from `prefix` is refused at
 * once (the usual case, run for every resource a wildcard review covers).
 */
export function continuationMatching(pattern: string, prefix: string, accept: (x: string) => boolean = (x) => isObjectBelow(x, '')): string | undefined {
  const toks = tokensOf(pattern);
  // The literal characters the pattern starts with must agree with the prefix as far as both go; each is one token, so
  // the search starts where they end (at once past the prefix for the commonest patterns, `…/namespaces/team/*`).
  let start = 0;
  for (; start < toks.length && start < prefix.length; start++) {
    const t = toks[start] as Token;
    if (!('lit' in t)) break;
    if (t.lit !== prefix[start]) return undefined;
  }
  const closure = (states: Set<number>): Set<number> => {
    for (const t of states) {
      const tok = toks[t];
      if (tok !== undefined && 'star' in tok) states.add(t + 1);
    }
    return states;
  };
  let states = closure(new Set([start]));
  for (let i = start; i < prefix.length; i++) {
    const c = prefix[i] as string;
    const next = new Set<number>();
    for (const t of states) {
      const tok = toks[t];
      if (tok === undefined) continue;
      if ('lit' in tok) {
        if (tok.lit === c) next.add(t + 1);
      } else if (tok.colon || c !== ':') next.add('star' in tok ? t : t + 1);
    }
    if (next.size === 0) return undefined;
    states = closure(next);
  }
  // From each position the pattern may be at, the rest rendered (each wildcard as `x`): the shortest `accept` takes (by
  // default an object's name, with or without a subresource). One it does not (a `*` still in the namespace repeats the
  // pattern's path, or one in the ARN's head crosses into another cluster's ARN) is never a request of the review.
  const [filled, bare] = restsOf(toks);
  let best: string | undefined;
  for (const t of states) {
    for (const x of [filled[t] ?? '', bare[t] ?? '']) {
      if (x !== '' && accept(x) && (best === undefined || x.length < best.length)) best = x;
    }
  }
  return best;
}

/**
 * The rest of a pattern from each token on, by compiled pattern: each wildcard as `x`, and each `*` as nothing (`?` as
 * `x`), so that `…/widgets.example.com*` can give the group `example.com`.
 */
const rendered = new WeakMap<readonly Token[], readonly [readonly string[], readonly string[]]>();

function restsOf(toks: readonly Token[]): readonly [readonly string[], readonly string[]] {
  let r = rendered.get(toks);
  if (r === undefined) {
    const filled: string[] = new Array<string>(toks.length + 1).fill('');
    const bare: string[] = new Array<string>(toks.length + 1).fill('');
    for (let t = toks.length - 1; t >= 0; t--) {
      const tok = toks[t] as Token;
      filled[t] = ('lit' in tok ? tok.lit : FILLER) + (filled[t + 1] as string);
      bare[t] = ('lit' in tok ? tok.lit : 'one' in tok ? FILLER : '') + (bare[t + 1] as string);
    }
    rendered.set(toks, (r = [filled, bare]));
  }
  return r;
}

/**
 * An object's name, as Kubernetes's loosest rule takes it (apimachinery `path.ValidatePathSegmentName`, which RBAC
 * objects are checked with): any characters but `/` and `%`, and not `.` or `..`. `system:controller:bootstrap-signer`
 * and `eks:addon-manager` are names of Roles and ClusterRoles (review F, F2: names with `:` were not taken, so a Deny
 * on one was never found by a review naming no object). Other resources' names (DNS subdomains) are among these.
 */
const OBJECT_NAME = /^[^/%]+$/;
const SUBRESOURCE = /^[a-z]+$/;

function isObjectName(x: string): boolean {
  return OBJECT_NAME.test(x) && x !== '.' && x !== '..';
}

/**
 * Whether `x` is what follows a collection's path for one object: its name, then `/<subresource>` when `subresource` is
 * given, else maybe one subresource.
 */
export function isObjectBelow(x: string, subresource: string): boolean {
  const slash = x.indexOf('/');
  if (slash < 0) return subresource === '' && isObjectName(x);
  const sub = x.slice(slash + 1);
  return isObjectName(x.slice(0, slash)) && (subresource === '' ? SUBRESOURCE.test(sub) : sub === subresource);
}

/**
 * Whether `x` is `<namespace><collection>/<object>`: a namespace name, then `collection` (`/pods`, `/jobs.batch`), then
 * an object as `isObjectBelow` takes it.
 */
export function isNamespacedObject(x: string, collection: string, subresource: string): boolean {
  const slash = x.indexOf('/');
  if (slash <= 0 || !/^[a-z0-9-]+$/.test(x.slice(0, slash))) return false;
  const rest = x.slice(slash);
  return rest.startsWith(`${collection}/`) && isObjectBelow(rest.slice(collection.length + 1), subresource);
}
