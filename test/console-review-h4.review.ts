/**
 * Review of the web console, leftovers of review G (review console, H4–H6), in Debian's Chromium through
 * playwright-core against a real server on 127.0.0.1 (one browser; skipped when chromium is absent, as
 * test/console-review-w.review.ts):
 * - H4: the page's fetch followed redirects: a proxy (or anything rewriting answers) in front of the server that
 *   answered `/v1/whoami` with a 307 to another path of the same origin got the signed request there, Authorization
 *   and all, and its answer was shown as the server's (signed in as whoever it said). Now no redirect is followed
 *   and the page says why.
 * - H5: a sign-in had an idle limit (30 minutes, W7) but no lifetime: a tab kept in use stayed signed in as the
 *   administrator for days on one typing of the key. Now a sign-in lasts at most 8 hours, in use or not, reloads
 *   included.
 * - H6: the secret key and session token were `type=password` fields, which browsers and password-manager extensions
 *   offer to save whatever `autocomplete="off"` says (Chromium logs that it wants `new-password` there): an
 *   administrator's secret key stored for this origin outlives every sign-out. Now they are text fields masked by
 *   CSS (`-webkit-text-security: disc`: Chromium, WebKit, Firefox 114+), with autocomplete off and the opt-outs of
 *   the common extensions; there is no password field on the page.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import { CHROMIUM_SKIP, launchChromium } from './support/console.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const skip = CHROMIUM_SKIP;

type Page = import('playwright-core').Page;
type Browser = import('playwright-core').Browser;

/**
 * In front of the server: the console's files passed through, every `/v1/` call answered with a 307 to `/elsewhere`
 * on the same origin, and what reaches `/elsewhere` kept (answered with an identity of its choosing).
 */
async function redirectingProxy(upstream: string): Promise<{ server: Server; url: string; reached: IncomingHttpHeaders[] }> {
  const reached: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/v1/')) {
      req.resume();
      res.writeHead(307, { location: '/elsewhere' }).end();
    } else if (path.startsWith('/elsewhere')) {
      reached.push(req.headers);
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ arn: 'arn:aws:iam::000000000000:user/someone-else', account: '000000000000', users: [] }));
    } else {
      const to = new URL(path, upstream);
      req.pipe(request(to, { method: req.method, headers: { ...req.headers, host: to.host } }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  // localhost: a secure context, as the console needs.
  return { server, url: `http://localhost:${(server.address() as { port: number }).port}`, reached };
}

describe('web console review (H4–H6)', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  const problems: string[] = [];

  before(async () => {
    server = await startTestServer();
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function newPage(): Promise<Page> {
    const p = await browser.newPage();
    p.setDefaultTimeout(10_000);
    p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    return p;
  }

  async function signIn(p: Page, c: Credentials): Promise<void> {
    await p.fill('input[name=accessKeyId]', c.accessKeyId);
    await p.fill('input[name=secretAccessKey]', c.secretAccessKey);
    await p.click('#sign-in-form button[type=submit]');
  }

  it('H4: a redirect of a signed call is not followed; the page says so and stays signed out', async () => {
    const proxy = await redirectingProxy(server.url);
    const p = await newPage();
    try {
      await p.goto(`${proxy.url}/ui/`);
      await signIn(p, server.admin);
      // Signed in (as whoever answered) or refused, whichever comes.
      await p.waitForSelector('#who:not([hidden]), #sign-in-status:not(:empty)');
      const said = (await p.textContent('#sign-in-status')) ?? '';
      assert.deepEqual(proxy.reached.map((h) => h['authorization'] ?? '(no authorization)'), [], 'the signed request went to /elsewhere');
      // The sign-in's first call opens its console sign-in (review id, 1).
      assert.match(said, /^sign-in refused: POST \/v1\/console\/sign-in was answered with a redirect, which the console does not follow/);
      assert.equal(await p.isVisible('#console'), false, 'signed in as whoever /elsewhere said');
      assert.deepEqual(problems, []);
    } finally {
      await p.close();
      proxy.server.close();
    }
  });

  it('H5: a sign-in in use all along ends 8 hours after the key was typed', async () => {
    const p = await newPage();
    try {
      await p.clock.install();
      await p.goto(`${server.url}/ui/`);
      await signIn(p, server.admin);
      await p.waitForSelector('#who:not([hidden])');
      // Used every 20 minutes (the requests are refused by the server, their date being ahead of its clock: still use).
      for (let minutes = 20; minutes <= 460; minutes += 20) {
        await p.clock.fastForward('20:00');
        // Until the page has made the call (and so counted the use): the first click only sets the address, whose
        // change opens the view in a later task, and under load the next fast-forward could come before it.
        await Promise.all([p.waitForResponse((r) => new URL(r.url()).pathname === '/v1/users'), p.click('nav button[data-view=users]')]);
      }
      assert.equal(await p.isVisible('#console'), true, 'still signed in at 7 h 40 min, in use all along');
      await p.clock.fastForward('21:00');
      await p.waitForSelector('#sign-in:not([hidden])');
      assert.equal(await p.textContent('#sign-in-status'), 'signed out: a sign-in lasts at most 8 hours; sign in again');
      assert.equal(await p.isVisible('#console'), false);
      assert.equal(await p.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length), 0);
      assert.deepEqual(problems, []);
    } finally {
      await p.close();
    }
  });

  it('H5: a reload 8 hours after the sign-in does not sign in again with the kept key', async () => {
    // No fake clock here: it fakes `performance` too, and the page would not see a reload. The kept sign-in is
    // made 8 h 1 min old instead, used a minute ago.
    const p = await newPage();
    try {
      await p.goto(`${server.url}/ui/`);
      await signIn(p, server.admin);
      await p.waitForSelector('#who:not([hidden])');
      const kept = await p.evaluate(() => {
        const store = (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null; setItem(k: string, v: string): void } }).sessionStorage;
        const saved = JSON.parse(store.getItem('gatehouse-console-credentials') ?? '{}') as Record<string, unknown>;
        store.setItem('gatehouse-console-credentials', JSON.stringify({ ...saved, signedInAt: Date.now() - 481 * 60_000, usedAt: Date.now() - 60_000 }));
        return Object.keys(saved).sort();
      });
      // The console sign-in's session token too (review id, 1).
      assert.deepEqual(kept, ['accessKeyId', 'idleMs', 'sessionToken', 'signedInAt', 'signingKeys', 'usedAt'], 'the kept sign-in says when it began and its idle limit (review mp, 2), and holds signing keys, not the secret (review bd, 1)');
      await p.reload();
      await p.waitForSelector('#sign-in-status:not(:empty)');
      assert.equal(await p.textContent('#sign-in-status'), 'signed out: a sign-in lasts at most 8 hours; sign in again');
      assert.equal(await p.isVisible('#console'), false);
      // A reload within the 8 hours still keeps it (W4).
      await signIn(p, server.admin);
      await p.waitForSelector('#who:not([hidden])');
      await p.reload();
      await p.waitForSelector('#who:not([hidden])');
    } finally {
      await p.close();
    }
  });

  it('H6: no password field for a password manager to save; the secret fields are masked and still sign in', async () => {
    const p = await newPage();
    const logged: string[] = [];
    p.on('console', (m) => logged.push(m.text()));
    try {
      await p.goto(`${server.url}/ui/`);
      assert.equal(await p.locator('input[type=password]').count(), 0, 'a password field is offered for saving');
      for (const name of ['secretAccessKey', 'sessionToken']) {
        const field = p.locator(`input[name=${name}]`);
        assert.equal(await field.getAttribute('autocomplete'), 'off', name);
        assert.equal(await field.evaluate((e) => (globalThis as unknown as { getComputedStyle(e: unknown): Record<string, string> }).getComputedStyle(e)['webkitTextSecurity']), 'disc', `${name} is shown as typed`);
      }
      await signIn(p, server.admin);
      await p.waitForSelector('#who:not([hidden])');
      // The form is emptied once read.
      assert.equal(await p.inputValue('input[name=secretAccessKey]'), '');
      assert.deepEqual(logged.filter((l) => /autocomplete attributes/.test(l)), [], 'Chromium still sees a password field');
      assert.deepEqual(problems, []);
    } finally {
      await p.close();
    }
  });
});
