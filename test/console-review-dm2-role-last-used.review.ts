/**
 * Review dm, 2: the console's roles view did not say when a role was last assumed, while its access keys view says
 * when each key was last used. Gatehouse records a role's last use (a session of it issued, and the region asked:
 * GetRole's `RoleLastUsed`), and `/v1/roles` now answers it as `lastUsed`; the roles view shows it in a "last used"
 * column, as the keys view shows a key's (`at (region)`; a role's use has no service), `never` for a role never
 * assumed.
 *
 * AssumeRole through the real SDK v3 STS client; Chromium through playwright-core (skipped when chromium is absent),
 * against a real server.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { signedInPage, CHROMIUM_SKIP, serverAndChromium } from './support/console.ts';

const skip = CHROMIUM_SKIP;
const ROOT = '000000000000';
const TRUST_ROOT = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' }] });

declare const document: { getElementById(id: string): { textContent: string | null } | null; querySelectorAll(s: string): ArrayLike<{ textContent: string | null }> };

describe('web console review dm2: the roles view shows when each role was last assumed', { skip }, () => {
  const world = serverAndChromium();

  it('a "last used" column: the date and region of the last session issued, never for a role not assumed', async () => {
    for (const name of ['trainer', 'idle']) await world.server.iam().send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST_ROOT }));
    const sts = new STSClient({ endpoint: world.server.url, region: 'ap-south-1', credentials: world.server.admin, maxAttempts: 1 });
    try {
      await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ROOT}:role/trainer`, RoleSessionName: 'use' }));
    } finally {
      sts.destroy();
    }
    const used = (await world.server.iam().send(new I.GetRoleCommand({ RoleName: 'trainer' }))).Role?.RoleLastUsed;
    const at = used?.LastUsedDate?.toISOString().replace('.000Z', 'Z');
    assert.ok(at, 'GetRole answers the use');

    const { page, problems } = await signedInPage(world.browser, world.server.url, world.server.admin);
    try {
      await page.click('nav button[data-view=roles]');
      await page.waitForFunction(() => /role\(s\)$/.test(document.getElementById('status')?.textContent ?? ''));
      const headers = await page.$$eval('#view thead th', (ths) => ths.map((th) => th.textContent));
      const column = headers.indexOf('last used');
      assert.ok(column >= 0, `no "last used" column: ${JSON.stringify(headers)}`);
      const rows = await page.$$eval('#view tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')));
      const byName = new Map(rows.map((cells) => [cells[0], cells[column]]));
      assert.equal(byName.get('trainer'), `${at} (ap-south-1)`);
      assert.equal(byName.get('idle'), 'never');
      assert.deepEqual(problems, []);
    } finally {
      await page.close();
    }
  });
});
