/**
 * The three webhook payloads of kube-apiserver (credential-protocols §7): TokenReview
 * (`authentication.k8s.io` v1 and v1beta1), SubjectAccessReview (`authorization.k8s.io` v1 and v1beta1) and
 * AdmissionReview (`admission.k8s.io` v1 and v1beta1), read from untrusted JSON into plain values, and the answers, which
 * always echo the request's `apiVersion` and `kind` (the API server decodes the answer as the version it sent).
 */
import { failWith, ok, type Result } from '../errors.ts';
import type { RbacAttributes } from '../rbac/index.ts';
import type { Principal } from '../iam/index.ts';
import { shortName } from '../directory/rules.ts';
import { kubernetesNameOverLimit, nonResourcePathOverLimit } from './limits.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Obj, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);
const str = (o: Obj, k: string): string => {
  const v = own(o, k);
  return typeof v === 'string' ? v : '';
};
const shown = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `a ${typeof v}`);

/**
 * Strict reads of a review's fields, as kube-apiserver writes them (Go's JSON: an absent field and `null` are the
 * zero value). A field of another type is an error naming its path, never read as absent: `extra.arn` sent as a
 * string instead of a list of strings would otherwise drop the IAM principal, and with it its explicit denies, and a
 * verb of another type would be the empty verb, which a rule with verb `*` allows (review N, N1).
 */
interface Reader {
  /** The first problem found, if any. */
  problem: { readonly path: string; readonly message: string } | undefined;
}

function wrong(r: Reader, path: string, want: string, got: unknown): void {
  r.problem ??= { path, message: `\`${path}\` must be ${want}, got ${shown(got)}; send the review as kube-apiserver does` };
}

function readString(r: Reader, o: Obj, k: string, path: string): string {
  const v = own(o, k);
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') {
    wrong(r, `${path}.${k}`, 'a string', v);
    return '';
  }
  return v;
}

function readStrings(r: Reader, o: Obj, k: string, path: string): string[] {
  const v = own(o, k);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    wrong(r, `${path}.${k}`, 'a list of strings', v);
    return [];
  }
  v.forEach((x, i) => {
    if (typeof x !== 'string') wrong(r, `${path}.${k}[${i}]`, 'a string', x);
  });
  return v.filter((x): x is string => typeof x === 'string');
}

function readExtra(r: Reader, o: Obj, k: string, path: string): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null);
  const v = own(o, k);
  if (v === undefined || v === null) return out;
  if (!isObj(v)) {
    wrong(r, `${path}.${k}`, 'a map of lists of strings', v);
    return out;
  }
  for (const key of Object.keys(v)) out[key] = readStrings(r, v, key, `${path}.${k}`);
  return out;
}

/** An optional object field: undefined when absent or `null`; another type is an error. */
function readObject(r: Reader, o: Obj, k: string, path: string): Obj | undefined {
  const v = own(o, k);
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) {
    wrong(r, `${path}.${k}`, 'an object', v);
    return undefined;
  }
  return v;
}

const invalid = <T>(r: Reader): Result<T> => failWith('VALIDATION_ERROR', r.problem?.message ?? 'invalid review', r.problem?.path ?? '');

// --- TokenReview -------------------------------------------------------------------------------------------

export const TOKEN_REVIEW_VERSIONS = ['authentication.k8s.io/v1', 'authentication.k8s.io/v1beta1'] as const;

export interface TokenReviewRequest {
  readonly apiVersion: string;
  readonly token: string;
  /** Absent when the request named none. */
  readonly audiences?: readonly string[];
}

export function parseTokenReview(body: unknown): Result<TokenReviewRequest> {
  if (!isObj(body)) return failWith('VALIDATION_ERROR', 'the body must be a TokenReview object');
  const apiVersion = str(body, 'apiVersion');
  if (!(TOKEN_REVIEW_VERSIONS as readonly string[]).includes(apiVersion) || str(body, 'kind') !== 'TokenReview') {
    return failWith('VALIDATION_ERROR', `expected a TokenReview of ${TOKEN_REVIEW_VERSIONS.join(' or ')}, got \`${shortName(apiVersion)}\` \`${shortName(str(body, 'kind'))}\``);
  }
  const spec = own(body, 'spec');
  if (!isObj(spec) || typeof own(spec, 'token') !== 'string') return failWith('VALIDATION_ERROR', '`spec.token` is required', 'spec.token');
  const r: Reader = { problem: undefined };
  const audiences = own(spec, 'audiences') === undefined || own(spec, 'audiences') === null ? undefined : readStrings(r, spec, 'audiences', 'spec');
  if (r.problem) return invalid(r);
  return ok({ apiVersion, token: own(spec, 'token') as string, ...(audiences !== undefined ? { audiences } : {}) });
}

export interface AuthenticatedUser {
  readonly username: string;
  readonly uid: string;
  readonly groups: readonly string[];
  readonly extra: Readonly<Record<string, readonly string[]>>;
}

/**
 * The audiences a Kubernetes API server is known by unless it is told otherwise (`--api-audiences` defaults to the
 * service-account issuer, `https://kubernetes.default.svc` on EKS and in credential-protocols §7.2's example; the
 * `.cluster.local` form on kubeadm clusters).
 */
export const API_SERVER_AUDIENCES: readonly string[] = ['https://kubernetes.default.svc', 'https://kubernetes.default.svc.cluster.local'];

/**
 * The answer to a TokenReview. `status.audiences` is "the intersection of the TokenReviewSpec audiences and the
 * token's audiences", and empty means "the token is valid against the audience of the Kubernetes API server"
 * (authentication/v1 `TokenReviewStatus`). A `k8s-aws-v1.` token is the API server's (signed for one cluster,
 * `x-k8s-aws-id`): its audiences are the API server's, so the answer names those of the asked audiences that are an
 * API server's (credential-protocols §7.2: asked `https://kubernetes.default.svc`, answered it), and none otherwise.
 * kube-apiserver then intersects what it asked with the answer, or with its own `--api-audiences` when the answer
 * names none: its own requests pass, and a TokenReview made through the API for another audience (a service
 * validating tokens meant for it, `vault`) is not authenticated for it. Echoing every audience asked claimed the token
 * for any of them (review ac, 3).
 */
export function tokenReviewAnswer(req: Pick<TokenReviewRequest, 'apiVersion' | 'audiences'>, result: { user: AuthenticatedUser } | { error: string }): unknown {
  const audiences = (req.audiences ?? []).filter((a) => API_SERVER_AUDIENCES.includes(a));
  const status = 'user' in result ? { authenticated: true, user: result.user, ...(audiences.length > 0 ? { audiences } : {}) } : { authenticated: false, error: result.error };
  return { apiVersion: req.apiVersion, kind: 'TokenReview', status };
}

// --- SubjectAccessReview -----------------------------------------------------------------------------------

export const SAR_VERSIONS = ['authorization.k8s.io/v1', 'authorization.k8s.io/v1beta1'] as const;

export interface AccessReviewRequest {
  readonly apiVersion: string;
  readonly attributes: RbacAttributes;
  /** The resource API version (`v1`), kept for the IAM view of the request. */
  readonly version: string;
}

/**
 * Reads a SubjectAccessReview; v1beta1 spells the groups field `group` (credential-protocols §7.1). Refused (400) as
 * the SubjectAccessReview API refuses it (`ValidateSubjectAccessReviewSpec`): neither or both of the attribute kinds,
 * neither a user nor a group; and, since kube-apiserver always sends them, a resource review without a verb, a
 * non-resource review without a verb or a path, and any field of the wrong type (review N, N1).
 */
export function parseSubjectAccessReview(body: unknown): Result<AccessReviewRequest> {
  if (!isObj(body)) return failWith('VALIDATION_ERROR', 'the body must be a SubjectAccessReview object');
  const apiVersion = str(body, 'apiVersion');
  if (!(SAR_VERSIONS as readonly string[]).includes(apiVersion) || str(body, 'kind') !== 'SubjectAccessReview') {
    return failWith('VALIDATION_ERROR', `expected a SubjectAccessReview of ${SAR_VERSIONS.join(' or ')}, got \`${shortName(apiVersion)}\` \`${shortName(str(body, 'kind'))}\``);
  }
  const spec = own(body, 'spec');
  if (!isObj(spec)) return failWith('VALIDATION_ERROR', '`spec` is required', 'spec');
  const r: Reader = { problem: undefined };
  const name = readString(r, spec, 'user', 'spec');
  const groups = readStrings(r, spec, apiVersion.endsWith('v1beta1') ? 'group' : 'groups', 'spec');
  const uid = readString(r, spec, 'uid', 'spec');
  const extra = readExtra(r, spec, 'extra', 'spec');
  const ra = readObject(r, spec, 'resourceAttributes', 'spec');
  const nra = readObject(r, spec, 'nonResourceAttributes', 'spec');
  if (r.problem) return invalid(r);
  if ((ra === undefined) === (nra === undefined)) return failWith('VALIDATION_ERROR', 'exactly one of `spec.resourceAttributes` and `spec.nonResourceAttributes` is required', 'spec');
  if (name === '' && groups.length === 0) return failWith('VALIDATION_ERROR', `at least one of \`spec.user\` and \`spec.${apiVersion.endsWith('v1beta1') ? 'group' : 'groups'}\` is required`, 'spec.user');
  const user = { name, groups, ...(uid !== '' ? { uid } : {}), extra };
  if (ra !== undefined) {
    const at = 'spec.resourceAttributes';
    const a = {
      verb: readString(r, ra, 'verb', at),
      namespace: readString(r, ra, 'namespace', at),
      apiGroup: readString(r, ra, 'group', at),
      version: readString(r, ra, 'version', at),
      resource: readString(r, ra, 'resource', at),
      subresource: readString(r, ra, 'subresource', at),
      name: readString(r, ra, 'name', at),
    };
    if (r.problem) return invalid(r);
    if (a.verb === '') return failWith('VALIDATION_ERROR', `\`${at}.verb\` is required (get, list, watch, create…)`, `${at}.verb`);
    // One rule with the authorize API's Kubernetes questions (limits.ts; reviews kc 2 and ki 1).
    const over = kubernetesNameOverLimit(a);
    if (over !== undefined) {
      const field = over.attribute === 'apiGroup' ? 'group' : over.attribute;
      return failWith(
        'VALIDATION_ERROR',
        `\`${at}.${field}\` is ${over.length} characters; ${over.what} is at most ${over.max}, so no object is named by it: send what kube-apiserver's requests name`,
        `${at}.${field}`,
      );
    }
    const { version, ...attrs } = a;
    return ok({ apiVersion, version, attributes: { user, resourceRequest: true, ...attrs } });
  }
  const at = 'spec.nonResourceAttributes';
  const verb = readString(r, nra as Obj, 'verb', at);
  const path = readString(r, nra as Obj, 'path', at);
  if (r.problem) return invalid(r);
  if (verb === '') return failWith('VALIDATION_ERROR', `\`${at}.verb\` is required (get, post…)`, `${at}.verb`);
  if (path === '') return failWith('VALIDATION_ERROR', `\`${at}.path\` is required (\`/healthz\`…)`, `${at}.path`);
  // One rule with the authorize API's `kubernetes:<verb>` on `<cluster>/<path>` (limits.ts; review kl, 2).
  const over = nonResourcePathOverLimit(path);
  if (over !== undefined) return failWith('VALIDATION_ERROR', `\`${at}.path\` is ${over.length} characters; ${over.what} is at most ${over.max}: send the path kube-apiserver's request names, without its query`, `${at}.path`);
  return ok({ apiVersion, version: '', attributes: { user, verb, resourceRequest: false, path } });
}

export function accessReviewAnswer(apiVersion: string, status: { allowed: boolean; denied?: boolean; reason: string; evaluationError?: string }): unknown {
  return {
    apiVersion,
    kind: 'SubjectAccessReview',
    status: { allowed: status.allowed, ...(status.denied ? { denied: true } : {}), reason: status.reason, ...(status.evaluationError ? { evaluationError: status.evaluationError } : {}) },
  };
}

// --- AdmissionReview ---------------------------------------------------------------------------------------

export const ADMISSION_VERSION = 'admission.k8s.io/v1';
/**
 * The versions answered, each in its own (credential-protocols §7: the same `apiVersion` and `kind`). v1beta1 has the
 * same fields; kube-apiserver sends it to a webhook whose `admissionReviewVersions` lists only it (review ac, 4).
 */
export const ADMISSION_VERSIONS = [ADMISSION_VERSION, 'admission.k8s.io/v1beta1'] as const;
const OPERATIONS: readonly string[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

export interface AdmissionRequest {
  /** The version asked in, and answered in. */
  readonly apiVersion: string;
  readonly uid: string;
  readonly kind: { readonly group: string; readonly version: string; readonly kind: string };
  readonly subResource: string;
  readonly namespace: string;
  readonly name: string;
  readonly operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT' | string;
  readonly userInfo: AuthenticatedUser;
  readonly object: Obj | undefined;
  readonly oldObject: Obj | undefined;
  readonly dryRun: boolean;
  /** A DELETE's `options.gracePeriodSeconds` (`DeleteOptions`), when it names one. */
  readonly gracePeriodSeconds?: number;
}

/**
 * Reads an AdmissionReview as strictly as a SubjectAccessReview (review N, N1; review ac, 5): a field of the wrong type
 * is a 400 naming it, never read as absent. Read as absent, a `request.kind` that is not an object made every review
 * a kind Gatehouse does not look at, answered `allowed: true` without a check, and `userInfo.extra.arn` sent as a
 * string dropped the IAM principal. `request.kind` and `request.operation` are required, as kube-apiserver always
 * sends them; `null` is an absent field, as in Go's JSON.
 */
export function parseAdmissionReview(body: unknown): Result<AdmissionRequest> {
  if (!isObj(body)) return failWith('VALIDATION_ERROR', 'the body must be an AdmissionReview object');
  const apiVersion = str(body, 'apiVersion');
  if (!(ADMISSION_VERSIONS as readonly string[]).includes(apiVersion) || str(body, 'kind') !== 'AdmissionReview') {
    return failWith('VALIDATION_ERROR', `expected an AdmissionReview of ${ADMISSION_VERSIONS.join(' or ')} (set admissionReviewVersions: ["v1"]), got \`${shortName(str(body, 'apiVersion'))}\` \`${shortName(str(body, 'kind'))}\``);
  }
  const r = own(body, 'request');
  if (!isObj(r) || typeof own(r, 'uid') !== 'string' || str(r, 'uid') === '') return failWith('VALIDATION_ERROR', '`request.uid` is required', 'request.uid');
  const rd: Reader = { problem: undefined };
  const kind = readObject(rd, r, 'kind', 'request');
  const group = kind ? readString(rd, kind, 'group', 'request.kind') : '';
  const version = kind ? readString(rd, kind, 'version', 'request.kind') : '';
  const kindName = kind ? readString(rd, kind, 'kind', 'request.kind') : '';
  const subResource = readString(rd, r, 'subResource', 'request');
  const namespace = readString(rd, r, 'namespace', 'request');
  const name = readString(rd, r, 'name', 'request');
  const operation = readString(rd, r, 'operation', 'request');
  const ui = readObject(rd, r, 'userInfo', 'request');
  const userInfo = {
    username: ui ? readString(rd, ui, 'username', 'request.userInfo') : '',
    uid: ui ? readString(rd, ui, 'uid', 'request.userInfo') : '',
    groups: ui ? readStrings(rd, ui, 'groups', 'request.userInfo') : [],
    extra: ui ? readExtra(rd, ui, 'extra', 'request.userInfo') : (Object.create(null) as Record<string, string[]>),
  };
  const object = readObject(rd, r, 'object', 'request');
  const oldObject = readObject(rd, r, 'oldObject', 'request');
  const dryRun = own(r, 'dryRun');
  if (dryRun !== undefined && dryRun !== null && typeof dryRun !== 'boolean') wrong(rd, 'request.dryRun', 'true or false', dryRun);
  // A DELETE's grace period decides whether it removes the pod now or starts its termination (`podDeletionIsFinal`).
  const options = readObject(rd, r, 'options', 'request');
  const grace = options ? own(options, 'gracePeriodSeconds') : undefined;
  if (grace !== undefined && grace !== null && !Number.isSafeInteger(grace)) wrong(rd, 'request.options.gracePeriodSeconds', 'a whole number of seconds', grace);
  if (rd.problem) return invalid(rd);
  if (kindName === '') return failWith('VALIDATION_ERROR', '`request.kind.kind` is required (Pod, Deployment…)', 'request.kind.kind');
  if (!OPERATIONS.includes(operation)) return failWith('VALIDATION_ERROR', `\`request.operation\` must be one of ${OPERATIONS.join(', ')}, got \`${shortName(operation)}\``, 'request.operation');
  return ok({ apiVersion, uid: str(r, 'uid'), kind: { group, version, kind: kindName }, subResource, namespace, name, operation, userInfo, object, oldObject, dryRun: dryRun === true, ...(typeof grace === 'number' ? { gracePeriodSeconds: grace } : {}) });
}

export type JsonPatchOp = { readonly op: 'add' | 'replace' | 'remove'; readonly path: string; readonly value?: unknown };

export type AdmissionVerdict =
  | { readonly allowed: true; readonly patch?: readonly JsonPatchOp[]; readonly auditAnnotations?: Readonly<Record<string, string>>; readonly warnings?: readonly string[] }
  /**
   * `role`: the role the refusal is about when it is not the one the object's annotation names (recorded, not sent).
   * `decided`: the explicit deny that refused an object that is no pod or workload, recorded as that decision (not sent).
   */
  | { readonly allowed: false; readonly code: number; readonly message: string; readonly role?: string; readonly decided?: Decided; readonly auditAnnotations?: Readonly<Record<string, string>>; readonly warnings?: readonly string[] };

/** An explicit deny of `action` on `resource` to `principal` that refused an admission (`AdmissionVerdict`). */
export interface Decided {
  readonly principal: Principal;
  readonly action: string;
  readonly resource: string;
  /** `ImplicitDeny` when the principal's policies could not be read (review ix, 2); absent, an explicit deny. */
  readonly decision?: 'ExplicitDeny' | 'ImplicitDeny';
}

/**
 * In the request's version; `response.uid` echoes `request.uid`; a patch is the base64 of the RFC 6902 JSON array,
 * with `patchType`. `auditAnnotations` and `warnings` are sent on a refusal too: kube-apiserver records the annotations
 * in its audit log and relays the warnings whether or not the webhook allowed the request (admission.k8s.io/v1
 * AdmissionResponse).
 */
export function admissionAnswer(req: Pick<AdmissionRequest, 'apiVersion' | 'uid'>, v: AdmissionVerdict): unknown {
  const response: Obj = { uid: req.uid, allowed: v.allowed };
  if (v.allowed) {
    if (v.patch && v.patch.length > 0) {
      response['patchType'] = 'JSONPatch';
      response['patch'] = Buffer.from(JSON.stringify(v.patch), 'utf8').toString('base64');
    }
  } else {
    response['status'] = { code: v.code, message: v.message };
  }
  if (v.auditAnnotations && Object.keys(v.auditAnnotations).length > 0) response['auditAnnotations'] = v.auditAnnotations;
  if (v.warnings && v.warnings.length > 0) response['warnings'] = v.warnings;
  return { apiVersion: req.apiVersion, kind: 'AdmissionReview', response };
}

/** JSON Pointer escaping (RFC 6901): `gatehouse.dev/role` → `gatehouse.dev~1role`. */
export const pointer = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');
