/**
 * Review gi, 1: the Authorize view showed a decision without saying whom it was decided for.
 *
 * What was wrong: `POST /v1/simulate` names the principal it decided for (`principal`) when the question did not name
 * it so: `arn:aws:iam::…:user/BOB` typed for user `bob` is answered about `user/bob`, and a policy or binding naming
 * `user/BOB` literally does not count. `gatehouse simulate` and `gatehouse authorize` say `decided for <ARN>` (review
 * cm, 5); the console showed `Allow` alone, so the same question read as being about the principal typed.
 *
 * What is now so: the view says `decided for <ARN>` under the decision whenever the answer names the principal, as
 * the CLI does. Chromium through playwright-core (skipped when chromium is absent), against a real server set up
 * through the real SDK v3 IAM client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CHROMIUM_SKIP, launchChromium, signedInPage } from './support/console.ts';
import { startTestServer, type TestServer } from './support/server.ts';

type Browser = import('playwright-core').Browser;
declare const document: { getElementById(id: string): { textContent: string | null } | null; querySelector(s: string): { textContent: string | null } | null };

const BOB = 'arn:aws:iam::000000000000:user/bob';

describe('web console review gi1: Authorize says whom it decided for', { skip: CHROMIUM_SKIP }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    server = await startTestServer();
    await server.iam().send(new CreateUserCommand({ UserName: 'bob' }));
    await server.iam().send(new PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('user/BOB typed for user bob: the view names user/bob', async () => {
    const { page, problems } = await signedInPage(browser, server.url, server.admin);
    await page.click('nav button[data-view=authorize]');
    await page.fill('#authorize-form input[name=principal]', 'arn:aws:iam::000000000000:user/BOB');
    await page.fill('#authorize-form input[name=resource]', 'arn:aws:s3:::b/k');
    await page.click('#authorize-form button[type=submit]');
    await page.waitForFunction(() => /^decided in/.test(document.getElementById('status')?.textContent ?? ''));
    assert.equal(await page.textContent('#view .decision'), 'Allow');
    assert.equal(await page.evaluate(() => document.querySelector('#view .decided-for')?.textContent ?? null), `decided for ${BOB}`);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
