/**
 * Review er, 1: the audit log view could not show a record older than the newest 100 that match, and said it could.
 *
 * What was wrong: the view shows the newest 100 records matching its filters (review ca, 2) and, when older ones match
 * too, said `narrow the filters (Since, Principal, Action) to see them`. Its only time filter was Since, the start of
 * the window; narrowing it cuts the older records out, it never reaches them. An administrator who made 120 changes
 * after the one an auditor asks about (who created `early-0`, at 09:00?) had no way in the console to see it: every
 * filter it has still matched the 120 later ones first, and the view kept showing those.
 *
 * What is now so: the view has an Until filter (`GET /v1/audit`'s `until`: a time, or a duration back from now), the
 * newest 100 records before it are shown, and the status line says to set Until to see older ones. Both tests failed
 * before the change (the view had no Until field; the status line sent the reader to Since).
 *
 * Chromium through playwright-core (skipped when chromium is absent), against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import { startTestServer, type TestServer } from './support/server.ts';

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;
declare const document: { getElementById(id: string): { textContent: string | null } | null };

describe('web console review er1: the audit view reaches records older than the newest 100', { skip: CHROMIUM_SKIP }, () => {
  let server: TestServer;
  let browser: Browser;
  /** A whole second after the five early changes and before the 120 late ones. */
  let between = '';

  before(async () => {
    server = await startTestServer();
    const iam = server.iam();
    for (let i = 0; i < 5; i++) await iam.send(new CreateUserCommand({ UserName: `early-${i}` }));
    // Past the next whole second: records are stamped to the millisecond, Until is given to the second.
    await sleep(1_000 - (Date.now() % 1_000) + 50);
    between = `${new Date().toISOString().slice(0, 19)}Z`;
    await sleep(100);
    for (let i = 0; i < 120; i++) await iam.send(new CreateUserCommand({ UserName: `late-${i}` }));
    assert.equal(await server.running.app.audit.flush(), true);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function auditView(): Promise<Page> {
    const { page } = await signedInPage(browser, server.url, server.admin);
    await page.click('nav button[data-view=audit]');
    await page.waitForFunction(() => /record\(s\)/.test(document.getElementById('status')?.textContent ?? ''));
    return page;
  }

  it('with Until set, shows the records before it, the oldest change among them', async () => {
    const page = await auditView();
    try {
      assert.notEqual(await page.$('#audit-form input[name=until]'), null, 'the audit view has no Until filter');
      await page.fill('#audit-form input[name=action]', 'iam:CreateUser');
      await page.fill('#audit-form input[name=until]', between);
      await page.click('#audit-form button[type=submit]');
      await page.waitForFunction(() => /^\d+ record\(s\)$/.test(document.getElementById('status')?.textContent ?? ''));
      const resources = await page.$$eval('#view tbody tr td:nth-child(7)', (tds) => tds.map((td) => (td.textContent ?? '').replace(/^.*:user\//, '')));
      assert.deepEqual(resources, ['early-0', 'early-1', 'early-2', 'early-3', 'early-4']);
      assert.equal(await page.textContent('#status'), '5 record(s)');
    } finally {
      await page.close();
    }
  });

  it('says to set Until, not to narrow Since, when older records match too', async () => {
    const page = await auditView();
    try {
      const said = (await page.textContent('#status')) ?? '';
      assert.match(said, /^the newest 100 record\(s\); older ones match too/);
      assert.match(said, /Until/, said);
      assert.doesNotMatch(said, /Since/, said);
    } finally {
      await page.close();
    }
  });
});
