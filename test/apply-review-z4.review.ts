/**
 * Review Z, finding 4: `apply --prune` deleting a managed policy detached it from the users, groups and roles still
 * attached to it (kinds the files may not even contain) without a line in the plan or the apply's output. Now each such
 * principal is listed as `~ update <Kind>/<name> (policies)`, and each detachment is a step of its own, recorded in the
 * audit log. The CLI's program in this process (test/support/gatehouse-cli.ts) and the /v1 client against a real server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { connectionTo } from './support/processes.ts';

const ROOT = '000000000000';
const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };
const doc = (kind: string, name: string, spec: Record<string, unknown>) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const yaml = (kind: string, name: string, spec: string) => `apiVersion: gatehouse.dev/v1\nkind: ${kind}\nmetadata: {name: ${name}}\nspec: ${spec}\n`;

describe('review Z4: prune shows the principals a deleted policy is detached from', () => {
  let s: TestServer;
  const v1 = (method: string, path: string[], body?: unknown) => call<{ changes: { action: string; kind: string; name: string; fields: string[] }[] }>(connectionTo(s.url, s.admin), method, path, body === undefined ? {} : { body });

  before(async () => {
    s = await startTestServer();
    const r = await v1('POST', ['apply'], {
      documents: [
        doc('Policy', 'pp', { document: POLICY }),
        doc('User', 'erin', { policies: ['pp'] }),
        doc('Group', 'readers', { policies: ['pp'] }),
        doc('Role', 'worker', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }, policies: ['pp'] }),
      ],
    });
    assert.ok(r.ok, JSON.stringify(r));
  });
  after(() => s?.stop());

  it('plan and apply list each detached principal as an update; the detachments are audited; a principal the files name is not listed twice', async () => {
    const documents = [doc('Policy', 'other', { document: POLICY }), doc('Role', 'worker', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] } })];
    const plan = await v1('POST', ['apply'], { documents, prune: true, dryRun: true });
    assert.ok(plan.ok, JSON.stringify(plan));
    const lines = plan.value.changes.map((c) => `${c.action} ${c.kind}/${c.name}${c.fields.length ? ` (${c.fields.join(', ')})` : ''}`);
    assert.ok(lines.includes('delete Policy/pp'), lines.join('\n'));
    assert.ok(lines.includes('update User/erin (policies)'), lines.join('\n'));
    assert.ok(lines.includes('update Group/readers (policies)'), lines.join('\n'));
    assert.deepEqual(lines.filter((l) => l.includes('Role/worker')), ['update Role/worker (policies)'], 'the role its file names: its own line only');

    // The CLI prints them.
    const file = join(s.dataDir, 'z4.yaml');
    await writeFile(file, [yaml('Policy', 'other', `{document: ${JSON.stringify(POLICY)}}`), yaml('Role', 'worker', `{trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: training.gatehouse.dev}, Action: "sts:AssumeRole"}]}}`)].join('---\n'));
    const cli = await gatehouseCliInProcess(['apply', '--prune', '-f', file], s.admin, { endpoint: s.url, home: s.dataDir });
    assert.equal(cli.code, 0, cli.stdout + cli.stderr);
    assert.match(cli.stdout, /~ update User\/erin \(policies\)/);
    assert.match(cli.stdout, /~ update Group\/readers \(policies\)/);
    assert.match(cli.stdout, /- delete Policy\/pp/);

    const store = await openSqliteStore({ dataDir: s.dataDir });
    try {
      const rows = await store.read((tx) => tx.audit.list({ kind: 'change' }, 0, 10_000));
      const detached = rows.filter((r) => r.action === 'iam:DetachUserPolicy' && r.resource === `arn:aws:iam::${ROOT}:user/erin`);
      assert.equal(detached.length, 1, 'the detachment is recorded');
      assert.equal(rows.filter((r) => r.action === 'iam:DetachGroupPolicy' && r.resource.endsWith(':group/readers')).length, 1);
      assert.deepEqual(await store.read((tx) => tx.attachments.listForPrincipal({ type: 'user', account: ROOT, name: 'erin' })), []);
    } finally {
      await store.close();
    }
  });
});
