/**
 * Review er, 2: the console's Escalation paths view did not say which managed policy a gain goes through.
 *
 * What was wrong: escalation-paths answers each way to more rights with what it gives (`gives`) and, where the gain goes
 * through a managed policy, that policy (`policy`: the one an `Attach…Policy` allowed only for some policies by
 * `iam:PolicyARN` may attach, the one whose other version `SetDefaultPolicyVersion` may make the default) and its
 * `versions`. `gatehouse escalation-paths --principal` prints `the rights of policy/read-data for user/alice: …`; the
 * console printed the bare code, `policy for user/alice: iam:AttachUserPolicy on user/alice`, once for each policy
 * alice may attach: two identical lines for read-data and read-logs, and nothing to tell an auditor whether what she
 * can attach to herself is a read-only policy or an administrator's. The version a `SetDefaultPolicyVersion` would make
 * the default was missing too, and `own-policies`, `any-within-boundary` were shown as codes, not in the CLI's words.
 *
 * What is now so: the view words each gain as the CLI does (`the rights of policy/read-data`, `(version v2)`, `any
 * right within its boundary`…). Both tests failed before the change.
 *
 * Chromium through playwright-core (skipped when chromium is absent), against a real server; the CLI in process.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreatePolicyVersionCommand } from '@aws-sdk/client-iam';
import { signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const ROOT = '000000000000';
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: '2012-10-17', Statement });
const policyArn = (name: string) => `arn:aws:iam::${ROOT}:policy/${name}`;

type Browser = import('playwright-core').Browser;
declare const document: { getElementById(id: string): { textContent: string | null } | null };

describe('web console review er2: an escalation gain names the managed policy it goes through', { skip: CHROMIUM_SKIP }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    server = await startTestServer();
    const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      documents: [
        doc('Policy', 'read-data', { document: inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' }) }),
        doc('Policy', 'read-logs', { document: inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::logs/*' }) }),
        doc('Policy', 'shared', { document: inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::shared/*' }) }),
        // alice may attach to herself read-data or read-logs, and no other policy.
        doc('User', 'alice', { inlinePolicies: { self: inline({ Effect: 'Allow', Action: 'iam:AttachUserPolicy', Resource: `arn:aws:iam::${ROOT}:user/alice`, Condition: { ArnEquals: { 'iam:PolicyARN': [policyArn('read-data'), policyArn('read-logs')] } } }) } }),
        // bob may make another version of the policy he has the default.
        doc('User', 'bob', { policies: ['shared'], inlinePolicies: { versions: inline({ Effect: 'Allow', Action: 'iam:SetDefaultPolicyVersion', Resource: policyArn('shared') }) } }),
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    await server.iam().send(new CreatePolicyVersionCommand({ PolicyArn: policyArn('shared'), SetAsDefault: false, PolicyDocument: JSON.stringify(inline({ Effect: 'Allow', Action: 's3:*', Resource: 'arn:aws:s3:::shared/*' })) }));
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  /** The console's "ways to more rights" lines of `user`, asked about alone, and what `gatehouse escalation-paths` prints under `can gain:`. */
  async function gains(user: string): Promise<{ console: string[]; cli: string[] }> {
    const arn = `arn:aws:iam::${ROOT}:user/${user}`;
    const cli = await cliAgainst(server, ['escalation-paths', '--principal', arn]);
    assert.equal(cli.status, 0, cli.out + cli.err);
    const { page, problems } = await signedInPage(browser, server.url, server.admin);
    try {
      await page.click('nav button[data-view=escalation]');
      await page.waitForSelector('#escalation-form', { state: 'visible' });
      await page.fill('#escalation-form input[name=principal]', arn);
      await page.click('#escalation-form button[type=submit]');
      await page.waitForFunction(() => /can come to any right/.test(document.getElementById('status')?.textContent ?? ''));
      const cells = await page.$$eval('#view tbody tr td:nth-child(4)', (tds) => tds.map((td) => td.textContent ?? ''));
      assert.equal(cells.length, 1);
      assert.deepEqual(problems, []);
      return { console: (cells[0] ?? '').split('\n'), cli: cli.out.split('\n').filter((l) => l.startsWith('    ')).map((l) => l.trim()) };
    } finally {
      await page.close();
    }
  }

  it('says which policy alice may attach to herself, one line each, as the CLI does', async () => {
    const g = await gains('alice');
    assert.deepEqual(g.cli, [
      'the rights of policy/read-data for user/alice: iam:AttachUserPolicy on user/alice',
      'the rights of policy/read-logs for user/alice: iam:AttachUserPolicy on user/alice',
    ]);
    assert.deepEqual(g.console, g.cli);
  });

  it('says which version of his policy bob may make the default', async () => {
    const g = await gains('bob');
    assert.deepEqual(g.cli, ['the rights of policy/shared (version v2) for user/bob: iam:SetDefaultPolicyVersion on policy/shared']);
    assert.deepEqual(g.console, g.cli);
  });
});
