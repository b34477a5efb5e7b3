/**
 * Review fk, 2: Back to the console from another page brought it back signed in, from the back/forward cache.
 *
 * What was wrong: the console keeps its signing keys for a reload of its tab only; a tab that leaves the console and
 * comes back by its URL is signed out (review console, W4). But a page left for another (a link followed, an address
 * typed) is kept whole by Chromium in its back/forward cache, script state and all, and Back (or the history list)
 * restored it as it was: signed in as the administrator, the keys in memory and in the tab's storage, its views
 * answering, with nobody typing the key. An administrator who signs in on a shared machine and then goes to another
 * site in the tab leaves the console to whoever presses Back.
 *
 * What is now so: the page signs out as it is put away into that cache (`pagehide` with `persisted`): restored, it shows
 * the sign-in form saying why, holds no keys, and sends nothing. A reload still keeps the sign-in.
 *
 * Debian's Chromium through playwright-core, launched with its back/forward cache (playwright turns it off by default:
 * `--disable-back-forward-cache`), skipped when chromium is absent; against a real server.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CHROMIUM_SKIP, serverAndBackForwardChromium, signedInPage } from './support/console.ts';

type Page = import('playwright-core').Page;
declare const document: { readyState: string; getElementById(id: string): { textContent: string | null; hidden: boolean } | null };
declare const sessionStorage: { length: number };
declare const location: { hash: string };
declare const performance: { getEntriesByType(t: string): { type: string }[] };

describe('web console review fk2: a page restored by Back is signed out', { skip: CHROMIUM_SKIP }, () => {
  const world = serverAndBackForwardChromium();

  const signedIn = (): Promise<{ page: Page; problems: string[] }> => signedInPage(world.browser, world.server.url, world.server.admin);

  it('Back from another site shows the sign-in form, holds no keys and sends nothing', async () => {
    const { page, problems } = await signedIn();
    try {
      // A mark in the page's own memory: still there after Back only if the page came from the cache.
      await page.evaluate(() => Object.assign(globalThis, { fk2Mark: 'kept' }));
      // Another site (another origin: localhost is not 127.0.0.1 to the browser).
      await page.goto(`${world.server.url.replace('127.0.0.1', 'localhost')}/healthz`);
      const sent: string[] = [];
      page.on('request', (r) => sent.push(new URL(r.url()).pathname));
      // A page restored from the cache fires no load: wait for the address, then for the page itself.
      await page.goBack({ waitUntil: 'commit' });
      await page.waitForFunction(() => document.readyState === 'complete');
      assert.equal(await page.evaluate(() => (globalThis as { fk2Mark?: string }).fk2Mark), 'kept', 'the page was not restored from the back/forward cache: the test proves nothing');
      await page.waitForSelector('#sign-in:not([hidden]), #console:not([hidden])');
      assert.equal(await page.isVisible('#console'), false, 'Back brought the console back signed in');
      assert.equal(await page.isVisible('#who'), false);
      assert.equal(await page.textContent('#sign-in-status'), 'signed out when the console was left for another page: sign in again');
      assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'the signing keys are forgotten');
      // And a view asked for from the restored page is not answered.
      await page.evaluate(() => Object.assign(location, { hash: 'groups' }));
      await page.waitForFunction(() => location.hash === '#groups');
      assert.equal(await page.isVisible('#console'), false);
      assert.deepEqual(sent.filter((p) => p.startsWith('/v1/')), []);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  it('a reload still keeps the sign-in', async () => {
    const { page, problems } = await signedIn();
    try {
      await page.reload();
      await page.waitForFunction(() => /user\(s\)$/.test(document.getElementById('status')?.textContent ?? ''));
      assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation')[0]?.type), 'reload');
      assert.equal(await page.isVisible('#console'), true);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
