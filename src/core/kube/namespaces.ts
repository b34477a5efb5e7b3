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

/** A compiled pattern as flat arrays for `search`: each token's kind, its literal's code unit, and its flags. */
interface Flat {
  /** 0: a literal, 1: `*`, 2: `?`. */
  readonly kind: Uint8Array;
  /** A literal's code unit (-1 for a literal of more than one, which no one code unit of the string equals). */
  readonly unit: Int32Array;
  /** A wildcard that may match `:`. */
  readonly colon: Uint8Array;
  /** A literal that may stand in a namespace name (`NAMESPACE_CHAR`). */
  readonly nsChar: Uint8Array;
}

const flats = new WeakMap<readonly Token[], Flat>();

function flatOf(toks: readonly Token[]): Flat {
  let f = flats.get(toks);
  if (f === undefined) {
    const kind = new Uint8Array(toks.length);
    const unit = new Int32Array(toks.length);
    const colon = new Uint8Array(toks.length);
    const nsChar = new Uint8Array(toks.length);
    toks.forEach((tok, i) => {
      if ('lit' in tok) {
        unit[i] = tok.lit.length === 1 ? tok.lit.charCodeAt(0) : -1;
        nsChar[i] = NAMESPACE_CHAR.test(tok.lit) ? 1 : 0;
      } else {
        kind[i] = 'star' in tok ? 1 : 2;
        colon[i] = tok.colon ? 1 : 0;
      }
    });
    flats.set(toks, (f = { kind, unit, colon, nsChar }));
  }
  return f;
}

/**
 * The search's scratch, reused across calls (a call runs to its end before another starts): a state is visited when its
 * stamp is the call's; `from` and `ch` say how it was reached. Up to `MAX_SCRATCH` states; a search with more (a long
 * pattern against a long path) keeps them in maps instead.
 */
const MAX_SCRATCH = 1 << 20;
let stamps = new Uint32Array(0);
let froms = new Int32Array(0);
let chars = new Int32Array(0);
let queue = new Int32Array(0);
let stamp = 0;

const COLON_UNIT = 0x3a;
const FILLER_UNIT = FILLER.charCodeAt(0);

/**
 * The general search: positions of the pattern against the three parts of the string, breadth first. A state is a token
 * position and a string position; each is visited once, so the time is the states reached (at most tokens × string),
 * with no allocation per state (review kc, 3: a map and arrays made per state cost ~0.2 µs a state, and a wildcard
 * review, or a batch of authorize questions, searches thousands of paths).
 */
function search(toks: readonly Token[], prefix: string, suffix: string): string | undefined {
  const T = toks.length;
  const a = prefix.length;
  const b = suffix.length;
  // String positions: 0…a-1 in the prefix, a: namespace empty so far, a+1: namespace begun, a+2+j: suffix at j.
  const S = a + b + 3;
  const n = (T + 1) * S;
  const { kind, unit, colon, nsChar } = flatOf(toks);
  let seen: (s: number) => boolean;
  let mark: (s: number, from: number, ch: number) => void;
  let fromOf: (s: number) => number;
  let chOf: (s: number) => number;
  let q: Int32Array | number[];
  if (n <= MAX_SCRATCH) {
    if (stamps.length < n) {
      const size = Math.min(MAX_SCRATCH, Math.max(n, stamps.length * 2, 1024));
      stamps = new Uint32Array(size);
      froms = new Int32Array(size);
      chars = new Int32Array(size);
      queue = new Int32Array(size);
      stamp = 0;
    }
    if (stamp === 0xffffffff) {
      stamps.fill(0);
      stamp = 0;
    }
    const current = ++stamp;
    const st = stamps;
    const fr = froms;
    const cs = chars;
    seen = (s) => st[s] === current;
    mark = (s, from, ch) => {
      st[s] = current;
      fr[s] = from;
      cs[s] = ch;
    };
    fromOf = (s) => fr[s] as number;
    chOf = (s) => cs[s] as number;
    q = queue;
  } else {
    const how = new Map<number, number>();
    const chs = new Map<number, number>();
    seen = (s) => how.has(s);
    mark = (s, from, ch) => {
      how.set(s, from);
      if (ch >= 0) chs.set(s, ch);
    };
    fromOf = (s) => how.get(s) as number;
    chOf = (s) => chs.get(s) ?? -1;
    q = [];
  }
  let tail = 0;
  const visit = (from: number, to: number, ch: number): void => {
    if (seen(to)) return;
    mark(to, from, ch);
    q[tail++] = to;
  };
  const start = 0;
  visit(-1, start, -1);
  const end = a + 2 + b;
  for (let head = 0; head < tail; head++) {
    const state = q[head] as number;
    const t = Math.floor(state / S);
    const sp = state - t * S;
    if (t === T && sp === end) {
      let ns = '';
      for (let at = state; at !== start; at = fromOf(at)) {
        const c = chOf(at);
        if (c >= 0) ns = String.fromCharCode(c) + ns;
      }
      return ns;
    }
    // The namespace may end once begun (no character consumed).
    if (sp === a + 1) visit(state, t * S + a + 2, -1);
    if (t === T) continue;
    const k = kind[t] as number;
    if (k === 1) visit(state, (t + 1) * S + sp, -1);
    // The character the string may take next, and the string position after it.
    let c: number;
    let nsp: number;
    let inNamespace = false;
    if (sp < a) {
      c = prefix.charCodeAt(sp);
      nsp = sp + 1;
    } else if (sp === a || sp === a + 1) {
      if (k === 0) {
        if (nsChar[t] !== 1) continue;
        c = unit[t] as number;
      } else c = FILLER_UNIT;
      nsp = a + 1;
      inNamespace = true;
    } else if (sp - a - 2 < b) {
      c = suffix.charCodeAt(sp - a - 2);
      nsp = sp + 1;
    } else continue;
    const fits = k === 0 ? unit[t] === c : colon[t] === 1 || c !== COLON_UNIT;
    if (fits) visit(state, (k === 1 ? t : t + 1) * S + nsp, inNamespace ? c : -1);
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

/** Whether `x` is one subresource's name (`exec`, `status`, `portforward`). */
export function isSubresourceName(x: string): boolean {
  return SUBRESOURCE.test(x);
}

function isObjectName(x: string): boolean {
  return OBJECT_NAME.test(x) && x !== '.' && x !== '..';
}

/**
 * Whether `x` is what follows a collection's path for one object: its name, then `/<subresource>` when `subresource` is
 * given (any one subresource for `*`: a review of every subresource, review vj, 2), else maybe one subresource.
 */
export function isObjectBelow(x: string, subresource: string): boolean {
  const slash = x.indexOf('/');
  if (slash < 0) return subresource === '' && isObjectName(x);
  const sub = x.slice(slash + 1);
  return isObjectName(x.slice(0, slash)) && (subresource === '' || subresource === '*' ? SUBRESOURCE.test(sub) : sub === subresource);
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
