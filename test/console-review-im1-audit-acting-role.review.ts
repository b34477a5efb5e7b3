/**
 * Review of the web console (review im, 1): the audit view did not show the role that acted.
 *
 * What was wrong: since review ic, 2 a record of one role's session changing another role (a session of `ops` rewriting
 * the trust policy of `other`) carries the role changed as `role` and the role that acted as `actingRole`, and
 * `GET /v1/audit` answers both. The view's "role, session, source" column showed `role` and the session alone: an admin
 * reading the changes to `other` saw `role other` and a session whose ARN names `ops` without its path, and no line
 * said which role acted; the Role filter set to `ops`'s ARN listed the change with nothing naming `ops` at all.
 *
 * What is now so: a record with an acting role shows `by role <ARN>` under the role, made visible as every other value
 * of the column (a role's path may hold what a page must not read as markup).
 *
 * Chromium through playwright-core (skipped when chromium is absent), against a real server.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import { startTestServer, type TestServer } from './support/server.ts';

type Browser = import('playwright-core').Browser;
declare const document: { getElementById(id: string): { textContent: string | null } | null };

const ACCT = '000000000000';
const OPS = `arn:aws:iam::${ACCT}:role/team/ops`;
const OTHER = `arn:aws:iam::${ACCT}:role/other`;
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] });

describe('web console review im1: the audit view shows the role whose session acted', { skip: CHROMIUM_SKIP }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    server = await startTestServer();
    await server.iam().send(new I.CreateRoleCommand({ RoleName: 'ops', Path: '/team/', AssumeRolePolicyDocument: TRUST }));
    await server.iam().send(new I.CreateRoleCommand({ RoleName: 'other', AssumeRolePolicyDocument: TRUST }));
    await server.iam().send(new I.PutRolePolicyCommand({ RoleName: 'ops', PolicyName: 'all', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }));
    const a = await server.sts().send(new S.AssumeRoleCommand({ RoleArn: OPS, RoleSessionName: 'alice' }));
    const ops = { accessKeyId: a.Credentials?.AccessKeyId ?? '', secretAccessKey: a.Credentials?.SecretAccessKey ?? '', sessionToken: a.Credentials?.SessionToken ?? '' };
    await server.iam(ops).send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'other', PolicyDocument: TRUST }));
    assert.equal(await server.running.app.audit.flush(), true);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it('a change to other made by a session of ops says `by role` and the ARN of ops', async () => {
    const { page, problems } = await signedInPage(browser, server.url, server.admin);
    try {
      await page.click('nav button[data-view=audit]');
      await page.waitForFunction(() => /record\(s\)/.test(document.getElementById('status')?.textContent ?? ''));
      for (const [name, value] of [['principal', ''], ['role', OTHER], ['job', ''], ['action', 'iam:UpdateAssumeRolePolicy']]) await page.fill(`#audit-form input[name=${name}]`, value ?? '');
      await page.evaluate(() => {
        const status = document.getElementById('status');
        if (status) status.textContent = '';
      });
      await page.click('#audit-form button[type=submit]');
      await page.waitForFunction(() => /record\(s\)/.test(document.getElementById('status')?.textContent ?? ''));
      assert.equal(await page.textContent('#status'), '1 record(s)');
      const via = await page.$$eval('#view tbody tr td:nth-child(5)', (tds) => tds.map((td) => (td as unknown as { innerText: string }).innerText));
      assert.equal(via.length, 1, via.join(' | '));
      const lines = (via[0] ?? '').split('\n');
      assert.deepEqual(lines.slice(0, 2), [`role ${OTHER}`, `by role ${OPS}`], via[0]);
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
