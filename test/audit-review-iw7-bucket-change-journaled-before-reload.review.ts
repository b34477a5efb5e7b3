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
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { commitFreezeWorld, type RestartedServer } from './support/commit-freeze.ts';
import { pgSkip } from './support/postgres.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { settled } from './support/settle.ts';

const skip = await pgSkip();

describe('review iw7: a bucket change is journaled before the reloads that follow its commit', { skip, timeout: 120_000 }, () => {
  const world = commitFreezeWorld('iw7', { s3: true });
  let second: RestartedServer | undefined;
  before(() => world.open());
  after(() => world.close());

  it('a bucket policy put, the database stops answering after the commit, the process is killed: the record is recovered', async () => {
    const first = await world.start(world.proxyUrl);
    const admin = world.admin;
    const s3Url = /S3 gateway on (http:\/\/[^\s,]+)/.exec(first.output.join(''))?.[1];
    assert.ok(s3Url, first.output.join(''));
    const s3 = new S3Client({ endpoint: s3Url, region: 'us-east-1', forcePathStyle: true, credentials: admin, maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: 'iw7-bucket' }));
    const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::iw7-bucket/*' }] });
    world.arm((text) => text.includes('iw7-bucket'));
    const pending = s3.send(new PutBucketPolicyCommand({ Bucket: 'iw7-bucket', Policy: policy })).catch((e: unknown) => e);
    assert.equal(await world.waitFrozen(), 'frozen', 'the bucket policy committed, and the database then stopped answering');
    // Whatever the server does at once with a committed change (half a second); then the hard stop.
    await world.killHard(first);
    await pending;
    s3.destroy();

    // The database answers again.
    second = await world.restart();
    const stored = await gatehouseJson(second.url, admin, 'GET', `/v1/resource-policies/${encodeURIComponent('arn:aws:s3:::iw7-bucket')}`);
    assert.equal(stored.status, 200, `the bucket policy was committed: ${JSON.stringify(stored.json)}`);
    const secondUrl = second.url;
    type Rec = { action: string; decision?: string; resource: string; detail: Record<string, unknown> };
    // Appended in the background at start: asked for until it is there, to a bound of time (settle.ts), not 30 tries.
    const records = await settled(
      async (): Promise<Rec[]> => {
        const r = await gatehouseJson(secondUrl, admin, 'GET', '/v1/audit?action=s3:PutBucketPolicy&limit=1000');
        assert.equal(r.status, 200, JSON.stringify(r.json));
        return (r.json as { records: Rec[] }).records.filter((x) => x.decision === 'ok');
      },
      (got) => got.length > 0,
    );
    // Before the fix: none (the record was to be made after the reloads, which the kill cut short).
    assert.equal(records.length, 1, `the bucket policy is in the audit log once: ${JSON.stringify(records)}`);
    assert.equal(records[0]?.resource, 'arn:aws:s3:::iw7-bucket');
    assert.match(JSON.stringify(records[0]?.detail['after']), /s3:GetObject/);
    assert.ok(records[0]?.detail['recoveredFromSpool'] !== undefined, 'recovered from the journal');
  });

  it('the chain verifies', async () => {
    assert.ok(second, 'the second start ran');
    const admin = world.admin;
    const v = await gatehouseJson(second.url, admin, 'GET', '/v1/audit/verify');
    assert.equal(v.status, 200, JSON.stringify(v.json));
    assert.equal(v.json['ok'], true, JSON.stringify(v.json));
  });
});
