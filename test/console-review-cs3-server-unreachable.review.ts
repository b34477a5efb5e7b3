/**
 * Review of the web console (review cs, 3): a server that does not answer read as the browser's words, or as a refusal.
 *
 * What was wrong: with the server stopped (or the network gone), every view said `Failed to fetch`, Chromium's text
 * for a request that got no answer, and a sign-in said `sign-in refused: Failed to fetch`: a refusal of a key nobody
 * had checked. A proxy or load balancer in front of the server answering 502/503/504 with its own HTML page (the
 * server behind it down or starting) read `… was answered 503 with a body that is not JSON: is this page served by
 * the Gatehouse server itself?`, which sends the administrator to look at the wrong thing. The CLI says, for the same,
 * `cannot reach the Gatehouse server at http://…: …; is \`gatehouse server\` running there?`.
 *
 * What is now so: a request with no answer says the console cannot reach the server at its address and to check it
 * is running; an answer 5xx that is not the server's own JSON says that something in front of the server answered
 * it, with its status; a sign-in that got no answer from the server says it could not be checked, not that it was
 * refused. The server's own refusals still read `CODE: message`.
 *
 * Chromium through playwright-core (skipped when chromium is absent), against a real server, then stopped.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signedInPage, CHROMIUM_SKIP, serverAndChromium } from './support/console.ts';

const skip = CHROMIUM_SKIP;

type Page = import('playwright-core').Page;
declare const document: { getElementById(id: string): { textContent: string | null; className: string } | null };

describe('web console review cs3: a server that does not answer, or a proxy in front of it, is said so', { skip }, () => {
  const world = serverAndChromium();

  /** The status line once `view` was opened and answered with an error. */
  async function failed(page: Page, view: string): Promise<string> {
    await page.click(`nav button[data-view=${view}]`);
    await page.waitForFunction(() => document.getElementById('status')?.className === 'error');
    return (await page.textContent('#status')) ?? '';
  }

  it("a proxy's own 503 page is said to be the proxy's", async () => {
    const { page, problems } = await signedInPage(world.browser, world.server.url, world.server.admin);
    try {
      await page.route('**/v1/roles', (route) => route.fulfill({ status: 503, contentType: 'text/html', body: '<html><body><h1>503 Service Temporarily Unavailable</h1><hr>nginx</body></html>' }));
      const said = await failed(page, 'roles');
      assert.doesNotMatch(said, /is this page served by the Gatehouse server itself/);
      assert.match(said, /^GET \/v1\/roles was answered 503 Service Unavailable by something between this page and the Gatehouse server \(a proxy or load balancer\), not by the server: /);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  it('a sign-in that got no answer is not a refused one', async () => {
    const page = await world.browser.newPage();
    try {
      await page.route('**/v1/whoami', (route) => route.abort('connectionrefused'));
      await page.goto(`${world.server.url}/ui/`);
      await page.fill('input[name=accessKeyId]', world.server.admin.accessKeyId);
      await page.fill('input[name=secretAccessKey]', world.server.admin.secretAccessKey);
      await page.click('#sign-in-form button[type=submit]');
      await page.waitForFunction(() => (document.getElementById('sign-in-status')?.textContent ?? '') !== '');
      const said = (await page.textContent('#sign-in-status')) ?? '';
      assert.doesNotMatch(said, /refused/);
      assert.match(said, new RegExp(`^could not sign in: cannot reach the Gatehouse server at ${world.server.url.replace(/\./g, '\\.')}: `));
    } finally {
      await page.close();
    }
  });

  it('a stopped server: every view says the console cannot reach it', async () => {
    const { page } = await signedInPage(world.browser, world.server.url, world.server.admin);
    try {
      await world.server.stopServer();
      const said = await failed(page, 'groups');
      assert.doesNotMatch(said, /^Failed to fetch$/);
      assert.match(said, new RegExp(`^cannot reach the Gatehouse server at ${world.server.url.replace(/\./g, '\\.')}: .*is \`gatehouse server\` running there`));
    } finally {
      await page.close();
    }
  });
});
