/**
 * Review aj, 10, against a real server over HTTPS (`--tls-cert`/`--tls-key`, a throwaway certificate from openssl)
 * with the real `@aws-sdk/client-s3`: `s3:TlsVersion` (the connection's TLS version, `1.2`, `1.3`) reaches the
 * decisions, so the User Guide's guard "Deny when NumericLessThan s3:TlsVersion …" refuses an older TLS. The key was
 * absent and the Deny never applied. Over plain HTTP the key is absent, as in S3.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { Agent as HttpsAgent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as S3 from '@aws-sdk/client-s3';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { sdkFailure as failure } from './support/server.ts';

const openssl = ['/usr/bin/openssl', '/bin/openssl'].find((p) => existsSync(p));
const BUCKET = 'aj7-tls';

describe('10: s3:TlsVersion', { skip: openssl ? false : 'openssl is absent (apt-get install openssl)' }, () => {
  let dir: string;
  let server: RunningServer;
  let ca: string;
  let credentials: { accessKeyId: string; secretAccessKey: string };
  const clients: S3.S3Client[] = [];
  const agents: HttpsAgent[] = [];

  function s3(maxVersion: 'TLSv1.2' | 'TLSv1.3'): S3.S3Client {
    const agent = new HttpsAgent({ ca, maxVersion });
    agents.push(agent);
    const c = new S3.S3Client({ endpoint: server.s3Url, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1, requestHandler: { httpsAgent: agent } });
    clients.push(c);
    return c;
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-aj7-'));
    execFileSync(openssl as string, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    server = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: '127.0.0.1:0', env: {}, log: () => {}, tlsCert: join(dir, 'cert.pem'), tlsKey: join(dir, 'key.pem') });
    ca = await readFile(join(dir, 'cert.pem'), 'utf8');
    const admin = JSON.parse(await readFile(join(dir, 'data', ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    credentials = { accessKeyId: admin.AccessKeyId, secretAccessKey: admin.SecretAccessKey };
  });

  after(async () => {
    for (const c of clients.splice(0)) c.destroy();
    for (const a of agents.splice(0)) a.destroy();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('"Deny when NumericLessThan s3:TlsVersion 1.3" refuses a TLS 1.2 connection and serves TLS 1.3', async () => {
    const v13 = s3('TLSv1.3');
    await v13.send(new S3.CreateBucketCommand({ Bucket: BUCKET }));
    await v13.send(new S3.PutObjectCommand({ Bucket: BUCKET, Key: 'k', Body: 'secret' }));
    await v13.send(
      new S3.PutBucketPolicyCommand({
        Bucket: BUCKET,
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'Tls13Only', Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*`, Condition: { NumericLessThan: { 's3:TlsVersion': '1.3' } } }] }),
      }),
    );
    assert.equal(await (await v13.send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'k' }))).Body?.transformToString(), 'secret');
    const refused = await failure(s3('TLSv1.2').send(new S3.GetObjectCommand({ Bucket: BUCKET, Key: 'k' })));
    assert.equal(refused.code, 'AccessDenied');
    assert.match(refused.message, /explicit deny in a resource-based policy/);
  });
});
