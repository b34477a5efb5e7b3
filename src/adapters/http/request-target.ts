/**
 * A request target in absolute form (`GET http://host:port/path?query HTTP/1.1`) made the origin form every router
 * reads. RFC 9112 §3.2.2: "a server MUST accept the absolute-form in requests even though most HTTP/1.1 clients will
 * only send the absolute-form to a proxy", and an origin server given one "MUST ignore the received Host header field
 * (if any) and instead use the host information of the request-target". Node hands the target over as sent, so every
 * route (`/healthz`, `/v1/…`, the Query APIs at `/`, the S3 gateway's buckets, the credential endpoints) answered it 404
 * "no route for GET http://…" (review sl, 2).
 *
 * The path and query are taken from the text as sent, never through `URL`, which would normalize them (`..`
 * segments, percent-escapes, `\`): a SigV4 signature covers the path the client signed, and an S3 key is the path's
 * bytes. The authority, its userinfo dropped, becomes the Host the rest of the request is read with (a SigV4
 * signature's `host`, the metadata endpoints' DNS rebinding check).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** `http://` or `https://`, any case, then the authority up to the path, the query or the end. */
const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)/i;

/** Rewrites `req.url` (and Host) of an absolute-form request in place; any other request is left as it is. */
export function toOriginForm(req: IncomingMessage): void {
  const url = req.url;
  if (url === undefined || url.startsWith('/')) return;
  const m = ABSOLUTE_FORM.exec(url);
  if (m === null) return;
  const authority = (m[1] ?? '').replace(/^.*@/, '');
  const rest = url.slice(m[0].length);
  req.url = rest.startsWith('/') ? rest : `/${rest}`;
  // No authority (`http:///x`): no host to use; the Host header, if any, stands.
  if (authority === '') return;
  req.headers.host = authority;
  req.headersDistinct.host = [authority];
  const raw = req.rawHeaders;
  for (let i = raw.length - 2; i >= 0; i -= 2) if (raw[i]?.toLowerCase() === 'host') raw.splice(i, 2);
  raw.push('Host', authority);
}

/**
 * A Host field value as RFC 9110 §7.2 and RFC 3986 §3.2.2 write it: `uri-host [ ":" port ]`, the host an IP literal in
 * brackets or a reg-name (unreserved, pct-encoded and sub-delims characters; empty only where the target has no
 * authority). No space, no `/`, `@`, `?`, `#`, no second `:` outside brackets.
 */
const HOST_VALUE = /^(?:\[[0-9A-Za-z:._~!$&'()*+,;=%-]+\]|[0-9A-Za-z._~!$&'()*+,;=%-]*)(?::[0-9]*)?$/;

/**
 * Why `req`'s Host is refused, or undefined. RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code
 * to any HTTP/1.1 request message that lacks a Host header field and to any request message that contains more than
 * one Host header field line or a Host header field with an invalid field value." Node answers the missing one itself;
 * it kept the first of two Host lines for `req.headers.host` (what the metadata endpoints' DNS rebinding check reads)
 * while a SigV4 signature was checked against both joined, and took any value (review sn, 1).
 */
export function hostRefusal(req: IncomingMessage): string | undefined {
  // Read from the raw lines: `headersDistinct` would build an object of every header on each request, for one name.
  const raw = req.rawHeaders;
  let host: string | undefined;
  let lines = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 4 && name.toLowerCase() === 'host') {
      lines++;
      host = raw[i + 1];
    }
  }
  if (lines > 1) return `bad request: ${lines} Host header lines were sent; send exactly one`;
  if (host !== undefined && !HOST_VALUE.test(host)) return `bad request: Host \`${JSON.stringify(host).slice(1, -1).slice(0, 200)}\` is not a host name or address with an optional port (RFC 9110 §7.2); send one`;
  return undefined;
}

/**
 * Answers 400 and closes when `req`'s Host is refused (`hostRefusal`), before anything reads the request: which host it
 * was sent to is unknown, so what it asks is not looked at. Returns whether it answered.
 */
export function refusedForHost(req: IncomingMessage, res: ServerResponse): boolean {
  const why = hostRefusal(req);
  if (why === undefined) return false;
  req.resume();
  const body = `${why}\n`;
  res.shouldKeepAlive = false;
  // It echoes the Host sent: never sniffed, as every answer on the console's origin (review uq, 4).
  res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
  res.end(body);
  return true;
}

/**
 * A path segment, decoded, as a refusal or an audit record names it: as the route reads it, whichever characters the
 * client percent-encoded (the CLI and the kubeconfigs it writes encode every one RFC 3986 does not leave alone, so
 * `authorize:batch` is sent `authorize%3Abatch` and a cluster `ml@east` `ml%40east`). A character that would make the
 * name ambiguous or unreadable stays percent-encoded: `/` and `%` (a segment's own, not a separator or an escape),
 * `?`, `#`, spaces, control and format characters such as U+202E, which reorders the text shown after it (review vu).
 */
export function shownSegment(segment: string): string {
  return segment.replace(/[\p{C}\p{Z}%/?#]/gu, percentEncoded);
}

/** A character as UTF-8 percent-escapes; a lone surrogate, which has no UTF-8, as U+FFFD's. */
const percentEncoded = (c: string): string => (c.length === 1 && c.charCodeAt(0) >= 0xd800 && c.charCodeAt(0) <= 0xdfff ? '%EF%BF%BD' : encodeURIComponent(c));
