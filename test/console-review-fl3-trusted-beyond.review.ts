/**
 * Review fl, 3 (follow-up): who-can's answer came to list, for each role allowed, who beyond the account its trust
 * policy lets become it (`trustedBeyond`: another account by `sts:AssumeRole`, an OIDC provider's tokens by
 * `sts:AssumeRoleWithWebIdentity`), and `gatehouse who-can` prints them; the console's "Who can" view showed none of
 * it, so a role a partner account or a CI system's tokens may assume read there as reached from within the account
 * alone. The view now has a table of them (captioned as the CLI's section), each with the role, the call and, for a
 * conditional grant, `if <conditions>`. Before the change the test failed (no such table). A real server on 127.0.0.1
 * and the console in Debian's Chromium through playwright-core (skipped when chromium is absent).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { askWhoCan, signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const B = '777788889999';
const OBJECT = 'arn:aws:s3:::fl3c/k';
const policy = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

interface TableLike {
  readonly caption: { textContent: string | null } | null;
  readonly tBodies: ArrayLike<{ rows: ArrayLike<{ cells: ArrayLike<{ textContent: string | null }> }> }>;
}

let server: TestServer;
let issuer: OidcIssuer;
let provider = '';

before(async () => {
  issuer = await startOidcIssuer();
  server = await startTestServer();
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: B, partition: 'aws' });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const iam = server.iam();
  provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
  const trusts: Record<string, object> = {
    ci: { Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${issuer.hostPath}:sub`]: 'repo:ml/train' } } },
    partner: { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${B}:root` }, Action: 'sts:AssumeRole' },
  };
  for (const [name, trust] of Object.entries(trusts)) {
    await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: policy(trust) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: name, PolicyName: 'read', PolicyDocument: policy({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::fl3c/*' }) }));
  }
});
after(async () => {
  await issuer?.close();
  await server?.stop();
});

describe('review fl3 (console): the Who can view lists who beyond the account a role allowed lets become it', () => {
  it('a table of them, each with the role, the call and its conditions', { skip: CHROMIUM_SKIP }, async () => {
    const browser = await launchChromium();
    try {
      const { page, problems } = await signedInPage(browser, server.url, server.admin);
      await askWhoCan(page, OBJECT);
      const rows = await page.$$eval('#view table', (ts) =>
        (ts as unknown as TableLike[]).filter((t) => /beyond the account, through the trust policies/.test(t.caption?.textContent ?? '')).flatMap((t) => Array.from(t.tBodies[0]?.rows ?? [], (r) => Array.from(r.cells, (c) => c.textContent ?? ''))),
      );
      assert.deepEqual(rows, [
        [provider, 'role/ci', `sts:AssumeRoleWithWebIdentity (statement 0 of the trust policy of ci)\nif StringEquals ${issuer.hostPath}:sub`],
        [`arn:aws:iam::${B}:root`, 'role/partner', 'sts:AssumeRole (statement 0 of the trust policy of partner)'],
      ]);
      assert.deepEqual(problems, []);
      await page.close();
    } finally {
      await browser.close();
    }
  });
});
