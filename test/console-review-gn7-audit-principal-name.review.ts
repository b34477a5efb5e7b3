/**
 * Review gn, 7: the console's audit view, asked for Principal `alice` (a user's name, as an auditor types it), showed
 * `0 record(s)` and an empty table, as if alice had done nothing: records name a user by its ARN. `gatehouse audit
 * query --principal alice` says why and the ARN to give (review gh, 4); the console, the same question in a browser,
 * said nothing. Now, when a name matches no record, the status line says records name a user by its ARN and gives the
 * ARN of the user of that name in the caller's account; an ARN, or a name that matches, is shown as before.
 *
 * Chromium through playwright-core (skipped when chromium is absent), against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import { startTestServer, type TestServer } from './support/server.ts';

type Browser = import('playwright-core').Browser;
declare const document: { getElementById(id: string): { textContent: string | null } | null };

describe('web console review gn7: a principal typed by name in the audit view', { skip: CHROMIUM_SKIP }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    server = await startTestServer();
    await server.iam().send(new CreateUserCommand({ UserName: 'alice' }));
    assert.equal(await server.running.app.audit.flush(), true);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a name that matches nothing is said to be a name, with the ARN to give; the ARN finds the records', async () => {
    const { page } = await signedInPage(browser, server.url, server.admin);
    try {
      await page.click('nav button[data-view=audit]');
      await page.waitForFunction(() => /record\(s\)/.test(document.getElementById('status')?.textContent ?? ''));
      const query = async (principal: string): Promise<string> => {
        await page.fill('#audit-form input[name=principal]', principal);
        // The status shown before is cleared, so that the one waited for is this query's.
        await page.evaluate(() => {
          const status = document.getElementById('status');
          if (status) status.textContent = '';
        });
        await page.click('#audit-form button[type=submit]');
        await page.waitForFunction(() => /record\(s\)/.test(document.getElementById('status')?.textContent ?? ''));
        return (await page.textContent('#status')) ?? '';
      };
      const byName = await query('admin');
      assert.match(byName, /^0 record\(s\) for the principal `admin`/, byName);
      assert.match(byName, /records name a user by its ARN/, byName);
      assert.match(byName, /arn:aws:iam::000000000000:user\/admin/, byName);
      const byArn = await query('arn:aws:iam::000000000000:user/admin');
      assert.match(byArn, /^\d+ record\(s\)$/, byArn);
      assert.doesNotMatch(byArn, /^0 /, byArn);
    } finally {
      await page.close();
    }
  });
});
