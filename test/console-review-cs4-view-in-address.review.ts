/**
 * Review of the web console (review cs, 4): a reload, a link or the Back button always landed on Users.
 *
 * What was wrong: the console's views had no address. Reload the page while reading the audit log (the one view an
 * administrator watches and reloads) and it came back on Users; a link to the roles (`/ui/#roles`) sent to a colleague
 * opened Users after sign-in; Back left the console instead of going back to the view before. The address bar said
 * `/ui/` whatever was shown.
 *
 * What is now so: the view is the address's fragment (`/ui/#audit`), which never reaches the server: a reload keeps
 * the view, a link opens its view after sign-in, Back and Forward go through the views opened. A fragment that names
 * no view opens Users.
 *
 * Chromium through playwright-core (skipped when chromium is absent), against a real server.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { signedInPage, CHROMIUM_SKIP, serverAndChromium } from './support/console.ts';

const skip = CHROMIUM_SKIP;

type Page = import('playwright-core').Page;
declare const document: { getElementById(id: string): { textContent: string | null } | null };

describe('web console review cs4: the view is in the address', { skip }, () => {
  const world = serverAndChromium();

  /** Waits until the status line matches `re`; the view whose button is pressed. */
  async function shown(page: Page, re: RegExp): Promise<string | null> {
    await page.waitForFunction((source) => new RegExp(source).test(document.getElementById('status')?.textContent ?? ''), re.source);
    return page.getAttribute('nav button[aria-pressed=true]', 'data-view');
  }

  it('a reload keeps the view, and Back goes to the view before', async () => {
    const { page, problems } = await signedInPage(world.browser, world.server.url, world.server.admin);
    try {
      await page.click('nav button[data-view=audit]');
      assert.equal(await shown(page, /record\(s\)/), 'audit');
      assert.equal(new URL(page.url()).hash, '#audit');
      await page.reload();
      assert.equal(await shown(page, /record\(s\)/), 'audit', 'the reload came back on another view');
      await page.click('nav button[data-view=groups]');
      assert.equal(await shown(page, /group\(s\)$/), 'groups');
      await page.goBack();
      assert.equal(await shown(page, /record\(s\)/), 'audit');
      assert.equal(new URL(page.url()).pathname, '/ui/', 'Back stays in the console');
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  it('a link to a view opens it after sign-in; a fragment naming no view opens Users', async () => {
    const page = await world.browser.newPage();
    try {
      await page.goto(`${world.server.url}/ui/#roles`);
      await page.fill('input[name=accessKeyId]', world.server.admin.accessKeyId);
      await page.fill('input[name=secretAccessKey]', world.server.admin.secretAccessKey);
      await page.click('#sign-in-form button[type=submit]');
      assert.equal(await shown(page, /role\(s\)$/), 'roles');
    } finally {
      await page.close();
    }
    const { page: other } = await signedInPage(world.browser, `${world.server.url}`, world.server.admin);
    try {
      await other.goto(`${world.server.url}/ui/#constructor`);
      await other.reload();
      assert.equal(await shown(other, /user\(s\)$/), 'users');
    } finally {
      await other.close();
    }
  });
});
