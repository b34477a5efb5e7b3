/**
 * Review sd, 1: no audit record carried the request id the client was answered with (`x-amzn-RequestId`, the Query
 * APIs' `<RequestId>`, Alibaba's `RequestId`, the S3 gateway's `x-amz-request-id`), so an operator handed a client's
 * error (`AccessDenied … RequestId: 5c1f…`) could not find its record: CloudTrail's `requestID` is on every event, and
 * docs/errors.md sends a user to the request id. A change whose commit was cut off was even answered with a fresh id.
 *
 * Now the edge notes the id it answers each request with, and every record of that request carries it as `requestId`
 * (its own column, migration 13 of both stores; hashed into the chain like the other fields, absent from records
 * written before, which verify as they did), shown by `GET /v1/audit` and `audit query --json`; `GET
 * /v1/audit?requestId=` and `gatehouse audit query --request-id` list the records of a request. A real in-process
 * server, real AWS SDK v3 clients.
 *
 * Before the fix 5 of 5 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateBucketCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { adminS3Client, s3ClientAs } from './support/s3.ts';
import { cliAgainst, REGION, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

interface Row {
  seq: number;
  action: string;
  resource: string;
  decision?: string;
  requestId?: string;
}

/** The request id of a refused SDK call (the SDK reads `x-amzn-RequestId` and the body's `<RequestId>`). */
async function refusedWith(p: Promise<unknown>): Promise<{ name: string; requestId: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; $metadata?: { requestId?: string } };
    return { name: err.name, requestId: err.$metadata?.requestId ?? '' };
  }
  throw new Error('the call was not refused');
}

async function recordsOf(s: TestServer, requestId: string): Promise<{ status: number; rows: Row[]; json: unknown }> {
  const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?requestId=${encodeURIComponent(requestId)}`);
  return { status: r.status, rows: (r.json as { records?: Row[] }).records ?? [], json: r.json };
}

describe('review sd1: every record of a request carries the request id its client was answered with', () => {
  let s: TestServer;
  let mallory: Credentials;
  const ids: Record<string, string> = {};
  before(async () => {
    s = await startTestServer();
    mallory = await userWithKey(s, 'mallory');
    // A change made: the answer's RequestId.
    const made = await s.iam().send(new CreateUserCommand({ UserName: 'sd1-made' }));
    ids['made'] = made.$metadata.requestId ?? '';
    // A change refused for want of permission.
    const denied = await refusedWith(s.iam(mallory).send(new CreateUserCommand({ UserName: 'sd1-denied' })));
    assert.equal(denied.name, 'AccessDenied');
    ids['denied'] = denied.requestId;
    // A session refused (the role does not exist: AccessDenied, as AWS).
    const session = await refusedWith(s.sts(mallory).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/sd1-none', RoleSessionName: 'sd1-session' })));
    assert.equal(session.name, 'AccessDenied');
    ids['session'] = session.requestId;
    // An authentication refused: the right key id with a wrong secret.
    const iam = new IAMClient({ endpoint: s.url, region: REGION, credentials: { accessKeyId: mallory.accessKeyId, secretAccessKey: 'x'.repeat(40) }, maxAttempts: 1 });
    try {
      const bad = await refusedWith(iam.send(new CreateUserCommand({ UserName: 'sd1-forged' })));
      assert.equal(bad.name, 'SignatureDoesNotMatch');
      ids['signature'] = bad.requestId;
    } finally {
      iam.destroy();
    }
    for (const [k, v] of Object.entries(ids)) assert.match(v, /^[0-9a-f-]{36}$/, `${k}: the SDK read no request id`);
    await s.running.app.audit.flush();
  });
  after(async () => s?.stop());

  it('GET /v1/audit?requestId= lists the record of each request, which carries the id', async () => {
    const expect: Record<string, { action: string; decision: string }> = {
      made: { action: 'iam:CreateUser', decision: 'ok' },
      denied: { action: 'iam:CreateUser', decision: 'ACCESS_DENIED' },
      session: { action: 'sts:AssumeRole', decision: 'Deny' },
      signature: { action: 'iam:CreateUser', decision: 'Deny' },
    };
    for (const [k, want] of Object.entries(expect)) {
      const r = await recordsOf(s, ids[k] as string);
      // Before: 400 `unknown parameter requestId`.
      assert.equal(r.status, 200, `${k}: ${JSON.stringify(r.json)}`);
      assert.equal(r.rows.length, 1, `${k}: ${JSON.stringify(r.json)}`);
      const row = r.rows[0] as Row;
      assert.equal(row.action, want.action, k);
      assert.equal(row.decision, want.decision, k);
      assert.equal(row.requestId, ids[k], k);
    }
  });

  it('gatehouse audit query --request-id finds it, and the chain with the ids still verifies', async () => {
    const q = await cliAgainst(s, ['audit', 'query', '--request-id', ids['denied'] as string, '--json']);
    assert.equal(q.status, 0, q.err);
    const rows = q.out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Row);
    assert.equal(rows.length, 1, q.out);
    assert.equal(rows[0]?.resource.endsWith(':user/sd1-denied'), true, q.out);
    const v = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit/verify');
    assert.equal(v.status, 200, JSON.stringify(v.json));
    assert.equal(v.json['ok'], true, JSON.stringify(v.json));
    // A malformed id is refused naming the filter, not matched to nothing.
    const bad = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?requestId=%22x%22');
    assert.equal(bad.status, 400, JSON.stringify(bad.json));
    assert.match(JSON.stringify(bad.json), /`requestId` must be a request id/);
  });

  it('a change through /v1 carries the id of its answer (x-amzn-requestid)', async () => {
    const u = new URL(s.url);
    const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: s.admin, sha256: Sha256 });
    const body = JSON.stringify({ name: 'sd1-v1' });
    const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/v1/users', headers: { host: u.host, 'content-type': 'application/json' }, body });
    const res = await fetch(`${u.origin}/v1/users`, { method: 'POST', headers: signed.headers, body });
    assert.equal(res.status, 201, await res.text());
    const id = res.headers.get('x-amzn-requestid') ?? '';
    await s.running.app.audit.flush();
    const r = await recordsOf(s, id);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.rows.length, 1, JSON.stringify(r.json));
    assert.equal(r.rows[0]?.requestId, id);
    // Hashed into the chain: a record whose id is edited in the database no longer verifies.
    const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'));
    try {
      db.prepare('UPDATE audit_log SET request_id = ? WHERE request_id = ?').run('0'.repeat(36), id);
    } finally {
      db.close();
    }
    const v = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit/verify');
    assert.equal(v.json['ok'], false, JSON.stringify(v.json));
    assert.match(JSON.stringify(v.json), /altered/);
  });
});

describe('review sd1: the S3 gateway\'s records carry its x-amz-request-id', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  it('a bucket made and a read refused are found by the ids their answers carried', async () => {
    const admin = adminS3Client(s);
    const made = await admin.send(new CreateBucketCommand({ Bucket: 'sd1-bucket' }));
    const madeId = made.$metadata.requestId ?? '';
    const mallory = s3ClientAs(s, await userWithKey(s, 'mallory'));
    const refused = await refusedWith(mallory.send(new ListObjectsV2Command({ Bucket: 'sd1-bucket' })));
    assert.equal(refused.name, 'AccessDenied');
    await s.running.app.audit.flush();
    // The bucket's creation is a decision and a change, both of that request; the refusal, the decision alone.
    for (const [id, action, decisions] of [[madeId, 's3:CreateBucket', 'Allow,ok'], [refused.requestId, 's3:ListBucket', 'ImplicitDeny']] as const) {
      assert.match(id, /^[0-9A-F]{16}$/, `the SDK read no request id for ${action}`);
      const r = await recordsOf(s, id);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.rows.map((x) => x.decision).join(','), decisions, `${action}: ${JSON.stringify(r.json)}`);
      for (const row of r.rows) {
        assert.equal(row.action, action);
        assert.equal(row.requestId, id);
      }
    }
  });
});

describe('review sd1: the request id on a PostgreSQL server', () => {
  it('a refused change is found by the id its client was answered with, and the chain verifies', { timeout: 90_000 }, async (t) => {
    const why = await pgSkip();
    if (why !== undefined) return void t.skip(why);
    const schema = `gh_review_sd1_${process.pid}`;
    await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    const s = await startTestServer({ postgres: { url: PG_URL, schema } });
    try {
      const mallory = await userWithKey(s, 'mallory');
      const denied = await refusedWith(s.iam(mallory).send(new CreateUserCommand({ UserName: 'sd1-pg' })));
      assert.equal(denied.name, 'AccessDenied');
      await s.running.app.audit.flush();
      const r = await recordsOf(s, denied.requestId);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.rows.length, 1, JSON.stringify(r.json));
      assert.equal(r.rows[0]?.requestId, denied.requestId);
      const v = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit/verify');
      assert.equal(v.json['ok'], true, JSON.stringify(v.json));
    } finally {
      await s.stop();
      await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    }
  });
});
