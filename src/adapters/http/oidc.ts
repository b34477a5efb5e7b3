/**
 * OIDC over HTTP, both directions.
 *
 * - Served: the discovery document (OpenID Connect Discovery 1.0 §4) at `/.well-known/openid-configuration`
 *   and the issuer's JWKS (RFC 7517 §5) at `/.well-known/jwks.json`, unauthenticated and cacheable, as
 *   relying parties (AWS STS, Kubernetes, Vault, this server) fetch them.
 * - Fetched: a registered provider's keys, by discovery (`fetchJwks`): GET `<issuer>/.well-known/openid-configuration`,
 *   its `issuer` must equal the registered URL (§4.3), then GET its `jwks_uri`. HTTPS only, no redirects, 5 s and
 *   256 KiB per response: registration must not become a way to make the server wander the network or hang.
 *   Plain HTTP only for an issuer whose URL is itself `http://` on a loopback address (a test, or the server's own
 *   issuer on one machine: what the registered URL says), and then its `jwks_uri` only on that same host and port;
 *   an `https://` issuer's keys are never read in clear, whatever its discovery document says. A failed read says
 *   which document could not be read, never why (refused, timed out, a status, not JSON): the error text must not
 *   tell a registrant what listens on the server's network.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ok, type Result } from '../../core/errors.ts';
import type { App, Caller } from '../../app/index.ts';
import type { JwkSet, OidcCrypto } from '../../app/deps.ts';
import { oidcCrypto } from '../crypto/oidc-keys.ts';
import { RETRY_AFTER_SECONDS } from './lifecycle.ts';
import type { Params } from './query-params.ts';
import { list, type XmlFields } from './xml.ts';

export const DISCOVERY_PATH = '/.well-known/openid-configuration';
export const JWKS_PATH = '/.well-known/jwks.json';

const FETCH_TIMEOUT_MS = 5000;
const FETCH_MAX_BYTES = 256 * 1024;
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i;

function sendJson(res: ServerResponse, status: number, body: unknown, requestId: string, cache = true): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
    // Relying parties cache the keys; five minutes keeps a rotation visible soon after it happens.
    ...(cache ? { 'cache-control': 'public, max-age=300' } : {}),
    // As every 503 of `--listen` (review mj, 2).
    ...(status === 503 ? { 'retry-after': RETRY_AFTER_SECONDS } : {}),
  });
  res.end(text);
}

/** Is this request one of the OIDC documents? (`GET`/`HEAD` on the two well-known paths.) */
export function isOidcRequest(method: string | undefined, path: string | undefined): boolean {
  return (method === 'GET' || method === 'HEAD') && (path === DISCOVERY_PATH || path === JWKS_PATH);
}

export function handleOidcRequest(app: App, req: IncomingMessage, res: ServerResponse, requestId: string): void {
  const path = (req.url ?? '/').split('?')[0];
  const issuer = app.oidc.issuer();
  if (issuer === undefined) return sendJson(res, 503, { error: { code: 'ServiceUnavailable', message: 'the issuer URL is not known yet' } }, requestId, false);
  if (path === JWKS_PATH) return sendJson(res, 200, app.oidc.jwks(), requestId);
  sendJson(
    res,
    200,
    {
      issuer,
      jwks_uri: `${issuer}${JWKS_PATH}`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
      claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti'],
    },
    requestId,
  );
}

/** `raw` as a URL Gatehouse may read keys from: `https://`, or `http://` on a loopback address when `http` allows it. */
function allowedUrl(raw: unknown, http: (u: URL) => boolean): URL | undefined {
  if (typeof raw !== 'string') return undefined;
  try {
    const u = new URL(raw);
    return u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.test(u.hostname) && http(u)) ? u : undefined;
  } catch {
    return undefined;
  }
}

/**
 * How long the answer may be kept, from its `Cache-Control` (RFC 9111 §5.2.2): `max-age` in seconds, 0 for
 * `no-store`/`no-cache`, undefined when the header says neither (the app then applies its default).
 */
export function maxAgeOf(cacheControl: string | null): number | undefined {
  if (cacheControl === null) return undefined;
  const directives = cacheControl.toLowerCase().split(',').map((d) => d.trim());
  if (directives.some((d) => d === 'no-store' || d === 'no-cache')) return 0;
  for (const d of directives) {
    const m = /^max-age\s*=\s*"?(\d{1,10})"?$/.exec(d);
    if (m) return Number(m[1]);
  }
  return undefined;
}

/**
 * What is left of an answer's freshness (RFC 9111 §4.2): its max-age less its `Age` (§5.1, the seconds a cache between
 * the issuer and this server has held it), at least 0; undefined when it gives no max-age. A CDN's copy of a key set
 * answered `max-age=3600, Age: 3598` is good for 2 s more, not an hour (review na, 3: the `Age` was ignored, and a key
 * the issuer withdrew stayed good up to a whole max-age after its own copies had dropped it).
 */
export function freshnessOf(cacheControl: string | null, age: string | null): number | undefined {
  const maxAge = maxAgeOf(cacheControl);
  if (maxAge === undefined) return undefined;
  const held = age !== null && /^\s*\d{1,10}\s*$/.test(age) ? Number(age) : 0;
  return Math.max(0, maxAge - held);
}

async function getJson(url: URL): Promise<{ ok: true; value: unknown; maxAgeSeconds: number | undefined } | { ok: false; message: string }> {
  let res: Response;
  try {
    res = await fetch(url, { redirect: 'error', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: 'application/json' } });
  } catch (e) {
    return { ok: false, message: `GET ${url.href} failed (${e instanceof Error ? e.message : String(e)})` };
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    return { ok: false, message: `GET ${url.href} answered ${res.status}` };
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body?.getReader();
  if (!reader) return { ok: false, message: `GET ${url.href} answered no body` };
  // The body is read under the same 5 s as the headers, and may fail as they may: an answer cut off after its headers
  // (the connection closed, the time run out) is an answer that could not be read, not an internal error (review na, 1:
  // it threw past fetchJwks, and CreateOpenIDConnectProvider answered 500 with the refusal unrecorded).
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > FETCH_MAX_BYTES) {
        await reader.cancel().catch(() => {});
        return { ok: false, message: `GET ${url.href} answered more than ${FETCH_MAX_BYTES} bytes` };
      }
      chunks.push(value);
    }
  } catch (e) {
    return { ok: false, message: `GET ${url.href} failed while its answer was read (${e instanceof Error ? e.message : String(e)})` };
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')), maxAgeSeconds: freshnessOf(res.headers.get('cache-control'), res.headers.get('age')) };
  } catch {
    return { ok: false, message: `GET ${url.href} did not answer JSON` };
  }
}

/**
 * OIDC discovery of an issuer's JWKS (the network half of the app's `OidcCrypto` port), with the JWKS answer's
 * `Cache-Control` max-age (`maxAgeSeconds`, undefined when it gives none): the app keeps the keys that long, within bounds.
 */
export async function fetchJwks(issuer: string): Promise<{ ok: true; jwks: JwkSet; maxAgeSeconds: number | undefined } | { ok: false; message: string; unreachable?: boolean }> {
  const base = allowedUrl(issuer, () => true);
  if (!base) return { ok: false, message: 'the issuer must be an https:// URL (http:// only on loopback)' };
  // Discovery §4: the well-known path is appended after removing any trailing slash of the issuer.
  // An issuer the URL parser reads otherwise than written (white space at its ends) is refused before (parseIssuerUrl);
  // a stored one still is not a reason to throw (review qw, 3: it answered 500).
  let discoveryUrl: URL;
  try {
    discoveryUrl = new URL(`${issuer.replace(/\/+$/, '')}${DISCOVERY_PATH}`);
  } catch {
    return { ok: false, message: 'the issuer must be an https:// URL (http:// only on loopback)' };
  }
  // One answer for every way the discovery document can fail (no answer, a status, not JSON, another issuer).
  // `unreachable`: the IdP's documents could not be read, IAM's OpenIdIdpCommunicationError (review it, 2); a key set read
  // but refused (parseJwks) is not.
  const noDiscovery = {
    ok: false,
    unreachable: true,
    message: `no OpenID Connect discovery document naming this issuer could be read at ${discoveryUrl.href} (it must answer 200 with JSON within 5 s, without redirect, its \`issuer\` exactly the URL, a trailing slash included)`,
  } as const;
  const config = await getJson(discoveryUrl);
  if (!config.ok) return noDiscovery;
  const doc = config.value as { issuer?: unknown; jwks_uri?: unknown } | null;
  if (typeof doc !== 'object' || doc === null || doc.issuer !== issuer) return noDiscovery;
  // An http:// issuer on loopback may name an http:// jwks_uri on its own host and port only; an https:// issuer, https:// only.
  const jwksUri = allowedUrl(doc.jwks_uri, (u) => base.protocol === 'http:' && u.host === base.host);
  // Read, and refused (an https issuer's keys are never read in clear): not an unreachable IdP.
  if (!jwksUri) return { ok: false, message: '`jwks_uri` of the discovery document is missing or not https:// (http:// only on the host of an http:// loopback issuer)' };
  const noJwks = { ok: false, unreachable: true, message: `no JWKS could be read at ${jwksUri.href} (it must answer 200 with a JSON object with a \`keys\` array within 5 s, without redirect)` } as const;
  const jwks = await getJson(jwksUri);
  if (!jwks.ok) return noJwks;
  const value = jwks.value as { keys?: unknown } | null;
  if (typeof value !== 'object' || value === null || !Array.isArray(value.keys)) return noJwks;
  const parsed = oidcCrypto.parseJwks(jwks.value);
  return parsed.ok ? { ...parsed, maxAgeSeconds: jwks.maxAgeSeconds } : parsed;
}

/** The full port: jose for the tokens, fetch for discovery. */
export const oidcPort: OidcCrypto = { ...oidcCrypto, fetchJwks };

// ---------------------------------------------------------------------------------------------------------
// The IAM API's OpenID Connect provider actions (spread into IAM_ACTIONS, adapters/http/iam-api.ts), in the
// shapes of the IAM API reference. `JwksJson` is Gatehouse's own parameter of CreateOpenIDConnectProvider:
// the provider's keys inline, for an issuer this server cannot reach (without it, they are discovered).

type IamHandler = (app: App, caller: Caller, p: Params) => Promise<Result<XmlFields | undefined>>;

const tagList = (tags: readonly { key: string; value: string }[]) => list(tags.map((t) => ({ Key: t.key, Value: t.value })));
const done = (r: Result<unknown>): Result<XmlFields | undefined> => (r.ok ? ok(undefined) : r);

function withArn(p: Params, fn: (arn: string) => Promise<Result<XmlFields | undefined>>): Promise<Result<XmlFields | undefined>> {
  const arn = p.required('OpenIDConnectProviderArn');
  return arn.ok ? fn(arn.value) : Promise.resolve(arn);
}

/** AWS answers `Url` without its `https://` (a loopback `http://` issuer keeps its scheme, so it stays visible). */
const urlXml = (url: string): string => url.replace(/^https:\/\//, '');

export const OIDC_PROVIDER_ACTIONS: Readonly<Record<string, IamHandler>> = {
  CreateOpenIDConnectProvider: async (app, c, p) => {
    const url = p.required('Url');
    if (!url.ok) return url;
    const jwks = p.get('JwksJson');
    const tags = p.tags('Tags', false);
    if (!tags.ok) return tags;
    const r = await app.oidc.createProvider(c, {
      url: url.value,
      clientIds: p.list('ClientIDList'),
      thumbprints: p.list('ThumbprintList'),
      tags: tags.value,
      ...(jwks !== undefined ? { jwks } : {}),
    });
    return r.ok ? ok({ OpenIDConnectProviderArn: r.value.arn, Tags: r.value.tags.length ? tagList(r.value.tags) : undefined }) : r;
  },
  GetOpenIDConnectProvider: (app, c, p) =>
    withArn(p, async (arn) => {
      const r = await app.oidc.getProvider(c, { arn });
      if (!r.ok) return r;
      const v = r.value;
      return ok({ Url: urlXml(v.url), ClientIDList: list([...v.clientIds]), ThumbprintList: list([...v.thumbprints]), CreateDate: v.created, Tags: v.tags.length ? tagList(v.tags) : undefined });
    }),
  ListOpenIDConnectProviders: async (app, c) => {
    const r = await app.oidc.listProviders(c);
    return r.ok ? ok({ OpenIDConnectProviderList: list(r.value.map((x) => ({ Arn: x.arn }))) }) : r;
  },
  DeleteOpenIDConnectProvider: (app, c, p) => withArn(p, async (arn) => done(await app.oidc.deleteProvider(c, { arn }))),
  AddClientIDToOpenIDConnectProvider: (app, c, p) =>
    withArn(p, async (arn) => {
      const id = p.required('ClientID');
      return id.ok ? done(await app.oidc.addClientId(c, { arn, clientId: id.value })) : id;
    }),
  RemoveClientIDFromOpenIDConnectProvider: (app, c, p) =>
    withArn(p, async (arn) => {
      const id = p.required('ClientID');
      return id.ok ? done(await app.oidc.removeClientId(c, { arn, clientId: id.value })) : id;
    }),
  UpdateOpenIDConnectProviderThumbprint: (app, c, p) =>
    withArn(p, async (arn) => {
      // Required: left out, it removed every thumbprint (review it, 4); given empty (`ThumbprintList=`), it is an empty list.
      const thumbprints = p.presentList('ThumbprintList');
      return thumbprints.ok ? done(await app.oidc.updateThumbprints(c, { arn, thumbprints: thumbprints.value })) : thumbprints;
    }),
  TagOpenIDConnectProvider: (app, c, p) =>
    withArn(p, async (arn) => {
      const tags = p.tags('Tags', true);
      return tags.ok ? done(await app.oidc.tagProvider(c, { arn, tags: tags.value })) : tags;
    }),
  UntagOpenIDConnectProvider: (app, c, p) =>
    withArn(p, async (arn) => {
      const tagKeys = p.requiredList('TagKeys');
      return tagKeys.ok ? done(await app.oidc.untagProvider(c, { arn, tagKeys: tagKeys.value })) : tagKeys;
    }),
  // ListOpenIDConnectProviderTags is paged (Marker, MaxItems) as ListRoleTags is: adapters/http/iam-api.ts.
};
