/**
 * Review ta, 2: a sign-in the tab kept without checking it (a reload the server did not answer) was dropped by the tab
 * alone when the console was left for another page, and stayed usable on the server.
 *
 * What was wrong: a reload that gets no answer from the server keeps the tab's sign-in for a reload once it answers
 * (review fk, 4): the page shows the sign-in form, its signing keys and session token kept in the tab's session storage,
 * which Chromium writes to the profile on disk. Left for another page from there, the page removed them from the tab
 * (`pagehide` with `persisted`) and ended nothing: the sign-in went on answering the admin API as the administrator
 * until its idle limit, for whoever had a copy of those keys (the profile's storage log keeps what was written).
 *
 * The contract: README's console tour, "A tab that signs out by itself (idle, expired, left) ends it on the server too,
 * as far as it still reaches the server, as does … a return to `/ui/` … that finds a sign-in kept which no other console
 * tab holds" (review jd, 1 and 4: a sign-in dropped by the tab is ended on the server, not forgotten in the tab only).
 *
 * What is now so: the page ends the kept sign-in on the server as it leaves (`POST /v1/console/sign-out`, signed with
 * it), removes it from the tab, and restored by Back says it was signed out when the console was left.
 *
 * Debian's Chromium through playwright-core with its back/forward cache on (as review fk2's test launches it), skipped
 * when chromium is absent; against a real server, the kept sign-in tried from here with web/console.js's own signer.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CHROMIUM_SKIP, keptUncheckedPage, keptWhoami, type KeptSignIn, serverAndBackForwardChromium } from './support/console.ts';

type Page = import('playwright-core').Page;
type Kept = KeptSignIn;
declare const document: { readyState: string; getElementById(id: string): { textContent: string | null } | null };
declare const sessionStorage: { length: number; getItem(k: string): string | null };

describe('web console review ta2: a kept sign-in dropped as the console is left is ended on the server', { skip: CHROMIUM_SKIP }, () => {
  const world = serverAndBackForwardChromium();

  /** `GET /v1/whoami` signed with the kept sign-in, from here: its status and error code. */
  const whoami = (kept: Kept): Promise<string> => keptWhoami(world.server.url, kept);

  /** A page signed in as the root admin, reloaded while its whoami gets no answer: the sign-in kept, unchecked. */
  async function keptUnchecked(): Promise<{ page: Page; problems: string[]; kept: Kept }> {
    const { page, problems } = await keptUncheckedPage(world.browser, world.server.url, world.server.admin);
    const kept = JSON.parse((await page.evaluate(() => sessionStorage.getItem('gatehouse-console-credentials'))) ?? 'null') as Kept | null;
    assert.ok(kept !== null, 'the sign-in is not kept: the test proves nothing');
    assert.equal(await whoami(kept), '200', 'the kept sign-in does not work before the page is left: the test proves nothing');
    return { page, problems, kept };
  }

  it('leaving ends it on the server; Back says so', async () => {
    const { page, problems, kept } = await keptUnchecked();
    try {
      await page.evaluate(() => Object.assign(globalThis, { ta2Mark: 'kept' }));
      // Another site (another origin: localhost is not 127.0.0.1 to the browser).
      await page.goto(`${world.server.url.replace('127.0.0.1', 'localhost')}/healthz`);
      // Ended as the page left: the sign-out is sent without waiting, so its answer is polled for (5 s at most).
      const deadline = Date.now() + 5_000;
      let answer = await whoami(kept);
      while (answer === '200' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        answer = await whoami(kept);
      }
      assert.equal(answer, '403 ExpiredToken', 'the sign-in the tab dropped still works on the server');
      await page.goBack({ waitUntil: 'commit' });
      await page.waitForFunction(() => document.readyState === 'complete');
      assert.equal(await page.evaluate(() => (globalThis as { ta2Mark?: string }).ta2Mark), 'kept', 'the page was not restored from the back/forward cache: the test proves nothing');
      assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'the sign-in is still kept in the tab');
      assert.equal(await page.isVisible('#console'), false);
      assert.equal(await page.textContent('#sign-in-status'), 'signed out when the console was left for another page: sign in again');
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  it('a reload once the server answers still signs in again', async () => {
    const { page, problems } = await keptUnchecked();
    try {
      await page.reload();
      await page.waitForFunction(() => /user\(s\)$/.test(document.getElementById('status')?.textContent ?? ''));
      assert.equal(await page.isVisible('#console'), true);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
