/**
 * The web console as a user drives it: Debian's Chromium, headless, through playwright-core, against a real
 * server on 127.0.0.1. Signing in (and a refused key), the directory views, a simulation, the audit log, and
 * markup in a role's description shown as text, never run. No error may reach the browser's console (a
 * Content-Security-Policy violation would). Needs Debian's chromium (`apt-get install chromium`); skipped when
 * it is absent. `.ci/run` installs it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { askWhoCan, CHROMIUM_SKIP, launchChromium, serverAndChromium } from './support/console.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const skip = CHROMIUM_SKIP;

/** What the functions run in the page read of it (this file is type-checked without the DOM library). */
declare const document: { querySelector(selector: string): { textContent: string | null } | null };

type Page = import('playwright-core').Page;
type Browser = import('playwright-core').Browser;

describe('web console in a browser', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    server = await startTestServer();
    browser = await launchChromium();
    page = await browser.newPage();
    page.setDefaultTimeout(15_000);
    page.on('console', (m) => {
      // Refusals of the API that the page shows (the wrong key's 403, the unknown principal's 404) are answers,
      // not faults; any other error (a file missing, a CSP violation, a script error) is.
      if (m.type() === 'error' && !m.location().url.includes('/v1/')) problems.push(`console: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function signIn(accessKeyId: string, secretAccessKey: string): Promise<void> {
    await page.fill('input[name=accessKeyId]', accessKeyId);
    await page.fill('input[name=secretAccessKey]', secretAccessKey);
    await page.click('#sign-in-form button[type=submit]');
  }

  it('refuses a wrong key and says why; signs in with the right one', async () => {
    await page.goto(`${server.url}/ui/`);
    await signIn(server.admin.accessKeyId, `${server.admin.secretAccessKey.slice(0, -1)}${server.admin.secretAccessKey.endsWith('x') ? 'y' : 'x'}`);
    await page.waitForFunction(() => (document.querySelector('#sign-in-status')?.textContent ?? '') !== '');
    assert.match(await page.textContent('#sign-in-status') ?? '', /^sign-in refused: SignatureDoesNotMatch: /);
    assert.equal(await page.isVisible('#console'), false);

    await signIn(server.admin.accessKeyId, server.admin.secretAccessKey);
    await page.waitForSelector('#who:not([hidden])');
    assert.equal(await page.textContent('#who'), 'arn:aws:iam::000000000000:user/admin (account 000000000000)');
    await page.waitForSelector('#view table');
    assert.deepEqual(await page.$$eval('#view tbody tr td:first-child', (tds) => tds.map((td) => td.textContent)), ['admin']);
    assert.equal(await page.inputValue('input[name=secretAccessKey]'), '', 'the form does not keep the secret');
  });

  it('shows markup from the directory as text, never runs it', async () => {
    const markup = '<img src=x onerror="window.__injected = 1">';
    await server.iam().send(new I.CreateRoleCommand({ RoleName: 'trainer', Description: markup, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }) }));
    await page.click('nav button[data-view=roles]');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === '1 role(s)');
    assert.equal(await page.$$eval('#view tbody td', (tds) => tds.some((td) => td.textContent === '<img src=x onerror="window.__injected = 1">')), true);
    assert.equal(await page.$('#view img'), null);
    assert.equal(await page.evaluate(() => (globalThis as { __injected?: number }).__injected), undefined);
  });

  it('simulates a request and shows the decision with its reasons', async () => {
    await page.click('nav button[data-view=authorize]');
    await page.fill('#authorize-form input[name=principal]', 'arn:aws:iam::000000000000:user/nobody');
    await page.fill('#authorize-form input[name=resource]', 'arn:aws:s3:::data/k');
    await page.click('#authorize-form button[type=submit]');
    await page.waitForSelector('#status.error');
    assert.match(await page.textContent('#status') ?? '', /NoSuchEntity|does not exist/, 'an unknown principal is an error, shown');
    await page.fill('#authorize-form input[name=principal]', '');
    await page.click('#authorize-form button[type=submit]');
    await page.waitForSelector('#view .decision');
    assert.equal(await page.textContent('#view .decision'), 'Allow');
    assert.match(await page.textContent('#view') ?? '', /iam: Allow/);
    assert.match(await page.textContent('#view') ?? '', /iam: identity arn:aws:iam::aws:policy\/AdministratorAccess, statement 0: Allow/);
    assert.equal(await page.isVisible('#audit-form'), false, "the audit log's filters belong to its own view");
    assert.match(await page.textContent('#status') ?? '', /^decided in \d+ µs$/);
  });

  it('lists who can do something, with the rules that allow it', async () => {
    await askWhoCan(page, 'arn:aws:s3:::data/k');
    assert.match(await page.textContent('#status') ?? '', /^1 of 2 principal\(s\) allowed \(/, 'admin may; the role trainer has no policy');
    assert.deepEqual(await page.$$eval('#view tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent)), ['admin']);
    assert.equal(await page.isVisible('#authorize-form'), false);
  });

  it('lists the bindings that grant it beyond the account, as rows of their own (stop 27)', async () => {
    const put = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: 'arn:aws:s3:::data', bindings: [{ role: 'roles/storage.objectViewer', members: ['allUsers'] }] });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    await page.click('#who-can-form button[type=submit]');
    await page.waitForFunction(() => /see grantedBeyond/.test(document.querySelector('#status')?.textContent ?? ''));
    // The allowed table; the one after it lists who can come to act as the role allowed (review dw, 1).
    assert.deepEqual(await page.$$eval('#view table:first-of-type tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent)), ['admin', 'trainer', 'allUsers'], 'trainer is one of allUsers');
    assert.match(await page.textContent('#view table:first-of-type tbody tr:nth-child(3)') ?? '', /beyond the account.*roles\/storage\.objectViewer, bindings\[0\] of the policy on arn:aws:s3:::data/);
    const gone = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: 'arn:aws:s3:::data', bindings: [] });
    assert.equal(gone.status, 200, JSON.stringify(gone.json));
  });

  it('lists escalation paths of every user and role', async () => {
    await page.click('nav button[data-view=escalation]');
    // The button sets the address; its `hashchange`, a task later, opens the view (web/console.js): wait for it.
    await page.waitForSelector('#escalation-form', { state: 'visible' });
    assert.equal(await page.isVisible('#who-can-form'), false);
    await page.click('#escalation-form button[type=submit]');
    await page.waitForFunction(() => /can come to any right/.test(document.querySelector('#status')?.textContent ?? ''));
    assert.match(await page.textContent('#status') ?? '', /^1 of 2 principal\(s\) can come to any right; \d+ question\(s\) asked \(/, 'admin can; the role trainer has no policy');
    assert.deepEqual(await page.$$eval('#view tbody tr td:nth-child(1)', (tds) => tds.map((td) => td.textContent)), ['user/admin', 'role/trainer']);
    assert.match((await page.$$eval('#view tbody tr td:nth-child(3)', (tds) => tds.map((td) => td.textContent)))[0] ?? '', /role\/trainer → role\/trainer \(iam:UpdateAssumeRolePolicy\)/);
  });

  it('shows the credential report: every user with its keys and their last use', async () => {
    await page.click('nav button[data-view=credentials]');
    await page.waitForFunction(() => /report generated/.test(document.querySelector('#status')?.textContent ?? ''));
    assert.match(await page.textContent('#status') ?? '', /^1 user\(s\), report generated \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ /);
    const cells = await page.$$eval('#view tbody tr td', (tds) => tds.map((td) => td.textContent));
    assert.equal(cells[0], 'admin');
    assert.match(cells[2] ?? '', /^active, created .+, last used \d{4}-.+ \(gatehouse, us-east-1\)$/, 'the console signs with the admin key: a use');
  });

  it('queries the audit log with filters', async () => {
    // Records are written in batches, off the request path: what is queued is written before the query.
    assert.equal(await server.running.app.audit.flush(), true);
    await page.click('nav button[data-view=audit]');
    await page.waitForSelector('#audit-form', { state: 'visible' });
    assert.equal(await page.isVisible('#authorize-form'), false);
    assert.equal(await page.isVisible('#audit-form'), true);
    await page.waitForFunction(() => /record\(s\)/.test(document.querySelector('#status')?.textContent ?? ''));
    const all = await page.$$eval('#view tbody tr', (rows) => rows.length);
    assert.ok(all > 0, 'the role created above is recorded');
    await page.fill('#audit-form input[name=action]', 'iam:CreateRole');
    await page.click('#audit-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#status')?.textContent === '1 record(s)');
    assert.match(await page.textContent('#view tbody') ?? '', /iam:CreateRole/);
  });

  it('reached every view without an error in the browser', async () => {
    for (const view of ['users', 'groups', 'policies', 'keys', 'credentials', 'jobs']) {
      await page.click(`nav button[data-view=${view}]`);
      await page.waitForFunction(() => !/loading/.test(document.querySelector('#status')?.textContent ?? 'loading'));
      assert.equal(await page.getAttribute('#status', 'class'), '', `${view}: ${await page.textContent('#status')}`);
    }
    assert.deepEqual(problems, []);
  });
});

/**
 * The console tests' tabs (test/support/console.ts): a tab a test closed is reset and given to the next test as a new
 * one. What it had must not reach that test: its session storage (the console keeps its sign-in there), listeners,
 * routes, cookies; and the test that closed it must not use it again.
 */
describe('a tab the console tests reuse', { skip }, () => {
  const world = serverAndChromium();

  it('comes to the next test as a new tab, and is no more the closing test’s', async () => {
    const web = globalThis as unknown as Record<'sessionStorage' | 'localStorage', { getItem(k: string): string | null; setItem(k: string, v: string): void }>;
    const first = await world.browser.newPage();
    let heard = 0;
    first.on('console', () => heard++);
    await first.route('**/ui/console.css', (route) => route.abort());
    await first.goto(`${world.server.url}/ui/`);
    await first.evaluate(() => {
      const w = globalThis as unknown as typeof web & { document: { cookie: string } };
      w.sessionStorage.setItem('left', 'by the first test');
      w.localStorage.setItem('left', 'by the first test');
      w.document.cookie = 'left=1';
    });
    const heardBefore = heard;
    await first.close();
    assert.equal(first.isClosed(), true);
    assert.throws(() => first.url(), /this tab was closed/);

    const next = await world.browser.newPage();
    assert.equal(next.url(), 'about:blank');
    const css = await next.goto(`${world.server.url}/ui/console.css`);
    assert.equal(css?.status(), 200, 'no route of the first test');
    await next.goto(`${world.server.url}/ui/`);
    assert.deepEqual(
      await next.evaluate(() => {
        const w = globalThis as unknown as typeof web & { document: { cookie: string } };
        return [w.sessionStorage.getItem('left'), w.localStorage.getItem('left'), w.document.cookie];
      }),
      [null, null, ''],
    );
    await next.evaluate(() => console.log('heard only by this test'));
    assert.equal(heard, heardBefore, "the first test's listener is gone");
    await next.close();
  });
});
