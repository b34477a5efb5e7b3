/**
 * Review gi, 2: the Escalation paths view showed a Deny a principal may take away from itself as the bare code
 * `without-deny`, never saying which Deny.
 *
 * What was wrong: `POST /v1/escalation-paths` lists a Deny of a principal's own that it may remove (an inline policy
 * it may delete, a managed policy it may detach, a group it may leave, a principal tag a Deny tests that it may
 * remove) as `gives: without-deny`, naming what is removed in `policy` (review eq, 3). `gatehouse escalation-paths`
 * prints `its policies without the Denies of quarantine` (or `of tag quarantine`); the console's words for gains had
 * no entry for it and printed `without-deny for user/bob: …`, the one fact the reader needs, which policy, tag or
 * group fences the principal, left out.
 *
 * What is now so: the view words it as the CLI does. Chromium through playwright-core (skipped when chromium is
 * absent), against a real server set up through the real SDK v3 IAM client.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { CHROMIUM_SKIP, serverAndChromium, signedInPage } from './support/console.ts';

declare const document: { getElementById(id: string): { textContent: string | null } | null; querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> };

const A = '000000000000';
const user = (n: string) => `arn:aws:iam::${A}:user/${n}`;
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const work = { Effect: 'Allow', Action: 's3:*', Resource: '*' };
const denyAll = { Effect: 'Deny', Action: 's3:*', Resource: '*' };

describe('web console review gi2: Escalation paths names the Deny a principal may take away', { skip: CHROMIUM_SKIP }, () => {
  const world = serverAndChromium();

  before(async () => {
    const iam = world.server.iam();
    // bob may delete his own inline policies, one of which quarantines him.
    await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'work', PolicyDocument: policy(work, { Effect: 'Allow', Action: 'iam:DeleteUserPolicy', Resource: user('bob') }) }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'quarantine', PolicyDocument: policy(denyAll) }));
    // erin carries quarantine=yes, which a Deny of hers tests; she may remove her own tags.
    await iam.send(new I.CreateUserCommand({ UserName: 'erin', Tags: [{ Key: 'quarantine', Value: 'yes' }] }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'work', PolicyDocument: policy(work, { Effect: 'Allow', Action: 'iam:UntagUser', Resource: user('erin') }) }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'erin', PolicyName: 'tagged', PolicyDocument: policy({ ...denyAll, Condition: { StringEquals: { 'aws:PrincipalTag/quarantine': 'yes' } } }) }));
  });

  it('an inline policy and a principal tag: each named, as gatehouse escalation-paths prints them', async () => {
    const { page, problems } = await signedInPage(world.browser, world.server.url, world.server.admin);
    const gains = async (principal: string): Promise<string[]> => {
      await page.fill('#escalation-form input[name=principal]', principal);
      await page.click('#escalation-form button[type=submit]');
      await page.waitForFunction(() => /question\(s\) asked/.test(document.getElementById('status')?.textContent ?? ''));
      return page.evaluate(() => Array.from(document.querySelectorAll('#view tbody td:nth-child(4)'), (td) => td.textContent ?? '').join('\n').split('\n'));
    };
    await page.click('nav button[data-view=escalation]');
    const bob = await gains(user('bob'));
    assert.ok(bob.includes('its policies without the Denies of quarantine for user/bob: iam:DeleteUserPolicy on user/bob'), bob.join('\n'));
    const erin = await gains(user('erin'));
    assert.ok(erin.includes('its policies without the Denies of tag quarantine for user/erin: iam:UntagUser on user/erin'), erin.join('\n'));
    assert.deepEqual(problems, []);
    await page.close();
  });
});
