/**
 * Review cr, 3, against a real server with the real `@aws-sdk/client-s3` and its presigner: a `response-*` override
 * that no HTTP header can carry is refused as S3 refuses it.
 *
 * What was wrong: GetObject and HeadObject copied `response-content-disposition` (and the other `response-*`
 * parameters) into the answer's headers as given. A value with a character past ISO-8859-1 — the usual presigned
 * download named after its file, `attachment; filename="模型.ckpt"` — or a control character made node:http throw,
 * and the client got 500 InternalError (which SDKs retry, three times here for a URL that can never work) while the
 * server logged an internal error with its stack. S3 answers 400 InvalidArgument "Header value cannot be represented
 * using ISO-8859-1." with ArgumentName `response-content-disposition` and the value.
 *
 * What is now so: such a value is 400 InvalidArgument naming the parameter and the value (a control character gets
 * its own message); a Latin-1 value and RFC 5987's `filename*=UTF-8''…` are served as before.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as S3 from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let c: S3.S3Client;
const B = 'cr3-response-overrides';

before(async () => {
  server = await startTestServer();
  c = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await c.send(new S3.CreateBucketCommand({ Bucket: B }));
  await c.send(new S3.PutObjectCommand({ Bucket: B, Key: 'model.ckpt', Body: 'weights' }));
});

after(async () => {
  c?.destroy();
  await server?.stop();
});

const presigned = (input: Partial<S3.GetObjectCommandInput>): Promise<string> => getSignedUrl(c, new S3.GetObjectCommand({ Bucket: B, Key: 'model.ckpt', ...input }), { expiresIn: 300 });

/** An element's text in an error document (its quotes written `&quot;`, as the gateway escapes them). */
const field = (xml: string, name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1]?.replace(/&quot;/g, '"');

describe('response-* values no header can carry', () => {
  it('a presigned download named past Latin-1: 400 InvalidArgument "Header value cannot be represented using ISO-8859-1."', async () => {
    const r = await fetch(await presigned({ ResponseContentDisposition: 'attachment; filename="模型.ckpt"' }));
    const body = await r.text();
    assert.equal(r.status, 400);
    assert.equal(field(body, 'Code'), 'InvalidArgument');
    assert.equal(field(body, 'Message'), 'Header value cannot be represented using ISO-8859-1.');
    assert.equal(field(body, 'ArgumentName'), 'response-content-disposition');
    assert.equal(field(body, 'ArgumentValue'), 'attachment; filename="模型.ckpt"');
  });

  it('the SDK (GetObject, HeadObject) with a CR LF in response-content-type: 400 InvalidArgument, never 500', async () => {
    for (const send of [
      () => c.send(new S3.GetObjectCommand({ Bucket: B, Key: 'model.ckpt', ResponseContentType: 'text/plain\r\nX-Injected: 1' })),
      () => c.send(new S3.HeadObjectCommand({ Bucket: B, Key: 'model.ckpt', ResponseContentType: 'text/plain\r\nX-Injected: 1' })),
    ]) {
      try {
        await send();
        assert.fail('expected a refusal');
      } catch (e) {
        const err = e as S3.S3ServiceException;
        assert.equal(err.$metadata.httpStatusCode, 400);
      }
    }
    const r = await fetch(await presigned({ ResponseContentType: 'text/plain\r\nX-Injected: 1' }));
    const body = await r.text();
    assert.deepEqual([r.status, field(body, 'Code'), field(body, 'ArgumentName')], [400, 'InvalidArgument', 'response-content-type']);
    assert.equal(r.headers.get('x-injected'), null);
    assert.ok(!server.logs.some((l) => l.includes('internal error')), server.logs.join('\n'));
  });

  it('Latin-1 and RFC 5987 values are served as sent', async () => {
    const encoded = `attachment; filename*=UTF-8''${encodeURIComponent('模型.ckpt')}`;
    const r = await fetch(await presigned({ ResponseContentDisposition: encoded }));
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-disposition'), encoded);
    assert.equal(await r.text(), 'weights');
    const latin = await c.send(new S3.GetObjectCommand({ Bucket: B, Key: 'model.ckpt', ResponseContentDisposition: 'attachment; filename="naïve.ckpt"' }));
    assert.equal(await latin.Body?.transformToString(), 'weights');
    assert.equal(Buffer.from(latin.ContentDisposition ?? '', 'latin1').toString('latin1'), 'attachment; filename="naïve.ckpt"');
  });
});
