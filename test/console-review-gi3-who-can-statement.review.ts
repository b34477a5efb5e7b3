/**
 * Review gi, 3: the Who can view said which policy allowed a principal but not which of its statements.
 *
 * What was wrong: `POST /v1/who-can` answers each rule that allowed with its statement (and Sid); `gatehouse who-can`
 * prints `iam identity `user/ana/data` statement 1 (Sid `Read`)`, and the console's own Authorize view `…, statement 1 (Read)`.
 * The Who can view printed `iam: identity user/ana/data` alone: with a policy of many statements, the one to change to
 * take the right away could not be found from the view.
 *
 * What is now so: each rule reads as in the Authorize view, with its statement and Sid. Chromium through
 * playwright-core (skipped when chromium is absent), against a real server set up through the real SDK v3 IAM client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { CHROMIUM_SKIP, askWhoCan, launchChromium, signedInPage } from './support/console.ts';
import { startTestServer, type TestServer } from './support/server.ts';

type Browser = import('playwright-core').Browser;
declare const document: { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> };

describe('web console review gi3: Who can names the statement that allowed', { skip: CHROMIUM_SKIP }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    server = await startTestServer();
    await server.iam().send(new I.CreateUserCommand({ UserName: 'ana' }));
    const PolicyDocument = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'List', Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::gi3' },
        { Sid: 'Read', Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::gi3/*' },
      ],
    });
    await server.iam().send(new I.PutUserPolicyCommand({ UserName: 'ana', PolicyName: 'data', PolicyDocument }));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("ana's row says statement 1 (Read)", async () => {
    const { page, problems } = await signedInPage(browser, server.url, server.admin);
    await askWhoCan(page, 'arn:aws:s3:::gi3/k');
    const rows = await page.evaluate(() => Array.from(document.querySelectorAll('#view table:first-of-type tbody tr'), (tr) => tr.textContent ?? ''));
    const ana = rows.find((r) => r.includes('ana'));
    assert.ok(ana !== undefined, rows.join('\n'));
    assert.match(ana, /iam: identity user\/ana\/data, statement 1 \(Read\)$/);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
