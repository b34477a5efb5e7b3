/**
 * Review qu, 1: in an `acs` (Alibaba) account the console's Escalation paths and Who can views word each step in RAM's
 * service name (`ram:CreateAccessKey`), as `gatehouse escalation-paths` and `gatehouse who-can` do since review qf, 6.
 *
 * What was wrong: the views printed a step's `how` as the API answers it, a kind in IAM's words:
 * `→ user/target (iam:CreateAccessKey)` and `user/carol -(iam:CreateAccessKey)-> user/target` for a RAM user whose
 * policy says `ram:CreateAccessKey`, a name no RAM policy grants or denies; a RAM administrator looking for what to deny
 * was sent to a name RAM does not have, and the console and the CLI named the same step differently.
 *
 * What is now so: a step taken in an `acs` account is shown as `ram:…` in both views (steps of a gain's path too);
 * an `aws` account's steps are unchanged (review dx, 2 checks `iam:PassRole` there).
 *
 * Before the fix 2 of 2 tests failed.
 *
 * A real server on 127.0.0.1, the acs account made by the CLI and its RAM users through SDK v3 IAM, the console in
 * Debian's Chromium through playwright-core (skipped when chromium is absent).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { acsAccount, ramUser } from './support/alibaba-world.ts';
import { askWhoCan, CHROMIUM_SKIP, serverAndChromium, signedInPage } from './support/console.ts';
import type { Credentials } from './support/server.ts';

declare const document: { getElementById(id: string): { textContent: string | null } | null; querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> };

const ACS = '350000000987';
const user = (n: string) => `acs:ram::${ACS}:user/${n}`;

describe('web console review qu1: an acs account’s escalation steps in RAM’s names', { skip: CHROMIUM_SKIP }, () => {
  const world = serverAndChromium();
  let root: Credentials;

  before(async () => {
    root = await acsAccount(world.server, ACS);
    const ram = world.server.iam(root);
    // target reads objects and may attach a policy to itself; carol may mint target's access key, and so act as target.
    await ramUser(ram, 'target', { Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }, { Effect: 'Allow', Action: 'ram:AttachPolicyToUser', Resource: user('target') });
    await ramUser(ram, 'carol', { Effect: 'Allow', Action: 'ram:CreateAccessKey', Resource: user('target') });
  });

  it('Escalation paths: carol’s step to target, and the path of target’s gain, say ram:CreateAccessKey', async () => {
    const { page, problems } = await signedInPage(world.browser, world.server.url, root);
    await page.click('nav button[data-view=escalation]');
    await page.fill('#escalation-form input[name=principal]', user('carol'));
    await page.click('#escalation-form button[type=submit]');
    await page.waitForFunction(() => /question\(s\) asked/.test(document.getElementById('status')?.textContent ?? ''));
    const cells = await page.evaluate(() => Array.from(document.querySelectorAll('#view tbody td'), (td) => td.textContent ?? ''));
    const text = cells.join('\n');
    // Before the fix: `user/target → user/target (iam:CreateAccessKey)`.
    assert.ok(cells.some((c) => c.split('\n').includes('user/target → user/target (ram:CreateAccessKey)')), text);
    assert.match(text, /\(as user\/target: → user\/target \(ram:CreateAccessKey\)\)/, text);
    assert.doesNotMatch(text, /\(iam:/, text);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('Who can: the through path says -(ram:CreateAccessKey)->', async () => {
    const { page, problems } = await signedInPage(world.browser, world.server.url, root);
    await askWhoCan(page, `acs:oss:*:${ACS}:b/k`);
    await page.fill('#who-can-form input[name=action]', 'oss:GetObject');
    await page.click('#who-can-form button[type=submit]');
    await page.waitForFunction(() => /oss:GetObject/.test(document.querySelectorAll('#view caption')[0]?.textContent ?? ''));
    await page.waitForFunction(() => /principal\(s\) allowed/.test(document.getElementById('status')?.textContent ?? ''));
    const text = await page.evaluate(() => Array.from(document.querySelectorAll('#view td'), (td) => td.textContent ?? '').join('\n'));
    // Before the fix: `user/carol -(iam:CreateAccessKey)-> user/target`.
    assert.match(text, /user\/carol -\(ram:CreateAccessKey\)-> user\/target/, text);
    assert.doesNotMatch(text, /-\(iam:/, text);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
