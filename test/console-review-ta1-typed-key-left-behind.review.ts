/**
 * Review ta, 1: a key typed into the console's sign-in form and not yet sent outlived leaving the page.
 *
 * What was wrong: the sign-in form's secret fields hold masks, the page keeping the text typed in its memory until the
 * form is sent (review kx, 3), and the access key id stays in its field. A page left for another (a link followed, an
 * address typed) is kept whole by Chromium's back/forward cache, and Back restored it as it was: the key id and the
 * secret (drawn as masks) in place, and Sign in signed in as whoever's key it was, with nobody typing it. The page signs
 * out as it is put away (review fk, 2), so that Back never brings a sign-in back, but a key typed and not sent stayed.
 *
 * The contract: README's console tour, "Leaving the console for another page signs it out too, so that Back (which
 * browsers answer from their back/forward cache, the page as it was) does not bring it back signed in"; index.html's
 * hint, "the secret key is never sent nor kept"; docs/decisions.md "The web console is a static page that signs its own
 * calls" (the page keeps keys for a reload of its tab only). The form's fields have autocomplete=off, so a page loaded
 * again never gets them back; only the cache did.
 *
 * What is now so: put away into that cache (`pagehide` with `persisted`), the page resets the sign-in form, dropping
 * the text it kept, and restored it says that the key typed was cleared.
 *
 * Debian's Chromium through playwright-core with its back/forward cache on (as review fk2's test launches it), skipped
 * when chromium is absent; against a real server.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CHROMIUM_SKIP, serverAndBackForwardChromium } from './support/console.ts';

type Page = import('playwright-core').Page;
declare const document: {
  readyState: string;
  getElementById(id: string): { textContent: string | null; dispatchEvent(e: unknown): boolean } | null;
};
declare const Event: new (type: string, init: { cancelable: boolean; bubbles: boolean }) => unknown;

describe('web console review ta1: a key typed and not sent does not outlive leaving the page', { skip: CHROMIUM_SKIP }, () => {
  const world = serverAndBackForwardChromium();

  /** The console with the root admin's key typed in (not sent), left for another site, and restored from the cache by Back. */
  async function typedLeftAndBack(): Promise<{ page: Page; problems: string[]; sent: string[] }> {
    const page = await world.browser.newPage();
    page.setDefaultTimeout(15_000);
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    await page.goto(`${world.server.url}/ui/`);
    await page.fill('input[name=accessKeyId]', world.server.admin.accessKeyId);
    await page.fill('input[name=secretAccessKey]', world.server.admin.secretAccessKey);
    // A mark in the page's own memory: still there after Back only if the page came from the cache.
    await page.evaluate(() => Object.assign(globalThis, { ta1Mark: 'kept' }));
    // Another site (another origin: localhost is not 127.0.0.1 to the browser).
    await page.goto(`${world.server.url.replace('127.0.0.1', 'localhost')}/healthz`);
    const sent: string[] = [];
    page.on('request', (r) => sent.push(new URL(r.url()).pathname));
    await page.goBack({ waitUntil: 'commit' });
    await page.waitForFunction(() => document.readyState === 'complete');
    assert.equal(await page.evaluate(() => (globalThis as { ta1Mark?: string }).ta1Mark), 'kept', 'the page was not restored from the back/forward cache: the test proves nothing');
    return { page, problems, sent };
  }

  it('Back finds the form empty, and sending it as it is signs nobody in', async () => {
    const { page, problems, sent } = await typedLeftAndBack();
    try {
      assert.equal(await page.inputValue('input[name=accessKeyId]'), '', 'the key id typed is still in its field');
      assert.equal(await page.inputValue('input[name=secretAccessKey]'), '', 'the secret typed is still in its field');
      assert.equal(await page.textContent('#sign-in-status'), 'the key typed was cleared when the console was left for another page: type it again');
      // The key id typed again and the form sent past its `required` checks: the secret the page kept is gone with its
      // masks, so nothing signs in.
      await page.fill('input[name=accessKeyId]', world.server.admin.accessKeyId);
      await page.evaluate(() => document.getElementById('sign-in-form')?.dispatchEvent(new Event('submit', { cancelable: true, bubbles: true })));
      await page.waitForFunction(() => /refused|could not/.test(document.getElementById('sign-in-status')?.textContent ?? ''));
      assert.equal(await page.isVisible('#console'), false, 'signed in with the secret typed before the page was left');
      assert.equal(await page.isVisible('#who'), false);
      assert.match((await page.textContent('#sign-in-status')) ?? '', /^sign-in refused: SignatureDoesNotMatch/);
      assert.deepEqual(sent.filter((p) => p.startsWith('/v1/') && p !== '/v1/console/sign-in'), []);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  it('the key typed again signs in', async () => {
    const { page, problems } = await typedLeftAndBack();
    try {
      await page.fill('input[name=accessKeyId]', world.server.admin.accessKeyId);
      await page.fill('input[name=secretAccessKey]', world.server.admin.secretAccessKey);
      await page.click('#sign-in-form button[type=submit]');
      await page.waitForFunction(() => /user\(s\)$/.test(document.getElementById('status')?.textContent ?? ''));
      assert.equal(await page.isVisible('#console'), true);
      assert.equal(await page.textContent('#sign-in-status'), '');
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
