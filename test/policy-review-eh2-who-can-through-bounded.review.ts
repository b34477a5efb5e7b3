/**
 * Review eh2: who-can's `through` (review dv, 2) listed every user and role that can come to act as each allowed role,
 * with a path each, unbounded: every user of an account can come to act as a role whose trust policy gives it to the
 * account, so the answer about one object held users × roles paths (up to a million under escalation-paths' budget).
 * A role now lists at most MAX_THROUGH (100), the shortest paths first, and says how many more (`throughOmitted`);
 * the note says so, and `gatehouse who-can` prints the count after the table. A role under the bound lists all, with
 * no count. Real server, SigV4-signed /v1/ calls and the CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { askWhoCan, signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { MAX_THROUGH } from '../src/app/who-can.ts';

const ROOT = '000000000000';
const OBJECT = 'arn:aws:s3:::eh2/k';
const USERS = MAX_THROUGH + 7;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: '2012-10-17', Statement });
const TRUST_ACCOUNT = inline({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' });
const assume = (role: string) => inline({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${ROOT}:role/${role}` });
const READ = inline({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::eh2/*' });

interface Answer {
  readonly allowed: readonly { readonly kind: string; readonly name: string; readonly through?: readonly { readonly name: string; readonly path: readonly unknown[] }[]; readonly throughOmitted?: number }[];
  readonly note: string;
}

interface TableLike {
  readonly caption: { textContent: string | null } | null;
  readonly tBodies: ArrayLike<{ rows: ArrayLike<unknown> }>;
}

let s: TestServer;

before(async () => {
  s = await startTestServer();
  const users = Array.from({ length: USERS }, (_, i) => doc('User', `u${String(i).padStart(3, '0')}`, { inlinePolicies: { on: assume('wide') } }));
  const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
    documents: [
      // Every user can come to act as `wide`; two of them as `narrow`.
      doc('Role', 'wide', { trustPolicy: TRUST_ACCOUNT, inlinePolicies: { read: READ } }),
      doc('Role', 'narrow', { trustPolicy: TRUST_ACCOUNT, inlinePolicies: { read: READ } }),
      ...users,
      doc('User', 'pair-a', { inlinePolicies: { on: assume('narrow') } }),
      doc('User', 'pair-b', { inlinePolicies: { on: assume('narrow') } }),
      // Three users two steps from `wide` (through `hop`), named before the others: listed only if the bound allowed.
      doc('Role', 'hop', { trustPolicy: TRUST_ACCOUNT, inlinePolicies: { on: assume('wide') } }),
      ...['far-a', 'far-b', 'far-c'].map((n) => doc('User', n, { inlinePolicies: { on: assume('hop') } })),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
});
after(() => s?.stop());

describe('review eh2: who-can bounds the principals listed through each role', () => {
  it('a role that more can act as than the bound lists the bound and counts the rest; one under it lists all', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/who-can', { action: 's3:GetObject', resource: OBJECT });
    assert.equal(r.status, 200, JSON.stringify(r.json).slice(0, 500));
    const a = r.json as unknown as Answer;
    const wide = a.allowed.find((p) => p.name === 'wide');
    const narrow = a.allowed.find((p) => p.name === 'narrow');
    // The admin (who may assume any role), the users made here and `hop` in one step, the three `far-` users in two.
    assert.equal(wide?.through?.length, MAX_THROUGH);
    assert.equal(wide?.throughOmitted, USERS + 1 + 1 + 3 - MAX_THROUGH);
    assert.deepEqual([...new Set(wide?.through?.map((t) => t.path.length))], [1], 'the shortest paths first');
    assert.equal(new Set(wide?.through?.map((t) => t.name)).size, MAX_THROUGH, 'each listed once');
    assert.deepEqual(narrow?.through?.map((t) => t.name).sort(), ['admin', 'pair-a', 'pair-b']);
    assert.equal(narrow?.throughOmitted, undefined);
    assert.match(a.note, new RegExp(`at most ${MAX_THROUGH} a role: \`throughOmitted\` counts the others`));
  });

  it('gatehouse who-can prints how many more, after the table', async () => {
    const cli = await cliAgainst(s, ['who-can', '--action', 's3:GetObject', '--resource', OBJECT]);
    assert.equal(cli.status, 0, cli.out + cli.err);
    assert.match(cli.out, new RegExp(`^… and ${USERS + 5 - MAX_THROUGH} more can come to act as role/wide, not listed here`, 'm'));
    assert.doesNotMatch(cli.out, /more can come to act as role\/narrow/);
    assert.equal(cli.out.match(/ role\/wide +\S+ -\(sts:AssumeRole\)-> role\/wide$/gm)?.length, MAX_THROUGH);
  });
  it("the console's Who can view says how many more in the through table's caption", { skip: CHROMIUM_SKIP }, async () => {
    const browser = await launchChromium();
    try {
      const { page, problems } = await signedInPage(browser, s.url, s.admin);
      await askWhoCan(page, OBJECT);
      const through = await page.$$eval('#view table', (ts) =>
        (ts as unknown as TableLike[]).filter((t) => /through the roles/.test(t.caption?.textContent ?? '')).map((t) => ({ caption: t.caption?.textContent ?? '', rows: t.tBodies[0]?.rows.length ?? 0 })),
      );
      assert.equal(through.length, 1, JSON.stringify(through));
      assert.match(through[0]?.caption ?? '', new RegExp(`not listed: ${USERS + 5 - MAX_THROUGH} more as role/wide;`));
      assert.doesNotMatch(through[0]?.caption ?? '', /more as role\/narrow/);
      // `wide`'s bound, and `narrow`'s three.
      assert.equal(through[0]?.rows, MAX_THROUGH + 3);
      assert.deepEqual(problems, []);
      await page.close();
    } finally {
      await browser.close();
    }
  });
});
