/** Small pieces the S3 gateway's tests share. */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client, type S3ServiceException } from '@aws-sdk/client-s3';
import type { App } from '../../src/app/index.ts';
import { sentAsGiven } from './raw-answer.ts';
import { startTestServer, type Credentials, type TestServer } from './server.ts';

/** The error name, HTTP status and message an S3 call was refused with; fails the test when it was not refused. */
export async function s3Refusal(p: Promise<unknown>): Promise<[string, number | undefined, string]> {
  try {
    await p;
  } catch (e) {
    const err = e as S3ServiceException;
    return [err.name, err.$metadata?.httpStatusCode, err.message];
  }
  return assert.fail('expected the request to be refused');
}

/** Whether HeadObject finds `key` in `bucket` (false on any refusal). */
export async function objectExists(c: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await c.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

/** A client of `server`'s S3 gateway as `credentials`: path-style addressing, one attempt (a refusal is seen as sent). */
export function s3ClientAs(server: Pick<TestServer, 'running'>, credentials: Credentials): S3Client {
  return new S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });
}

/** A client of `server`'s S3 gateway as its root admin (`s3ClientAs`). */
export function adminS3Client(server: Pick<TestServer, 'running' | 'admin'>): S3Client {
  return s3ClientAs(server, server.admin);
}

/** Clients of one suite's S3 gateway, made as its tests ask for them; `destroyAll()` (in the suite's `after`) destroys every one. */
export interface S3Clients {
  (credentials: Credentials): S3Client;
  destroyAll(): void;
}

/** `S3Clients` of the server `server()` answers when a client is asked for (a suite's server, set in its `before`). */
export function s3Clients(server: () => Pick<TestServer, 'running'>): S3Clients {
  const made: S3Client[] = [];
  const of = (credentials: Credentials): S3Client => {
    const c = s3ClientAs(server(), credentials);
    made.push(c);
    return c;
  };
  return Object.assign(of, {
    destroyAll(): void {
      for (const c of made.splice(0)) c.destroy();
    },
  });
}

/**
 * Registers, in the file or describe it is called in, a `before` that starts a test server and opens a second App on
 * its store (both handed to `ready`), and an `after` that destroys every S3 client made and stops the server; answers
 * the maker of those clients of its gateway, as the root admin unless `credentials` are given (reviews aj2, tb2).
 */
export function serverAppAndS3(ready: (server: TestServer, app: App) => void): (credentials?: Credentials) => S3Client {
  let server: TestServer | undefined;
  const clients = s3Clients(() => server as TestServer);
  before(async () => {
    server = await startTestServer();
    ready(server, await server.openApp());
  });
  after(async () => {
    clients.destroyAll();
    await server?.stop();
  });
  return (credentials) => clients(credentials ?? (server as TestServer).admin);
}

/**
 * Registers, in the file or describe it is called in, a `before` that starts a test server, makes its root admin's S3
 * client (handed to `ready`, with the server) and creates `bucket` with it, and an `after` that destroys the client
 * and stops the server.
 */
export function adminBucket(bucket: string, ready: (c: S3Client, server: TestServer) => void): void {
  let server: TestServer | undefined;
  let c: S3Client | undefined;
  before(async () => {
    server = await startTestServer();
    c = adminS3Client(server);
    ready(c, server);
    await c.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  after(async () => {
    c?.destroy();
    await server?.stop();
  });
}

/**
 * `adminBucket` on a server a test can restart on the same data dir: `restart(between)` stops the server, runs
 * `between` on its data dir (to change what it stored, as an earlier version would have), starts a server on that
 * dir and hands `ready` the new client and server. The `after` removes the directory too.
 */
export function adminBucketRestartable(bucket: string, ready: (c: S3Client, server: TestServer) => void): { restart(between: (dataDir: string) => Promise<void>): Promise<void> } {
  let server: TestServer | undefined;
  let c: S3Client | undefined;
  const connect = (s: TestServer): void => {
    c?.destroy();
    server = s;
    c = adminS3Client(s);
    ready(c, s);
  };
  before(async () => {
    connect(await startTestServer({ keepDir: true }));
    await (c as S3Client).send(new CreateBucketCommand({ Bucket: bucket }));
  });
  after(async () => {
    c?.destroy();
    await server?.stop();
    if (server !== undefined) await rm(server.dataDir, { recursive: true, force: true });
  });
  return {
    async restart(between) {
      const s = server as TestServer;
      c?.destroy();
      c = undefined;
      await s.stopServer();
      await between(s.dataDir);
      connect(await startTestServer({ dataDir: s.dataDir, keepDir: true }));
    },
  };
}

/**
 * Rewrites, under a stopped server's `dataDir`, the stored record of object `key` of `bucket` as an earlier version
 * wrote it: `fields` of it, and nothing else. Fails unless exactly one record was rewritten.
 */
export async function storedAsEarlierVersion(dataDir: string, bucket: string, key: string, fields: readonly string[]): Promise<void> {
  const meta = join(dataDir, 'objects', 'buckets', bucket, 'meta');
  let rewritten = 0;
  for (const shard of await readdir(meta)) {
    for (const f of await readdir(join(meta, shard))) {
      const path = join(meta, shard, f);
      const record = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
      if (record['key'] !== key) continue;
      await writeFile(path, JSON.stringify(Object.fromEntries(fields.map((name) => [name, record[name]]))));
      rewritten++;
    }
  }
  assert.equal(rewritten, 1, `records of ${bucket}/${key} rewritten`);
}

/** `b`'s CRC32 as `x-amz-checksum-crc32` carries it: four bytes, big-endian, base64. */
export function crc32Base64(b: Buffer): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(b));
  return out.toString('base64');
}

/**
 * A PUT of `data` to `path` (`/bucket/key`, with a query if any) in the form SDK v3 uploads with by default: aws-chunked,
 * `STREAMING-UNSIGNED-PAYLOAD-TRAILER`, one chunk, signed as the admin by the SDK's own signer. `trailer` is what
 * follows the final chunk as sent (its lines and the closing empty line); `announced` is `x-amz-trailer` (none when
 * undefined); `headers` are added to the signed ones.
 */
export async function putWithTrailer(
  server: Pick<TestServer, 'running' | 'admin'>,
  path: string,
  data: Buffer,
  trailer: string,
  announced: string | undefined,
  headers: Readonly<Record<string, string>> = {},
): Promise<{ status: number; body: string }> {
  const url = new URL(server.running.s3Url);
  const payload = Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from(`\r\n0\r\n${trailer}`)]);
  const [pathname, query] = path.split('?') as [string, string | undefined];
  const signer = new SignatureV4({ credentials: server.admin, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const signed = await signer.sign({
    method: 'PUT',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: pathname,
    query: Object.fromEntries(new URLSearchParams(query ?? '')),
    headers: {
      host: url.host,
      'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': String(data.length),
      ...(announced !== undefined ? { 'x-amz-trailer': announced } : {}),
      ...headers,
      'content-length': String(payload.length),
    },
  });
  const r = await fetch(`${server.running.s3Url}${path}`, { method: 'PUT', headers: signed.headers, body: payload });
  return { status: r.status, body: await r.text() };
}

/** PUTs each of `keys` to `bucket`, its own name as its body. */
export async function putKeys(c: S3Client, bucket: string, ...keys: string[]): Promise<void> {
  for (const k of keys) await c.send(new PutObjectCommand({ Bucket: bucket, Key: k, Body: k }));
}

/** A DeleteObjects body (`<Delete>`) naming `keys`. */
export const deleteXml = (...keys: string[]): string => `<Delete>${keys.map((k) => `<Object><Key>${k}</Key></Object>`).join('')}</Delete>`;

/**
 * A DeleteObjects POST (`/bucket?delete`) of `body` as given, signed as the admin by the SDK's own signer with
 * `headers` (no checksum added by the signer); `x-amz-content-sha256` is the body's SHA-256 unless `headers` say otherwise.
 */
export async function deleteObjectsSigned(server: Pick<TestServer, 'running' | 'admin'>, bucket: string, body: string, headers: Readonly<Record<string, string>>): Promise<{ status: number; text: string }> {
  const url = new URL(server.running.s3Url);
  const signer = new SignatureV4({ credentials: server.admin, region: 'us-east-1', service: 's3', sha256: Sha256, uriEscapePath: false, applyChecksum: false });
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: `/${bucket}`,
    query: { delete: '' },
    headers: { host: url.host, 'content-type': 'application/xml', 'content-length': String(Buffer.byteLength(body)), 'x-amz-content-sha256': createHash('sha256').update(body).digest('hex'), ...headers },
    body,
  });
  const r = await fetch(`${server.running.s3Url}/${bucket}?delete`, { method: 'POST', headers: signed.headers, body });
  return { status: r.status, text: await r.text() };
}

/**
 * PUTs `body` to `key` of `bucket` on `server`'s S3 gateway, signed by its root admin with SigV2 in the Authorization
 * header (HMAC-SHA1 of `PUT`, no Content-MD5, `signed.type` as the Content-Type, the Date, the canonical `x-amz-*`
 * lines `signed.amzLines` and the path), sent with Host, Date, Content-Length and Authorization, then `headers` as
 * given (raw-answer.ts `sentAsGiven`): the Content-Type sent, if any, is among them.
 */
export function putSigV2(server: Pick<TestServer, 'admin' | 'running'>, bucket: string, key: string, body: string, signed: { readonly type: string; readonly amzLines?: string }, headers: readonly (readonly [string, string])[]): Promise<{ status: number; text: string }> {
  const date = new Date().toUTCString();
  const path = `/${bucket}/${key}`;
  const signature = createHmac('sha1', server.admin.secretAccessKey).update(`PUT\n\n${signed.type}\n${date}\n${signed.amzLines ?? ''}${path}`, 'utf8').digest('base64');
  const url = server.running.s3Url;
  const sent: (readonly [string, string])[] = [['Host', new URL(url).host], ['Date', date], ['Content-Length', String(Buffer.byteLength(body))], ['Authorization', `AWS ${server.admin.accessKeyId}:${signature}`], ...headers];
  return sentAsGiven(url, 'PUT', path, sent, body);
}
