/**
 * Two spellings of one RBAC object, compared as the API server holds them. The server defaults what a manifest may
 * leave out (`pkg/apis/rbac/v1/defaults.go`: a User or Group subject's `apiGroup` is `rbac.authorization.k8s.io`, a
 * ServiceAccount's is none, `roleRef.apiGroup` is `rbac.authorization.k8s.io`), sets metadata of its own (uid,
 * resourceVersion, creationTimestamp, managedFields…), ignores a namespace on a cluster-scoped object, and prints an
 * empty list or map as none (or `null`): `kubectl get -o yaml` of an object applied from a file is the same object, and
 * `kubectl diff` shows no change between them. Everything else is kept as written.
 */
import { RBAC_API_GROUP } from './types.ts';

type Obj = Record<string, unknown>;

/** `metav1.ObjectMeta` fields the server writes itself: a manifest's copy of them says nothing about the object. */
const SERVER_META = ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink'];
const CLUSTER_SCOPED = new Set(['ClusterRole', 'ClusterRoleBinding']);

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Absent, `null`, `[]` and `{}`: what the server prints as none. */
const isNone = (v: unknown): boolean => v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0);

function withoutNone(o: Obj, except: readonly string[] = []): Obj {
  const out: Obj = Object.create(null) as Obj;
  for (const [k, v] of Object.entries(o)) if (except.includes(k) || !isNone(v)) out[k] = v;
  return out;
}

/** `doc` (a parsed, valid RBAC document) as the API server would hold it, for comparison only; never stored. */
export function comparableRbacDocument(doc: Readonly<Obj>): Obj {
  const kind = typeof doc['kind'] === 'string' ? doc['kind'] : '';
  const out = withoutNone({ ...doc });
  if (isObj(doc['metadata'])) {
    const meta = withoutNone({ ...doc['metadata'] });
    for (const k of SERVER_META) delete meta[k];
    if (CLUSTER_SCOPED.has(kind)) delete meta['namespace'];
    out['metadata'] = meta;
  }
  if (Array.isArray(doc['subjects'])) {
    out['subjects'] = doc['subjects'].map((s: unknown) => {
      if (!isObj(s)) return s;
      const subject = withoutNone({ ...s });
      if (subject['kind'] === 'ServiceAccount') delete subject['apiGroup'];
      else if (subject['kind'] === 'User' || subject['kind'] === 'Group') subject['apiGroup'] = subject['apiGroup'] ?? RBAC_API_GROUP;
      return subject;
    });
    if ((out['subjects'] as unknown[]).length === 0) delete out['subjects'];
  }
  if (isObj(doc['roleRef'])) {
    const ref = withoutNone({ ...doc['roleRef'] });
    ref['apiGroup'] = ref['apiGroup'] ?? RBAC_API_GROUP;
    out['roleRef'] = ref;
  }
  return out;
}
