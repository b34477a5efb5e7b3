/**
 * Review of the web console (review console, W1–W3), in Debian's Chromium through playwright-core against a real
 * server on 127.0.0.1 (one browser; skipped when chromium is absent, as test/console-browser.test.ts):
 * - W1: a line break or a right-to-left override in a string a low-privilege user wrote into the audit log is shown
 *   as an escape, so one cell cannot read as several records or another principal;
 * - W2: opened over plain HTTP at a name other than localhost (no secure context: no Web Crypto, and a page anyone
 *   on the path could have rewritten), the page says so and takes no key;
 * - W3: the Content-Security-Policy requires Trusted Types, so no code of the page can write markup from a string;
 * - W4: the key is used again on a reload only, not by a tab the console opens nor on a new load of /ui/;
 * - W5: the audit view shows a record's role, session, job, source identity and address;
 * - W6: the sign-in form cannot be sent without console.js (and would be a POST), even with the CSP lost;
 * - W7: a tab not used for 30 minutes forgets the key.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { CHROMIUM_SKIP, launchChromium } from './support/console.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const skip = CHROMIUM_SKIP;

/** What the functions run in the page read of it (this file is type-checked without the DOM library). */
declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  body: { insertAdjacentHTML(where: string, html: string): void };
};

type Page = import('playwright-core').Page;
type Browser = import('playwright-core').Browser;
type SignRequest = (r: { method: string; host: string; path: string; body?: string; credentials: Credentials }) => Promise<{ url: string; headers: Record<string, string> }>;

const CONSOLE_JS = pathToFileURL(join(import.meta.dirname, '..', 'web', 'console.js')).href;

describe('web console review (W1–W7)', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  /** Every request the page made: URL, headers and body. */
  const sent: string[] = [];

  before(async () => {
    server = await startTestServer();
    // `gatehouse.test` is 127.0.0.1 for this browser: a name, so http://gatehouse.test is no secure context (W2).
    browser = await launchChromium(['--host-resolver-rules=MAP gatehouse.test 127.0.0.1']);
    page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => sent.push(`${r.url()} ${JSON.stringify(r.headers())} ${r.postData() ?? ''}`));
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function signIn(p: Page, c: Credentials): Promise<void> {
    await p.fill('input[name=accessKeyId]', c.accessKeyId);
    await p.fill('input[name=secretAccessKey]', c.secretAccessKey);
    await p.click('#sign-in-form button[type=submit]');
  }

  it('W1: shows line breaks and bidi overrides of an audit record as escapes', async () => {
    // A user with no policy at all asks about a resource named to read as two more lines and a reversed word.
    const iam = server.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'intern' }));
    const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'intern' }))).AccessKey!;
    const intern = { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! };
    const signRequest = ((await import(CONSOLE_JS)) as { signRequest: SignRequest }).signRequest;
    const resource = 'arn:aws:s3:::data/x\n\nAllow arn:aws:iam::000000000000:user/admin \u202Enimda';
    const body = JSON.stringify({ action: 's3:GetObject', resource });
    const signed = await signRequest({ method: 'POST', host: new URL(server.url).host, path: '/v1/authorize', body, credentials: intern });
    const res = await fetch(`${server.url}${signed.url}`, { method: 'POST', headers: signed.headers, body });
    assert.equal(res.status, 200, await res.text());
    assert.equal(await server.running.app.audit.flush(), true);

    await page.goto(`${server.url}/ui/`);
    await signIn(page, server.admin);
    await page.waitForSelector('#who:not([hidden])');
    await page.click('nav button[data-view=audit]');
    await page.fill('#audit-form input[name=action]', 's3:GetObject');
    await page.click('#audit-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === '1 record(s)');
    const cells = await page.$$eval('#view tbody td', (tds) => tds.map((td) => td.textContent ?? ''));
    assert.ok(cells.includes('arn:aws:s3:::data/x\\n\\nAllow arn:aws:iam::000000000000:user/admin \\u{202e}nimda'), JSON.stringify(cells));
    assert.deepEqual(cells.filter((c) => /\u202e|\n\nAllow/.test(c)), [], 'no cell holds the raw line breaks or override');
    // The secret is never sent, in any URL, header or body; every request stays on this origin.
    assert.ok(sent.length > 3);
    assert.deepEqual(sent.filter((r) => r.includes(server.admin.secretAccessKey) || !r.startsWith(`${server.url}/`)), []);
  });

  it('W3: the page may not write markup from a string (Trusted Types)', async () => {
    const csp = (await fetch(`${server.url}/ui/`)).headers.get('content-security-policy') ?? '';
    assert.match(csp, /require-trusted-types-for 'script'/);
    assert.match(csp, /trusted-types 'none'/);
    const outcome = await page.evaluate(() => {
      try {
        document.body.insertAdjacentHTML('beforeend', '<img src=x>');
        return 'written';
      } catch (e) {
        return (e as Error).name;
      }
    });
    assert.equal(outcome, 'TypeError');
    assert.deepEqual(problems, []);
  });

  it('W2: over plain HTTP at a name, says to use HTTPS or localhost and takes no key', async () => {
    const remote = await browser.newPage();
    remote.setDefaultTimeout(10_000);
    try {
      await remote.goto(`http://gatehouse.test:${new URL(server.url).port}/ui/`);
      await remote.waitForFunction(() => (document.querySelector('#sign-in-status')?.textContent ?? '') !== '');
      assert.match(await remote.textContent('#sign-in-status') ?? '', /^this page is not a secure context .*--tls-cert .*localhost/);
      assert.equal(await remote.isDisabled('input[name=secretAccessKey]'), true);
      assert.equal(await remote.isDisabled('#sign-in-form button[type=submit]'), true);
    } finally {
      await remote.close();
    }
  });

  it('W4: the key is kept for a reload only, not for a new load of the page or a tab it opens', async () => {
    // Signed in since W1.
    await page.reload();
    await page.waitForSelector('#who:not([hidden])');
    const popup = page.waitForEvent('popup');
    await page.evaluate(() => void (globalThis as unknown as { open(url: string): unknown }).open('/ui/'));
    const opened = await popup;
    await opened.waitForLoadState();
    assert.equal(await opened.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length), 0, 'the opened tab holds no key');
    assert.equal(await opened.isVisible('#sign-in'), true);
    await opened.close();
    await page.goto(`${server.url}/ui/`);
    await page.waitForSelector('#sign-in:not([hidden])');
    assert.equal(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length), 0, 'going to the page again forgets the key');
    assert.equal(await page.isVisible('#console'), false);
  });

  it('W5: the audit view shows the role, session, source identity and address of a record', async () => {
    const iam = server.iam();
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }] };
    const role = (await iam.send(new I.CreateRoleCommand({ RoleName: 'nightly', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role!;
    await server.sts().send(new AssumeRoleCommand({ RoleArn: role.Arn!, RoleSessionName: 'run-7', SourceIdentity: 'alice' }));
    assert.equal(await server.running.app.audit.flush(), true);
    await page.reload();
    await page.waitForSelector('#sign-in:not([hidden])');
    await signIn(page, server.admin);
    await page.waitForSelector('#who:not([hidden])');
    await page.click('nav button[data-view=audit]');
    await page.fill('#audit-form input[name=action]', 'sts:AssumeRole');
    await page.click('#audit-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === '1 record(s)');
    const text = await page.textContent('#view tbody') ?? '';
    assert.match(text, /source identity alice/);
    assert.match(text, /from 127\.0\.0\.1/);
    assert.match(text, /role arn:aws:iam::000000000000:role\/nightly/);
  });

  it('W6: without its script, the sign-in form sends nothing, even where the CSP is lost', async () => {
    // A proxy that drops the Content-Security-Policy (form-action 'none') and a script that did not load.
    const context = await browser.newContext({ bypassCSP: true });
    const bare = await context.newPage();
    bare.setDefaultTimeout(10_000);
    const urls: string[] = [];
    bare.on('request', (r) => urls.push(`${r.method()} ${r.url()} ${r.postData() ?? ''}`));
    try {
      await bare.route('**/ui/console.js', (r) => r.abort());
      await bare.goto(`${server.url}/ui/`);
      await bare.fill('input[name=accessKeyId]', 'AKIAEXAMPLEEXAMPLE00');
      await bare.fill('input[name=secretAccessKey]', 'typed-before-the-script');
      await bare.press('input[name=secretAccessKey]', 'Enter');
      await bare.waitForTimeout(300);
      assert.deepEqual(urls.filter((u) => u.includes('typed-before-the-script')), []);
      assert.equal(await bare.isDisabled('#sign-in-form button[type=submit]'), true);
    } finally {
      await context.close();
    }
    assert.equal(await page.isDisabled('#sign-in-form button[type=submit]'), false, 'the script enables it');
  });

  it('W7: a tab not used for 30 minutes forgets the key', async () => {
    const idle = await browser.newPage();
    idle.setDefaultTimeout(10_000);
    try {
      await idle.clock.install();
      await idle.goto(`${server.url}/ui/`);
      await signIn(idle, server.admin);
      await idle.waitForSelector('#who:not([hidden])');
      await idle.waitForFunction(() => /user\(s\)/.test(document.querySelector('#status')?.textContent ?? ''));
      await idle.clock.fastForward('29:00');
      assert.equal(await idle.isVisible('#console'), true, 'still signed in within 30 minutes');
      await idle.clock.fastForward('02:00');
      await idle.waitForSelector('#sign-in:not([hidden])');
      assert.match(await idle.textContent('#sign-in-status') ?? '', /^signed out after 30 minutes without use: sign in again$/);
      assert.equal(await idle.isVisible('#console'), false);
      assert.equal(await idle.evaluate(() => (globalThis as unknown as { sessionStorage: { length: number } }).sessionStorage.length), 0);
    } finally {
      await idle.close();
    }
  });
});
