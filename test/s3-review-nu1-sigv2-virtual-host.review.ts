/**
 * Review nu, 1, against a real server with Debian's boto3 (skipped without python3-boto3) and the real
 * `@aws-sdk/client-s3`: SigV2 requests addressed virtual-hosted style (`Host: bucket.localhost`, path `/key`), which
 * the gateway serves since it serves `*.localhost` as SDK v3 addresses it.
 *
 * The contract: S3's SigV2 ("Signing and Authenticating REST Requests", Constructing the CanonicalizedResource
 * Element): "If the request addresses a bucket using the HTTP Host header (virtual hosted-style), append the bucket
 * name preceded by a "/" (for example, "/bucketname")", then the path. The guide's own example is `GET /photos/puppy.jpg`
 * to `Host: awsexamplebucket1.us-west-1.s3.amazonaws.com`, signed over `/awsexamplebucket1/photos/puppy.jpg`; botocore
 * signs so (its `auth_path`).
 *
 * What was wrong: the gateway checked a SigV2 signature over the path alone, whatever the Host. So every boto3 SigV2
 * request in virtual addressing (`Config(s3={'addressing_style': 'virtual'})`, header-signed or presigned, boto3's
 * default presigning) was 403 SignatureDoesNotMatch; and, since Host is not part of SigV2's string to sign, a
 * signature was not bound to its bucket: a path-style URL presigned for `/photos/report.txt` (bucket `photos`, key
 * `report.txt`) was taken, sent with `Host: other.localhost`, as a signature of key `photos/report.txt` in bucket
 * `other`, and wrote or read there as its signer.
 *
 * What is now so: a virtual-hosted SigV2 request is checked over `/<bucket>` and its path, as S3 and botocore do;
 * the path-style form is unchanged.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import * as S3 from '@aws-sdk/client-s3';
import { adminBucket } from './support/s3.ts';
import { boto3Missing, PYTHON } from './support/processes.ts';
import type { TestServer } from './support/server.ts';

const BUCKET = 'nu1-vhost';
const OTHER = 'nu1-other';
let c: S3.S3Client;
let server: TestServer;
adminBucket(BUCKET, (client, s) => {
  c = client;
  server = s;
});

interface Sent {
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/**
 * What boto3 (SigV2: `signature_version='s3'`) sends, captured before it leaves (botocore's `before-send`), with one
 * Python start for the file: in virtual addressing a put_object and a get_object, a presigned get_object URL; in path
 * addressing a presigned put_object URL.
 */
interface Boto3Sent {
  readonly put: Sent;
  readonly get: Sent;
  readonly presignedGet: string;
  readonly presignedPathPut: string;
}
let captured: Promise<Boto3Sent> | undefined;
function boto3(): Promise<Boto3Sent> {
  const program = `
import boto3, json, sys
from botocore.config import Config
from botocore.awsrequest import AWSResponse
def client(style):
    return boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1', config=Config(signature_version='s3', s3={'addressing_style': style}))
class Empty:
    def stream(self, **kw): return iter([b''])
sent = []
def capture(request, **kw):
    body = request.body if isinstance(request.body, (bytes, str)) or request.body is None else request.body.read()
    sent.append({'method': request.method, 'url': request.url, 'headers': {k: (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()}, 'body': body.decode() if isinstance(body, bytes) else (body or '')})
    return AWSResponse(request.url, 200, {}, Empty())
virtual = client('virtual')
virtual.meta.events.register('before-send', capture)
virtual.put_object(Bucket='${BUCKET}', Key='dir/by host.txt', Body=b'virtually signed')
virtual.get_object(Bucket='${BUCKET}', Key='dir/by host.txt')
print(json.dumps({'put': sent[0], 'get': sent[1],
  'presignedGet': virtual.generate_presigned_url('get_object', Params={'Bucket': '${BUCKET}', 'Key': 'shared.txt'}, ExpiresIn=300),
  'presignedPathPut': client('path').generate_presigned_url('put_object', Params={'Bucket': '${BUCKET}', 'Key': 'report.txt'}, ExpiresIn=300)}))
`;
  const url = new URL(server.running.s3Url);
  const env = { PATH: '/usr/bin:/bin', HOME: tmpdir(), AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
  // `localhost`, so that virtual addressing names `<bucket>.localhost`; nothing is resolved (requests are captured).
  captured ??= promisify(execFile)(PYTHON, ['-c', program, `http://localhost:${url.port}`], { env, timeout: 60_000 }).then(({ stdout }) => JSON.parse(stdout) as Boto3Sent);
  return captured;
}

/** `sent` replayed to the gateway on 127.0.0.1, with its Host (`<bucket>.localhost:<port>` or `host`) as sent. */
function replay(sent: Sent, host?: string): Promise<{ status: number; body: string }> {
  const target = new URL(sent.url);
  const gateway = new URL(server.running.s3Url);
  const headers: Record<string, string> = { ...sent.headers, host: host ?? target.host };
  delete headers['Expect'];
  return new Promise((resolve, reject) => {
    const r = httpRequest({ host: gateway.hostname, port: gateway.port, method: sent.method, path: `${target.pathname}${target.search}`, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d: string) => (text += d)).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    r.on('error', reject).end(sent.body ?? '');
  });
}

const code = (text: string): string => /<Code>([^<]*)<\/Code>/.exec(text)?.[1] ?? '';
const read = async (bucket: string, key: string): Promise<string> => (await c.send(new S3.GetObjectCommand({ Bucket: bucket, Key: key }))).Body!.transformToString();

describe('nu 1: SigV2 in virtual-hosted style signs /<bucket><path>', { skip: boto3Missing() }, () => {
  it('a boto3 SigV2 put_object and get_object addressed to <bucket>.localhost are served', async () => {
    const { put, get } = await boto3();
    assert.match(put.url, new RegExp(`^http://${BUCKET}\\.localhost:\\d+/dir/by%20host\\.txt$`));
    assert.match(put.headers['Authorization'] ?? '', /^AWS /);
    const r = await replay(put);
    assert.equal(r.status, 200, r.body);
    assert.equal(await read(BUCKET, 'dir/by host.txt'), 'virtually signed');
    assert.deepEqual(await replay(get), { status: 200, body: 'virtually signed' });
  });

  it('a boto3 SigV2 presigned URL in virtual addressing is served', async () => {
    await c.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'shared.txt', Body: 'presigned bytes' }));
    const url = (await boto3()).presignedGet;
    assert.match(url, new RegExp(`^http://${BUCKET}\\.localhost:\\d+/shared\\.txt\\?AWSAccessKeyId=`));
    assert.deepEqual(await replay({ method: 'GET', url, headers: {} }), { status: 200, body: 'presigned bytes' });
  });

  it('a SigV2 signature is bound to its bucket: a path-style URL sent to another bucket by Host is refused, nothing written', async () => {
    await c.send(new S3.CreateBucketCommand({ Bucket: OTHER }));
    // Presigned path-style for bucket BUCKET, key `report.txt`: signed over `/nu1-vhost/report.txt`.
    const url = (await boto3()).presignedPathPut;
    const port = new URL(server.running.s3Url).port;
    // The same path under Host `nu1-other.localhost` names key `nu1-vhost/report.txt` of bucket OTHER.
    const r = await replay({ method: 'PUT', url, headers: { 'content-length': '8' }, body: 'misfiled' }, `${OTHER}.localhost:${port}`);
    assert.deepEqual([r.status, code(r.body)], [403, 'SignatureDoesNotMatch'], r.body);
    assert.equal((await c.send(new S3.ListObjectsV2Command({ Bucket: OTHER }))).KeyCount, 0);
    // As signed, it writes what it was signed for.
    assert.equal((await replay({ method: 'PUT', url, headers: { 'content-length': '8' }, body: 'intended' })).status, 200);
    assert.equal(await read(BUCKET, 'report.txt'), 'intended');
  });
});
