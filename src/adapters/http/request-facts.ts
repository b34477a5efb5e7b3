/**
 * What the connection tells about a request, the same at every door (Query API, `/v1/`, S3, Kubernetes
 * webhooks, the agent): the peer's address as policies compare it (`aws:SourceIp`: an IPv4 peer of a dual-stack
 * socket without its `::ffff:` prefix) and whether it came over TLS (`aws:SecureTransport`); with the region the
 * request was made to (`aws:RequestedRegion`) when the door knows it (the SigV4 scope's, or IAM's `us-east-1`), and
 * the client's `User-Agent` and `Referer` headers (`aws:UserAgent`, `aws:Referer`) when it sent them. Behind the
 * load balancers GATEHOUSE_TRUSTED_PROXIES names, the address and the scheme are the client's, as `X-Forwarded-For` and
 * `X-Forwarded-Proto` from one of them say (`behindProxies`; reviews jn, 1 and 4).
 */
import type { IncomingMessage } from 'node:http';
import { MAX_CONTEXT_VALUE_CHARS } from '../../app/authorize.ts';
import type { RequestFacts } from '../../app/principals.ts';
import { cidrContains, cidrsCoverFamily, parseCidr, parseIp, type Cidr } from '../../core/iam/index.ts';

/** The setting naming the proxies whose `X-Forwarded-For` is believed (docs/decisions.md "Trusted proxies"). */
export const TRUSTED_PROXIES_ENV = 'GATEHOUSE_TRUSTED_PROXIES';

/** The address blocks of the load balancers and reverse proxies in front of a listener; empty: none. */
export type TrustedProxies = readonly Cidr[];

/** Entries GATEHOUSE_TRUSTED_PROXIES may list: a deployment names a few ranges, not a table. */
const MAX_TRUSTED_PROXIES = 256;

/**
 * GATEHOUSE_TRUSTED_PROXIES (unset or empty: none): comma-separated IPv4 or IPv6 addresses or CIDR blocks. A block of
 * every address (`0.0.0.0/0`, `::/0`), or of every IPv4 one (`::ffff:0:0/96`), is refused: it would let any client
 * choose its own `aws:SourceIp`; so are blocks that hold every IPv4 or every IPv6 address together.
 */
export function parseTrustedProxies(text: string | undefined): { ok: true; value: TrustedProxies } | { ok: false; message: string } {
  const entries = (text ?? '').split(',').map((e) => e.trim()).filter((e) => e !== '');
  if (entries.length > MAX_TRUSTED_PROXIES) return { ok: false, message: `${TRUSTED_PROXIES_ENV}: ${entries.length} entries; give at most ${MAX_TRUSTED_PROXIES} (name the proxies' ranges as CIDR blocks)` };
  const value: Cidr[] = [];
  for (const entry of entries) {
    const cidr = parseCidr(entry);
    const shown = entry.length > 80 ? `${entry.slice(0, 80)}…` : entry;
    if (cidr === undefined) {
      return { ok: false, message: `${TRUSTED_PROXIES_ENV}: \`${shown.replace(/[\u0000-\u001f\u007f]/g, '?')}\` is not an IP address or CIDR block; give the addresses or ranges of the load balancers in front of this server, such as 10.0.0.0/8 or 192.0.2.10, separated by commas` };
    }
    if (cidr.mask === 0n) return { ok: false, message: `${TRUSTED_PROXIES_ENV}: \`${shown}\` trusts every address, so any client could choose its own source IP with X-Forwarded-For; name the load balancers' addresses or ranges` };
    // `::ffff:0:0/96` is every IPv4 address (an IPv4 peer is compared as its IPv4 address, which that block holds):
    // the whole IPv4 space lies in a block holding both of its ends (review jr, 2).
    if (cidr.v6 && cidrContains(cidr, { v6: false, value: 0n }) && cidrContains(cidr, { v6: false, value: 0xffffffffn })) {
      return { ok: false, message: `${TRUSTED_PROXIES_ENV}: \`${shown}\` trusts every IPv4 address, so any client could choose its own source IP with X-Forwarded-For; name the load balancers' addresses or ranges` };
    }
    value.push(cidr);
  }
  // Blocks that are each narrower but together hold a whole family (`0.0.0.0/1,128.0.0.0/1`) trust what `0.0.0.0/0`
  // does: checked one by one they were taken (review uq, 3).
  const family = cidrsCoverFamily(value);
  if (family !== undefined) {
    const shown = entries.join(', ');
    return { ok: false, message: `${TRUSTED_PROXIES_ENV}: \`${shown.length > 160 ? `${shown.slice(0, 160)}…` : shown}\` together trust every ${family} address, so any client could choose its own source IP with X-Forwarded-For; name the load balancers' addresses or ranges` };
  }
  return { ok: true, value };
}

/** The address the connection comes from, as policies compare it: an IPv4 peer of a dual-stack socket without `::ffff:`. */
function peerAddress(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/i, '');
}

/** What a listener behind trusted proxies took of each request from them (`behindProxies`): the client's address, and its scheme. */
const proxied = new WeakMap<IncomingMessage, { readonly address: string; readonly secure?: boolean }>();

const trusted = (proxies: TrustedProxies, address: string): boolean => {
  const ip = parseIp(address);
  return ip !== undefined && proxies.some((c) => cidrContains(c, ip));
};

/**
 * The client's address: the connection's, unless it comes from a trusted proxy. Then `X-Forwarded-For` (every copy
 * of the header, in order) is read from the right, each trusted address skipped: the first one that is not trusted is
 * the client (what the nearest trusted proxy saw connect to it; the entries to its left are the client's to write and
 * are never believed). An entry that is not an address (or `unknown`) ends the walk at the proxy that passed it on;
 * when every entry is trusted, the left-most is taken. RFC 7239 `Forwarded` is not read (docs/decisions.md).
 */
export function clientAddressOf(req: IncomingMessage, proxies: TrustedProxies): string {
  let address = peerAddress(req);
  if (proxies.length === 0 || !trusted(proxies, address)) return address;
  const header = req.headers['x-forwarded-for'];
  const entries = (Array.isArray(header) ? header.join(',') : header ?? '').split(',');
  for (let i = entries.length - 1; i >= 0; i--) {
    const hop = forwardedAddress(entries[i] ?? '');
    if (hop === undefined) return address;
    address = hop;
    if (!trusted(proxies, hop)) return hop;
  }
  return address;
}

/**
 * One entry of `X-Forwarded-For` as an address: trimmed, an IPv4 one's `:port` and an IPv6 one's brackets (and
 * `]:port`) taken off (some load balancers add them), an IPv4-mapped IPv6 one as its IPv4 address; undefined otherwise.
 */
function forwardedAddress(entry: string): string | undefined {
  let text = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed !== null) text = bracketed[1] as string;
  else if (/^[\d.]+:\d{1,5}$/.test(text)) text = text.slice(0, text.indexOf(':'));
  if (text.length > 45 || parseIp(text) === undefined) return undefined;
  return text.toLowerCase().replace(/^::ffff:(?=\d+\.)/, '');
}

/**
 * Whether the client reached the first proxy over TLS, as `X-Forwarded-Proto` says it from a trusted proxy (a
 * load balancer that ends TLS and forwards plain HTTP): true only when every value it lists is `https` (a chain that
 * passed an `http` hop on, or a client's own value followed by the proxy's, is not secure), false for any other
 * value, undefined when the connection is not a trusted proxy's or the header is absent (the connection then says).
 */
export function forwardedSecure(req: IncomingMessage, proxies: TrustedProxies): boolean | undefined {
  if (proxies.length === 0 || !trusted(proxies, peerAddress(req))) return undefined;
  const header = req.headers['x-forwarded-proto'];
  if (header === undefined) return undefined;
  const values = (Array.isArray(header) ? header.join(',') : header).split(',').map((v) => v.trim().toLowerCase());
  return values.every((v) => v === 'https');
}

/**
 * Takes the client's address (and, from `X-Forwarded-Proto`, whether it used TLS) of each request a listener serves
 * behind `proxies` (its handler wrapped), which `sourceIpOf` and `requestFactsOf` then give at every door of that
 * listener; a listener not wrapped (the node agent's) and one with no proxies give the connection's.
 */
export function behindProxies<A extends unknown[]>(proxies: TrustedProxies, handler: (req: IncomingMessage, ...rest: A) => void): (req: IncomingMessage, ...rest: A) => void {
  if (proxies.length === 0) return handler;
  return (req, ...rest) => {
    const secure = forwardedSecure(req, proxies);
    proxied.set(req, { address: clientAddressOf(req, proxies), ...(secure !== undefined ? { secure } : {}) });
    handler(req, ...rest);
  };
}

export function sourceIpOf(req: IncomingMessage): string {
  return proxied.get(req)?.address ?? peerAddress(req);
}

/**
 * The id each request is answered with, as its edge drew it (`answeredWith`): what its audit records carry too. A
 * property of the request under a symbol of this module's own, not a WeakMap entry: set on every request, the WeakMap
 * cost a hash for the request object and an entry the collector kept until the request was gone.
 */
const REQUEST_ID = Symbol('gatehouse.requestId');
type WithRequestId = IncomingMessage & { [REQUEST_ID]?: string };

/**
 * Notes the id `req` is answered with (`x-amzn-requestid`, `<RequestId>`, `x-amz-request-id`), which `requestFactsOf`
 * then gives, and with it every audit record of the request (`requestId`): a client's error names the id, and
 * no record did, so nothing joined the one to the other.
 */
export function answeredWith(req: IncomingMessage, requestId: string): void {
  (req as WithRequestId)[REQUEST_ID] = requestId;
}

export function requestIdOf(req: IncomingMessage): string | undefined {
  return (req as WithRequestId)[REQUEST_ID];
}

export function requestFactsOf(req: IncomingMessage, requestedRegion?: string): RequestFacts & { readonly sourceIp: string; readonly secureTransport: boolean } {
  const userAgent = contextHeader(req.headers['user-agent']);
  const referer = contextHeader(req.headers.referer);
  const requestId = (req as WithRequestId)[REQUEST_ID];
  const behind = proxied.get(req);
  const sourceIp = behind?.address ?? peerAddress(req);
  const secureTransport = behind?.secure ?? ('encrypted' in req.socket && req.socket.encrypted === true);
  // The optional fields assigned, not spread from a fresh object each (this runs on every request), in the order they
  // always had: a record lists them so.
  const facts: Mutable<RequestFacts> & { sourceIp: string; secureTransport: boolean } = requestId !== undefined ? { sourceIp, requestId, secureTransport } : { sourceIp, secureTransport };
  if (requestedRegion !== undefined) facts.requestedRegion = requestedRegion;
  if (userAgent !== undefined) facts.userAgent = userAgent;
  if (referer !== undefined) facts.referer = referer;
  return facts;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A header as a condition key's value (`aws:UserAgent`, `aws:Referer`): absent when not sent, or longer than a context
 * value may be (the decision is then made without it, and fails closed, as the S3 gateway's, src/app/s3.ts).
 */
function contextHeader(v: string | string[] | undefined): string | undefined {
  const text = Array.isArray(v) ? v.join(',') : v;
  return text !== undefined && text.length <= MAX_CONTEXT_VALUE_CHARS ? text : undefined;
}

/**
 * The region an unsigned STS call (AssumeRoleWithWebIdentity, whose SDKs send no signature) was made to: the one its
 * Host names when it is a regional STS endpoint's (`sts.eu-west-1.amazonaws.com`, as when a cluster's resolver sends
 * STS's names here), else us-east-1, the region of STS's global endpoint and of every other name of this server. AWS
 * puts `aws:RequestedRegion` in every request's context; left out, a trust policy allowing a provider in a region
 * refused every token (review gs, 2).
 */
export function unsignedStsRegion(host: string | undefined): string {
  const m = /^sts\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?\.?(?::\d+)?$/i.exec(host ?? '');
  return m ? (m[1] as string).toLowerCase() : 'us-east-1';
}
