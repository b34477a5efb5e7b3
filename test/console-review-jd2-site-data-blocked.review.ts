/**
 * Review of the web console (review jd, 2): in a browser that keeps no site data, the console could not sign in, and
 * said nothing.
 *
 * What was wrong: the page keeps its sign-in in the tab's session storage for a reload. A browser set to keep no site
 * data for the origin (Chromium's "Don't allow sites to save data on your device", or the `DefaultCookiesSetting: 2`
 * policy many hardened corporate machines carry) throws `SecurityError: Failed to read the 'sessionStorage' property
 * from 'Window': Access is denied for this document.` at the mere reading of `window.sessionStorage`. The page read it
 * at load (a page error), and again in every call before sending it: Sign in threw before its first request, the
 * sign-in's error handler threw too, and the form stayed as it was with no word on it. Checked by hand with a Chromium
 * profile whose Preferences block cookies: the sign-in status, the header and the status line stayed empty.
 *
 * What is now so: where the storage cannot be read, the sign-in lives in the page alone (a reload asks for the key
 * again, as the hint says a reload is all it is kept for); everything else is as ever, Sign out ending it on the server.
 *
 * Before the fix 1 of 1 tests failed. Debian's Chromium through playwright-core (skipped when chromium is absent), its
 * `sessionStorage` made to throw at reading as Chromium's blocked profile does, against a real server.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CHROMIUM_SKIP, serverAndChromium } from './support/console.ts';

declare const document: { getElementById(id: string): { textContent: string | null; hidden: boolean } | null };
declare const window: object;
declare const DOMException: new (message: string, name: string) => Error;

describe('web console review jd2: the console works where the browser keeps no site data', { skip: CHROMIUM_SKIP }, () => {
  const world = serverAndChromium();

  it('signs in, shows the views, signs out; a reload asks for the key again', async () => {
    const context = await world.browser.newContext();
    // As Chromium does where site data is blocked: reading the property throws.
    await context.addInitScript(() => {
      Object.defineProperty(window, 'sessionStorage', {
        configurable: true,
        get() {
          throw new DOMException("Failed to read the 'sessionStorage' property from 'Window': Access is denied for this document.", 'SecurityError');
        },
      });
    });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    try {
      await page.goto(`${world.server.url}/ui/`);
      await page.fill('input[name=accessKeyId]', world.server.admin.accessKeyId);
      await page.fill('input[name=secretAccessKey]', world.server.admin.secretAccessKey);
      await page.click('#sign-in-form button[type=submit]');
      await page.waitForFunction(() => /user\(s\)$/.test(document.getElementById('status')?.textContent ?? '') || (document.getElementById('sign-in-status')?.textContent ?? '') !== '', undefined, { timeout: 5_000 }).catch(() => undefined);
      assert.match((await page.textContent('#status')) ?? '', /user\(s\)$/, `not signed in; the sign-in says \`${await page.textContent('#sign-in-status')}\``);
      assert.equal(await page.textContent('#who'), 'arn:aws:iam::000000000000:user/admin (account 000000000000)');
      await page.click('nav button[data-view=roles]');
      await page.waitForFunction(() => /role\(s\)$/.test(document.getElementById('status')?.textContent ?? ''));
      // Nothing kept: a reload shows the sign-in form.
      await page.reload();
      await page.waitForFunction(() => document.getElementById('sign-in')?.hidden === false);
      assert.equal(await page.isVisible('#console'), false);
      // And a sign-in again, then Sign out, which ends it on the server.
      await page.fill('input[name=accessKeyId]', world.server.admin.accessKeyId);
      await page.fill('input[name=secretAccessKey]', world.server.admin.secretAccessKey);
      await page.click('#sign-in-form button[type=submit]');
      await page.waitForFunction(() => /role\(s\)$/.test(document.getElementById('status')?.textContent ?? ''));
      const [signOut] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/v1/console/sign-out'), page.click('#sign-out')]);
      assert.equal(signOut.status(), 200);
      await page.waitForFunction(() => document.getElementById('sign-in-status')?.textContent === 'signed out');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
