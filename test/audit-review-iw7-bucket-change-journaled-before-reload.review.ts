/**
 * Review iw, 7: the S3 gateway's bucket changes (CreateBucket, DeleteBucket, PutBucketPolicy, DeleteBucketPolicy) were
 * journaled only after the server had reloaded its state, twice (the app's store reloads after every write, and the
 * gateway reloads the resource policies again): as for the directory's changes before review iw, 3, a process killed
 * between the COMMIT and the end of those reads of the database left a bucket created (its owner recorded, policies other
 * accounts had attached removed) or a bucket policy in force, and no record of it, not even in the journal. Now each is
 * recorded (and journaled) as its transaction commits; the answer still waits for the reloads.
 *
 * A real `gatehouse server` process with its S3 gateway, on the test PostgreSQL behind a TCP proxy that passes the COMMIT
 * and its answer, then holds every byte; the process is SIGKILLed while the reload waits; a second start on the same
 * data dir and schema recovers the journal. The S3 SDK and the admin API.
 *
 * Before the fix 1 of 2 tests failed (no record of the bucket policy, though it is in force).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Socket } from 'node:net';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { isCommit, postgresProxy } from './support/pg-proxy.ts';
import { pgAdmin, pgSkip, PG_URL } from './support/postgres.ts';
import { serverProcess, type ServerProcess } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';

const skip = await pgSkip();
const schema = `gh_audit_iw7_${process.pid}`;

describe('review iw7: a bucket change is journaled before the reloads that follow its commit', { skip, timeout: 120_000 }, () => {
  let dataDir = '';
  /** `pass`; `armed`: after the COMMIT of the transaction naming the user is answered, hold everything; `frozen`. */
  let mode = 'pass' as 'pass' | 'armed' | 'frozen';
  const modeNow = (): typeof mode => mode;
  const held: (() => void)[] = [];
  let proxy: Awaited<ReturnType<typeof postgresProxy>> | undefined;
  const servers: ServerProcess[] = [];
  let admin = { accessKeyId: '', secretAccessKey: '' };
  let second: ServerProcess | undefined;

  before(async () => {
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    dataDir = await mkdtemp(join(tmpdir(), 'gh-audit-iw7-'));
    proxy = await postgresProxy((client: Socket, upstream: Socket) => {
      let marked = false;
      let commitSent = false;
      client.on('data', (b: Buffer) => {
        if (mode === 'frozen') return void held.push(() => upstream.write(b));
        const text = b.toString('latin1');
        if (mode === 'armed' && text.includes('iw7-bucket') && !text.includes('audit_log')) marked = true;
        if (marked && isCommit(text)) commitSent = true;
        upstream.write(b);
      });
      upstream.on('data', (b: Buffer) => {
        if (mode === 'frozen') return void held.push(() => client.write(b));
        client.write(b);
        // The change committed and the server has the answer: from here on the database answers nothing.
        if (commitSent && b.toString('latin1').includes('COMMIT')) mode = 'frozen';
      });
    });
  });
  after(async () => {
    for (const s of [...servers, second]) if (s !== undefined && s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    proxy?.close();
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
    if (dataDir !== '') await rm(dataDir, { recursive: true, force: true });
  });

  const env = { GATEHOUSE_DATABASE_SCHEMA: schema, GATEHOUSE_MASTER_KEY: randomBytes(32).toString('base64'), HOME: process.env['HOME'] ?? tmpdir() };
  const start = async (url: string): Promise<ServerProcess> => {
    const s = await serverProcess(['--data-dir', dataDir, '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', '127.0.0.1:0'], { ...env, GATEHOUSE_DATABASE_URL: url });
    servers.push(s);
    return s;
  };

  it('a bucket policy put, the database stops answering after the commit, the process is killed: the record is recovered', async () => {
    const first = await start(proxy?.url ?? '');
    const file = JSON.parse(await readFile(join(dataDir, 'admin-credentials.json'), 'utf8')) as { AccessKeyId: string; SecretAccessKey: string };
    admin = { accessKeyId: file.AccessKeyId, secretAccessKey: file.SecretAccessKey };
    const s3Url = /S3 gateway on (http:\/\/[^\s,]+)/.exec(first.output.join(''))?.[1];
    assert.ok(s3Url, first.output.join(''));
    const s3 = new S3Client({ endpoint: s3Url, region: 'us-east-1', forcePathStyle: true, credentials: admin, maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: 'iw7-bucket' }));
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::iw7-bucket/*' }] });
    mode = 'armed';
    const pending = s3.send(new PutBucketPolicyCommand({ Bucket: 'iw7-bucket', Policy: policy })).catch((e: unknown) => e);
    for (let i = 0; i < 500 && modeNow() !== 'frozen'; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(modeNow(), 'frozen', 'the bucket policy committed, and the database then stopped answering');
    // Whatever the server does at once with a committed change; then the hard stop.
    await new Promise((r) => setTimeout(r, 500));
    const exited = new Promise((r) => first.child.once('exit', r));
    first.child.kill('SIGKILL');
    await exited;
    await pending;
    s3.destroy();

    held.length = 0;
    mode = 'pass';
    second = await start(PG_URL);
    const stored = await gatehouseJson(second.url, admin, 'GET', `/v1/resource-policies/${encodeURIComponent('arn:aws:s3:::iw7-bucket')}`);
    assert.equal(stored.status, 200, `the bucket policy was committed: ${JSON.stringify(stored.json)}`);
    let records: { action: string; decision?: string; resource: string; detail: Record<string, unknown> }[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await gatehouseJson(second.url, admin, 'GET', '/v1/audit?action=s3:PutBucketPolicy&limit=1000');
      assert.equal(r.status, 200, JSON.stringify(r.json));
      records = (r.json as { records: typeof records }).records.filter((x) => x.decision === 'ok');
      if (records.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // Before the fix: none (the record was to be made after the reloads, which the kill cut short).
    assert.equal(records.length, 1, `the bucket policy is in the audit log once: ${JSON.stringify(records)}`);
    assert.equal(records[0]?.resource, 'arn:aws:s3:::iw7-bucket');
    assert.match(JSON.stringify(records[0]?.detail['after']), /s3:GetObject/);
    assert.ok(records[0]?.detail['recoveredFromSpool'] !== undefined, 'recovered from the journal');
  });

  it('the chain verifies', async () => {
    assert.ok(second, 'the second start ran');
    const v = await gatehouseJson(second.url, admin, 'GET', '/v1/audit/verify');
    assert.equal(v.status, 200, JSON.stringify(v.json));
    assert.equal(v.json['ok'], true, JSON.stringify(v.json));
  });
});
