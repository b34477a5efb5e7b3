/**
 * The web console driven through Debian's Chromium (playwright-core), for the console's tests: where Chromium is, and a
 * page signed in as given, with the page errors it meets collected.
 */
import { existsSync } from 'node:fs';
import type { Credentials } from './server.ts';

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;
declare const document: { getElementById(id: string): { textContent: string | null } | null };

/** Debian's chromium, or undefined (a test skips then). */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** A browser suite's `skip`: why it cannot run here, or false. */
export const CHROMIUM_SKIP: string | false = CHROMIUM === undefined ? "Debian's chromium is absent (apt-get install chromium)" : false;

/** Debian's Chromium, headless, for one suite (closed in its `after`); `args` adds to `--no-sandbox`. */
export async function launchChromium(args: readonly string[] = []): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM as string, args: ['--no-sandbox', ...args], headless: true, timeout: 60_000 });
}

/** A new page of `browser` on the console at `url`, signed in with `who` (its session token too, if any), once it shows the users; `problems` gets each page error. */
export async function signedInPage(browser: Browser, url: string, who: Credentials, timeoutMs = 15_000): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.setDefaultTimeout(timeoutMs);
  await page.goto(`${url}/ui/`);
  await page.fill('input[name=accessKeyId]', who.accessKeyId);
  await page.fill('input[name=secretAccessKey]', who.secretAccessKey);
  if (who.sessionToken !== undefined) await page.fill('input[name=sessionToken]', who.sessionToken);
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForFunction(() => /user\(s\)$/.test(document.getElementById('status')?.textContent ?? ''));
  return { page, problems };
}
