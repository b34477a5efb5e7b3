/**
 * The web console under /ui/ against a real server (127.0.0.1, random port): its files and their security
 * headers, and the page's own SigV4 signer (web/console.js, loaded as the browser loads
 * it) calling /v1/ — long-term and temporary credentials, a query string that needs encoding, a JSON body, and a
 * wrong secret refused. test/console-browser.test.ts drives the page itself in a headless Chromium.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { request } from 'node:http';
import { pathToFileURL } from 'node:url';
import { GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

interface Signed {
  readonly url: string;
  readonly headers: Record<string, string>;
}
type SignRequest = (r: { method: string; host: string; path: string; query?: Record<string, string>; body?: string; credentials: Credentials; now?: Date }) => Promise<Signed>;

const CONSOLE_JS = pathToFileURL(join(import.meta.dirname, '..', 'web', 'console.js')).href;

let server: TestServer;
let signRequest: SignRequest;

before(async () => {
  server = await startTestServer();
  signRequest = ((await import(CONSOLE_JS)) as { signRequest: SignRequest }).signRequest;
});
after(async () => {
  await server?.stop();
});

/** A call as the page makes it: signed by console.js, sent with fetch (which sets Host, as a browser does). */
async function call(credentials: Credentials, method: string, path: string, options: { query?: Record<string, string>; body?: unknown } = {}): Promise<{ status: number; json: Record<string, unknown> }> {
  const body = options.body === undefined ? '' : JSON.stringify(options.body);
  const signed = await signRequest({ method, host: new URL(server.url).host, path, ...(options.query ? { query: options.query } : {}), body, credentials });
  const res = await fetch(`${server.url}${signed.url}`, { method, headers: signed.headers, ...(body !== '' ? { body } : {}) });
  const text = await res.text();
  return { status: res.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

describe('web console: the files', () => {
  it('serves the page, its script and its style with a strict Content-Security-Policy', async () => {
    const page = await fetch(`${server.url}/ui/`);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    const csp = page.headers.get('content-security-policy') ?? '';
    for (const directive of ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'"]) assert.ok(csp.includes(directive), `CSP has ${directive}: ${csp}`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    const html = await page.text();
    assert.match(html, /<script type="module" src="\/ui\/console\.js"><\/script>/);
    assert.doesNotMatch(html, /<script>(?!<)/, 'no inline script (the CSP would refuse it)');

    const js = await fetch(`${server.url}/ui/console.js`);
    assert.equal(js.status, 200);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.match(await js.text(), /export async function signRequest/);
    const css = await fetch(`${server.url}/ui/console.css`);
    assert.equal(css.status, 200);
    assert.equal(css.headers.get('content-type'), 'text/css; charset=utf-8');
    await css.text();
    // Timed under its own label in the server's metrics.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /api="console",code="200"/);
  });

  it('sends /ui to /ui/; answers 404 for any other file and 405 for other methods', async () => {
    const bare = await fetch(`${server.url}/ui`, { redirect: 'manual' });
    assert.equal(bare.status, 308);
    assert.equal(bare.headers.get('location'), '/ui/');
    // A dot-segment sent as is (fetch would resolve it before sending): the console serves its own files only.
    const traversal = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(`${server.url}/ui/x`, { path: '/ui/../admin-credentials.json' }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(traversal.status, 404);
    assert.match(traversal.body, /^no console page `\/ui\/\.\.\/admin-credentials\.json`/);
    const other = await fetch(`${server.url}/ui/secrets.json`);
    assert.equal(other.status, 404);
    assert.match(await other.text(), /the console is at \/ui\//);
    const post = await fetch(`${server.url}/ui/`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    await post.text();
    const head = await fetch(`${server.url}/ui/`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.ok(Number(head.headers.get('content-length')) > 0);
  });
});

describe('web console: the page signs its own calls', () => {
  it('whoami, a filtered audit query and a simulation, with the root admin key', async () => {
    const me = await call(server.admin, 'GET', '/v1/whoami');
    assert.equal(me.status, 200, JSON.stringify(me.json));
    assert.equal(me.json['arn'], 'arn:aws:iam::000000000000:user/admin');
    // An ARN in the query string: `:` and `/` must be encoded the way the server canonicalises them.
    const audit = await call(server.admin, 'GET', '/v1/audit', { query: { principal: 'arn:aws:iam::000000000000:user/admin', since: '1h', limit: '5' } });
    assert.equal(audit.status, 200, JSON.stringify(audit.json));
    assert.ok(Array.isArray(audit.json['records']));
    const simulated = await call(server.admin, 'POST', '/v1/simulate', { body: { action: 's3:GetObject', resource: 'arn:aws:s3:::data/k', context: { 'aws:SourceIp': '10.0.0.1' } } });
    assert.equal(simulated.status, 200, JSON.stringify(simulated.json));
    assert.equal(simulated.json['decision'], 'Allow');
    assert.ok(Array.isArray(simulated.json['reasons']));
  });

  it('temporary credentials (the session token is signed too); a wrong secret is refused', async () => {
    const session = (await server.sts().send(new GetSessionTokenCommand({}))).Credentials!;
    const temp = { accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken! };
    const me = await call(temp, 'GET', '/v1/whoami');
    assert.equal(me.status, 200, JSON.stringify(me.json));
    assert.equal(me.json['accessKeyId'], temp.accessKeyId);
    // The last character changed (to one it is not: a fixed `x` would be the secret itself one time in 64).
    const secret = server.admin.secretAccessKey;
    const forged = await call({ ...server.admin, secretAccessKey: `${secret.slice(0, -1)}${secret.endsWith('x') ? 'y' : 'x'}` }, 'GET', '/v1/users');
    assert.equal(forged.status, 403);
    assert.equal((forged.json['error'] as { code: string }).code, 'SignatureDoesNotMatch');
  });
});
