/**
 * Review ot, 1: a bucket's owner record (`bucket-owner/<bucket>`, the S3 gateway's, which every instance loads to know
 * who owns a bucket: DESIGN.md "Resource ownership") that is not the JSON the server wrote (a database restored or
 * edited by hand, a truncated write) was `JSON.parse`d unguarded, by the load of the resource policies and by the
 * gateway's `recordOwners` at start: the server did not start at all, and said only `Unterminated string in JSON at
 * position 12`, naming no record. Now such a record is reported once in the log, naming the bucket and the record,
 * and fails closed as an unreadable policy does (src/app/unreadable-policy.ts, review N, N3; DESIGN.md: the union
 * "fails closed on error"): the bucket belongs to no account, so no account's identity policy reaches it through the
 * authorize API and no account may attach its policy, until the record is replaced. A gateway that holds the bucket
 * writes it again at start (`recordOwners`: its directory on disk says who created it).
 * Before the fix 3 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { openSqliteStore } from '../src/adapters/store-sqlite/index.ts';
import { call } from '../src/adapters/cli/client.ts';
import { connectionTo } from './support/processes.ts';
import { adminBucketRestartable } from './support/s3.ts';
import { authorizeDecision } from './support/authorize-api.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'ot1-held';
const ELSEWHERE = 'ot1-elsewhere';
let s3: S3Client;
let server: TestServer;
const world = adminBucketRestartable(BUCKET, (c, s) => {
  s3 = c;
  server = s;
});

describe('review ot1: an unreadable bucket owner record', () => {
  it('the server starts, the gateway writes its bucket\'s record again, and its objects are served', async () => {
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a', Body: 'x' }));
    await world.restart(async (dataDir) => {
      const store = await openSqliteStore({ dataDir });
      try {
        await store.write(async (tx) => {
          await tx.kv.put(`bucket-owner/${BUCKET}`, '{"account":"0000');
          // A bucket of another instance's gateway, owned by another account.
          await tx.kv.put(`bucket-owner/${ELSEWHERE}`, 'not json');
        });
      } finally {
        await store.close();
      }
    });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    assert.deepEqual(listed.Contents?.map((o) => o.Key), ['a']);
    const app = await server.openApp();
    const record = await app.deps.store.read((tx) => tx.kv.get(`bucket-owner/${BUCKET}`));
    assert.equal((JSON.parse(record ?? '{}') as { account?: string }).account, server.adminFile.AccountId);
    assert.equal(await authorizeDecision(server, { action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/a` }), 'Allow');
  });

  it('a record no gateway here holds is reported once, naming the bucket and the record', () => {
    const lines = server.logs.filter((l) => l.includes(ELSEWHERE));
    assert.equal(lines.length, 1, server.logs.join('\n'));
    assert.match(lines[0] as string, /CANNOT READ/);
    assert.match(lines[0] as string, new RegExp(`bucket-owner/${ELSEWHERE}`));
  });

  it('it fails closed: the bucket is no account\'s, so the root admin\'s allow-all does not reach it, nor may it attach a policy', async () => {
    assert.notEqual(await authorizeDecision(server, { action: 's3:GetObject', resource: `arn:aws:s3:::${ELSEWHERE}/a` }), 'Allow');
    const put = await call(connectionTo(server.url, server.admin), 'PUT', ['resource-policies', `arn:aws:s3:::${ELSEWHERE}`], { body: { document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${ELSEWHERE}/*` }] } } });
    assert.equal(put.ok, false, JSON.stringify(put));
    assert.match(JSON.stringify(put), new RegExp(`owner record of bucket .${ELSEWHERE}. cannot be read`));
  });
});
