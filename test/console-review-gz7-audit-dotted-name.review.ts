/**
 * Review of the web console (review gz, 7): a user's name with a dot in it, typed as the audit view's Principal, was
 * answered `0 record(s)` and nothing more, as if that user had done nothing.
 *
 * What was wrong: records name a user by its ARN, so a name matches none, and the view says so for a name, with the
 * ARN to give (review gn, 7), as `gatehouse audit query --principal NAME` does (review gh, 4). Both took a "name" to
 * be `[\w+=,@-]`, leaving out the dot so that service principals (`training.gatehouse.dev`) are not mistaken for users;
 * but IAM user names take dots, and `jane.doe` is how many organisations name their people. For her the view and the
 * CLI said `0 record(s)` / `no records match`, the very answer gn7 had removed for `jane`.
 *
 * What is now so: a name with dots is a name too, unless it is a service's (ends in .gatehouse.dev, .amazonaws.com or
 * .aliyuncs.com); `jane.doe` gets the note with her ARN, in the console and in the CLI.
 *
 * Chromium through playwright-core for the console (skipped when chromium is absent); the CLI in process; a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

type Browser = import('playwright-core').Browser;
declare const document: { getElementById(id: string): { textContent: string | null } | null };

describe('web console review gz7: a dotted user name typed as the audit Principal', () => {
  let server: TestServer;

  before(async () => {
    server = await startTestServer();
    await server.iam().send(new CreateUserCommand({ UserName: 'jane.doe' }));
    assert.equal(await server.running.app.audit.flush(), true);
  });
  after(async () => {
    await server?.stop();
  });

  it('the console says records name a user by its ARN, and gives hers', { skip: CHROMIUM_SKIP }, async () => {
    const browser: Browser = await launchChromium();
    const { page, problems } = await signedInPage(browser, server.url, server.admin);
    try {
      await page.click('nav button[data-view=audit]');
      await page.waitForFunction(() => /record\(s\)/.test(document.getElementById('status')?.textContent ?? ''));
      await page.fill('#audit-form input[name=principal]', 'jane.doe');
      await page.evaluate(() => {
        const status = document.getElementById('status');
        if (status) status.textContent = '';
      });
      await page.click('#audit-form button[type=submit]');
      await page.waitForFunction(() => /record\(s\)/.test(document.getElementById('status')?.textContent ?? ''));
      const said = (await page.textContent('#status')) ?? '';
      assert.match(said, /^0 record\(s\) for the principal `jane\.doe`: records name a user by its ARN/, said);
      assert.ok(said.includes('arn:aws:iam::000000000000:user/jane.doe'), said);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
      await browser.close();
    }
  });

  it('the CLI says it too; a service principal gets no such note', async () => {
    const r = await cliAgainst(server, ['audit', 'query', '--principal', 'jane.doe']);
    assert.equal(r.status, 0, r.err);
    assert.match(r.err, /no records match for the principal `jane\.doe`; records name a user by its ARN: for the user named `jane\.doe`, --principal arn:aws:iam::<account>:user\/jane\.doe/, r.err);
    const service = await cliAgainst(server, ['audit', 'query', '--principal', 'nothing.gatehouse.dev']);
    assert.equal(service.status, 0, service.err);
    assert.doesNotMatch(service.err, /records name a user by its ARN/, service.err);
  });
});
