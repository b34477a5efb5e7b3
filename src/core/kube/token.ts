/**
 * `k8s-aws-v1.` bearer tokens (credential-protocols §6.2; kubernetes-sigs/aws-iam-authenticator
 * `pkg/token/token.go`): the prefix, then the unpadded base64url of a presigned
 * `GET https://sts…/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-…` URL whose signed headers include
 * `x-k8s-aws-id: <cluster>`. The header is not in the URL: the verifier supplies its own cluster name, so a
 * token minted for another cluster fails the signature.
 *
 * This module checks the URL's shape with the reference verifier's rules; the signature is checked by the
 * SigV4 verifier against Gatehouse's own keys (no call to STS).
 */
import { failWith, ok, type Result } from '../errors.ts';

export const TOKEN_PREFIX = 'k8s-aws-v1.';
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id';
/**
 * The longest token read: the encoding of a presigned URL of up to 16 KiB (21,857 characters), the most this server
 * reads as a request line and headers, so the URL of any session that can call it. The token holds the session token
 * (`X-Amz-Security-Token`), and aws-iam-authenticator's `maxTokenLenBytes` of 4096 refused Gatehouse's own sessions:
 * one with a session policy of 2,000 characters gives a token of 4,654 (AWS's session tokens reach the same bound,
 * kubernetes-sigs/aws-iam-authenticator#1106, whose fix reads up to 16 KiB).
 */
export const MAX_PRESIGNED_URL_LENGTH = 16 * 1024;
export const MAX_TOKEN_LENGTH = TOKEN_PREFIX.length + Math.ceil((MAX_PRESIGNED_URL_LENGTH * 4) / 3);
/** Valid for 15 minutes after `X-Amz-Date`, whatever `X-Amz-Expires` says (clients send 60). */
export const TOKEN_LIFETIME_SECONDS = 900;
/** The reference verifier refuses an `X-Amz-Expires` above this. */
export const MAX_EXPIRES_SECONDS = 900;

const ALLOWED_PARAMS = new Set(['Action', 'Version', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-Security-Token', 'X-Amz-Signature', 'X-Amz-SignedHeaders']);
const REGIONAL_STS = /^sts(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$/;

export interface TokenHosts {
  /** `host[:port]` values of this server, as clients write them in the URL (lower case). */
  readonly own: readonly string[];
}

export interface DecodedToken {
  /**
   * `host[:port]` as the AWS SDKs sign it: without the default port of the URL's scheme (botocore's `_host_from_url`,
   * the Go SDK's `SanitizeHostForHeader`, a JavaScript `URL`'s `host` all drop it), whether or not the URL spells it.
   */
  readonly host: string;
  /** The request target as signed: `/?Action=…` with the query exactly as written in the token. */
  readonly target: string;
}

const bad = (why: string): Result<DecodedToken> => failWith('INVALID_INPUT', `the token is not a valid k8s-aws-v1 token: ${why}`);

/** Decodes and checks a token's URL; the signature is left to the SigV4 verifier. */
export function decodeToken(token: string, hosts: TokenHosts): Result<DecodedToken> {
  if (token.length > MAX_TOKEN_LENGTH) return bad(`it is ${token.length} characters, longer than the ${MAX_TOKEN_LENGTH} of a presigned URL of ${MAX_PRESIGNED_URL_LENGTH >> 10} KiB`);
  if (!token.startsWith(TOKEN_PREFIX)) return bad(`it does not start with \`${TOKEN_PREFIX}\``);
  const b64 = token.slice(TOKEN_PREFIX.length);
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(b64)) return bad('its payload is not base64url');
  const url = Buffer.from(b64, 'base64url').toString('utf8');
  const m = /^(https?):\/\/([^/?#\s]+)(\/[^?#\s]*)?(\?[^#\s]*)?$/.exec(url);
  if (!m) return bad('its payload is not a URL');
  const scheme = m[1] as string;
  const written = (m[2] as string).toLowerCase();
  const path = m[3] ?? '/';
  const query = m[4] ?? '';
  // `https://x` is `x:443` and `http://x` is `x:80`: compared without that port on either side, as a listed
  // `host[:port]` (GATEHOUSE_KUBE_TOKEN_HOSTS, a server bound to port 443) may spell it and clients never do (review ce, 2).
  const host = withoutDefaultPort(written, scheme);
  const own = hosts.own.some((h) => withoutDefaultPort(h, scheme) === host);
  if (!own && !REGIONAL_STS.test(host)) return bad(`host \`${written}\` is neither this server nor sts.amazonaws.com or sts.<region>.amazonaws.com`);
  // Plain http only to this server (newer botocore embeds AWS_ENDPOINT_URL_STS, which may be http://).
  if (scheme !== 'https' && !own) return bad('an STS URL must be https');
  if (path !== '/') return bad('the path must be `/`');
  const seen = new Map<string, string>();
  for (const pair of query.slice(1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = eq < 0 ? pair : pair.slice(0, eq);
    if (!ALLOWED_PARAMS.has(key)) return bad(`query parameter \`${key.slice(0, 64)}\` is not allowed`);
    if (seen.has(key)) return bad(`query parameter \`${key}\` appears twice`);
    let value: string;
    try {
      value = decodeURIComponent(eq < 0 ? '' : pair.slice(eq + 1));
    } catch {
      return bad(`query parameter \`${key}\` is not valid percent-encoding`);
    }
    seen.set(key, value);
  }
  if (seen.get('Action') !== 'GetCallerIdentity') return bad('the action must be GetCallerIdentity');
  const version = seen.get('Version');
  if (version !== undefined && version !== '2011-06-15') return bad('the version must be 2011-06-15');
  const signed = (seen.get('X-Amz-SignedHeaders') ?? '').split(';');
  if (!signed.includes(CLUSTER_ID_HEADER)) return bad(`\`${CLUSTER_ID_HEADER}\` is not a signed header`);
  const expires = Number(seen.get('X-Amz-Expires') ?? 'NaN');
  if (!Number.isInteger(expires) || expires < 0 || expires > MAX_EXPIRES_SECONDS) return bad(`X-Amz-Expires must be from 0 to ${MAX_EXPIRES_SECONDS}`);
  return ok({ host, target: `${path}${query}` });
}

/** `host[:port]` without the default port of `scheme` (`:443` for https, `:80` for http). */
function withoutDefaultPort(host: string, scheme: string): string {
  const port = scheme === 'https' ? ':443' : ':80';
  return host.endsWith(port) ? host.slice(0, -port.length) : host;
}

/** `k8s-aws-v1.` + unpadded base64url of the presigned URL. */
export function encodeToken(url: string): string {
  return `${TOKEN_PREFIX}${Buffer.from(url, 'utf8').toString('base64url')}`;
}
