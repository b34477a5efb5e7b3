/**
 * Pods that run as a role, by annotation (seeds 002 and 004; DESIGN.md "Pod annotations"): which role a pod
 * or a workload's pod template names, and the JSONPatch that gives a pod the credential environment of its
 * job. Patch shapes follow the EKS pod-identity webhook (credential-protocols §7.4): variables a container
 * already sets are left alone, and `env` is added whole where a container has none (`add …/env/-` fails
 * on a missing array).
 */
import { splitServiceAccountUsername, type RbacAttributes } from '../rbac/index.ts';
import { isDnsLabel, isDnsSubdomain } from '../rbac/parse.ts';
import { pointer, type JsonPatchOp } from './reviews.ts';

export const ROLE_ANNOTATION = 'gatehouse.dev/role';
export const ECI_ROLE_ANNOTATION = 'k8s.aliyun.com/eci-ram-role-name';
/** The job that serves a pod's credentials, set by the webhook at creation (read back on deletion). */
export const JOB_ANNOTATION = 'gatehouse.dev/job';
/**
 * On a workload's pod template: the webhook's signed record that the workload's author may pass the role,
 * so that the pods a controller later creates from the template run as the role on the author's authority.
 */
export const GRANT_ANNOTATION = 'gatehouse.dev/role-grant';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Obj, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

export function annotationsOf(meta: unknown): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (!isObj(meta)) return out;
  const a = own(meta, 'annotations');
  if (!isObj(a)) return out;
  for (const [k, v] of Object.entries(a)) if (typeof v === 'string') out[k] = v;
  return out;
}

/**
 * Whether a DELETE of `pod` (its stored form, the review's `oldObject`) removes it now, rather than starting its graceful
 * termination: the grace period the pod registry gives it (`podStrategy.CheckGracefulDelete`) is 0. That is the DELETE's
 * `gracePeriodSeconds`, else the pod's `terminationGracePeriodSeconds` (absent: 0), and 0 for a pod on no node or in
 * phase Succeeded or Failed. A graceful deletion only marks the pod: its containers get SIGTERM and run on (a training
 * job writes its checkpoint then), and the kubelet removes the pod with a DELETE of grace 0 once they stopped, which is
 * the final one (review ce, 4).
 */
export function podDeletionIsFinal(pod: Obj, gracePeriodSeconds: number | undefined): boolean {
  const spec = isObj(own(pod, 'spec')) ? (own(pod, 'spec') as Obj) : {};
  const status = isObj(own(pod, 'status')) ? (own(pod, 'status') as Obj) : {};
  const nodeName = own(spec, 'nodeName');
  const phase = own(status, 'phase');
  if (typeof nodeName !== 'string' || nodeName === '' || phase === 'Succeeded' || phase === 'Failed') return true;
  const given = own(spec, 'terminationGracePeriodSeconds');
  const period = gracePeriodSeconds ?? (typeof given === 'number' ? given : 0);
  return period <= 0;
}

/** The role an object's annotations name; an error when the two annotations disagree. */
export function roleAnnotation(annotations: Readonly<Record<string, string>>): { role: string; annotation: string } | { error: string } | undefined {
  const a = annotations[ROLE_ANNOTATION]?.trim();
  const b = annotations[ECI_ROLE_ANNOTATION]?.trim();
  if (a && b && a !== b) return { error: `annotations \`${ROLE_ANNOTATION}: ${a}\` and \`${ECI_ROLE_ANNOTATION}: ${b}\` name different roles; keep one` };
  if (a) return { role: a, annotation: ROLE_ANNOTATION };
  if (b) return { role: b, annotation: ECI_ROLE_ANNOTATION };
  return undefined;
}

/**
 * Workload kinds whose pod templates the webhook reads, and where they are (JSON Pointer segments; `*` is every key
 * of a map or every item of a list). Besides the built-in kinds, the training workloads whose operators create
 * pods (or Jobs) from templates in the object: the Kubeflow training-operator's and mpi-operator's jobs, KubeRay's
 * RayCluster/RayJob/RayService, JobSet and Volcano's Job. Their pods run on a grant only when their creator is a
 * controller the cluster trusts (`spec.trustedControllers` of the Cluster document, src/app/kube.ts `passerOf`).
 */
export const WORKLOAD_TEMPLATES: Readonly<Record<string, readonly (readonly string[])[]>> = {
  'apps/Deployment': [['spec', 'template']],
  'apps/ReplicaSet': [['spec', 'template']],
  'apps/StatefulSet': [['spec', 'template']],
  'apps/DaemonSet': [['spec', 'template']],
  'batch/Job': [['spec', 'template']],
  'batch/CronJob': [['spec', 'jobTemplate', 'spec', 'template']],
  '/ReplicationController': [['spec', 'template']],
  'kubeflow.org/PyTorchJob': [['spec', 'pytorchReplicaSpecs', '*', 'template']],
  'kubeflow.org/TFJob': [['spec', 'tfReplicaSpecs', '*', 'template']],
  'kubeflow.org/MPIJob': [['spec', 'mpiReplicaSpecs', '*', 'template']],
  'kubeflow.org/XGBoostJob': [['spec', 'xgbReplicaSpecs', '*', 'template']],
  'kubeflow.org/PaddleJob': [['spec', 'paddleReplicaSpecs', '*', 'template']],
  'kubeflow.org/JAXJob': [['spec', 'jaxReplicaSpecs', '*', 'template']],
  'ray.io/RayCluster': [
    ['spec', 'headGroupSpec', 'template'],
    ['spec', 'workerGroupSpecs', '*', 'template'],
  ],
  'ray.io/RayJob': [
    ['spec', 'rayClusterSpec', 'headGroupSpec', 'template'],
    ['spec', 'rayClusterSpec', 'workerGroupSpecs', '*', 'template'],
    ['spec', 'submitterPodTemplate'],
  ],
  'ray.io/RayService': [
    ['spec', 'rayClusterConfig', 'headGroupSpec', 'template'],
    ['spec', 'rayClusterConfig', 'workerGroupSpecs', '*', 'template'],
  ],
  'jobset.x-k8s.io/JobSet': [['spec', 'replicatedJobs', '*', 'template', 'spec', 'template']],
  'batch.volcano.sh/Job': [['spec', 'tasks', '*', 'template']],
};

/** The admission webhook's rules for the workload kinds of `WORKLOAD_TEMPLATES` that are not built in: API group → resources. */
export const TRAINING_WORKLOAD_RESOURCES: Readonly<Record<string, readonly string[]>> = {
  'kubeflow.org': ['pytorchjobs', 'tfjobs', 'mpijobs', 'xgboostjobs', 'paddlejobs', 'jaxjobs'],
  'ray.io': ['rayclusters', 'rayjobs', 'rayservices'],
  'jobset.x-k8s.io': ['jobsets'],
  'batch.volcano.sh': ['jobs'],
};

/** The pod templates of a workload object, each with its JSON Pointer, in document order; empty for other kinds. */
export function podTemplates(kind: { group: string; kind: string }, object: Obj | undefined): { template: Obj; path: string }[] {
  const paths = WORKLOAD_TEMPLATES[`${kind.group}/${kind.kind}`];
  if (!paths || !object) return [];
  const out: { template: Obj; path: string }[] = [];
  const walk = (cur: unknown, rest: readonly string[], at: string): void => {
    if (rest.length === 0) {
      if (isObj(cur)) out.push({ template: cur, path: at });
      return;
    }
    const [s, ...more] = rest as [string, ...string[]];
    if (s === '*') {
      if (Array.isArray(cur)) cur.forEach((v: unknown, i) => walk(v, more, `${at}/${i}`));
      else if (isObj(cur)) for (const k of Object.keys(cur)) walk(cur[k], more, `${at}/${pointer(k)}`);
      return;
    }
    if (isObj(cur)) walk(own(cur, s), more, `${at}/${pointer(s)}`);
  };
  for (const p of paths) walk(object, p, '');
  return out;
}

/** The first pod template of a workload object and its JSON Pointer, or undefined. */
export function podTemplate(kind: { group: string; kind: string }, object: Obj | undefined): { template: Obj; path: string } | undefined {
  return podTemplates(kind, object)[0];
}

/**
 * The usernames of kube-controller-manager's controllers that make pods, or workloads with pod templates, from the
 * built-in workloads: `system:serviceaccount:kube-system:<name>` when it runs with `--use-service-account-credentials`
 * (the names of Kubernetes' bootstrap controller roles, `system:controller:<name>`), else `system:kube-controller-manager`.
 * They take a workload's grant for the objects they make from its template (src/app/kube.ts `passerOf`); no other
 * kube-system service account does (an operator installed there is listed in the Cluster document like any other).
 */
export const BUILT_IN_CONTROLLERS: ReadonlySet<string> = new Set([
  'system:kube-controller-manager',
  ...['replicaset-controller', 'replication-controller', 'deployment-controller', 'statefulset-controller', 'daemon-set-controller', 'job-controller', 'cronjob-controller'].map((name) => `system:serviceaccount:kube-system:${name}`),
]);

/**
 * For each built-in kind that owns what a built-in controller makes, the kinds whose grants its objects may carry: its
 * own, and the kind its template is copied from (the deployment-controller copies a Deployment's template into the
 * ReplicaSet whose controller makes the pods; the cronjob-controller a CronJob's into a Job).
 */
const BUILT_IN_OWNERS: Readonly<Record<string, readonly string[]>> = {
  'apps/ReplicaSet': ['apps/ReplicaSet', 'apps/Deployment'],
  'apps/Deployment': ['apps/Deployment'],
  'apps/StatefulSet': ['apps/StatefulSet'],
  'apps/DaemonSet': ['apps/DaemonSet'],
  'batch/Job': ['batch/Job', 'batch/CronJob'],
  'batch/CronJob': ['batch/CronJob'],
  '/ReplicationController': ['/ReplicationController'],
};

/**
 * Whether a grant made on `kind` serves an object a built-in controller makes, owned by `owner` (`controllerOwner`):
 * the owner is a built-in workload, and the grant was made on it or on the kind its template is copied from.
 */
export function builtInGrantServes(kind: string, owner: string | undefined): boolean {
  const accepted = owner === undefined ? undefined : BUILT_IN_OWNERS[owner];
  return accepted !== undefined && accepted.includes(kind);
}

/**
 * The `group/Kind` of the object's controlling owner (`metadata.ownerReferences` item with `controller: true`; its
 * group is `apiVersion` before the `/`, none for the core API), or undefined.
 */
export function controllerOwner(object: Obj | undefined): string | undefined {
  const meta = object === undefined ? undefined : own(object, 'metadata');
  const refs = isObj(meta) ? own(meta, 'ownerReferences') : undefined;
  if (!Array.isArray(refs)) return undefined;
  const ref = refs.find((r: unknown): r is Obj => isObj(r) && own(r, 'controller') === true);
  const apiVersion = ref === undefined ? undefined : own(ref, 'apiVersion');
  const kind = ref === undefined ? undefined : own(ref, 'kind');
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || kind === '') return undefined;
  const slash = apiVersion.indexOf('/');
  return `${slash < 0 ? '' : apiVersion.slice(0, slash)}/${kind}`;
}

/** Sets one annotation on the object at `base` (`''` for the pod itself, `/spec/template` for a template). */
export function annotationPatch(object: Obj, base: string, key: string, value: string): JsonPatchOp[] {
  const meta = own(object, 'metadata');
  if (!isObj(meta)) return [{ op: 'add', path: `${base}/metadata`, value: { annotations: { [key]: value } } }];
  const annotations = own(meta, 'annotations');
  if (!isObj(annotations)) return [{ op: 'add', path: `${base}/metadata/annotations`, value: { [key]: value } }];
  return [{ op: Object.hasOwn(annotations, key) ? 'replace' : 'add', path: `${base}/metadata/annotations/${pointer(key)}`, value }];
}

export function removeAnnotationPatch(object: Obj, base: string, key: string): JsonPatchOp[] {
  const annotations = own(isObj(own(object, 'metadata')) ? (own(object, 'metadata') as Obj) : {}, 'annotations');
  return isObj(annotations) && Object.hasOwn(annotations, key) ? [{ op: 'remove', path: `${base}/metadata/annotations/${pointer(key)}` }] : [];
}

/** Adds `env` to every container and init container of the pod spec at `base` (`/spec` for a pod). */
export function envPatch(spec: Obj, base: string, env: Readonly<Record<string, string>>): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  for (const list of ['initContainers', 'containers'] as const) {
    const containers = own(spec, list);
    if (!Array.isArray(containers)) continue;
    containers.forEach((c: unknown, i) => {
      if (!isObj(c)) return;
      const existing = own(c, 'env');
      const present = new Set(Array.isArray(existing) ? existing.filter(isObj).map((e) => own(e, 'name')).filter((n): n is string => typeof n === 'string') : []);
      // The two container URI variables name one endpoint, and a relative one wins in every SDK: a container that
      // names its own full URI keeps it, as it keeps any variable it sets (review hk, 1).
      if (present.has('AWS_CONTAINER_CREDENTIALS_FULL_URI')) present.add('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI');
      // The token is the job's capability, which every SDK sends to the container URI: a container that names its own
      // endpoint is not given it, or the capability went to that endpoint with the first credentials request (review hv, 2).
      if (present.has('AWS_CONTAINER_CREDENTIALS_FULL_URI') || present.has('AWS_CONTAINER_CREDENTIALS_RELATIVE_URI')) {
        present.add('AWS_CONTAINER_AUTHORIZATION_TOKEN');
        present.add('AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE');
      }
      const add = Object.entries(env)
        .filter(([name]) => !present.has(name))
        .map(([name, value]) => ({ name, value }));
      if (add.length === 0) return;
      const at = `${base}/${list}/${i}/env`;
      if (!Array.isArray(existing)) ops.push({ op: 'add', path: at, value: add });
      else for (const e of add) ops.push({ op: 'add', path: `${at}/-`, value: e });
    });
  }
  return ops;
}

// --- The IAM view of a Kubernetes request ----------------------------------------------------------------

/**
 * IAM explicit denies take part in Kubernetes authorization through this view of a request: action
 * `kubernetes:<verb>` (IAM compares actions without case), resource the cluster ARN followed by the request's
 * REST path — `<cluster>/namespaces/<ns>/<resource>[.<group>][/<name>][/<subresource>]`,
 * `<cluster>/<resource>[.<group>]…` for cluster-scoped resources, `<cluster><path>` for non-resource URLs.
 */
export function kubernetesAction(verb: string): string {
  return `kubernetes:${verb}`;
}

export function kubernetesResource(clusterArn: string, a: { resourceRequest: boolean; namespace?: string; apiGroup?: string; resource?: string; subresource?: string; name?: string; path?: string }): string {
  if (!a.resourceRequest) return `${clusterArn}${(a.path ?? '/').startsWith('/') ? '' : '/'}${a.path ?? '/'}`;
  // A namespace object is `<cluster>/namespaces/<name>[/<subresource>]` whatever `namespace` says: for
  // `/api/v1/namespaces/ml[/status]` kube-apiserver sends namespace `ml` as well as name `ml` (RequestInfo), and a
  // deny written on the namespace object must match the request (review I, S6).
  if (a.resource === 'namespaces' && !a.apiGroup && a.name) return `${clusterArn}/namespaces/${a.name}${a.subresource ? `/${a.subresource}` : ''}`;
  const resource = `${a.resource ?? ''}${a.apiGroup ? `.${a.apiGroup}` : ''}`;
  const ns = a.namespace ? `/namespaces/${a.namespace}` : '';
  return `${clusterArn}${ns}/${resource}${a.name ? `/${a.name}` : ''}${a.subresource ? `/${a.subresource}` : ''}`;
}

/**
 * Roots of non-resource URLs (kube-apiserver's own paths), which are never resource names: besides the API discovery and
 * health paths, the service-account issuer's `/openid/v1/jwks` (bootstrap ClusterRole
 * `system:service-account-issuer-discovery`) and the `/debug/…` handlers (pprof, flags, priority and fairness).
 */
const NON_RESOURCE_ROOTS = new Set(['api', 'apis', 'healthz', 'livez', 'readyz', 'version', 'metrics', 'openapi', 'openid', 'debug', 'logs', '.well-known', 'swagger.json', 'swaggerapi']);

export type KubernetesRequestAttributes = Omit<RbacAttributes, 'user' | 'verb'>;

/**
 * Cluster-scoped resources (`<resource>[.<group>]` as the path spells them) whose objects have no subresource and whose
 * names may hold `/`: impersonation's `users`, `groups` and `uids` (a Gatehouse user's name is its ARN,
 * `arn:aws:iam::A:user/alice`; an OIDC user's `https://issuer#sub`) and the CSR plugins' `signers`
 * (`kubernetes.io/kube-apiserver-client`, `example.com/*`). Everything after the resource is the name (review gv, 2).
 */
const SLASHED_NAMES: ReadonlySet<string> = new Set(['users', 'groups', 'uids.authentication.k8s.io', 'signers.certificates.k8s.io']);

/** Impersonation's extras, `userextras/<key>` named by the extra's value (`parseKubernetesResource`). */
const USER_EXTRAS = 'userextras.authentication.k8s.io';
/** The prefix of a domain-prefixed extra key: a DNS subdomain with at least one dot (`authentication.kubernetes.io`). */
const DOMAIN_PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;

/** Subresources of the namespace object (`/api/v1/namespaces/x/status`, `…/finalize`), never namespaced resources. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * What kube-apiserver's `RequestInfoFactory` (k8s.io/apiserver `endpoints/request/requestinfo.go`) makes of a path under
 * `/api` (the core group, no group in the path) or `/apis` (`/apis/<group>/<version>/…`): with fewer parts than a
 * version and a resource need (`/api`, `/api/v1`, `/apis`, `/apis/apps`, `/apis/apps/v1`, slashes at either end not
 * counted) a non-resource request, answered `null` for the caller to read as one; otherwise a resource request,
 * `namespaces/<ns>/` naming its namespace unless the part after it is a namespace's own subresource (`status`,
 * `finalize`), read as the same request spelt `<cluster>/[namespaces/<ns>/]<resource>[.<group>]/…`. `watch/` before the
 * resource is kube-apiserver's special verb: the request is the watch of what follows (`apiPathVerb` says so), and parts
 * past the subresource are its own path (a node's `proxy/metrics`), which kube-apiserver does not authorize (review ua,
 * 3). A path this spelling cannot say (the `proxy` verb in the path) is undefined: ask it in that spelling.
 */
function apiPathRequest(clusterArn: string, rest: string, verb: string | undefined): KubernetesRequestAttributes | undefined | null {
  const url = apiUrl(rest);
  if (url === undefined) return undefined;
  const parts = url.path.replace(/^\/+|\/+$/g, '').split('/');
  const grouped = parts[0] === 'apis';
  if (parts.length < (grouped ? 4 : 3)) return null;
  const group = grouped ? (parts[1] as string) : '';
  let tail = parts.slice(grouped ? 3 : 2);
  if (tail[0] === 'watch' && tail.length > 1) tail = tail.slice(1);
  if (tail[0] === 'watch' || tail[0] === 'proxy' || (grouped && group === '')) return undefined;
  const at = tail[0] === 'namespaces' && tail.length > 2 && !NAMESPACE_SUBRESOURCES.has(tail[2] as string) ? 2 : 0;
  if (group !== '') tail[at] = `${tail[at] as string}.${group}`;
  // "resource/resourceName/subresource/other/stuff/we/don't/interpret" (requestinfo.go).
  tail = tail.slice(0, at + 3);
  // A list or watch of the collection whose field selector requires `metadata.name=X` is named X (requestinfo.go: a GET
  // of a collection, its verb then `list` or `watch`; a POST or DELETE of it is named by no selector).
  const named = tail.length === at + 1 && (verb === 'list' || verb === 'watch') ? selectedName(url.query) : undefined;
  if (named !== undefined) tail.push(named);
  const attrs = parseKubernetesResource(clusterArn, `${clusterArn}/${tail.join('/')}`);
  return attrs?.resourceRequest === true ? attrs : undefined;
}

/**
 * The verb kube-apiserver authorizes whatever the request's method when `arn` under `clusterArn` is its URL of a request
 * with a special verb in the path, `watch` for `<cluster>/api/v1/watch/namespaces/ns/pods` (`parseKubernetesResource` reads
 * the request); undefined for any other resource. A question of another verb there is none kube-apiserver asks (review ua, 3).
 */
export function apiPathVerb(clusterArn: string, arn: string): string | undefined {
  if (!arn.startsWith(`${clusterArn}/`)) return undefined;
  const url = apiUrl(arn.slice(clusterArn.length));
  if (url === undefined) return undefined;
  const parts = url.path.replace(/^\/+|\/+$/g, '').split('/');
  const at = parts[0] === 'api' ? 2 : parts[0] === 'apis' ? 3 : -1;
  return at > 0 && parts[at] === 'watch' && parts.length > at + 1 && parseKubernetesResource(clusterArn, arn)?.resourceRequest === true ? 'watch' : undefined;
}

/**
 * kube-apiserver's URL under a cluster as its `RequestInfoFactory` reads it (`req.URL.Path`, decoded, and the query):
 * the path's `%XX` escapes decoded, as Go's URL parser decodes them before the path is split (`%2F` a separator too),
 * and the query apart. Read as written, `…/secrets/db%2Dpassword` and `…/secrets/db-password?pretty=true` named another
 * object than `db-password`, the one kube-apiserver serves for them, and an IAM Deny of it did not apply in the authorize
 * API (review ur, 4). Undefined for an escape that does not decode (kube-apiserver answers 400).
 */
function apiUrl(rest: string): { readonly path: string; readonly query?: URLSearchParams } | undefined {
  const q = rest.indexOf('?');
  const raw = q < 0 ? rest : rest.slice(0, q);
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  return q < 0 ? { path } : { path, query: new URLSearchParams(rest.slice(q + 1)) };
}

/**
 * The name a field selector requires (`metadata.name=X` or `==`, among requirements separated by `,`; `\` escapes), when
 * it is a valid name for a path segment (`path.IsValidPathSegmentName`), as `RequestInfoFactory` names the request.
 */
function selectedName(query: URLSearchParams | undefined): string | undefined {
  const selector = query?.get('fieldSelector');
  if (selector === null || selector === undefined) return undefined;
  for (const term of selector.split(/(?<!\\),/)) {
    const m = /^metadata\.name(==?)((?:[^\\]|\\.)*)$/.exec(term);
    if (m === null || m[2]?.startsWith('=')) continue;
    const name = (m[2] as string).replace(/\\(.)/g, '$1');
    if (name !== '' && name !== '.' && name !== '..' && !/[/%]/.test(name)) return name;
  }
  return undefined;
}

/** Verbs kube-apiserver authorizes on a collection's path (`asAuthorized`). */
const COLLECTION_VERBS: ReadonlySet<string> = new Set(['create', 'list', 'deletecollection']);

/**
 * The request kube-apiserver authorizes for `verb` on what `parseKubernetesResource` read. The namespace object's own path
 * (`/api/v1/namespaces/x`) is given namespace `x`, which holds for its get, update, patch and delete (and a watch by the
 * `/api/v1/watch/namespaces/x` path kube-apiserver still serves); but a namespace is created by a POST to the collection,
 * `/api/v1/namespaces`, in namespace `""` (a server-side apply that creates one authorizes `create` in namespace `""`
 * too), and a list naming it is the collection's, narrowed by a `metadata.name` field selector, in namespace `""` too, as
 * is a `deletecollection`. Read in `x`, a RoleBinding in `x` (a team's admin binding) let the authorize API and who-can
 * allow creating (review tq, 1) and listing (review tq, 2) namespace `x`, which the webhook refuses: a cluster-scoped
 * resource is reachable only through ClusterRoleBindings (policy-semantics.md §A.3).
 */
export function asAuthorized<T extends KubernetesRequestAttributes>(a: T, verb: string): T {
  // Impersonating a username `serviceaccount.SplitUsername` reads as a service account's is, to kube-apiserver's
  // impersonation filter (`buildImpersonationRequests`), impersonating that service account: `serviceaccounts` in its
  // namespace, by its name, never `users` (review tq, 4).
  if (verb === 'impersonate' && a.resourceRequest && a.resource === 'users' && (a.apiGroup ?? '') === '' && (a.subresource ?? '') === '' && a.name !== undefined) {
    const sa = splitServiceAccountUsername(a.name);
    if (sa !== undefined && isDnsLabel(sa.namespace) && isDnsSubdomain(sa.name)) return { ...a, namespace: sa.namespace, resource: 'serviceaccounts', name: sa.name };
  }
  if (!COLLECTION_VERBS.has(verb) || !a.resourceRequest || a.resource !== 'namespaces' || (a.apiGroup ?? '') !== '' || (a.subresource ?? '') !== '' || (a.namespace ?? '') === '') return a;
  const { namespace: _, ...rest } = a;
  return rest as T;
}

/**
 * The inverse of `kubernetesResource`: the request attributes a resource ARN under `clusterArn` names, for the
 * authorize API (`kubernetes:<verb>` on `<cluster>/namespaces/ns/pods/p`). `undefined` when the ARN is not under
 * the cluster or is not a well-formed path. `<cluster>/namespaces/x` is the namespace object `x` (and
 * `…/x/status`, `…/x/finalize` its subresources), with the attributes kube-apiserver gives such a request:
 * namespace `x`, resource `namespaces`, name `x` — so a RoleBinding in `x` on `namespaces` applies, as in the
 * cluster. Otherwise a resource is namespaced when a third segment follows. Paths whose first segment is a
 * kube-apiserver root (`api`, `healthz`…) are non-resource URLs. `verb`, the question's, is what a kube-apiserver URL's
 * field selector needs to name the object of a list or watch of a collection (`apiPathRequest`).
 */
export function parseKubernetesResource(clusterArn: string, arn: string, verb?: string): KubernetesRequestAttributes | undefined {
  if (arn === clusterArn) return { resourceRequest: false, path: '/' };
  if (!arn.startsWith(`${clusterArn}/`)) return undefined;
  const rest = arn.slice(clusterArn.length);
  const segments = rest.slice(1).split('/');
  // kube-apiserver's own URL of a resource request, `/api/<version>/…` or `/apis/<group>/<version>/…`: the request it names
  // (review qs, 2). Read as a non-resource URL, a discovery rule (`/api/*`) allowed every object, RoleBindings were never
  // consulted, and no IAM Deny of the request's path applied.
  if (segments[0] === 'api' || segments[0] === 'apis') {
    const api = apiPathRequest(clusterArn, rest, verb);
    if (api !== null) return api;
  }
  // A non-resource URL is matched as a string, a trailing `/` included (`/.well-known/openid-configuration/` and
  // `/openid/v1/jwks/` are rules of their own upstream), so it is kept as it is.
  if (NON_RESOURCE_ROOTS.has(segments[0] ?? '')) return { resourceRequest: false, path: rest };
  // `…/users/arn:aws:iam::A:user/alice` is the user `arn:aws:iam::A:user/alice`, as kubernetesResource writes it, not
  // the user `arn:aws:iam::A:user` and a subresource `alice`: read so, RBAC's rule on `users` did not match and the
  // authorize API and who-can refused what the webhook allows (review gv, 2).
  const head = segments[0] ?? '';
  if (SLASHED_NAMES.has(head) && rest.length > head.length + 2) {
    const dot = head.indexOf('.');
    return { resourceRequest: true, apiGroup: dot < 0 ? '' : head.slice(dot + 1), resource: dot < 0 ? head : head.slice(0, dot), name: rest.slice(head.length + 2) };
  }
  // `…/userextras.authentication.k8s.io/<value>/<key>`: impersonating `extra.<key>` = `<value>` (`kubectl --as-user-extra
  // arn=arn:aws:iam::A:user/bob`), whose value may hold `/` as a user's name does. The key is the last segment, or the
  // last two when the one before is a DNS subdomain with a dot (a domain-prefixed key, `authentication.kubernetes.io/pod-name`);
  // the value is what lies between. Read as resource, name, subresource and more, the ARN value of Gatehouse's own
  // `extra.arn` made the path unreadable, and the authorize API and who-can refused what the webhook allows (review js, 1).
  // A value whose own last segment is such a domain (`…/issuer.example.com`) before a plain key is read the other way:
  // the path cannot tell them apart.
  if (head === USER_EXTRAS && segments.length > 3 && (segments[segments.length - 1] as string) !== '') {
    const domain = DOMAIN_PREFIX.test(segments[segments.length - 2] as string);
    const keyAt = segments.length - (domain ? 2 : 1);
    const name = segments.slice(1, keyAt).join('/');
    if (name !== '') return { resourceRequest: true, apiGroup: 'authentication.k8s.io', resource: 'userextras', name, subresource: segments.slice(keyAt).join('/') };
  }
  if (segments.some((s) => s === '')) return rest === '/' ? { resourceRequest: false, path: '/' } : undefined;
  if (segments[0] === 'namespaces' && segments[1] !== undefined && (segments.length === 2 || (segments.length === 3 && NAMESPACE_SUBRESOURCES.has(segments[2] as string)))) {
    const name = segments[1];
    return { resourceRequest: true, namespace: name, apiGroup: '', resource: 'namespaces', name, ...(segments[2] !== undefined ? { subresource: segments[2] } : {}) };
  }
  let namespace: string | undefined;
  let at = 0;
  if (segments[0] === 'namespaces' && segments.length >= 3) {
    namespace = segments[1];
    at = 2;
  }
  const [typed, name, subresource, ...extra] = segments.slice(at);
  if (typed === undefined || extra.length > 0) return undefined;
  const dot = typed.indexOf('.');
  const resource = dot < 0 ? typed : typed.slice(0, dot);
  const apiGroup = dot < 0 ? '' : typed.slice(dot + 1);
  return {
    resourceRequest: true,
    ...(namespace !== undefined ? { namespace } : {}),
    apiGroup,
    resource,
    ...(name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
  };
}
