/**
 * Review er, 3: the audit log view's Decision filter could not find refused changes, nor every refusal at once.
 *
 * What was wrong: the filter offered `Allow`, `ExplicitDeny`, `ImplicitDeny` and `Deny`. A change the server refused
 * (bob, with no rights, calling CreateUser: answered AccessDenied) is recorded with decision `ACCESS_DENIED`, which none
 * of them matches; `Deny` (next to the two kinds of deny, read as "any refusal") matches refused sessions, job
 * submissions and admissions only. An auditor asking the console who was refused what chose `Deny` and was shown bob's
 * refused AssumeRole alone: his attempt to create a user, and his denied authorize question, were not there, and no
 * choice of the view listed them short of reading every record. `GET /v1/audit` and `gatehouse audit query` take
 * `decision=AccessDenied` for every refusal a client sees as AccessDenied (review ci, 2); the console did not offer it.
 *
 * What is now so: the Decision filter offers `AccessDenied` (every refusal: changes, sessions, jobs, admissions, denied
 * decisions) and `ok` (changes made), and says what `Deny` covers. Its one test failed before the change (no such
 * choice).
 *
 * Chromium through playwright-core (skipped when chromium is absent), against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import { errorName, startTestServer, userWithKey, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

type Browser = import('playwright-core').Browser;
declare const document: { getElementById(id: string): { textContent: string | null } | null };

describe('web console review er3: the audit view finds every refusal', { skip: CHROMIUM_SKIP }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    server = await startTestServer();
    const iam = server.iam();
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });
    await iam.send(new CreateRoleCommand({ RoleName: 'er3', AssumeRolePolicyDocument: trust }));
    const bob = await userWithKey(server, 'bob');
    // Bob has no rights: each is refused, and recorded.
    assert.equal(await errorName(server.sts(bob).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/er3', RoleSessionName: 'try' }))), 'AccessDenied');
    assert.equal(await errorName(server.iam(bob).send(new CreateUserCommand({ UserName: 'mallory' }))), 'AccessDenied');
    const d = await gatehouseJson(server.url, bob, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::er3/k' });
    assert.equal((d.json as { decision: string }).decision, 'ImplicitDeny');
    assert.equal(await server.running.app.audit.flush(), true);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('lists bob\'s refused session, change and decision under one choice of Decision', async () => {
    const { page, problems } = await signedInPage(browser, server.url, server.admin);
    try {
      await page.click('nav button[data-view=audit]');
      await page.waitForFunction(() => /record\(s\)/.test(document.getElementById('status')?.textContent ?? ''));
      const choices = await page.$$eval('#audit-form select[name=decision] option', (os) => os.map((o) => (o as unknown as { value: string }).value));
      assert.ok(choices.includes('AccessDenied'), `the Decision filter offers ${JSON.stringify(choices)}: none finds a refused change`);
      await page.fill('#audit-form input[name=principal]', 'arn:aws:iam::000000000000:user/bob');
      await page.selectOption('#audit-form select[name=decision]', 'AccessDenied');
      await page.click('#audit-form button[type=submit]');
      await page.waitForFunction(() => document.getElementById('status')?.textContent === '3 record(s)');
      const rows = await page.$$eval('#view tbody tr', (trs) => trs.map((tr) => [2, 5, 7].map((i) => (tr as unknown as { cells: ArrayLike<{ textContent: string | null }> }).cells[i]?.textContent ?? '')));
      assert.deepEqual(rows, [
        ['session', 'sts:AssumeRole', 'Deny'],
        ['change', 'iam:CreateUser', 'ACCESS_DENIED'],
        ['decision', 's3:GetObject', 'ImplicitDeny'],
      ]);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
