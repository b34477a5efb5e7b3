/**
 * The web console driven through Debian's Chromium (playwright-core), for the console's tests: where Chromium is, and a
 * page signed in as given, with the page errors it meets collected.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startTestServer, type Credentials, type TestServer } from './server.ts';
import { suiteWorld } from './suite-world.ts';

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;
declare const document: { getElementById(id: string): { textContent: string | null } | null };

/** Debian's chromium, or undefined (a test skips then). */
export const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));

/** A browser suite's `skip`: why it cannot run here, or false. */
export const CHROMIUM_SKIP: string | false = CHROMIUM === undefined ? "Debian's chromium is absent (apt-get install chromium)" : false;

/** A tab a suite closed, reset and kept for the next `browser.newPage()` of the process (see `launchChromium`). */
interface Pooled {
  readonly page: Page;
  /** Every origin the tab has shown: their session storage is cleared before the tab is given again. */
  readonly origins: Set<string>;
}

/** The Chromium this process runs, by launch arguments: the suites of a group share one, as they run one after another. */
const running = new Map<string, { browser: Promise<Browser>; users: number; closing?: ReturnType<typeof setTimeout>; spare: Pooled[] }>();

/** Whether a Chromium no suite uses stays open until `closeHeldChromiums` (a group file's last hook) instead of a second. */
let held = false;

/**
 * Keeps this process's Chromiums open between suites until `closeHeldChromiums`: a group file's suites each start a
 * server before their browser, which on a loaded machine took more than the second a free Chromium waits, and the
 * console group started 14 of them (about 4 s of CPU each) where two serve.
 */
export function holdChromiums(): void {
  held = true;
}

/** Closes every Chromium this process started (the console group's last `after`). */
export async function closeHeldChromiums(): Promise<void> {
  held = false;
  const all = [...running.values()];
  running.clear();
  for (const shared of all) {
    clearTimeout(shared.closing);
    await shared.browser.then((b) => b.close(), () => undefined);
  }
}

/**
 * What a test may do to a tab that resetting it does not undo: a fake clock cannot be uninstalled, exposed functions and
 * init scripts stay, emulation and headers stay, and its context is the test's to change. Such a tab is closed, not kept.
 */
const LASTING = new Set<string | symbol>(['clock', 'exposeFunction', 'exposeBinding', 'addInitScript', 'setViewportSize', 'emulateMedia', 'setExtraHTTPHeaders', 'context', 'pause', 'coverage', 'video']);

/** Listener registrations a test makes on a tab: they are removed when the tab is reset. */
const LISTENING = new Set<string | symbol>(['on', 'once', 'addListener', 'prependListener', 'prependOnceListener']);

/**
 * A tab for a test: a spare one of `spare` (reset by `keep`) or a new one. Chromium's new tab costs about a second of CPU
 * (its renderer, its context, the DevTools domains playwright enables), a navigation a fifth of that: the console
 * groups opened about 200 tabs a run. What the test gets behaves as a new tab: no listeners, routes, cookies or
 * storage of any origin it showed, on about:blank; closing it (or the suite's `close()`) resets it and keeps it for the
 * next test, unless the test did something a reset cannot undo (`LASTING`) or the reset fails, when it is closed.
 */
async function pooledPage(browser: Browser, spare: Pooled[], mine: Set<() => Promise<void>>): Promise<Page> {
  // A kept tab whose renderer went away since is not given again.
  let given = spare.pop();
  while (given !== undefined && given.page.isClosed()) given = spare.pop();
  const pooled: Pooled = given ?? { page: await browser.newPage(), origins: new Set() };
  const raw = pooled.page;
  if (given === undefined) {
    raw.on('framenavigated', (f) => {
      const origin = new URL(f.url()).origin;
      if (origin.startsWith('http')) pooled.origins.add(origin);
    });
  }
  const listeners: [string | symbol, (...a: unknown[]) => unknown][] = [];
  let lasting = false;
  let closed = false;
  const keep = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    mine.delete(keep);
    if (raw.isClosed()) return;
    if (lasting || !(await reset(raw, pooled, listeners))) {
      await raw.context().close().catch(() => undefined);
      return;
    }
    spare.push(pooled);
  };
  mine.add(keep);
  const page: Page = new Proxy(raw, {
    get(target, name) {
      if (name === 'close') return keep;
      if (name === 'isClosed') return () => closed || target.isClosed();
      if (closed) throw new Error(`this tab was closed (test/support/console.ts keeps it for another test): ${String(name)} is not for it any more`);
      if (LASTING.has(name)) lasting = true;
      const v: unknown = Reflect.get(target, name, target);
      if (LISTENING.has(name)) {
        return (event: string | symbol, fn: (...a: unknown[]) => unknown) => {
          listeners.push([event, fn]);
          (v as (e: string | symbol, f: (...a: unknown[]) => unknown) => unknown).call(target, event, fn);
          return page;
        };
      }
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return page;
}

/** Makes a tab as a new one (see `pooledPage`), or says false if it could not. */
async function reset(raw: Page, pooled: Pooled, listeners: readonly [string | symbol, (...a: unknown[]) => unknown][]): Promise<boolean> {
  try {
    for (const [event, fn] of listeners) raw.off(event as 'close', fn as () => void);
    const context = raw.context();
    await raw.unrouteAll({ behavior: 'ignoreErrors' });
    await context.unrouteAll({ behavior: 'ignoreErrors' });
    for (const other of context.pages()) if (other !== raw) await other.close();
    // Session storage belongs to the tab and the origin, and Chromium clears it only from a document of that origin:
    // each origin the tab showed is shown again, its document made here (the server may be gone), and cleared.
    await raw.route('**/*', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '' }));
    for (const origin of pooled.origins) {
      await raw.goto(`${origin}/test-support-reset`, { timeout: 5_000 });
      await raw.evaluate(() => {
        const web = globalThis as unknown as Record<'sessionStorage' | 'localStorage', { clear(): void }>;
        web.sessionStorage.clear();
        web.localStorage.clear();
      });
    }
    await raw.unrouteAll({ behavior: 'wait' });
    await raw.goto('about:blank', { timeout: 5_000 });
    await context.clearCookies();
    pooled.origins.clear();
    raw.setDefaultTimeout(30_000);
    raw.setDefaultNavigationTimeout(30_000);
    return true;
  } catch {
    return false;
  }
}

/**
 * Debian's Chromium, headless, for one suite (closed in its `after`); `args` adds to `--no-sandbox`. A Chromium costs
 * seconds of CPU to start, so the suites of one process share it: what `close()` closes is the contexts and pages the
 * suite made, and the browser itself only once no suite has used it for a second. Its `newPage()` gives a tab of
 * `pooledPage`.
 */
export async function launchChromium(args: readonly string[] = []): Promise<Browser> {
  const key = args.join('\0');
  let shared = running.get(key);
  if (shared === undefined) {
    const { chromium } = await import('playwright-core');
    shared = { browser: chromium.launch({ executablePath: CHROMIUM as string, args: ['--no-sandbox', ...args], headless: true, timeout: 60_000 }), users: 0, spare: [] };
    running.set(key, shared);
    shared.browser.catch(() => running.delete(key));
  }
  const mine = shared;
  clearTimeout(mine.closing);
  mine.users++;
  let browser: Browser;
  try {
    browser = await mine.browser;
  } catch (e) {
    mine.users--;
    throw e;
  }
  const before = new Set(browser.contexts());
  const tabs = new Set<() => Promise<void>>();
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed) return;
    closed = true;
    for (const keep of [...tabs]) await keep();
    const kept = new Set(mine.spare.map((p) => p.page.context()));
    for (const c of browser.contexts()) if (!before.has(c) && !kept.has(c)) await c.close();
    if (--mine.users > 0 || held) return;
    mine.closing = setTimeout(() => {
      running.delete(key);
      mine.spare.length = 0;
      void browser.close();
    }, 1_000);
  };
  return new Proxy(browser, {
    get(target, name) {
      if (name === 'close') return close;
      if (name === 'newPage') return (options?: object) => (options === undefined ? pooledPage(target, mine.spare, tabs) : target.newPage(options));
      const v: unknown = Reflect.get(target, name, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
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

/** The console's Who can view on `page`, asked about `resource` (with `context` as JSON text, when given), once it has answered. */
export async function askWhoCan(page: Page, resource: string, context?: string): Promise<void> {
  await page.click('nav button[data-view=whoCan]');
  await page.fill('#who-can-form input[name=resource]', resource);
  if (context !== undefined) await page.fill('#who-can-form input[name=context]', context);
  await page.click('#who-can-form button[type=submit]');
  await page.waitForFunction(() => /principal\(s\) allowed/.test(document.getElementById('status')?.textContent ?? ''));
}

/** The suite's server and Chromium (`serverAndChromium`); each set once `before` has run. */
export interface ServerAndChromium {
  readonly server: TestServer;
  readonly browser: Browser;
}

/**
 * A test server and a Chromium for the suite it is called in: started before its tests, closed after (what the console
 * reviews each wrote out).
 */
export function serverAndChromium(): ServerAndChromium {
  return serverAnd('serverAndChromium', () => launchChromium());
}

/**
 * `serverAndChromium` with Chromium's back/forward cache on (playwright's launch turns it off): a Chromium of the suite's
 * own, neither shared nor its tabs kept (`launchChromium`), so that Back can restore a page from the cache (reviews fk2,
 * ta1, ta2).
 */
export function serverAndBackForwardChromium(): ServerAndChromium {
  return serverAnd('serverAndBackForwardChromium', async () => {
    const { chromium } = await import('playwright-core');
    return chromium.launch({ executablePath: CHROMIUM as string, args: ['--no-sandbox'], ignoreDefaultArgs: ['--disable-back-forward-cache'], headless: true, timeout: 60_000 });
  });
}

function serverAnd(what: string, launch: () => Promise<Browser>): ServerAndChromium {
  const world = suiteWorld(what, async (cleanUp) => {
    const server = await startTestServer();
    cleanUp(() => server.stop());
    const browser = await launch();
    cleanUp(() => browser.close());
    return { server, browser };
  });
  return {
    get server() {
      return world().server;
    },
    get browser() {
      return world().browser;
    },
  };
}

/** A sign-in a console tab keeps in its session storage (`gatehouse-console-credentials`). */
export type KeptSignIn = { accessKeyId: string; sessionToken?: string; signingKeys: Record<string, string> };
type SignRequest = (r: { method: string; host: string; path: string; credentials: KeptSignIn }) => Promise<{ url: string; headers: Record<string, string> }>;

/** `GET /v1/whoami` on the server at `url` signed with `kept` by web/console.js's own signer, from here: its status and error code (`403 ExpiredToken`). */
export async function keptWhoami(url: string, kept: KeptSignIn): Promise<string> {
  const { signRequest } = (await import(pathToFileURL(join(import.meta.dirname, '..', '..', 'web', 'console.js')).href)) as { signRequest: SignRequest };
  const signed = await signRequest({ method: 'GET', host: new URL(url).host, path: '/v1/whoami', credentials: kept });
  const res = await fetch(`${url}${signed.url}`, { headers: signed.headers });
  const json = (await res.json()) as { error?: { code?: string } };
  return `${res.status}${json.error?.code !== undefined ? ` ${json.error.code}` : ''}`;
}

/** `signedInPage` as `who`, then reloaded while its whoami gets no answer: the sign-in kept, unchecked (reviews ta2, ta3). */
export async function keptUncheckedPage(browser: Browser, url: string, who: Credentials): Promise<{ page: Page; problems: string[] }> {
  const { page, problems } = await signedInPage(browser, url, who);
  await page.route('**/v1/whoami', (route) => route.abort('connectionrefused'));
  await page.reload();
  await page.waitForFunction(() => /sign-in of this tab is kept/.test(document.getElementById('sign-in-status')?.textContent ?? ''));
  await page.unroute('**/v1/whoami');
  return { page, problems };
}
