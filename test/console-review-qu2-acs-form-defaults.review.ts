/**
 * Review qu, 2: signed in to an `acs` (Alibaba) account, the console's Authorize and Who can forms offered the action
 * `s3:GetObject`, and the audit view's Role field the example `arn:aws:iam::123456789012:role/NAME`: AWS's words in
 * an account whose policies speak RAM's and OSS's.
 *
 * What was wrong: a RAM administrator who typed an OSS object's ARN (`acs:oss:*:A:b/k`) into Who can and pressed the
 * button, leaving the action as the form gave it, asked about `s3:GetObject`, which no RAM policy grants: the view
 * answered that only `admin` (by `*`) may read the object while a RAM user allowed `oss:GetObject` on it may, and
 * Authorize answered that user `ImplicitDeny: no policy allows this request`. The Role field's example was an ARN no
 * record of the account carries.
 *
 * What is now so: once signed in, both forms offer the action in the account's words (`oss:GetObject` in an `acs`
 * account, `s3:GetObject` in an `aws` one, as before) and Role's example is a role ARN of the account signed in to
 * (`acs:ram::A:role/NAME`, `arn:aws:iam::A:role/NAME`).
 *
 * Before the fix 2 of 2 tests failed (the `aws` one on Role's example alone).
 *
 * A real server on 127.0.0.1, the acs account made by the CLI and its RAM user through SDK v3 IAM, the console in
 * Debian's Chromium through playwright-core (skipped when chromium is absent).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { acsAccount, ramUser } from './support/alibaba-world.ts';
import { askWhoCan, CHROMIUM_SKIP, serverAndChromium, signedInPage } from './support/console.ts';
import type { Credentials } from './support/server.ts';

declare const document: {
  getElementById(id: string): { textContent: string | null } | null;
  querySelector(s: string): { value: string; placeholder: string } | null;
  querySelectorAll(s: string): ArrayLike<{ textContent: string | null }>;
};

const ACS = '350000000988';

describe('web console review qu2: the forms’ defaults in the words of the account signed in to', { skip: CHROMIUM_SKIP }, () => {
  const world = serverAndChromium();
  let root: Credentials;

  before(async () => {
    root = await acsAccount(world.server, ACS);
    await ramUser(world.server.iam(root), 'reader', { Effect: 'Allow', Action: 'oss:GetObject', Resource: 'acs:oss:*:*:qu2/*' });
  });

  const fields = (page: Awaited<ReturnType<typeof signedInPage>>['page']) =>
    page.evaluate(() => ({
      whoCan: document.querySelector('#who-can-form input[name=action]')?.value,
      authorize: document.querySelector('#authorize-form input[name=action]')?.value,
      role: document.querySelector('#audit-form input[name=role]')?.placeholder,
    }));

  it('acs: oss:GetObject, asked as the form gives it, lists the RAM user allowed it; Role’s example is acs:ram::', async () => {
    const { page, problems } = await signedInPage(world.browser, world.server.url, root);
    // Before the fix: s3:GetObject, s3:GetObject, arn:aws:iam::123456789012:role/NAME.
    assert.deepEqual(await fields(page), { whoCan: 'oss:GetObject', authorize: 'oss:GetObject', role: `acs:ram::${ACS}:role/NAME` });
    await askWhoCan(page, `acs:oss:*:${ACS}:qu2/k`);
    const names = await page.evaluate(() => Array.from(document.querySelectorAll('#view table:first-of-type tbody td:nth-child(2)'), (td) => td.textContent ?? ''));
    assert.deepEqual(names.sort(), ['admin', 'reader'], names.join(', '));
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('aws: s3:GetObject as before; Role’s example is of the account', async () => {
    const { page, problems } = await signedInPage(world.browser, world.server.url, world.server.admin);
    assert.deepEqual(await fields(page), { whoCan: 's3:GetObject', authorize: 's3:GetObject', role: 'arn:aws:iam::000000000000:role/NAME' });
    assert.deepEqual(problems, []);
    await page.close();
  });
});
