/**
 * Review cl, 3 (reported by cq): a configuration the CLI accepts could not be applied at all. The CLI reads files of up
 * to 4 MiB each and the server takes up to 5,000 documents, but `POST /v1/apply` read at most 4 MiB like every admin
 * call: 1,000 managed policies of 5 KB each (5 MB as sent, in two files) failed with `request body exceeds 4194304 bytes`
 * and no way forward (splitting the set breaks all-or-nothing, and `--prune` over part of it deletes the rest). Now
 * `/v1/apply` reads up to MAX_APPLY_BODY (other calls keep 4 MiB), and a set larger still is refused naming that limit.
 * The real CLI in process against a real server on 127.0.0.1 (SQLite); `plan` sends what `apply` sends.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_ADMIN_BODY, MAX_APPLY_BODY } from '../src/adapters/http/admin-api.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst as cli, startTestServer, type TestServer } from './support/server.ts';

/**
 * A Policy document of about 5 KB: 4 statements on distinct buckets, each naming a long key. (40 short statements made
 * the same size; reading their 40,000 YAML nodes was three quarters of the test's CPU.)
 */
function policy(i: number): string {
  const statements = Array.from({ length: 4 }, (_, k) => `      - {Effect: Allow, Action: ["s3:GetObject", "s3:ListBucket"], Resource: "arn:aws:s3:::cl3-bucket-${i}-${k}/${'k'.repeat(1_150)}*"}`);
  return ['apiVersion: gatehouse.dev/v1', 'kind: Policy', `metadata: {name: cl3-p${i}}`, 'spec:', '  document:', '    Version: "2012-10-17"', '    Statement:', ...statements, ''].join('\n');
}

describe('review cl3: a configuration larger than 4 MiB as sent is applied', () => {
  let s: TestServer;
  let dir: string;
  before(async () => {
    s = await startTestServer();
    dir = join(s.dataDir, 'cl3-config');
    await mkdir(dir);
    let size = 0;
    for (const part of [0, 1]) {
      const text = Array.from({ length: 500 }, (_, i) => policy(part * 500 + i)).join('---\n');
      size += text.length;
      await writeFile(join(dir, `part-${part}.yaml`), text);
    }
    // Sent as JSON, the documents are about as long as their text (mostly long strings): past the 4 MiB of other calls.
    assert.ok(size > MAX_ADMIN_BODY + (512 << 10), `${size}`);
  });
  after(() => s?.stop());

  it('plan of 1,000 policies (about 5 MB as sent) answers, listing each', async () => {
    const r = await cli(s, ['plan', '-f', join(dir, 'part-0.yaml'), '-f', join(dir, 'part-1.yaml')]);
    assert.equal(r.status, 0, r.err.slice(0, 500));
    assert.equal(r.out.split('\n').filter((l) => /^\s*\+ create Policy\/cl3-p\d+$/.test(l)).length, 1000, r.out.slice(0, 500));
  });

  it('a body past the apply limit is refused naming it; other calls keep theirs', async () => {
    assert.ok(MAX_APPLY_BODY > MAX_ADMIN_BODY);
    const big = { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Group', metadata: { name: 'g' }, spec: { pad: 'x'.repeat(MAX_APPLY_BODY) } }] };
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', big);
    assert.equal(r.status, 413, JSON.stringify(r.json).slice(0, 300));
    assert.match(JSON.stringify(r.json), new RegExp(`${MAX_APPLY_BODY}`));
    const other = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', pad: 'x'.repeat(MAX_ADMIN_BODY) });
    assert.equal(other.status, 413);
    assert.match(JSON.stringify(other.json), new RegExp(`${MAX_ADMIN_BODY}`));
  });
});
