/**
 * The web console under `/ui/` (DESIGN.md "Interfaces"): four static files (`web/`, STYLE.md's layout), read
 * once, served with a strict Content-Security-Policy — scripts, styles and requests from this origin only, no
 * inline code, no framing. The page signs its own calls to `/v1/` (console.js), so serving it needs no
 * credentials and it holds nothing but code.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestFactsOf } from './request-facts.ts';

const FILES: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  '/ui/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/ui/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/ui/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
  '/ui/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  // Trusted Types with no policy at all: the page writes text only (textContent), so any sink that would parse a
  // string as markup or script (innerHTML, insertAdjacentHTML, document.write, a script's src) throws instead —
  // a later change that renders server data as HTML fails at once, not as an XSS (review console, W3).
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; require-trusted-types-for 'script'; trusted-types 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-cache',
  // A page that opened the console keeps no handle on it (it could send the tab elsewhere: review Q, Q2).
  'cross-origin-opener-policy': 'same-origin',
};

/**
 * Over HTTPS (`--tls-cert`, or a load balancer that ends TLS and that GATEHOUSE_TRUSTED_PROXIES names saying
 * `X-Forwarded-Proto: https`, as `aws:SecureTransport` reads it: review kx, 1): a browser that reached the console once keeps to HTTPS for this host for a year, so a
 * later `http://` link or a network attacker's downgrade never carries the page (RFC 6797). Not over plain HTTP,
 * where browsers ignore it; no `includeSubDomains`, which would bind hosts this server does not know.
 */
const HSTS: Readonly<Record<string, string>> = { 'strict-transport-security': 'max-age=31536000' };

let loaded: Map<string, Buffer> | undefined;
const contents = (): Map<string, Buffer> =>
  (loaded ??= new Map(Object.entries(FILES).map(([path, f]) => [path, readFileSync(new URL(`../../../web/${f.file}`, import.meta.url))])));

/** Whether `path` is the console's (`/ui` or under `/ui/`). */
export const isConsolePath = (path: string): boolean => path === '/ui' || path.startsWith('/ui/');

/** Answers a request for the console: its files on GET and HEAD, `/ui` sent to `/ui/`, 404 and 405 otherwise. */
export function serveConsole(req: IncomingMessage, res: ServerResponse, path: string, requestId: string): void {
  const head = { 'x-amzn-requestid': requestId, ...SECURITY_HEADERS, ...(requestFactsOf(req).secureTransport ? HSTS : {}) };
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { ...head, allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${req.method} is not allowed on the console; use GET\n`);
    return;
  }
  if (path === '/ui') {
    res.writeHead(308, { ...head, location: '/ui/' });
    res.end();
    return;
  }
  const f = FILES[path];
  const body = f !== undefined ? contents().get(path) : undefined;
  if (f === undefined || body === undefined) {
    res.writeHead(404, { ...head, 'content-type': 'text/plain; charset=utf-8' });
    res.end(`no console page \`${path}\`; the console is at /ui/\n`);
    return;
  }
  res.writeHead(200, { ...head, 'content-type': f.type, 'content-length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
}
