/**
 * Review dw, 1: the who-can API came to say which grants hold only under conditions (`conditional`, `conditions`), who
 * a condition left out (`conditionallyExcluded`), who reaches the resource through a role allowed (`through`) and to
 * which principals beyond the account a resource policy grants it (`grantedByResourcePolicy`), and `gatehouse who-can`
 * prints each (reviews dv, 1 and 2); the console's "Who can" view showed none of it: a grant from one address read as
 * one held always, and the users who reach the object by assuming a role, those a condition refused and another
 * account the bucket policy names were not on the page. Now the allowed table appends `if <conditions>` to a
 * conditional principal's rules, as the CLI's row does; those left out by conditions and those reaching through roles
 * are tables of their own, each with a caption and column headers (the CLI's sections, in its words); a resource
 * policy's grant beyond the account is a row of the allowed table, as a binding's already was. The page joins a row's
 * rules and conditions itself, so each is made visible first: a line break in a binding's CEL expression shows as `\n`.
 *
 * Before the change all 6 tests here failed (no `if`, no such table or row, no caption); the CEL test also fails with
 * the conditions joined without `visible` (its second line read as another rule). A real server on
 * 127.0.0.1 and the console in Debian's Chromium through playwright-core (skipped when chromium is absent); the world
 * is applied through the signed /v1/apply.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { askWhoCan, signedInPage, launchChromium, CHROMIUM_SKIP } from './support/console.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const skip = CHROMIUM_SKIP;
const ROOT = '000000000000';
const OTHER = '111122223333';
const OBJECT = 'arn:aws:s3:::dw1/k';
const MODEL = `arn:aws:training::${ROOT}:model/dw1`;
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const inline = (...Statement: Record<string, unknown>[]) => ({ Version: '2012-10-17', Statement });
const read = { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::dw1/*' };
const TRUST_ACCOUNT = inline({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ROOT}:root` }, Action: 'sts:AssumeRole' });
const assume = (role: string) => inline({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${ROOT}:role/${role}` });

type Browser = import('playwright-core').Browser;
type Page = import('playwright-core').Page;
declare const document: { getElementById(id: string): { textContent: string | null } | null };

/** A table of the view as the page shows it: its caption, its column headers and its rows' cells. */
interface Shown {
  readonly caption: string;
  readonly headers: readonly string[];
  readonly rows: readonly (readonly string[])[];
}
interface TableLike {
  readonly caption: { textContent: string | null } | null;
  readonly tHead: { rows: ArrayLike<{ cells: ArrayLike<{ textContent: string | null }> }> } | null;
  readonly tBodies: ArrayLike<{ rows: ArrayLike<{ cells: ArrayLike<{ textContent: string | null }> }> }>;
}

describe('web console review dw1: the who-can view shows conditional grants, those conditions left out, and who reaches it through roles', { skip }, () => {
  let server: TestServer;
  let browser: Browser;
  let page: Page;
  let problems: string[];
  let tables: Shown[];
  let status: string;

  before(async () => {
    server = await startTestServer();
    const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
      documents: [
        // Allowed only from the office: the context below is in 10.0.0.0/8.
        doc('User', 'office', { inlinePolicies: { office: inline({ ...read, Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }) } }),
        // Allowed always, but denied everything from outside the office (review du, 2): `unless NotIpAddress aws:SourceIp`.
        doc('User', 'guarded', { inlinePolicies: { read: inline(read, { Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }) } }),
        // Allowed only from a VPC the context does not give: left out by its condition.
        doc('User', 'vpnonly', { inlinePolicies: { vpc: inline({ ...read, Condition: { StringEquals: { 'aws:SourceVpc': 'vpc-1' } } }) } }),
        doc('Role', 'reader', { trustPolicy: TRUST_ACCOUNT, inlinePolicies: { read: inline(read) } }),
        doc('Role', 'hop', { trustPolicy: TRUST_ACCOUNT, inlinePolicies: { on: assume('reader') } }),
        // Reaches the object only by assuming hop, then reader.
        doc('User', 'bob', { inlinePolicies: { on: assume('hop') } }),
        // Another account's grant, from the office only (review du, 3: said as the principals listed say it). The account
        // exists: a resource policy may name only an account that does (review ey, 1).
        { apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: OTHER }, spec: { partition: 'aws' } },
        doc('ResourcePolicy', 'dw1', { resource: 'arn:aws:s3:::dw1', document: inline({ ...read, Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }) }),
      ],
    });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    // The server refreshes its resource policies within a 250 ms tick of the apply.
    await new Promise((r) => setTimeout(r, 400));
    browser = await launchChromium();
    ({ page, problems } = await signedInPage(browser, server.url, server.admin));
    await askWhoCan(page, OBJECT, JSON.stringify({ 'aws:SourceIp': '10.1.2.3' }));
    status = (await page.textContent('#status')) ?? '';
    tables = await page.$$eval('#view table', (ts) =>
      (ts as unknown as TableLike[]).map((t) => ({
        caption: t.caption?.textContent ?? '',
        headers: Array.from(t.tHead?.rows[0]?.cells ?? [], (c) => c.textContent ?? ''),
        rows: Array.from(t.tBodies[0]?.rows ?? [], (r) => Array.from(r.cells, (c) => c.textContent ?? '')),
      })),
    );
  });
  after(async () => {
    await page?.close();
    await browser?.close();
    await server?.stop();
  });

  /** The table whose caption matches `caption`, and its rows by the value of the column `key`. */
  const tableOf = (caption: RegExp): Shown => {
    const t = tables.find((x) => caption.test(x.caption));
    assert.ok(t, `no table captioned ${caption}: ${JSON.stringify(tables.map((x) => x.caption))} (status: ${status})`);
    return t;
  };
  const rowsBy = (t: Shown, key: string): Map<string, Record<string, string>> => {
    const column = t.headers.indexOf(key);
    assert.ok(column >= 0, `no column ${key}: ${JSON.stringify(t.headers)}`);
    return new Map(t.rows.map((cells) => [cells[column] ?? '', Object.fromEntries(t.headers.map((h, i) => [h, cells[i] ?? '']))]));
  };

  it('a conditional grant reads `if <conditions>` after its rules, as the CLI prints it; an unconditional one does not', () => {
    const allowed = rowsBy(tableOf(/^allowed/i), 'name');
    assert.deepEqual([...allowed.keys()].filter((n) => !n.startsWith('arn:')), ['admin', 'guarded', 'office', 'reader']);
    assert.match(allowed.get('office')?.['allowed by'] ?? '', /user\/office\/office[\s\S]*\nif IpAddress aws:SourceIp$/);
    assert.doesNotMatch(allowed.get('reader')?.['allowed by'] ?? '', /\bif\b/);
    // A grant a conditional Deny would take away elsewhere says which (review du, 2), as the CLI's `unless`.
    assert.match(allowed.get('guarded')?.['allowed by'] ?? '', /user\/guarded\/read[\s\S]*\nunless NotIpAddress aws:SourceIp$/);
    assert.doesNotMatch(allowed.get('office')?.['allowed by'] ?? '', /\bunless\b/);
    assert.doesNotMatch(allowed.get('admin')?.['allowed by'] ?? '', /\bif\b/);
  });

  it('those left out only by their Allow statements\' conditions are a table of their own, with the conditions not met', () => {
    const t = tableOf(/conditions of their Allow statements did not hold/);
    assert.deepEqual(t.headers.slice(0, 3), ['kind', 'name', 'conditions not met']);
    const excluded = rowsBy(t, 'name');
    assert.deepEqual([...excluded.keys()], ['vpnonly']);
    assert.equal(excluded.get('vpnonly')?.['kind'], 'user');
    assert.equal(excluded.get('vpnonly')?.['conditions not met'], 'StringEquals aws:SourceVpc');
    assert.equal(rowsBy(tableOf(/^allowed/i), 'name').has('vpnonly'), false, 'not among those allowed');
  });

  it('those who reach it through a role they can come to act as are a table of their own, each with its path', () => {
    const t = tableOf(/through the roles/);
    assert.deepEqual(t.headers, ['kind', 'name', 'acts as', 'path']);
    const bob = t.rows.find((cells) => cells[1] === 'bob');
    assert.deepEqual(bob, ['user', 'bob', 'role/reader', 'user/bob -(sts:AssumeRole)-> role/hop -(sts:AssumeRole)-> role/reader']);
    assert.ok(t.rows.some((cells) => cells[0] === 'role' && cells[1] === 'hop' && cells[2] === 'role/reader'), JSON.stringify(t.rows));
  });

  it('a resource policy\'s grant to another account is a row of the allowed table, as a binding\'s is', () => {
    const row = rowsBy(tableOf(/^allowed/i), 'name').get(`arn:aws:iam::${OTHER}:root`);
    assert.ok(row, JSON.stringify(tables[0]?.rows));
    assert.equal(row['kind'], 'beyond the account');
    assert.match(row['allowed by'] ?? '', /statement 0 of the resource policy of arn:aws:s3:::dw1/);
    assert.match(row['allowed by'] ?? '', /\nif IpAddress aws:SourceIp$/, 'conditional, as an allowed principal says it (review du, 3)');
  });

  it('a binding\'s condition is its CEL expression, a line break in it shown as `\\n`, never as another line of rules', async () => {
    const expression = 'request.time < timestamp("2100-01-01T00:00:00Z")\n  || false';
    const bound = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', {
      resource: MODEL,
      bindings: [{ role: 'roles/ml.viewer', members: ['user:bob'], condition: { title: 'until 2100', expression } }],
    });
    assert.equal(bound.status, 200, JSON.stringify(bound.json));
    await page.fill('#who-can-form input[name=action]', 'training:GetModel');
    await page.fill('#who-can-form input[name=resource]', MODEL);
    await page.click('#who-can-form button[type=submit]');
    await page.waitForFunction(() => /^Allowed training:GetModel/.test(document.getElementById('view')?.textContent ?? ''));
    const cells = await page.$$eval('#view table:first-of-type tbody tr', (trs) => trs.map((tr) => Array.from((tr as unknown as { cells: ArrayLike<{ textContent: string | null }> }).cells, (c) => c.textContent ?? '')));
    const bob = cells.find((c) => c[1] === 'bob');
    assert.ok(bob, JSON.stringify(cells));
    assert.equal(bob[2]?.split('\n').at(-1), 'if request.time < timestamp("2100-01-01T00:00:00Z")\\n  || false');
  });

  it('every table has a caption and column headers, and the page met no error', async () => {
    assert.ok(tables.length >= 3, JSON.stringify(tables.map((t) => t.caption)));
    for (const t of tables) {
      assert.notEqual(t.caption, '', JSON.stringify(t));
      assert.ok(t.headers.length > 0, JSON.stringify(t));
    }
    assert.equal(await page.$$eval('#view thead th', (ths) => ths.every((th) => (th as unknown as { scope: string }).scope === 'col')), true, 'headers name their column');
    assert.deepEqual(problems, []);
  });
});
