/**
 * How long a name a Kubernetes question may hold, one rule for both doors: the SubjectAccessReview webhook
 * (`parseSubjectAccessReview`, review kc, 2) and the authorize API's `kubernetes:<verb>` questions on a cluster's
 * request path (src/app/authorize.ts `questionOf`, review ki, 1).
 */
import { CLUSTER_ARN_RE } from '../bindings/actions.ts';
import { parseKubernetesResource } from './admission.ts';

/**
 * The longest namespace, API group, resource, subresource and object name a resource request may name: what Kubernetes
 * lets any object be named (a namespace is a DNS label, `IsDNS1123Label`; groups, CRD plurals and the names of what it
 * stores are DNS subdomains, `IsDNS1123Subdomain`, or shorter). kube-apiserver forwards a SelfSubjectAccessReview's
 * attributes as written and a request's as its URL names them, unvalidated, and the authorize API reads them from a path
 * of up to 2,048 characters; the IAM view of a question that names no namespace or object searches the namespaces and
 * objects a Deny reaches through the whole path, once per resource it covers: seconds for a review naming 48 KB
 * (review kc, 2), ~7 s of CPU for a batch of 1,000 questions naming 1,900 characters (review ki, 1). The identities
 * impersonation names (`users`, `groups`, `uids`, `userextras`, `signers`: user names, ARNs, extra values) are no stored
 * objects and search no namespace: their names are bounded by the request's size only.
 */
export const MAX_KUBERNETES_NAMES = { namespace: 63, apiGroup: 253, resource: 253, subresource: 253, name: 253 } as const;

/**
 * The longest non-resource URL path (`nonResourceAttributes.path`, `kubernetes:<verb>` on `<cluster>/<path>`) a
 * question may name: 4,096 characters, Linux's PATH_MAX. The non-resource URLs kube-apiserver serves are short
 * (`/healthz/etcd`, `/openapi/v3/apis/<group>/<version>`, `/.well-known/openid-configuration`); the longest it serves by
 * name are the files under `/logs/` (its log handler serves the node's `/var/log`), and no file's path is longer than
 * PATH_MAX. The path excludes the query string. kube-apiserver reads a request line of up to its header limit (1 MiB)
 * and forwards a SelfSubjectAccessReview's path as written, unvalidated: a review naming 48 KB took 5 to 27 ms of CPU
 * (its IAM views match each Deny pattern through the whole path), one of 4,096 characters about 1 ms (review kl, 2).
 */
export const MAX_NON_RESOURCE_PATH = 4096;

/** The resources whose objects are identities that impersonation names, by API group. */
const IDENTITY_RESOURCES: Readonly<Record<string, string>> = { users: '', groups: '', uids: 'authentication.k8s.io', userextras: 'authentication.k8s.io', signers: 'certificates.k8s.io' };

export type KubernetesNameAttribute = keyof typeof MAX_KUBERNETES_NAMES | 'path';

/** A part of a request longer than `MAX_KUBERNETES_NAMES` (or `MAX_NON_RESOURCE_PATH`) allows: which, its length, its bound, what it is in words. */
export interface KubernetesNameOverLimit {
  readonly attribute: KubernetesNameAttribute;
  readonly length: number;
  readonly max: number;
  readonly what: string;
}

/** The first attribute of a resource request longer than `MAX_KUBERNETES_NAMES` allows, or undefined. */
export function kubernetesNameOverLimit(a: { readonly namespace?: string; readonly apiGroup?: string; readonly resource?: string; readonly subresource?: string; readonly name?: string }): KubernetesNameOverLimit | undefined {
  const parts = [
    ['namespace', a.namespace ?? '', 'a namespace name (a DNS label)'],
    ['apiGroup', a.apiGroup ?? '', 'an API group (a DNS subdomain)'],
    ['resource', a.resource ?? '', 'a resource'],
    ['subresource', a.subresource ?? '', 'a subresource'],
  ] as const;
  for (const [attribute, value, what] of parts) if (value.length > MAX_KUBERNETES_NAMES[attribute]) return { attribute, length: value.length, max: MAX_KUBERNETES_NAMES[attribute], what };
  const resource = a.resource ?? '';
  const apiGroup = a.apiGroup ?? '';
  const identityGroup = Object.hasOwn(IDENTITY_RESOURCES, resource) ? IDENTITY_RESOURCES[resource] : undefined;
  const identity = identityGroup !== undefined && (apiGroup === identityGroup || apiGroup === '*');
  const name = a.name ?? '';
  if (!identity && name.length > MAX_KUBERNETES_NAMES.name) return { attribute: 'name', length: name.length, max: MAX_KUBERNETES_NAMES.name, what: 'the name of an object Kubernetes stores (a DNS subdomain, or shorter)' };
  return undefined;
}

/** A non-resource request's path longer than `MAX_NON_RESOURCE_PATH`, or undefined. */
export function nonResourcePathOverLimit(path: string): KubernetesNameOverLimit | undefined {
  if (path.length <= MAX_NON_RESOURCE_PATH) return undefined;
  return { attribute: 'path', length: path.length, max: MAX_NON_RESOURCE_PATH, what: 'a non-resource URL path (Linux\'s PATH_MAX, the longest file path kube-apiserver\'s `/logs/` serves)' };
}

/**
 * The same bounds on a request path under a cluster (`<cluster>/namespaces/ns/pods/p`, as the authorize API
 * names a Kubernetes request; `<cluster>/healthz`, a non-resource request's), read as `parseKubernetesResource` reads
 * it; undefined for anything else (another ARN, a path no request has: those are decided, or refused, as before).
 */
export function kubernetesPathOverLimit(resource: string): KubernetesNameOverLimit | undefined {
  const cluster = CLUSTER_ARN_RE.exec(resource)?.[0];
  if (cluster === undefined) return undefined;
  const attrs = parseKubernetesResource(cluster, resource);
  if (attrs === undefined) return undefined;
  return attrs.resourceRequest ? kubernetesNameOverLimit(attrs) : nonResourcePathOverLimit(attrs.path ?? '');
}
