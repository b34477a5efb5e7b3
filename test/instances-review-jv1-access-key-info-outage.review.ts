/**
 * Review jv, 1: `sts:GetAccessKeyInfo` answered 503 ServiceUnavailable while PostgreSQL could not be reached, for a
 * user's long-term key the instance held in memory: it read the key from the database on every call. Which account owns
 * an access key id is a read the compiled state answers (it holds every access key, in any status, as it does for the
 * requests signed with them), so the call now answers from memory during an outage, as decisions do. A key id the
 * instance does not hold may have been created a moment ago through another instance: the change log is read once
 * before it counts as unknown, and that read fails during an outage (503, retryable), as a request signed with it does.
 *
 * Before the fix 1 of 2 tests failed.
 *
 * A real server on the test PostgreSQL through a TCP proxy that the test takes down (test/support/pg-outage-jobs.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { GetAccessKeyInfoCommand, STSClient } from '@aws-sdk/client-sts';
import { pgSkip } from './support/postgres.ts';
import { pgOutageJobsWorld, type PgOutageJobsWorld } from './support/pg-outage-jobs.ts';

const skip = await pgSkip();

describe('review jv1: GetAccessKeyInfo during a database outage answers from memory', { skip, timeout: 60_000 }, () => {
  let world: PgOutageJobsWorld;
  let sts: STSClient;
  let inactiveKey: string;

  before(async () => {
    world = await pgOutageJobsWorld('jv1');
    const iam = new IAMClient({ endpoint: world.running.url, region: 'us-east-1', credentials: world.admin, maxAttempts: 1 });
    try {
      await iam.send(new CreateUserCommand({ UserName: 'jv1' }));
      const k = await iam.send(new CreateAccessKeyCommand({ UserName: 'jv1' }));
      inactiveKey = k.AccessKey?.AccessKeyId ?? '';
      await iam.send(new UpdateAccessKeyCommand({ UserName: 'jv1', AccessKeyId: inactiveKey, Status: 'Inactive' }));
    } finally {
      iam.destroy();
    }
    sts = new STSClient({ endpoint: world.running.url, region: 'us-east-1', credentials: world.admin, maxAttempts: 1 });
    await world.running.app.audit.flush();
    world.takeDown();
  });
  after(async () => {
    sts?.destroy();
    await world?.close();
  });

  it('a key the instance holds (active or not) and a temporary key id: their account, not 503', async () => {
    for (const id of [world.admin.accessKeyId, inactiveKey, 'ASIAY34FZKBOKMUTVV7A']) {
      const r = await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: id })).then(
        (v) => ({ account: v.Account }),
        (e: { name?: string; $metadata?: { httpStatusCode?: number } }) => ({ error: `${e.name ?? ''} ${e.$metadata?.httpStatusCode ?? ''}` }),
      );
      assert.ok('account' in r, `GetAccessKeyInfo(${id}) during the outage: ${'error' in r ? r.error : ''}`);
    }
    const own = await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: inactiveKey }));
    assert.equal(own.Account, '000000000000');
  });

  it('a key id the instance does not hold: 503 ServiceUnavailable (it cannot read whether another instance made it)', async () => {
    const unknown = `AKIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const e = await sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: unknown })).then(
      () => undefined,
      (x: { name?: string; $metadata?: { httpStatusCode?: number } }) => x,
    );
    assert.equal(e?.$metadata?.httpStatusCode, 503, `GetAccessKeyInfo of an unknown key id during the outage: ${e?.name ?? 'answered'}`);
    assert.equal(e?.name, 'ServiceUnavailable');
  });
});
