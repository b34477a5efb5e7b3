/**
 * What an UPDATE changed in a pod or a workload's pod template, for the admission webhook's re-checks (review I,
 * S2): whoever changes the code a role runs (a template's containers, a pod's images) must be allowed to pass the
 * role, not only whoever named it first. And the exact name of a pod made from `generateName` (R1).
 */
import { GRANT_ANNOTATION } from './admission.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** JSON with object keys sorted, so that two decodings of the same object compare equal. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObj(v)) {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => v[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** The template without the webhook's own grant annotation (and without an annotation map left empty by that). */
function withoutGrant(template: unknown): unknown {
  if (!isObj(template)) return template;
  const meta = template['metadata'];
  if (!isObj(meta) || !isObj(meta['annotations'])) return template;
  const { [GRANT_ANNOTATION]: _grant, ...rest } = meta['annotations'];
  const metadata: Obj = { ...meta };
  if (Object.keys(rest).length > 0) metadata['annotations'] = rest;
  else delete metadata['annotations'];
  return { ...template, metadata };
}

/**
 * Does the pod template differ, apart from its grant? Any change (image, command, env, volumes, service account,
 * labels, a `kubectl rollout restart` annotation) counts: what runs with the role is the whole template.
 */
export function templateChanged(before: unknown, after: unknown): boolean {
  return canonical(withoutGrant(before)) !== canonical(withoutGrant(after));
}

/**
 * Do a pod's containers, init containers or ephemeral containers differ between two versions (a pod UPDATE may change
 * their images; an UPDATE of `pods/ephemeralcontainers`, `kubectl debug`, adds one)?
 */
export function containersChanged(before: unknown, after: unknown): boolean {
  const of = (pod: unknown, list: string): string => {
    const spec = isObj(pod) ? pod['spec'] : undefined;
    return canonical(isObj(spec) ? (spec[list] ?? []) : []);
  };
  return of(before, 'containers') !== of(after, 'containers') || of(before, 'initContainers') !== of(after, 'initContainers') || of(before, 'ephemeralContainers') !== of(after, 'ephemeralContainers');
}

/** The values of `name` in the env of a pod's containers and init containers. */
export function podEnvValues(pod: unknown, name: string): string[] {
  const spec = isObj(pod) ? pod['spec'] : undefined;
  if (!isObj(spec)) return [];
  const out: string[] = [];
  for (const list of ['initContainers', 'containers']) {
    const containers = spec[list];
    if (!Array.isArray(containers)) continue;
    for (const c of containers) {
      const env = isObj(c) ? c['env'] : undefined;
      if (!Array.isArray(env)) continue;
      for (const e of env) if (isObj(e) && e['name'] === name && typeof e['value'] === 'string') out.push(e['value']);
    }
  }
  return out;
}

/** kube-apiserver's name generator (`k8s.io/apiserver/pkg/storage/names`): base cut to 58 characters, 5 random ones. */
const NAME_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const MAX_GENERATED_BASE = 58;

/**
 * The name kube-apiserver would give an object with `generateName: base`, from `random` (at least 5 bytes). The
 * webhook sets it itself so that it knows the exact name of the pod it made a job for.
 */
export function generatedName(base: string, random: Uint8Array): string {
  let suffix = '';
  for (let i = 0; i < 5; i++) suffix += NAME_ALPHABET[(random[i] ?? 0) % NAME_ALPHABET.length];
  return `${base.slice(0, MAX_GENERATED_BASE)}${suffix}`;
}
