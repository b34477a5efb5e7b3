/**
 * Review of the web console (review jd, 5): a computer whose clock was off was told its signature did not match.
 *
 * What was wrong: the console signs every call with the browser's clock, and the server takes a signature made up to
 * 15 minutes off its own. On a laptop an hour fast (a time zone set as UTC, a VM resumed without NTP) every sign-in
 * read `sign-in refused: SignatureDoesNotMatch: Signature not yet current: 20261205T225700Z is still later than
 * 20261205T221200Z (20261205T215700Z + 15 min.)`: AWS's words, under a code that says the key or the signing is
 * wrong, and nothing saying that this computer's clock is the thing to fix or by how much. The SDKs correct their clock
 * from the server's `Date` for this; the console, which cannot sign for dates it holds no keys for, said nothing.
 *
 * What is now so: such a refusal says that this computer's clock is N minutes ahead of (or behind) the server's, read
 * from the answer's `Date`, and to set it right; the server's own words stay in the message.
 *
 * Before the fix 1 of 1 tests failed. Debian's Chromium through playwright-core with its clock set an hour fast, then
 * two hours slow (skipped when chromium is absent), against a real server.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CHROMIUM_SKIP, serverAndChromium } from './support/console.ts';

declare const document: { getElementById(id: string): { textContent: string | null } | null };

describe('web console review jd5: a clock off by more than the server takes is said to be the cause', { skip: CHROMIUM_SKIP }, () => {
  const world = serverAndChromium();

  for (const [offMinutes, words] of [
    [60, /this computer's clock is 60 minutes ahead of the server's/],
    [-120, /this computer's clock is 120 minutes behind the server's/],
  ] as const) {
    it(`a clock ${offMinutes} minutes off: the sign-in says so`, async () => {
      const page = await world.browser.newPage();
      page.setDefaultTimeout(10_000);
      try {
        await page.clock.install({ time: Date.now() + offMinutes * 60_000 });
        await page.clock.resume();
        await page.goto(`${world.server.url}/ui/`);
        await page.fill('input[name=accessKeyId]', world.server.admin.accessKeyId);
        await page.fill('input[name=secretAccessKey]', world.server.admin.secretAccessKey);
        await page.click('#sign-in-form button[type=submit]');
        await page.waitForFunction(() => (document.getElementById('sign-in-status')?.textContent ?? '') !== '');
        const said = (await page.textContent('#sign-in-status')) ?? '';
        assert.match(said, /^sign-in refused: SignatureDoesNotMatch: Signature (not yet current|expired)/);
        assert.match(said, words);
        assert.match(said, /set it right/);
      } finally {
        await page.close();
      }
    });
  }
});
