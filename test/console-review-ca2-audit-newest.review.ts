/**
 * Review of the web console (review ca, 2): the audit log view showed the oldest records, never the latest.
 *
 * What was wrong: the view asked `GET /v1/audit` for 100 records of the last 24 hours, and the API reads oldest first.
 * On a server with more than 100 records that day, the view showed the first 100 of them, up to a day old, and said
 * `(more: narrow the filters)`: what an administrator opens it for, the refusal or change just made, was not there,
 * and no filter of the view reached it short of guessing a `Since` narrow enough. `gatehouse audit query --last N`
 * (and every audit console, CloudTrail's event history first) shows the newest.
 *
 * What is now so: the view shows the newest 100 records that match its filters (oldest of them first, as
 * `audit query --last 100`), and says when older ones match too.
 *
 * Chromium through playwright-core (skipped when chromium is absent), against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const skip = CHROMIUM_SKIP;

type Browser = import('playwright-core').Browser;
declare const document: { getElementById(id: string): { textContent: string | null } | null };

describe('web console review ca2: the audit log view shows the newest records', { skip }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    server = await startTestServer();
    // 130 changes, each one record: the newest is the creation of ca2-user-129.
    const iam = server.iam();
    for (let i = 0; i < 130; i++) await iam.send(new CreateUserCommand({ UserName: `ca2-user-${i}` }));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('opens on the newest 100 records, the latest change among them, and says older ones match', async () => {
    const { page, problems } = await signedInPage(browser, server.url, server.admin, 15_000);
    try {
      await page.click('nav button[data-view=audit]');
      await page.waitForFunction(() => /record\(s\)/.test(document.getElementById('status')?.textContent ?? ''));
      const seqs = (await page.$$eval('#view tbody tr td:first-child', (tds) => tds.map((td) => td.textContent))).map(Number);
      const resources = await page.$$eval('#view tbody tr td:nth-child(7)', (tds) => tds.map((td) => td.textContent ?? ''));
      assert.equal(seqs.length, 100);
      assert.ok(resources.some((r) => r.endsWith(':user/ca2-user-129')), `the newest change is not shown; the view shows records ${seqs[0]}–${seqs.at(-1)}`);
      assert.ok(!resources.some((r) => r.endsWith(':user/ca2-user-0')), 'the oldest change is shown');
      assert.deepEqual(seqs, [...seqs].sort((a, b) => a - b), 'oldest of them first');
      assert.equal((seqs.at(-1) ?? 0) - (seqs[0] ?? 0), 99, 'the newest 100, one after another');
      assert.match((await page.textContent('#status')) ?? '', /^the newest 100 record\(s\).*older/);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  it('a filter matching fewer than 100 shows them all and no older', async () => {
    const { page } = await signedInPage(browser, server.url, server.admin, 15_000);
    try {
      await page.click('nav button[data-view=audit]');
      await page.waitForFunction(() => /record\(s\)/.test(document.getElementById('status')?.textContent ?? ''));
      await page.fill('#audit-form input[name=action]', 'iam:CreateAccessKey');
      await page.click('#audit-form button[type=submit]');
      await page.waitForFunction(() => /^0 record\(s\)|^\d+ record\(s\)$/.test(document.getElementById('status')?.textContent ?? ''));
      assert.equal(await page.textContent('#status'), '0 record(s)');
      await page.fill('#audit-form input[name=action]', 'iam:CreateUser');
      await page.fill('#audit-form input[name=since]', '');
      await page.click('#audit-form button[type=submit]');
      await page.waitForFunction(() => /older/.test(document.getElementById('status')?.textContent ?? ''));
      const resources = await page.$$eval('#view tbody tr td:nth-child(7)', (tds) => tds.map((td) => td.textContent ?? ''));
      assert.equal(resources.length, 100);
      assert.ok(resources.at(-1)?.endsWith(':user/ca2-user-129'));
      assert.ok(resources[0]?.endsWith(':user/ca2-user-30'), `the first shown is ${resources[0]}`);
    } finally {
      await page.close();
    }
  });
});
