/**
 * Review Z, finding 5: a document naming a stored object in another letter case (`Erin` when `erin` is stored) was
 * reported as `= unchanged User/Erin`, an object that does not exist under that spelling. IAM names compare without
 * case, so it is the same object; the output now names it as stored (`User/erin`) and carries the file's spelling
 * (`spelled: Erin`). The /v1 client and the CLI's program in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { connectionTo } from './support/processes.ts';

const doc = (kind: string, name: string, spec: Record<string, unknown> = {}) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const POLICY = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] };

describe('review Z5: an object named in another letter case is reported under its stored name', () => {
  let s: TestServer;
  type Change = { action: string; kind: string; name: string; spelled?: string };
  const apply = (documents: unknown[]) => call<{ changes: Change[] }>(connectionTo(s.url, s.admin), 'POST', ['apply'], { body: { documents } });

  before(async () => {
    s = await startTestServer();
    const r = await apply([doc('User', 'erin'), doc('Policy', 'readers', { document: POLICY }), doc('Group', 'team')]);
    assert.ok(r.ok, JSON.stringify(r));
  });
  after(() => s?.stop());

  it('/v1 apply: name as stored, the file spelling beside it; the same spelling has no `spelled`', async () => {
    const r = await apply([doc('User', 'Erin'), doc('Policy', 'READERS', { document: POLICY }), doc('Group', 'team')]);
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual(
      r.value.changes.map((c) => [c.action, c.kind, c.name, c.spelled]),
      [
        ['unchanged', 'User', 'erin', 'Erin'],
        ['unchanged', 'Policy', 'readers', 'READERS'],
        ['unchanged', 'Group', 'team', undefined],
      ],
    );
  });

  it('the CLI prints the stored name', async () => {
    const file = join(s.dataDir, 'z5.yaml');
    await writeFile(file, 'apiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: Erin}\n');
    const r = await gatehouseCliInProcess(['apply', '-f', file], s.admin, { endpoint: s.url, home: s.dataDir });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /= unchanged User\/erin \(the file says Erin\)/);
    assert.doesNotMatch(r.stdout, /User\/Erin/);
  });
});
