/**
 * Review Z, finding 6: a refused over-long name was echoed in full, twice (in the message's document label and in
 * `details[].name`): a 3,000,000-character name made a 6 MB answer, and the CLI printed a 300-character name before
 * the (cut) message. Now every label quotes the first 80 characters and the length. The /v1 client and the CLI's program
 * in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { call } from '../src/adapters/cli/client.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { connectionTo } from './support/processes.ts';

describe('review Z6: over-long names are cut in error labels', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  it('/v1 apply: a 3,000,000-character name and kind are quoted by their first 80 characters and length', async () => {
    const name = 'x'.repeat(3_000_000);
    const r = await call(connectionTo(s.url, s.admin), 'POST', ['apply'], { body: { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name }, spec: {} }] } });
    assert.ok(!r.ok);
    const answer = JSON.stringify(r);
    assert.ok(answer.length < 4000, `answer of ${answer.length} characters`);
    assert.match(answer, /x{80}… \(3000000 characters\)/);
    assert.doesNotMatch(answer, /x{81}/);
    const detail = (r as unknown as { errors: { name?: string }[] }).errors[0];
    assert.equal(detail?.name, `${'x'.repeat(80)}… (3000000 characters)`);

    const kind = 'K'.repeat(1_000_000);
    const k = await call(connectionTo(s.url, s.admin), 'POST', ['apply'], { body: { documents: [{ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name: 'a' }, spec: {} }] } });
    assert.ok(!k.ok);
    assert.ok(JSON.stringify(k).length < 4000, `answer of ${JSON.stringify(k).length} characters`);
  });

  it('the CLI prints a 300-character name cut', async () => {
    const file = join(s.dataDir, 'long.yaml');
    await writeFile(file, `apiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: ${'y'.repeat(300)}}\n`);
    const r = await gatehouseCliInProcess(['apply', '-f', file], s.admin, { endpoint: s.url, home: s.dataDir });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /y{80}… \(300 characters\)/);
    assert.doesNotMatch(r.stderr + r.stdout, /y{81}/);
  });
});
