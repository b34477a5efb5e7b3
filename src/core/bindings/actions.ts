/**
 * From the IAM-style actions resource servers ask about (`s3:GetObject`) to the permissions bindings grant
 * (`storage.objects.get`), so that one authorize request can be answered by the bindings engine too. The table
 * is deliberately small and explicit: an action that is not in it has no permission, and the bindings engine
 * has no opinion on it (it never guesses).
 *
 * Kubernetes requests (SubjectAccessReview verb + resource) map to `container.<resource>.<verb>`, after GKE's
 * permission names, through `permissionForKubernetes`.
 */

/** `[action, permission]`; actions are matched without regard to case, as IAM matches them. */
export const ACTION_PERMISSIONS: readonly (readonly [string, string])[] = [
  // object storage (AWS S3, Alibaba OSS)
  ['s3:GetObject', 'storage.objects.get'],
  ['s3:PutObject', 'storage.objects.create'],
  ['s3:DeleteObject', 'storage.objects.delete'],
  ['s3:ListBucket', 'storage.objects.list'],
  ['s3:AbortMultipartUpload', 'storage.multipartUploads.abort'],
  ['s3:ListMultipartUploadParts', 'storage.multipartUploads.listParts'],
  ['s3:ListBucketMultipartUploads', 'storage.multipartUploads.list'],
  ['s3:CreateBucket', 'storage.buckets.create'],
  ['s3:DeleteBucket', 'storage.buckets.delete'],
  ['s3:GetBucketLocation', 'storage.buckets.get'],
  ['s3:ListAllMyBuckets', 'storage.buckets.list'],
  ['s3:GetBucketPolicy', 'storage.buckets.getIamPolicy'],
  ['s3:PutBucketPolicy', 'storage.buckets.setIamPolicy'],
  ['oss:GetObject', 'storage.objects.get'],
  ['oss:PutObject', 'storage.objects.create'],
  ['oss:DeleteObject', 'storage.objects.delete'],
  ['oss:ListObjects', 'storage.objects.list'],
  ['oss:GetBucketInfo', 'storage.buckets.get'],
  ['oss:ListBuckets', 'storage.buckets.list'],
  // OSS's own names of what S3's above are (review hs, 5): an OSS resource server asks in them.
  ['oss:PutBucket', 'storage.buckets.create'],
  ['oss:DeleteBucket', 'storage.buckets.delete'],
  ['oss:AbortMultipartUpload', 'storage.multipartUploads.abort'],
  ['oss:ListParts', 'storage.multipartUploads.listParts'],
  ['oss:ListMultipartUploads', 'storage.multipartUploads.list'],
  // A bucket's policy in OSS's names (review ox, 4): the permission's own OSS actions, so that a question in the bindings'
  // spelling on an OSS bucket is put to IAM as them, and a RAM Deny of `oss:PutBucketPolicy` holds against it.
  ['oss:GetBucketPolicy', 'storage.buckets.getIamPolicy'],
  ['oss:PutBucketPolicy', 'storage.buckets.setIamPolicy'],
  // training (Gatehouse `training:`; Alibaba PAI `pai:`)
  ['training:CreateJob', 'ml.jobs.create'],
  ['training:GetJob', 'ml.jobs.get'],
  ['training:ListJobs', 'ml.jobs.list'],
  ['training:StopJob', 'ml.jobs.cancel'],
  ['pai:CreateJob', 'ml.jobs.create'],
  ['pai:GetJob', 'ml.jobs.get'],
  ['pai:ListJobs', 'ml.jobs.list'],
  ['pai:StopJob', 'ml.jobs.cancel'],
  ['training:CreateModel', 'ml.models.create'],
  ['training:GetModel', 'ml.models.get'],
  ['training:ListModels', 'ml.models.list'],
  ['training:UpdateModel', 'ml.models.update'],
  ['training:DeleteModel', 'ml.models.delete'],
  ['training:InvokeModel', 'ml.models.predict'],
  ['training:GetWorkspace', 'resourcemanager.workspaces.get'],
  ['training:ListWorkspaces', 'resourcemanager.workspaces.list'],
  ['training:CreateWorkspace', 'resourcemanager.workspaces.create'],
  ['training:UpdateWorkspace', 'resourcemanager.workspaces.update'],
  ['training:DeleteWorkspace', 'resourcemanager.workspaces.delete'],
  // clusters (Gatehouse `training:*Cluster*`, EKS)
  ['training:GetCluster', 'container.clusters.get'],
  ['training:ListClusters', 'container.clusters.list'],
  ['training:CreateCluster', 'container.clusters.create'],
  ['training:UpdateCluster', 'container.clusters.update'],
  ['training:DeleteCluster', 'container.clusters.delete'],
  ['eks:DescribeCluster', 'container.clusters.get'],
  ['eks:ListClusters', 'container.clusters.list'],
  ['eks:CreateCluster', 'container.clusters.create'],
  ['eks:UpdateClusterConfig', 'container.clusters.update'],
  ['eks:DeleteCluster', 'container.clusters.delete'],
  ['eks:AccessKubernetesApi', 'container.clusters.getCredentials'],
  // Roles are service accounts: passing one to a job is acting as it (job submission and node start accept a
  // binding granting `actAs` where they ask for PassRole; src/app/jobs.ts). `sts:AssumeRole` is deliberately not
  // here: STS decides it by the role's trust policy and the caller's identity policies, never by bindings, so
  // `iam.serviceAccounts.getAccessToken` (roles/iam.serviceAccountTokenCreator) must not answer it (review N6).
  ['iam:PassRole', 'iam.serviceAccounts.actAs'],
  ['ram:PassRole', 'iam.serviceAccounts.actAs'],
  ['iam:GetRole', 'iam.serviceAccounts.get'],
  ['iam:ListRoles', 'iam.serviceAccounts.list'],
  ['iam:CreateRole', 'iam.serviceAccounts.create'],
  ['iam:DeleteRole', 'iam.serviceAccounts.delete'],
  ['iam:UpdateRole', 'iam.serviceAccounts.update'],
];

/**
 * Of the table, the actions Gatehouse enforces itself by IAM policies alone: the IAM Query API's role actions
 * (src/app/directory.ts), and creating, changing and deleting workspaces and clusters (the admin API and `apply`,
 * `authorizeAdmin`). No binding lets a principal do them, so bindings grant none of them in the authorize API either
 * (`permissionForAction` has none): a binding of `roles/editor` answered Allow for `iam:DeleteRole` while the Query API
 * refused it (review aw, 1). They stay in `ACTION_PERMISSIONS`, so that a question in the bindings' spelling
 * (`iam.serviceAccounts.delete`) still meets an explicit deny of the IAM action. Lower-cased.
 */
const IAM_ALONE: ReadonlySet<string> = new Set(
  [
    'iam:GetRole', 'iam:ListRoles', 'iam:CreateRole', 'iam:DeleteRole', 'iam:UpdateRole',
    'training:CreateWorkspace', 'training:UpdateWorkspace', 'training:DeleteWorkspace',
    'training:CreateCluster', 'training:UpdateCluster', 'training:DeleteCluster',
  ].map((a) => a.toLowerCase()),
);

/**
 * A lower-cased action as Gatehouse names it: Alibaba PAI's name of a training action (`pai:getmodel`) is that action
 * (`training:getmodel`), as docs/semantics.md says (`pai:CreateJob` ≡ `training:CreateJob`); any other as it is. Only four
 * job actions had their PAI names in the table, so a binding granted `training:GetModel` and not `pai:GetModel`, which an
 * `acs` resource server asks (review ss, 3).
 */
const ownName = (lower: string): string => (lower.startsWith('pai:') ? `training:${lower.slice(4)}` : lower);

/** Whether Gatehouse decides `action` by IAM policies alone, so that no binding grants it (see `IAM_ALONE`). */
export function decidedByIamAlone(action: string): boolean {
  return IAM_ALONE.has(ownName(action.toLowerCase()));
}

/**
 * Actions of the S3 gateway on what a permission of the table already acts on: an object's tags and its versions, which
 * GCP's JSON API reads and changes as the object's metadata and generations (`storage.objects.get` reads both,
 * `storage.objects.update` changes metadata, `storage.objects.delete` deletes a generation). Without them no role
 * granted them: `roles/storage.objectAdmin` could not upload with tags, copy a tagged object (S3 asks
 * `s3:GetObjectTagging` on the source) or name the `null` version (review hs, 2); OSS's own names of them, as an OSS
 * resource server asks (review hs, 5); an object's attributes, read as its metadata (review ls, 1). Not in `ACTION_PERMISSIONS`: a
 * question in the bindings' spelling (`storage.objects.get`) is the request of the permission's own actions
 * (`s3:GetObject`), not of these (`actionsForPermission`; review ej, 6).
 */
export const RELATED_ACTION_PERMISSIONS: readonly (readonly [string, string])[] = [
  ['s3:GetObjectVersion', 'storage.objects.get'],
  ['s3:GetObjectTagging', 'storage.objects.get'],
  ['s3:GetObjectVersionTagging', 'storage.objects.get'],
  ['s3:GetObjectAttributes', 'storage.objects.get'],
  ['s3:GetObjectVersionAttributes', 'storage.objects.get'],
  ['s3:PutObjectTagging', 'storage.objects.update'],
  ['s3:PutObjectVersionTagging', 'storage.objects.update'],
  ['s3:DeleteObjectTagging', 'storage.objects.update'],
  ['s3:DeleteObjectVersionTagging', 'storage.objects.update'],
  ['s3:DeleteObjectVersion', 'storage.objects.delete'],
  ['oss:GetObjectVersion', 'storage.objects.get'],
  ['oss:GetObjectTagging', 'storage.objects.get'],
  ['oss:PutObjectTagging', 'storage.objects.update'],
  ['oss:DeleteObjectTagging', 'storage.objects.update'],
  ['oss:DeleteObjectVersion', 'storage.objects.delete'],
  // A bucket's policy, versioning and ACLs, and an object's ACL (review hs, 6): GCP has no delete of a policy (it is set
  // empty), reads a bucket's configuration with `storage.buckets.get`, and its and an object's access control with
  // `getIamPolicy`.
  ['s3:DeleteBucketPolicy', 'storage.buckets.setIamPolicy'],
  ['s3:GetBucketVersioning', 'storage.buckets.get'],
  ['s3:GetBucketAcl', 'storage.buckets.getIamPolicy'],
  ['s3:GetObjectAcl', 'storage.objects.getIamPolicy'],
  ['s3:GetObjectVersionAcl', 'storage.objects.getIamPolicy'],
  // Setting them (review ox, 1): GCP's ObjectAccessControls and BucketAccessControls writes need `setIamPolicy` (Cloud
  // Storage, "IAM permissions for JSON methods", ACL methods). The gateway takes only an owner-only ACL (every bucket has
  // ACLs disabled), so `roles/storage.objectAdmin` could upload but not take the cross-account writer's next step,
  // `put-object-acl --acl bucket-owner-full-control`.
  ['s3:PutObjectAcl', 'storage.objects.setIamPolicy'],
  ['s3:PutObjectVersionAcl', 'storage.objects.setIamPolicy'],
  ['s3:PutBucketAcl', 'storage.buckets.setIamPolicy'],
  // OSS's names of the same (review ox, 4; Alibaba OSS, "RAM Policy": bucket- and object-level actions), as an OSS
  // resource server asks them: review hs, 5 named the multipart, tagging and version ones only.
  ['oss:DeleteBucketPolicy', 'storage.buckets.setIamPolicy'],
  ['oss:GetBucketAcl', 'storage.buckets.getIamPolicy'],
  ['oss:PutBucketAcl', 'storage.buckets.setIamPolicy'],
  ['oss:GetObjectAcl', 'storage.objects.getIamPolicy'],
  ['oss:PutObjectAcl', 'storage.objects.setIamPolicy'],
  ['oss:GetBucketVersioning', 'storage.buckets.get'],
  ['oss:GetBucketLocation', 'storage.buckets.get'],
];

const byAction: ReadonlyMap<string, string> = new Map(
  [...ACTION_PERMISSIONS, ...RELATED_ACTION_PERMISSIONS].filter(([a]) => !decidedByIamAlone(a)).map(([a, p]) => [a.toLowerCase(), p]),
);

/**
 * The permission an IAM-style action needs (`s3:GetObject` → `storage.objects.get`), or undefined if none — and for an
 * action decided by IAM policies alone (`decidedByIamAlone`), whose permission no binding may grant.
 */
export function permissionForAction(action: string): string | undefined {
  const lower = action.toLowerCase();
  return byAction.get(lower) ?? (decidedByIamAlone(lower) ? undefined : byAction.get(ownName(lower)));
}

const byPermission: ReadonlyMap<string, readonly string[]> = (() => {
  const m = new Map<string, string[]>();
  for (const [a, p] of ACTION_PERMISSIONS) m.set(p, [...(m.get(p) ?? []), a]);
  return m;
})();

/**
 * Permissions that neither table's actions need, and the IAM actions of the requests they are about: asked in the
 * bindings' spelling, which no statement names but `*`, a Deny of `s3:*` did not hold against a binding's grant of them
 * (review po, 2; ox, 5 for those with related actions). Only for that question: the gateway asks the actions, and no
 * binding grants them through these (`permissionForAction` reads the other tables alone). Creating a multipart upload
 * needs `s3:PutObject` (API_CreateMultipartUpload, "Permissions"; OSS's InitiateMultipartUpload `oss:PutObject`), as GCP's
 * XML API multipart upload needs `storage.multipartUploads.create`; changing a bucket's configuration (its versioning,
 * lifecycle, CORS, tags) is GCP's `storage.buckets.update`.
 */
const COUNTERPART_ACTIONS: readonly (readonly [string, string])[] = [
  ['s3:PutObject', 'storage.multipartUploads.create'],
  ['oss:PutObject', 'storage.multipartUploads.create'],
  ['s3:PutBucketVersioning', 'storage.buckets.update'],
  ['s3:PutLifecycleConfiguration', 'storage.buckets.update'],
  ['s3:PutBucketCORS', 'storage.buckets.update'],
  ['s3:PutBucketTagging', 'storage.buckets.update'],
  ['oss:PutBucketVersioning', 'storage.buckets.update'],
  ['oss:PutBucketLifecycle', 'storage.buckets.update'],
];

/** The related actions (`RELATED_ACTION_PERMISSIONS`, `COUNTERPART_ACTIONS`) of each permission that has no action of its own. */
const relatedOnly: ReadonlyMap<string, readonly string[]> = (() => {
  const m = new Map<string, string[]>();
  for (const [a, p] of [...RELATED_ACTION_PERMISSIONS, ...COUNTERPART_ACTIONS]) if (!byPermission.has(p)) m.set(p, [...(m.get(p) ?? []), a]);
  return m;
})();

/**
 * The IAM-style actions that need `permission` (`storage.objects.get` → `s3:GetObject`, `oss:GetObject`), none when
 * the table has none. A question asked with the permission is the same question as with each of them, so an
 * explicit deny of any of them must apply to it (explicit deny wins whatever the spelling).
 */
export function actionsForPermission(permission: string): readonly string[] {
  return byPermission.get(permission) ?? [];
}

/**
 * The IAM actions that need `permission` on `resource`: those of the resource's service (`s3:GetObject` on
 * `arn:aws:s3:::b/k`, `oss:GetObject` on `acs:oss:*:*:b/k`), the one request a question in the bindings' spelling is;
 * all of them where the resource names no service of theirs (`*`). `storage.objects.get` is needed by S3's and OSS's
 * reads alike, and an S3 object's read is never an `oss:` request. A permission that no action of `ACTION_PERMISSIONS`
 * needs is the request of its related actions (`RELATED_ACTION_PERMISSIONS`); one with actions of its own is never
 * the request of its related ones (`storage.objects.get` is `s3:GetObject`, not `s3:GetObjectTagging`).
 */
export function actionsForPermissionOn(permission: string, resource: string): readonly string[] {
  // A permission with no action of its own (`storage.objects.update`, `storage.objects.setIamPolicy`) is the request of
  // the related actions that need it (`s3:PutObjectTagging`…, `s3:PutObjectAcl`…): asked in its own spelling, which no
  // statement names but `*`, a Deny of `s3:*` did not hold against a binding's grant of it (review ox, 5).
  const all = byPermission.get(permission) ?? relatedOnly.get(permission) ?? [];
  if (all.length < 2) return all;
  const parts = resource.split(':', 3);
  const service = (parts[0] === 'arn' ? parts[2] : parts[0] === 'acs' ? parts[1] : undefined)?.toLowerCase();
  const own = service === undefined ? [] : all.filter((a) => a.slice(0, a.indexOf(':')).toLowerCase() === service);
  return own.length > 0 ? own : all;
}

/** Kubernetes verbs → the verb of the GKE-style permission (`watch` is a form of `list`, `patch` of `update`). */
const KUBE_VERBS: Readonly<Record<string, string>> = {
  get: 'get',
  list: 'list',
  watch: 'list',
  create: 'create',
  update: 'update',
  patch: 'update',
  delete: 'delete',
  deletecollection: 'delete',
};

/** Kubernetes resources (core and `apps`/`batch` groups) → the resource word of the permission. */
const KUBE_RESOURCES: Readonly<Record<string, string>> = {
  pods: 'pods',
  deployments: 'deployments',
  jobs: 'jobs',
  services: 'services',
  configmaps: 'configMaps',
  secrets: 'secrets',
  namespaces: 'namespaces',
};

/** Sub-resources of pods with a permission of their own (the verb does not matter: `create pods/exec`…). */
const POD_SUBRESOURCES: Readonly<Record<string, string>> = {
  log: 'container.pods.getLogs',
  exec: 'container.pods.exec',
  attach: 'container.pods.attach',
  portforward: 'container.pods.portForward',
};

/**
 * The permission a Kubernetes request needs, after GKE (`get pods` → `container.pods.get`, `create pods/exec`
 * → `container.pods.exec`); undefined for what the table does not cover.
 */
export function permissionForKubernetes(request: { readonly verb: string; readonly resource: string; readonly subresource?: string }): string | undefined {
  if (request.subresource !== undefined && request.subresource !== '') {
    return request.resource === 'pods' && Object.hasOwn(POD_SUBRESOURCES, request.subresource) ? POD_SUBRESOURCES[request.subresource] : undefined;
  }
  const verb = Object.hasOwn(KUBE_VERBS, request.verb) ? KUBE_VERBS[request.verb] : undefined;
  const resource = Object.hasOwn(KUBE_RESOURCES, request.resource) ? KUBE_RESOURCES[request.resource] : undefined;
  if (verb === undefined || resource === undefined) return undefined;
  if (resource === 'namespaces' && verb === 'update') return undefined;
  return `container.${resource}.${verb}`;
}

/**
 * The permissions of Kubernetes objects (`container.pods.get`, `container.secrets.list`, `container.pods.exec`…), as
 * `permissionForKubernetes` names them; not those of the cluster objects (`container.clusters.get`), which map to
 * `training:`/`eks:` actions.
 */
const KUBERNETES_PERMISSIONS: ReadonlySet<string> = (() => {
  const out = new Set<string>(Object.values(POD_SUBRESOURCES));
  for (const resource of Object.keys(KUBE_RESOURCES)) {
    for (const verb of Object.keys(KUBE_VERBS)) {
      const p = permissionForKubernetes({ verb, resource });
      if (p !== undefined) out.add(p);
    }
  }
  return out;
})();

/**
 * A Gatehouse cluster's ARN, or a Kubernetes request path under it (`arn:aws:training::A:cluster/c/api/v1/…`,
 * `acs:pai::A:cluster/c/…`): the resources of the `kubernetes:<verb>` questions RBAC decides (src/app/kube.ts).
 */
export const CLUSTER_RESOURCE_RE = /^(?:arn:[a-z][a-z0-9-]*:training::|acs:pai::)\d{12}:cluster\/[^/]/;
/** The cluster ARN at the head of such a resource (`arn:aws:training::A:cluster/c` of `…:cluster/c/namespaces/ns`). */
export const CLUSTER_ARN_RE = /^(?:arn:[a-z][a-z0-9-]*:training::|acs:pai::)\d{12}:cluster\/[^/]+/;

/**
 * Whether `permission` on `resource` is a request on a cluster's Kubernetes objects: RBAC decides those, never bindings,
 * and IAM only denies them (docs/semantics.md, "Predefined `container.*` roles and Kubernetes"; review ej, 3).
 */
export function isKubernetesObjectRequest(permission: string, resource: string): boolean {
  return KUBERNETES_PERMISSIONS.has(permission) && CLUSTER_RESOURCE_RE.test(resource);
}
