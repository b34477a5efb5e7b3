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
import type { IncomingMessage } from 'node:http';

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
