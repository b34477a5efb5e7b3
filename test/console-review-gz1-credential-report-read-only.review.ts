/**
 * Review of the web console (review gz, 1): the Credential report view could not be read by a principal allowed to
 * read the report but not to generate one.
 *
 * What was wrong: the view always called `POST /v1/credential-report` (iam:GenerateCredentialReport) before `GET`
 * (iam:GetCredentialReport), and stopped at the first refusal. A read-only auditor, allowed `iam:Get*` and `iam:List*`
 * as read-only policies are written, saw `AccessDenied: … iam:GenerateCredentialReport …` in place of the report the
 * administrator had generated minutes before, which `aws iam get-credential-report` showed it at once.
 *
 * What is now so: a refused generation is not the end: the view reads the report kept and says that it could not make
 * a newer one, and why (the permission missing). With no report to read either, it says both refusals: that there is
 * none (or it is too old) and that this principal may not generate one.
 *
 * Chromium through playwright-core (skipped when chromium is absent), against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import { startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const skip = CHROMIUM_SKIP;

type Browser = import('playwright-core').Browser;
declare const document: { getElementById(id: string): { textContent: string | null; className: string } | null };

describe('web console review gz1: the Credential report view reads the kept report without the right to generate one', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let auditor: Credentials;

  before(async () => {
    server = await startTestServer();
    auditor = await userWithKey(server, 'auditor');
    const readOnly = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['iam:Get*', 'iam:List*'], Resource: '*' }] };
    await server.iam().send(new I.PutUserPolicyCommand({ UserName: 'auditor', PolicyName: 'read-only', PolicyDocument: JSON.stringify(readOnly) }));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const status = () => document.getElementById('status')?.textContent ?? '';

  it('with no report kept: says there is none, and that this principal may not generate one', async () => {
    const { page, problems } = await signedInPage(browser, server.url, auditor);
    try {
      await page.click('nav button[data-view=credentials]');
      await page.waitForFunction(() => document.getElementById('status')?.className === 'error');
      const said = (await page.evaluate(status)) ?? '';
      assert.match(said, /ReportNotPresent/);
      assert.match(said, /iam:GenerateCredentialReport/);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });

  it('with a report kept: shows it, and says it could not generate a newer one', async () => {
    await server.iam().send(new I.GenerateCredentialReportCommand({}));
    const { page, problems } = await signedInPage(browser, server.url, auditor);
    try {
      await page.click('nav button[data-view=credentials]');
      await page.waitForFunction(() => /user\(s\), report generated/.test(document.getElementById('status')?.textContent ?? '') || document.getElementById('status')?.className === 'error');
      const said = (await page.evaluate(status)) ?? '';
      assert.match(said, /^2 user\(s\), report generated /, said);
      assert.match(said, /not generated anew.*iam:GenerateCredentialReport/);
      assert.deepEqual(await page.$$eval('#view tbody tr td:first-child', (tds) => tds.map((td) => td.textContent)), ['admin', 'auditor']);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
