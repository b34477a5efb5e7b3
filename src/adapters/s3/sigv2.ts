/**
 * S3's legacy signature (SigV2, "HmacV1"): `Authorization: AWS <key>:<signature>` and the presigned query form
 * `?AWSAccessKeyId=…&Expires=…&Signature=…`. boto3's `generate_presigned_url` still makes SigV2 URLs unless the
 * client is configured with `signature_version='s3v4'`, so a gateway boto3 users point at must read them.
 *
 * Spec: "Signing and Authenticating REST Requests" (https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html),
 * cross-checked with botocore `HmacV1Auth`/`HmacV1QueryAuth`:
 *   StringToSign = VERB \n Content-MD5 \n Content-Type \n (Date | Expires) \n CanonicalizedAmzHeaders CanonicalizedResource
 * where the resource is the path as sent plus the sub-resources S3 lists, sorted, with decoded values.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const SUBRESOURCES = new Set([
  'accelerate', 'acl', 'cors', 'defaultObjectAcl', 'location', 'logging', 'partNumber', 'policy', 'requestPayment', 'torrent', 'versioning', 'versionId',
  'versions', 'website', 'uploads', 'uploadId', 'response-content-type', 'response-content-language', 'response-expires', 'response-cache-control',
  'response-content-disposition', 'response-content-encoding', 'delete', 'lifecycle', 'tagging', 'restore', 'storageClass', 'notification', 'replication',
  'analytics', 'metrics', 'inventory', 'select', 'select-type', 'object-lock',
]);

const FIFTEEN_MINUTES_MS = 15 * 60 * 1000;

export interface SigV2Request {
  readonly method: string;
  /** Raw request target, query included. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /**
   * The bucket a virtual-hosted request names in its Host (`bucket.localhost`), whose path is the key alone. The spec's
   * CanonicalizedResource begins with it ("If the request addresses a bucket using the HTTP Host header (virtual
   * hosted-style), append the bucket name preceded by a `/`"), as botocore signs it (`auth_path`): Host is not signed
   * otherwise, so a signature over the path alone held for the same path in any bucket.
   */
  readonly virtualBucket?: string;
}

export type SigV2Parsed =
  | {
      readonly ok: true;
      readonly accessKeyId: string;
      readonly sessionToken?: string;
      /** The signature as sent (base64). */
      readonly signature: string;
      verify(secret: string): boolean;
      /**
       * The string to sign S3 reports in a SignatureDoesNotMatch: the first form `verify` tries (the resource as
       * sent, the Content-Type sent), so a signer sees the lines it was expected to sign.
       */
      stringToSign(): string;
    }
  | {
      readonly ok: false;
      readonly code: 'AccessDenied' | 'AuthorizationQueryParametersError' | 'AuthorizationHeaderMalformed' | 'RequestTimeTooSkewed';
      readonly message: string;
      /** An expired URL's `Expires`, epoch ms (S3's error document names it). */
      readonly expiresAt?: number;
      /** Refused for its time: a time it is valid at (its Date, or a URL's Expires), to check who signed it (review um, 3). */
      readonly signedAt?: number;
    };

const one = (v: string | readonly string[] | undefined): string | undefined => (v === undefined ? undefined : typeof v === 'string' ? v : v.join(','));

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/** Whether the request is signed with SigV2 at all (then `parseSigV2` decides whether it is well signed). */
export function isSigV2(req: SigV2Request): boolean {
  const auth = one(req.headers['authorization']);
  if (auth !== undefined) return auth.startsWith('AWS ');
  return /(?:^|[?&])AWSAccessKeyId=/.test(req.url) && /(?:^|[?&])Signature=/.test(req.url);
}

export function parseSigV2(req: SigV2Request, now: number): SigV2Parsed {
  const q = req.url.indexOf('?');
  const path = `${req.virtualBucket !== undefined ? `/${req.virtualBucket}` : ''}${q < 0 ? req.url : req.url.slice(0, q)}`;
  const query: [string, string, boolean][] = [];
  for (const pair of (q < 0 ? '' : req.url.slice(q + 1)).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const k = decode(eq < 0 ? pair : pair.slice(0, eq));
    const v = eq < 0 ? undefined : decode(pair.slice(eq + 1));
    if (k === undefined || (eq >= 0 && v === undefined)) return { ok: false, code: 'AuthorizationQueryParametersError', message: 'The query string is not valid percent-encoded UTF-8.' };
    query.push([k, v ?? '', eq >= 0]);
  }
  const param = (name: string): string | undefined => query.find(([k]) => k === name)?.[1];
  const auth = one(req.headers['authorization']);
  let accessKeyId: string;
  let signature: string;
  let dateLine: string;
  const amz = new Map<string, string>();
  for (const [k, v] of Object.entries(req.headers)) if (k.startsWith('x-amz-') && v !== undefined) amz.set(k, (typeof v === 'string' ? [v] : v).map((x) => x.trim()).join(','));
  if (auth !== undefined) {
    const m = /^AWS ([A-Za-z0-9._-]{1,128}):([A-Za-z0-9+/=]{20,64})$/.exec(auth.trim());
    if (!m) return { ok: false, code: 'AuthorizationHeaderMalformed', message: 'The authorization header is malformed: expected `AWS <AccessKeyId>:<Signature>`.' };
    accessKeyId = m[1] as string;
    signature = m[2] as string;
    const date = amz.get('x-amz-date') ?? one(req.headers['date']);
    const at = date === undefined ? NaN : Date.parse(date);
    if (Number.isNaN(at)) return { ok: false, code: 'AccessDenied', message: 'AWS authentication requires a valid Date or x-amz-date header' };
    if (Math.abs(at - now) > FIFTEEN_MINUTES_MS) return { ok: false, code: 'RequestTimeTooSkewed', message: 'The difference between the request time and the current time is too large.', signedAt: at };
    dateLine = amz.has('x-amz-date') ? '' : (one(req.headers['date']) ?? '');
  } else {
    accessKeyId = param('AWSAccessKeyId') ?? '';
    signature = param('Signature') ?? '';
    const expires = param('Expires') ?? '';
    if (!/^\d{1,12}$/.test(expires) || accessKeyId === '' || signature === '') return { ok: false, code: 'AuthorizationQueryParametersError', message: 'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters' };
    if (now > Number(expires) * 1000) return { ok: false, code: 'AccessDenied', message: 'Request has expired', expiresAt: Number(expires) * 1000, signedAt: Number(expires) * 1000 };
    dateLine = expires;
    // botocore moves the signed x-amz-* headers (the session token among them) into the query. Every x-amz-* header
    // sent is signed too, but a header of the same name as a query parameter would be replaced by it in the string to
    // sign: its own value, which the edge reads, would go unsigned.
    for (const [k, v] of query) {
      if (!k.toLowerCase().startsWith('x-amz-')) continue;
      const sent = amz.get(k.toLowerCase());
      if (sent !== undefined && sent !== v.trim()) return { ok: false, code: 'AccessDenied', message: 'There were headers present in the request which were not signed' };
      amz.set(k.toLowerCase(), v);
    }
  }
  const sessionToken = amz.get('x-amz-security-token');
  const sub = query.filter(([k]) => SUBRESOURCES.has(k)).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const subText = sub.length > 0 ? `?${sub.map(([k, v, eq]) => (eq ? `${k}=${v}` : k)).join('&')}` : '';
  // A bucket is `/bucket/` in the spec's canonical resource; botocore signs path-style `/bucket`, with the static
  // query of the operation's URI (`?list-type=2`, `?uploads`) as part of the path, before the sub-resources.
  const bases = /^\/[^/]+$/.test(path) ? [path, `${path}/`] : [path];
  const rawQuery = q < 0 ? '' : req.url.slice(q + 1);
  const first = rawQuery.split('&')[0] ?? '';
  const resources: string[] = [];
  for (const base of bases) {
    resources.push(`${base}${subText}`);
    if (first !== '' && !first.startsWith('AWSAccessKeyId=') && !first.startsWith('Signature=') && !first.startsWith('Expires=')) resources.push(`${base}?${first}${subText}`);
  }
  const amzLines = [...amz.keys()].sort().map((k) => `${k}:${amz.get(k)}\n`).join('');
  const md5 = one(req.headers['content-md5']) ?? param('content-md5') ?? '';
  // A presigned PUT is signed with the Content-Type it was made for (often none), while the HTTP library that
  // sends it may add one; the one signed is what S3 compares, so both are tried. A header-signed request's signer
  // signs the Content-Type it sends (RESTAuthentication): that one only, or a replay could change the type stored.
  // So does a URL whose signed type botocore copied into the query, when the request sends one: else a URL made for
  // `image/png` stored `text/html` (review oh, 5).
  const sent = one(req.headers['content-type']);
  const signedType = param('content-type');
  const types = auth !== undefined || (sent !== undefined && signedType !== undefined) ? [sent ?? ''] : [...new Set([sent ?? '', signedType ?? '', ''])];
  const provided = Buffer.from(signature, 'base64');
  const toSignOf = (type: string, resource: string): string => `${req.method}\n${md5}\n${type}\n${dateLine}\n${amzLines}${resource}`;
  return {
    ok: true,
    accessKeyId,
    ...(sessionToken !== undefined ? { sessionToken } : {}),
    signature,
    stringToSign: () => toSignOf(types[0] ?? '', resources[0] ?? path),
    verify(secret: string): boolean {
      for (const resource of resources) {
        for (const type of types) {
          const toSign = toSignOf(type, resource);
          const expected = createHmac('sha1', secret).update(toSign, 'utf8').digest();
          if (expected.length === provided.length && timingSafeEqual(expected, provided)) return true;
        }
      }
      return false;
    },
  };
}
