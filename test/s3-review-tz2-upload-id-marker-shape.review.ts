/**
 * Review tz, 2, against a real server with `@aws-sdk/client-s3`: ListMultipartUploads with an `upload-id-marker` that
 * has no upload id's shape.
 *
 * What was wrong: with `key-marker`, any `upload-id-marker` was taken as a position among the key's upload ids
 * (`zz` sorted after every hex id, so the key's uploads were silently skipped; `0` before them, so all were listed
 * again). S3 refuses a marker that names no upload: 400 InvalidArgument "Invalid uploadId marker" (as recorded against
 * S3 in versity/versitygw#1797; GCS's S3 API answers "Invalid upload ID marker" too, syslog-ng#4956). A tool pasting a
 * marker of another store, or a truncated one, got a wrong page and no word of it. (docs/decisions.md, review bo, 1:
 * a well-formed id of an upload since completed or aborted stays a position, on purpose; that is kept.)
 *
 * What is now so: a marker that is no upload id of this gateway (32 hex digits, earlier versions' ids too) is 400
 * InvalidArgument "Invalid uploadId marker: …", naming the marker; a well-formed one, even of an aborted upload, pages
 * as before; without `key-marker` the marker is still ignored (API_ListMultipartUploads).
 *
 * Before the fix 1 of 2 tests failed.
 */
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket, s3Refusal } from './support/s3.ts';

const BUCKET = 'tz2-upload-markers';
let c: S3.S3Client;
adminBucket(BUCKET, (client) => (c = client));

describe('tz 2: an upload-id-marker of no upload id shape is refused', () => {
  const ids: string[] = [];
  before(async () => {
    for (const key of ['k1', 'k1', 'k2']) ids.push((await c.send(new S3.CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key }))).UploadId!);
  });

  it('400 InvalidArgument "Invalid uploadId marker", naming the marker', async () => {
    for (const marker of ['zz', '0', `${ids[0]}x`, 'VXBsb2FkSWQ.xyz_abc']) {
      const [name, status, message] = await s3Refusal(c.send(new S3.ListMultipartUploadsCommand({ Bucket: BUCKET, KeyMarker: 'k1', UploadIdMarker: marker })));
      assert.deepEqual([name, status], ['InvalidArgument', 400], `${marker}: ${message}`);
      assert.match(message, /^Invalid uploadId marker/, marker);
      assert.ok(message.includes(`\`${marker}\``), message);
    }
  });

  it('a well-formed marker pages as before, an aborted upload\'s too; without key-marker it is ignored', async () => {
    const after = async (keyMarker: string | undefined, marker: string): Promise<string[]> =>
      ((await c.send(new S3.ListMultipartUploadsCommand({ Bucket: BUCKET, ...(keyMarker ? { KeyMarker: keyMarker } : {}), UploadIdMarker: marker }))).Uploads ?? []).map((u) => u.UploadId!);
    assert.deepEqual(await after('k1', ids[0]!), [ids[1], ids[2]]);
    await c.send(new S3.AbortMultipartUploadCommand({ Bucket: BUCKET, Key: 'k1', UploadId: ids[0] }));
    assert.deepEqual(await after('k1', ids[0]!), [ids[1], ids[2]]);
    assert.deepEqual(await after(undefined, 'zz'), [ids[1], ids[2]]);
  });
});
