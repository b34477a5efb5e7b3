/**
 * Review nq, 2: the console's Authorize view listed the rules that decided without the conditions they applied under.
 *
 * Contract: docs/decisions.md, "Who-can says which grants hold only under conditions" (review dv, 1): "every `matched`
 * rule of the authorize API (and of the audit record) now says its conditions when it has any", and `gatehouse
 * simulate` / `gatehouse authorize` print each matched rule with ` if <conditions>` (src/adapters/cli/commands/
 * authorize.ts `underConditions`, review ic, 1: "an ExplicitDeny from a Deny that applies only off the office network
 * did not say so"). The console's views show what the CLI shows (docs/decisions.md, "The web console is a static page
 * that signs its own calls"; its Authorize view names whom it decided for "as `gatehouse simulate` says", review gi, 1).
 *
 * What was wrong: the Authorize view wrote each rule as `iam: identity user/bob/p, statement 0: Allow`, dropping the
 * answer's `conditions`: an Allow that held only because the context given came from 10.0.0.0/8, and a Deny that
 * applies only to requests over plain HTTP, read as rules that apply always, so the operator took a decision of one
 * context for the principal's rights in all. Each rule now ends with `if <conditions>` when it has any, as the CLI's
 * `matched:` lines do; a rule without conditions is written as before.
 * Before the fix 2 of 3 tests failed.
 *
 * A real server on 127.0.0.1 set up through the AWS SDK v3 IAM client, and the console in Debian's Chromium through
 * playwright-core (skipped when chromium is absent).
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { CHROMIUM_SKIP, serverAndChromium, signedInPage } from './support/console.ts';

declare const document: { getElementById(id: string): { textContent: string | null } | null };

interface HeadingLike {
  readonly textContent: string | null;
  readonly nextElementSibling: { querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> } | null;
}

const BOB = 'arn:aws:iam::000000000000:user/bob';
const policy = (st: object) => JSON.stringify({ Version: '2012-10-17', Statement: [st] });

describe('review nq2 (console): the Authorize view says the conditions each rule that decided applied under', { skip: CHROMIUM_SKIP }, () => {
  const world = serverAndChromium();

  before(async () => {
    const iam = world.server.iam();
    await iam.send(new I.CreateUserCommand({ UserName: 'bob' }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'office', PolicyDocument: policy({ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }) }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'tls', PolicyDocument: policy({ Effect: 'Deny', Action: 's3:DeleteObject', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }) }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'list', PolicyDocument: policy({ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*' }) }));
  });

  /** The decision and the rules that decided, as the view shows them, for bob's `action` on an object in `context`. */
  async function simulated(action: string, context: object): Promise<{ decision: string; rules: string[] }> {
    const { page, problems } = await signedInPage(world.browser, world.server.url, world.server.admin);
    try {
      await page.click('nav button[data-view=authorize]');
      await page.fill('#authorize-form input[name=principal]', BOB);
      await page.fill('#authorize-form input[name=action]', action);
      await page.fill('#authorize-form input[name=resource]', 'arn:aws:s3:::b/k');
      await page.fill('#authorize-form input[name=context]', JSON.stringify(context));
      await page.click('#authorize-form button[type=submit]');
      await page.waitForFunction(() => /^decided in/.test(document.getElementById('status')?.textContent ?? ''), undefined, { timeout: 15_000 });
      const decision = (await page.textContent('#view .decision')) ?? '';
      // The list under the heading `rules that decided`.
      const rules = await page.$$eval('#view h3', (hs) => {
        const h = (hs as unknown as HeadingLike[]).find((x) => x.textContent === 'rules that decided');
        const ul = h?.nextElementSibling;
        return ul === null || ul === undefined ? [] : Array.from(ul.querySelectorAll('li'), (li) => li.textContent ?? '');
      });
      assert.deepEqual(problems, []);
      return { decision, rules };
    } finally {
      await page.close();
    }
  }

  it('an Allow that held only under its condition says so', async () => {
    const r = await simulated('s3:GetObject', { 'aws:SourceIp': '10.1.2.3' });
    assert.equal(r.decision, 'Allow');
    assert.deepEqual(r.rules, ['iam: identity user/bob/office, statement 0: Allow if IpAddress aws:SourceIp']);
  });

  it('a Deny that applied only under its condition says so, and so does the Allow beside it', async () => {
    const r = await simulated('s3:DeleteObject', { 'aws:SourceIp': '10.1.2.3', 'aws:SecureTransport': 'false' });
    assert.equal(r.decision, 'ExplicitDeny');
    assert.deepEqual([...r.rules].sort(), ['iam: identity user/bob/office, statement 0: Allow if IpAddress aws:SourceIp', 'iam: identity user/bob/tls, statement 0: Deny if Bool aws:SecureTransport']);
  });

  it('a rule without conditions is written as before', async () => {
    const r = await simulated('s3:ListBucket', {});
    assert.equal(r.decision, 'Allow');
    assert.deepEqual(r.rules, ['iam: identity user/bob/list, statement 0: Allow']);
  });
});
