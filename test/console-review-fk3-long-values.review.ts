/**
 * Review fk, 3: a long value with no place to break widened the console past the window, Sign out off screen.
 *
 * What was wrong: table cells wrap anywhere (`word-break: break-all`), but nothing else the page writes did. The header
 * line names who is signed in by ARN, and a user's ARN carries its path (up to 512 characters in IAM) and a name of up
 * to 64, made of letters, digits and `_+=,.@-`: `user/platform_engineering/ml_pipelines/…/svc_trainer` has no place a
 * browser breaks a line. Signed in as such a user, the header grew to the ARN's width (3,000 px and more), the page
 * scrolled sideways and the Sign out button, at the header's end, was off screen. The same with the Who can view's
 * caption (`Allowed s3:GetObject on <resource>`: an object key of up to 1,024 characters), which made its table as wide.
 *
 * What is now so: the header's name, the status lines and the captions, paragraphs and lists of a view wrap anywhere:
 * the page stays within the window and Sign out on screen. (The Authorize view's reasons, lines of a list, stayed
 * within the view before too; the third test keeps them so.)
 *
 * Chromium through playwright-core at a 1,024 px wide window (skipped when chromium is absent), against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { CHROMIUM_SKIP, launchChromium, signedInPage } from './support/console.ts';
import { startTestServer, type TestServer } from './support/server.ts';

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;
declare const document: { documentElement: { scrollWidth: number }; getElementById(id: string): { textContent: string | null; getBoundingClientRect(): { left: number; right: number } } | null; querySelector(s: string): { getBoundingClientRect(): { right: number } } | null };
declare const innerWidth: number;

const NAME = 'svc_trainer_for_the_platform_engineering_ml_pipelines_0123';
const PATH = `/${Array.from({ length: 8 }, (_, i) => `platform_engineering_unit_${i}`).join('/')}/`;
const RESOURCE = `arn:aws:s3:::fk3-data/${Array.from({ length: 12 }, (_, i) => `shard_${i}_of_the_training_set`).join('/')}.tfrecord`;

describe('web console review fk3: long values stay within the window', { skip: CHROMIUM_SKIP }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let problems: string[];

  before(async () => {
    server = await startTestServer();
    const iam = server.iam();
    await iam.send(new I.CreateUserCommand({ UserName: NAME, Path: PATH }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: NAME, PolicyName: 'all', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }));
    const key = (await iam.send(new I.CreateAccessKeyCommand({ UserName: NAME }))).AccessKey!;
    browser = await launchChromium();
    ({ page, problems } = await signedInPage(browser, server.url, { accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! }));
    await page.setViewportSize({ width: 1024, height: 768 });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** The page's width beyond the window's (0 when none), and where Sign out ends. */
  const layout = () =>
    page.evaluate(() => ({
      beyond: document.documentElement.scrollWidth - innerWidth,
      signOutRight: document.getElementById('sign-out')!.getBoundingClientRect().right,
      width: innerWidth,
    }));

  it('signed in as a user whose ARN has a long path: the header wraps, Sign out is on screen', async () => {
    assert.match((await page.textContent('#who')) ?? '', new RegExp(`user${PATH}${NAME} \\(account`));
    const l = await layout();
    assert.equal(l.beyond, 0, `the page is ${l.beyond} px wider than the window`);
    assert.ok(l.signOutRight <= l.width, `Sign out ends at ${l.signOutRight} px, off a window of ${l.width}`);
    assert.deepEqual(problems, []);
  });

  it('Who can asked about a long object key: its table stays within the window', async () => {
    await page.click('nav button[data-view=whoCan]');
    await page.fill('#who-can-form input[name=resource]', RESOURCE);
    await page.click('#who-can-form button[type=submit]');
    await page.waitForFunction(() => /principal\(s\) allowed/.test(document.getElementById('status')?.textContent ?? ''));
    const table = await page.evaluate(() => document.querySelector('#view table')!.getBoundingClientRect().right);
    const l = await layout();
    assert.ok(table <= l.width, `the table ends at ${table} px, off a window of ${l.width}`);
    assert.equal(l.beyond, 0, `the page is ${l.beyond} px wider than the window`);
  });

  it('Authorize asked about a long object key: its reasons stay within the window', async () => {
    await page.click('nav button[data-view=authorize]');
    await page.fill('#authorize-form input[name=resource]', RESOURCE);
    await page.click('#authorize-form button[type=submit]');
    await page.waitForFunction(() => /^decided in/.test(document.getElementById('status')?.textContent ?? ''));
    const view = await page.evaluate(() => { const v = document.getElementById('view') as unknown as { scrollWidth: number; clientWidth: number }; return v.scrollWidth - v.clientWidth; });
    assert.equal(view, 0, `the reasons run ${view} px past the view`);
    const l = await layout();
    assert.equal(l.beyond, 0, `the page is ${l.beyond} px wider than the window`);
    assert.deepEqual(problems, []);
  });
});
