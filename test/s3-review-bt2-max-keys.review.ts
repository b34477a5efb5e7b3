/**
 * Review bt, 2, against a real server with the real `@aws-sdk/client-s3`: ListObjects and ListObjectsV2 read
 * `max-keys` as S3 does.
 *
 * What was wrong: `max-keys` had to be 1 to 9 digits. A negative value got the message of a value that is not a
 * number ("Provided max-keys not an integer or within integer range"), where S3 answers "Argument maxKeys must be an
 * integer between 0 and 2147483647" with ArgumentName `maxKeys`; a value of 10 digits within the 32-bit range
 * (`2147483647`, which a client asking for "everything" sends) was refused, where S3 serves it at 1000; and no refusal
 * carried S3's ArgumentName and ArgumentValue. S3's answers: a negative value within the 32-bit range names
 * `maxKeys` (as the emulators that copied S3's errors write it, jamhall/s3rver and fakes3, and MinIO's and versitygw's
 * error tables); a word, a fraction, or a value past the range, "Provided max-keys not an integer or within integer
 * range" naming `max-keys` with the value (captured from S3 for `abc`, `1.5` and `2147483648`).
 *
 * What is now so: as ListMultipartUploads' `max-uploads` (review bo, 1), the value is read as a signed 32-bit integer,
 * leading zeros and all, and served at most 1000; the refusals are S3's, with ArgumentName and ArgumentValue.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let c: S3.S3Client;
const B = 'bt2-max-keys';

before(async () => {
  server = await startTestServer();
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: B }));
  for (const key of ['a', 'b', 'c']) await c.send(new S3.PutObjectCommand({ Bucket: B, Key: key, Body: key }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

type ListCommand = S3.ListObjectsCommand | S3.ListObjectsV2Command;

/** Both listings with `max-keys` set to `value` as written (the SDK sends only numbers). */
function both(value: string): [string, ListCommand][] {
  const commands: [string, ListCommand][] = [
    ['ListObjects', new S3.ListObjectsCommand({ Bucket: B })],
    ['ListObjectsV2', new S3.ListObjectsV2Command({ Bucket: B })],
  ];
  for (const [, command] of commands) {
    (command as S3.ListObjectsV2Command).middlewareStack.add(
      (next) => async (args) => {
        (args.request as { query: Record<string, string> }).query['max-keys'] = value;
        return next(args);
      },
      { step: 'build', name: 'rewriteQuery' },
    );
  }
  return commands;
}

const send = (command: ListCommand): Promise<S3.ListObjectsV2CommandOutput> => c.send(command as S3.ListObjectsV2Command);

async function refusal(p: Promise<unknown>): Promise<unknown[]> {
  try {
    await p;
  } catch (e) {
    const err = e as S3.S3ServiceException & { ArgumentName?: unknown; ArgumentValue?: unknown };
    return [err.name, err.$metadata.httpStatusCode, err.message, err.ArgumentName, err.ArgumentValue];
  }
  return assert.fail('expected the request to be refused');
}

describe('max-keys as S3 reads it', () => {
  it('negative (as the SDK sends MaxKeys: -1): "Argument maxKeys must be an integer between 0 and 2147483647", ArgumentName maxKeys', async () => {
    for (const [name, p] of [
      ['ListObjects', c.send(new S3.ListObjectsCommand({ Bucket: B, MaxKeys: -1 }))],
      ['ListObjectsV2', c.send(new S3.ListObjectsV2Command({ Bucket: B, MaxKeys: -1 }))],
    ] as const) {
      assert.deepEqual(await refusal(p), ['InvalidArgument', 400, 'Argument maxKeys must be an integer between 0 and 2147483647', 'maxKeys', '-1'], name);
    }
    for (const [name, command] of both('-2147483648')) {
      assert.deepEqual(await refusal(send(command)), ['InvalidArgument', 400, 'Argument maxKeys must be an integer between 0 and 2147483647', 'maxKeys', '-2147483648'], name);
    }
  });

  it('not an integer, or past the 32-bit range: "Provided max-keys not an integer or within integer range", ArgumentName max-keys', async () => {
    for (const value of ['ten', '1.5', '+5', '2147483648', '-2147483649', '99999999999999999999']) {
      for (const [name, command] of both(value)) {
        assert.deepEqual(await refusal(send(command)), ['InvalidArgument', 400, 'Provided max-keys not an integer or within integer range', 'max-keys', value], `${name} max-keys=${value}`);
      }
    }
  });

  it('10 digits within the range are served at 1000; leading zeros are the number they write', async () => {
    for (const value of ['2147483647', '1000000000']) {
      for (const [name, command] of both(value)) {
        const r = await send(command);
        assert.deepEqual([r.MaxKeys, (r.Contents ?? []).map((o) => o.Key)], [1000, ['a', 'b', 'c']], `${name} max-keys=${value}`);
      }
    }
    for (const [name, command] of both('0002')) {
      const r = await send(command);
      assert.deepEqual([r.MaxKeys, (r.Contents ?? []).map((o) => o.Key), r.IsTruncated], [2, ['a', 'b'], true], name);
    }
  });
});
