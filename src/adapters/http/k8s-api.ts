/**
 * Kubernetes on the `--listen` port (DESIGN.md "Kubernetes webhooks"; credential-protocols §6.2, §7).
 *
 * Webhooks kube-apiserver calls, each authenticated with the cluster's bearer token (`gatehouse kube
 * webhook-config`), each answering in the `apiVersion` it was asked in:
 *   POST /k8s/{cluster}/authenticate   TokenReview (authentication.k8s.io v1, v1beta1)
 *   POST /k8s/{cluster}/authorize      SubjectAccessReview (authorization.k8s.io v1, v1beta1)
 *   POST /k8s/{cluster}/admit          AdmissionReview (admission.k8s.io v1, v1beta1): pods and workloads
 *
 * Admin routes under `/v1/` (SigV4 service `gatehouse`):
 *   GET    /v1/clusters/{name}/access-entries            POST {principalArn, kubernetesGroups, username?}
 *   GET    /v1/clusters/{name}/access-entries/{arn}      DELETE /v1/clusters/{name}/access-entries/{arn}
 *   POST   /v1/clusters/{name}/webhook-config {rotate?}  → {cluster, account, token, caBundle?}
 *
 * A token is verified here, locally: its URL's shape (core/kube/token.ts), then its SigV4 presigned signature
 * over `host` and `x-k8s-aws-id: <cluster>` with the secret of its access key (a long-term key from the
 * directory, or a session opened from its token), valid 15 minutes after signing. No call leaves the server.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { failWith, ok } from '../../core/errors.ts';
import {
  accessReviewAnswer,
  admissionAnswer,
  CLUSTER_ID_HEADER,
  decodeToken,
  MAX_PRESIGNED_URL_LENGTH,
  MAX_TOKEN_LENGTH,
  parseAdmissionReview,
  parseSubjectAccessReview,
  parseTokenReview,
  TOKEN_LIFETIME_SECONDS,
  tokenReviewAnswer,
  type AuthenticatedUser,
} from '../../core/kube/index.ts';
import { recordAuthFailure } from '../../app/auth-failures.ts';
import type { App } from '../../app/index.ts';
import { keyUsedBy } from '../../app/principals.ts';
import type { Kube, KubeCluster, TokenRefusal } from '../../app/kube.ts';
import { parseSigV4, type SigV4Request } from '../sigv4/index.ts';
import { KEY_REFUSALS, signedByKeyHolder } from './key-holder.ts';
import { endThisTurn, RETRY_AFTER_SECONDS } from './lifecycle.ts';
import { bodySyntaxError, BodyTooLarge, onlyFields, readBody, type ExtraRoute } from './admin-api.ts';
import { sourceIpOf } from './request-facts.ts';
import { shownSegment } from './request-target.ts';
import { shapePast } from './json-keys.ts';
import { shortName } from '../../core/directory/rules.ts';

/** Reviews are small; an AdmissionReview carries the object and the old object (pods are at most ~1.5 MiB each). */
const MAX_REVIEW_BODY = 64 << 10;
const MAX_ADMISSION_BODY = 4 << 20;
/** The deepest a review may nest objects and arrays (the review is level 1); what Kubernetes sends is tens of levels deep. */
const MAX_REVIEW_DEPTH = 512;

export interface KubeHttpOptions {
  readonly app: App;
  readonly kube: Kube;
  /** `host[:port]` values (lower case) that a token's URL may name for this server (besides sts.amazonaws.com). */
  readonly tokenHosts: () => readonly string[];
  /** PEM of the certificate this server serves with, when it speaks HTTPS (for kubeconfigs and caBundle). */
  readonly certificate?: () => string | undefined;
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  // kube-apiserver's client retries a 5xx only with `Retry-After` (k8s.io/client-go rest `checkWait`; review mj, 2).
  if (status === 503) res.setHeader('retry-after', RETRY_AFTER_SECONDS);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  endThisTurn(res, body);
}

/**
 * The `StatusReason` of each code answered (k8s.io/apimachinery `metav1.StatusReason`). metav1 has no reason of its own
 * for 431 (request line and headers over the edge's limit): the nearest, `RequestEntityTooLarge`, as for 413.
 */
export const STATUS_REASONS: Readonly<Record<400 | 401 | 404 | 405 | 413 | 431 | 500 | 503, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  413: 'RequestEntityTooLarge',
  431: 'RequestEntityTooLarge',
  500: 'InternalError',
  503: 'ServiceUnavailable',
};

/**
 * A Kubernetes `Status` failure, the shape the API server's webhook clients log. Also what the server answers a webhook
 * that failed (503 when the store is unreachable, 500 for a bug): the AWS XML of the Query APIs meant nothing to
 * kube-apiserver, which logged it as an undecodable body.
 */
export function status(res: ServerResponse, code: keyof typeof STATUS_REASONS, message: string): void {
  sendJson(res, code, statusOf(code, message));
}

/** The JSON text of a `Status` failure, for an answer written to the socket before any request object (the 431). */
export function statusText(code: keyof typeof STATUS_REASONS, message: string): string {
  return JSON.stringify(statusOf(code, message));
}

function statusOf(code: keyof typeof STATUS_REASONS, message: string) {
  return { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason: STATUS_REASONS[code], message };
}

/**
 * A cluster's name is up to 128 characters of `+=,.@_-` and alphanumerics, written percent-encoded in the URLs
 * `webhook-config` makes (`@` as `%40`): the segment is read up to three characters a name character. Routed only when
 * the encoded segment was 128 characters at most, the webhooks of a long name holding `@`, `=`, `+` or `,` answered 404
 * at the URLs the files name (review hr, 1).
 */
const WEBHOOK_PATH = /^\/k8s\/([^/]{1,384})\/(authenticate|authorize|admit)$/;

/**
 * The most a webhook at `path` reads of a body (64 KiB of a TokenReview or SubjectAccessReview, 4 MiB of an
 * AdmissionReview), or undefined for a path that is not a webhook's: the edge counts a body against its budget at its
 * route's own limit (server.ts `bodyClaim`, review lz, 3).
 */
export function webhookBodyLimit(path: string): number | undefined {
  const which = WEBHOOK_PATH.exec(path)?.[2];
  return which === undefined ? undefined : which === 'admit' ? MAX_ADMISSION_BODY : MAX_REVIEW_BODY;
}

export function isKubeWebhook(path: string | undefined): boolean {
  return path !== undefined && path.startsWith('/k8s/');
}

/** Answers one request under `/k8s/`. */
export function kubeWebhookHandler(opts: KubeHttpOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const { app, kube } = opts;

  async function authenticate(cluster: KubeCluster, clusterName: string, body: unknown, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const review = parseTokenReview(body);
    if (!review.ok) return status(res, 400, review.errors[0]?.message ?? 'invalid TokenReview');
    const answer = (r: { user: AuthenticatedUser } | { error: string }): void => sendJson(res, 200, tokenReviewAnswer(review.value, r));
    // Every refusal past the bearer check is recorded (app/kube.ts `tokenRefused`: flood-limited, never the token).
    const refuse = (error: string, r: Omit<TokenRefusal, 'sourceIp'>): void => {
      kube.tokenRefused(cluster, { ...r, sourceIp: sourceIpOf(req) });
      answer({ error });
    };
    const decoded = decodeToken(review.value.token, { own: opts.tokenHosts() });
    if (!decoded.ok) return refuse(decoded.errors[0]?.message ?? 'invalid token', { step: 'token', message: decoded.errors[0]?.message ?? '' });
    const target = decoded.value.target;
    const tokenRequest = (name: string): SigV4Request => ({ method: 'GET', path: target, headers: { host: decoded.value.host, [CLUSTER_ID_HEADER]: name } });
    const TOKEN_SIGV4 = { presignedMinLifetimeSeconds: TOKEN_LIFETIME_SECONDS, expectedService: 'sts' } as const;
    const signedFor = (name: string) => parseSigV4(tokenRequest(name), app.deps.now(), TOKEN_SIGV4);
    // A token refused for its time or its key before its signature was checked: whether the key's secret signed it (for
    // this cluster, under any name it goes by, as below), checked as of its own time (review um, 1; key-holder.ts).
    const signedByHolder = (signedAt: number | undefined): boolean | undefined =>
      signedByKeyHolder(app, [...new Set([clusterName, cluster.name, cluster.name.toLowerCase()])].map(tokenRequest), signedAt, TOKEN_SIGV4);
    const parsed = signedFor(clusterName);
    if (!parsed.ok) return refuse(`the token's signature is not valid: ${parsed.message}`, { step: 'signature', code: parsed.code, message: parsed.message, target, signatureVerified: signedByHolder(parsed.signedAt) });
    const who = await app.authenticate(parsed.accessKeyId, parsed.sessionToken);
    // Not checked (the store not answering: a console sign-in's last use unread) is no refusal: 503 with Retry-After,
    // which kube-apiserver retries, as any other webhook the store failed. Answered `authenticated: false`, the request
    // failed 401 at once and kubectl's exec plugin dropped its credential (review og, 4).
    if (!who.ok && who.errors[0]?.code === 'SERVICE_UNAVAILABLE') {
      app.deps.metrics?.storeUnavailable?.();
      return status(res, 503, who.errors[0].message);
    }
    if (!who.ok) {
      const code = who.errors[0]?.code ?? '';
      return refuse(`the token's credentials are not valid: ${who.errors[0]?.message ?? 'unknown key'}`, { step: 'credentials', code, message: who.errors[0]?.message ?? '', target, signatureVerified: KEY_REFUSALS.has(code) ? signedByHolder(parsed.signedAt) : undefined });
    }
    let v = parsed.verify(who.value.secret);
    // The token signs the cluster's name as its maker typed it (`gatehouse kube token --cluster`, `aws eks get-token
    // --cluster-name`), while Gatehouse takes a cluster's name in any case everywhere else (access entries, apply,
    // webhook-config, which writes the URL with the Cluster document's spelling): the names this cluster goes by are
    // tried too, the document's and its lower case (what `gatehouse kube token` signs). A token made for another
    // cluster still fails (review em, 2).
    for (const name of [cluster.name, cluster.name.toLowerCase()]) {
      if (v.ok) break;
      if (name === clusterName) continue;
      const again = signedFor(name);
      if (again.ok && again.verify(who.value.secret).ok) v = { ok: true };
    }
    // A mismatch is also what a token minted for another cluster gives (x-k8s-aws-id is signed).
    if (!v.ok) return refuse(`the token's signature does not match (was it made for cluster ${clusterName}?): ${v.message}`, { step: 'mismatch', code: v.code, message: v.message, target });
    app.keyUse.note(keyUsedBy(who.value.caller, parsed.accessKeyId), parsed.service, parsed.region);
    app.signatureVerified(who.value.caller);
    // The region the token was signed for: `aws:RequestedRegion` of the decisions made for its user (review kc, 1).
    const user = kube.identify(cluster, who.value.caller, parsed.accessKeyId, parsed.region);
    if (!user.ok) return refuse(user.errors[0]?.message ?? 'no access entry', { step: 'entry', message: user.errors[0]?.message ?? '', target });
    answer({ user: user.value });
  }

  return async (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const m = path !== undefined ? WEBHOOK_PATH.exec(path) : null;
    if (!m) return status(res, 404, `no route for ${req.method} ${path}; the webhooks are POST /k8s/{cluster}/authenticate, /authorize and /admit`);
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      return status(res, 405, `${req.method} is not allowed; webhooks take POST`);
    }
    let clusterName: string;
    try {
      clusterName = decodeURIComponent(m[1] as string);
    } catch {
      return status(res, 400, 'the cluster name is not valid percent-encoding');
    }
    const which = m[2] as 'authenticate' | 'authorize' | 'admit';
    // The bearer token does not cover the body, so it is checked first: an unauthenticated caller never has an
    // admission body (up to 4 MiB) read (review limits, L11).
    const auth = req.headers.authorization;
    const bearer = auth !== undefined && auth.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    const cluster = await kube.webhookCluster(clusterName, bearer);
    if (!cluster) {
      // A refused webhook caller is recorded as the SigV4 doors' refusals are (flood-limited, anonymous: the token
      // names no principal); never the token, nor any other header.
      recordAuthFailure(app, {
        // The cluster as routed, whichever characters the caller encoded (`ml%40east`, as the kubeconfigs write it, is
        // `ml@east`): one webhook, one action (review vu, 2).
        action: `POST /k8s/${shownSegment(clusterName)}/${which}`,
        code: 'Unauthorized',
        message: bearer === undefined ? 'no webhook bearer token' : 'wrong webhook bearer token',
        sourceIp: sourceIpOf(req),
      });
      // The body was not read: answer and close rather than drain it.
      res.setHeader('connection', 'close');
      return status(res, 401, `the webhook token for cluster ${clusterName} is missing or wrong; use the kubeconfig that \`gatehouse kube webhook-config --cluster ${clusterName}\` writes`);
    }
    let raw: Buffer;
    const limit = which === 'admit' ? MAX_ADMISSION_BODY : MAX_REVIEW_BODY;
    try {
      raw = await readBody(req, limit);
    } catch (e) {
      // Said with the limit and what is large in a review (review N, N6): kube-apiserver logs this message.
      if (e instanceof BodyTooLarge) {
        return status(
          res,
          413,
          which === 'admit'
            ? `the AdmissionReview is larger than ${limit >> 20} MiB; Gatehouse reads pods and workloads up to that size: exclude larger objects from the webhook's rules`
            : which === 'authorize'
              ? `the SubjectAccessReview is larger than ${limit >> 10} KiB; its user's groups and extra make it so: give the user fewer groups (kube-apiserver decides this request with its next authorizer, or the webhook's failurePolicy)`
              : `the TokenReview is larger than ${limit >> 10} KiB; a k8s-aws-v1. token is at most ${MAX_TOKEN_LENGTH} characters (a presigned STS URL of up to ${MAX_PRESIGNED_URL_LENGTH >> 10} KiB, session token included): send the token alone`,
        );
      }
      throw e;
    }
    let body: unknown;
    const text = raw.toString('utf8');
    try {
      body = JSON.parse(text);
    } catch (e) {
      return status(res, 400, bodySyntaxError(text, e, 'the body').message);
    }
    // Refused before it is read, as the admin API refuses a body (review fd, 1): the admission of an UPDATE compares
    // the pod templates by walking them (core/kube/changes.ts), which overflowed the stack some thousands of levels
    // down and answered 500 (review ij, 2). kube-apiserver decodes up to 10,000 levels, and passes on a custom
    // resource's unknown fields as written.
    const past = shapePast(text, MAX_REVIEW_DEPTH, Number.MAX_SAFE_INTEGER);
    if (past !== undefined) {
      const what = which === 'admit' ? 'AdmissionReview' : which === 'authorize' ? 'SubjectAccessReview' : 'TokenReview';
      return status(res, 400, `\`${shortName(past.path, 200)}\` is nested past ${MAX_REVIEW_DEPTH} levels of objects and arrays (the ${what} is level 1); no Kubernetes object is that deep: ${which === 'admit' ? "exclude such objects from the webhook's rules" : 'send the review as kube-apiserver does'}`);
    }
    if (which === 'authenticate') return authenticate(cluster, clusterName, body, req, res);
    if (which === 'authorize') {
      const review = parseSubjectAccessReview(body);
      if (!review.ok) return status(res, 400, review.errors[0]?.message ?? 'invalid SubjectAccessReview');
      const a = await kube.accessReview(cluster, review.value);
      return sendJson(res, 200, accessReviewAnswer(review.value.apiVersion, a));
    }
    const review = parseAdmissionReview(body);
    if (!review.ok) return status(res, 400, review.errors[0]?.message ?? 'invalid AdmissionReview');
    sendJson(res, 200, admissionAnswer(review.value, await kube.admit(cluster, review.value)));
  };
}

/**
 * What a route of `/v1/clusters` tells the audit log's wrapper (audit-api.ts `recordEdgeChanges`): the action and the
 * stored cluster's ARN, and what the record says of the stored entry (review sr, 2).
 */
type Told = { readonly actionDecided?: (action: string, resource: string, about?: Record<string, unknown>) => void };

/** The `/v1/` routes of access entries and webhook configuration. */
export function kubeRoutes(opts: Pick<KubeHttpOptions, 'kube' | 'certificate'>): ExtraRoute[] {
  const { kube } = opts;
  return [
    {
      method: 'GET',
      pattern: ['clusters', ':name', 'access-entries'],
      handler: async ({ caller, params }) => {
        const r = await kube.listEntries(caller, params['name'] ?? '');
        return r.ok ? ok({ body: { accessEntries: r.value } }) : r;
      },
    },
    {
      method: 'POST',
      pattern: ['clusters', ':name', 'access-entries'],
      handler: async ({ caller, params, body, actionDecided }: Parameters<ExtraRoute['handler']>[0] & Told) => {
        // A misspelt field would be dropped: `kubernetesGroup` made an entry with no groups (review K, K5).
        const fields = onlyFields(body, ['principalArn', 'kubernetesGroups', 'username']);
        if (!fields.ok) return fields;
        const r = await kube.createAccessEntry(caller, params['name'] ?? '', body, actionDecided);
        return r.ok ? ok({ status: 201, body: r.value }) : r;
      },
    },
    {
      method: 'GET',
      pattern: ['clusters', ':name', 'access-entries', ':arn'],
      handler: async ({ caller, params }) => {
        const r = await kube.describeEntry(caller, params['name'] ?? '', params['arn'] ?? '');
        return r.ok ? ok({ body: r.value }) : r;
      },
    },
    {
      method: 'DELETE',
      pattern: ['clusters', ':name', 'access-entries', ':arn'],
      handler: async ({ caller, params, actionDecided }: Parameters<ExtraRoute['handler']>[0] & Told) => {
        const r = await kube.deleteEntry(caller, params['name'] ?? '', params['arn'] ?? '', actionDecided);
        return r.ok ? ok({ body: { deleted: r.value } }) : r;
      },
    },
    {
      method: 'POST',
      pattern: ['clusters', ':name', 'webhook-config'],
      handler: async ({ caller, params, body, actionDecided }: Parameters<ExtraRoute['handler']>[0] & Told) => {
        // `rotat` answered 200 with the old token: a leaked token an operator meant to replace kept working (review K, K5).
        const fields = onlyFields(body, ['rotate']);
        if (!fields.ok) return fields;
        const rotate = body['rotate'];
        if (rotate !== undefined && typeof rotate !== 'boolean') return failWith('VALIDATION_ERROR', '`rotate` must be true or false', 'rotate');
        const r = await kube.webhookConfig(caller, params['name'] ?? '', rotate === true, actionDecided);
        if (!r.ok) return r;
        const pem = opts.certificate?.();
        return ok({ body: { ...r.value, ...(pem !== undefined ? { caBundle: Buffer.from(pem, 'utf8').toString('base64') } : {}) } });
      },
    },
  ];
}
