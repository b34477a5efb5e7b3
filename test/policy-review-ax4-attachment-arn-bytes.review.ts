/**
 * Review ax, finding 4: on PostgreSQL, `PUT /v1/resource-policies/{resource}` with a long resource ARN answered 500
 * InternalError (as XML, on a JSON route) and logged `index row size 4240 exceeds btree version 4 maximum 2704 for index
 * "kv_pkey"`: the policy is kept under the key `respol/<ARN>`, and PostgreSQL's B-tree refuses an entry past 2,704
 * bytes. Review ax, 3 bounds the ARN at 2,048 characters, but a character is up to 3 bytes in UTF-8 for the names S3
 * keys may carry (1,400 CJK characters: 4,200 bytes), so the bound alone still let it through. Now the ARN is bounded
 * at 2,048 bytes in UTF-8 as well (2,048 ASCII characters, the longest a request may name), and such a PUT is a 400
 * ValidationError on `resource`, on either store; the server goes on writing.
 * Real server on PostgreSQL (skipped, saying so, when PostgreSQL cannot be reached), SigV4-signed /v1/ requests.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_CREDENTIALS_FILE, startServer } from '../src/main/server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** `n` CJK characters, 3 bytes each in UTF-8, different each call (so that PostgreSQL cannot compress them away). */
const cjk = (n: number): string => Array.from({ length: n }, () => String.fromCharCode(0x4e00 + Math.floor(Math.random() * 20000))).join('');
const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }] };

describe('review ax4: a resource ARN past 2,048 bytes, on a PostgreSQL server', () => {
  it('is a ValidationError on `resource`, not a 500; a 2,048-byte one is stored', { timeout: 120_000 }, async (t) => {
    const why = await pgSkip();
    if (why !== undefined) return void t.skip(why);
    const schema = `gh_review_ax4_${process.pid}`;
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    const dataDir = await mkdtemp(join(tmpdir(), 'gh-review-ax4-'));
    dirs.push(dataDir);
    const server = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => undefined, audit: { maxUnwrittenMs: 30_000 }, databaseUrl: PG_URL, databaseSchema: schema });
    try {
      const file = JSON.parse(await readFile(join(dataDir, ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
      const admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
      const put = (arn: string) => gatehouseJson(server.url, admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(arn)}`, { document: doc });

      const wide = `arn:aws:s3:::b/${cjk(1400)}`;
      assert.ok(wide.length <= 2048, 'within the bound in characters');
      const r = await put(wide);
      assert.equal(r.status, 400, JSON.stringify(r.json).slice(0, 300));
      const error = r.json['error'] as { code: string; message: string; details: { path: string }[] };
      assert.equal(error.code, 'ValidationError');
      assert.equal(error.details[0]?.path, 'resource');
      assert.match(error.message, /2048 bytes/);

      // The longest ARN still fits: 2,048 bytes, two-byte characters included.
      const prefix = 'arn:aws:s3:::b/';
      const fits = `${prefix}${'é'.repeat(500)}${'k'.repeat(2048 - prefix.length - 1000)}`;
      assert.equal(new TextEncoder().encode(fits).length, 2048);
      const ok = await put(fits);
      assert.equal(ok.status, 200, JSON.stringify(ok.json).slice(0, 300));
      const after = await gatehouseJson(server.url, admin, 'POST', '/v1/users', { name: 'after' });
      assert.equal(after.status, 201, JSON.stringify(after.json));
    } finally {
      await server.stop();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    }
  });
});
