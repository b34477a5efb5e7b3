/**
 * The three webhook payloads of kube-apiserver (credential-protocols §7): TokenReview
 * (`authentication.k8s.io` v1 and v1beta1), SubjectAccessReview (`authorization.k8s.io` v1 and v1beta1) and
 * AdmissionReview (`admission.k8s.io/v1`), read from untrusted JSON into plain values, and the answers, which
 * always echo the request's `apiVersion` and `kind` (the API server decodes the answer as the version it sent).
 */
import { failWith, ok, type Result } from '../errors.ts';
import type { RbacAttributes } from '../rbac/index.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: Obj, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);
const str = (o: Obj, k: string): string => {
  const v = own(o, k);
  return typeof v === 'string' ? v : '';
};
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function extraOf(v: unknown): Record<string, string[]> {
  const out: Record<string, string[]> = Object.create(null);
  if (!isObj(v)) return out;
  for (const [k, vals] of Object.entries(v)) out[k] = strings(vals);
  return out;
}

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
    return failWith('VALIDATION_ERROR', `expected a TokenReview of ${TOKEN_REVIEW_VERSIONS.join(' or ')}, got \`${apiVersion}\` \`${str(body, 'kind')}\``);
  }
  const spec = own(body, 'spec');
  if (!isObj(spec) || typeof own(spec, 'token') !== 'string') return failWith('VALIDATION_ERROR', '`spec.token` is required', 'spec.token');
  const audiences = own(spec, 'audiences');
  return ok({ apiVersion, token: own(spec, 'token') as string, ...(Array.isArray(audiences) ? { audiences: strings(audiences) } : {}) });
}

export interface AuthenticatedUser {
  readonly username: string;
  readonly uid: string;
  readonly groups: readonly string[];
  readonly extra: Readonly<Record<string, readonly string[]>>;
}

export function tokenReviewAnswer(req: Pick<TokenReviewRequest, 'apiVersion' | 'audiences'>, result: { user: AuthenticatedUser } | { error: string }): unknown {
  const status =
    'user' in result
      ? { authenticated: true, user: result.user, ...(req.audiences !== undefined && req.audiences.length > 0 ? { audiences: req.audiences } : {}) }
      : { authenticated: false, error: result.error };
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

/** Reads a SubjectAccessReview; v1beta1 spells the groups field `group` (credential-protocols §7.1). */
export function parseSubjectAccessReview(body: unknown): Result<AccessReviewRequest> {
  if (!isObj(body)) return failWith('VALIDATION_ERROR', 'the body must be a SubjectAccessReview object');
  const apiVersion = str(body, 'apiVersion');
  if (!(SAR_VERSIONS as readonly string[]).includes(apiVersion) || str(body, 'kind') !== 'SubjectAccessReview') {
    return failWith('VALIDATION_ERROR', `expected a SubjectAccessReview of ${SAR_VERSIONS.join(' or ')}, got \`${apiVersion}\` \`${str(body, 'kind')}\``);
  }
  const spec = own(body, 'spec');
  if (!isObj(spec)) return failWith('VALIDATION_ERROR', '`spec` is required', 'spec');
  const groups = strings(own(spec, apiVersion.endsWith('v1beta1') ? 'group' : 'groups'));
  const uid = str(spec, 'uid');
  const extra = extraOf(own(spec, 'extra'));
  const user = { name: str(spec, 'user'), groups, ...(uid !== '' ? { uid } : {}), extra };
  const ra = own(spec, 'resourceAttributes');
  const nra = own(spec, 'nonResourceAttributes');
  if (isObj(ra) && nra === undefined) {
    return ok({
      apiVersion,
      version: str(ra, 'version'),
      attributes: {
        user,
        verb: str(ra, 'verb'),
        resourceRequest: true,
        namespace: str(ra, 'namespace'),
        apiGroup: str(ra, 'group'),
        resource: str(ra, 'resource'),
        subresource: str(ra, 'subresource'),
        name: str(ra, 'name'),
      },
    });
  }
  if (isObj(nra) && ra === undefined) return ok({ apiVersion, version: '', attributes: { user, verb: str(nra, 'verb'), resourceRequest: false, path: str(nra, 'path') } });
  return failWith('VALIDATION_ERROR', 'exactly one of `spec.resourceAttributes` and `spec.nonResourceAttributes` is required', 'spec');
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

export interface AdmissionRequest {
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
}

export function parseAdmissionReview(body: unknown): Result<AdmissionRequest> {
  if (!isObj(body)) return failWith('VALIDATION_ERROR', 'the body must be an AdmissionReview object');
  if (str(body, 'apiVersion') !== ADMISSION_VERSION || str(body, 'kind') !== 'AdmissionReview') {
    return failWith('VALIDATION_ERROR', `expected an AdmissionReview of ${ADMISSION_VERSION} (set admissionReviewVersions: ["v1"]), got \`${str(body, 'apiVersion')}\` \`${str(body, 'kind')}\``);
  }
  const r = own(body, 'request');
  if (!isObj(r) || str(r, 'uid') === '') return failWith('VALIDATION_ERROR', '`request.uid` is required', 'request.uid');
  const kind = isObj(own(r, 'kind')) ? (own(r, 'kind') as Obj) : {};
  const ui = isObj(own(r, 'userInfo')) ? (own(r, 'userInfo') as Obj) : {};
  const object = own(r, 'object');
  const oldObject = own(r, 'oldObject');
  return ok({
    uid: str(r, 'uid'),
    kind: { group: str(kind, 'group'), version: str(kind, 'version'), kind: str(kind, 'kind') },
    subResource: str(r, 'subResource'),
    namespace: str(r, 'namespace'),
    name: str(r, 'name'),
    operation: str(r, 'operation'),
    userInfo: { username: str(ui, 'username'), uid: str(ui, 'uid'), groups: strings(own(ui, 'groups')), extra: extraOf(own(ui, 'extra')) },
    object: isObj(object) ? object : undefined,
    oldObject: isObj(oldObject) ? oldObject : undefined,
    dryRun: own(r, 'dryRun') === true,
  });
}

export type JsonPatchOp = { readonly op: 'add' | 'replace' | 'remove'; readonly path: string; readonly value?: unknown };

export type AdmissionVerdict =
  | { readonly allowed: true; readonly patch?: readonly JsonPatchOp[]; readonly auditAnnotations?: Readonly<Record<string, string>>; readonly warnings?: readonly string[] }
  | { readonly allowed: false; readonly code: number; readonly message: string };

/** `response.uid` echoes `request.uid`; a patch is the base64 of the RFC 6902 JSON array, with `patchType`. */
export function admissionAnswer(uid: string, v: AdmissionVerdict): unknown {
  const response: Obj = { uid, allowed: v.allowed };
  if (v.allowed) {
    if (v.patch && v.patch.length > 0) {
      response['patchType'] = 'JSONPatch';
      response['patch'] = Buffer.from(JSON.stringify(v.patch), 'utf8').toString('base64');
    }
    if (v.auditAnnotations && Object.keys(v.auditAnnotations).length > 0) response['auditAnnotations'] = v.auditAnnotations;
    if (v.warnings && v.warnings.length > 0) response['warnings'] = v.warnings;
  } else {
    response['status'] = { code: v.code, message: v.message };
  }
  return { apiVersion: ADMISSION_VERSION, kind: 'AdmissionReview', response };
}

/** JSON Pointer escaping (RFC 6901): `gatehouse.dev/role` → `gatehouse.dev~1role`. */
export const pointer = (s: string): string => s.replace(/~/g, '~0').replace(/\//g, '~1');
