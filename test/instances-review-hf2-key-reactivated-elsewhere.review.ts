/**
 * Review hf, 2: an access key made active again (UpdateAccessKey Status=Active), or its user enabled again, through
 * instance A, and the key used at once on instance B, which still held it as inactive (or its user as disabled). B
 * refused it from memory: InvalidClientTokenId (403, which the SDKs do not retry) until its next refresh, while a key
 * B did not hold at all (created through A a moment before) made it read the change log once before refusing. Now an
 * inactive key, or one whose user is held as disabled, does the same: the key works on B as on A at once, and a key
 * still inactive is still refused.
 *
 * Two apps on one PostgreSQL schema (the machine's, a throw-away schema); B follows no changes by itself (no
 * notification, no poll), as in the instant before its refresh.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { twoAppsOnPostgres } from './support/pg-two-apps.ts';
import { pgSkip } from './support/postgres.ts';

const skip = await pgSkip();

describe('a key made usable again through another instance a moment before (review hf, 2)', { skip, timeout: 60_000 }, () => {
  it('works at once on an instance that held it as inactive, or its user as disabled', async () => {
    const { a, b, admin, close } = await twoAppsOnPostgres('hf2');
    try {
      const d = a.directory;
      assert.ok((await d.createUser(admin, { userName: 'ci' })).ok);
      const made = await d.createAccessKey(admin, { userName: 'ci' });
      assert.ok(made.ok);
      const accessKeyId = made.value.key.id;

      // Deactivated through A, and B has heard of it: refused on both.
      assert.ok((await d.updateAccessKey(admin, { userName: 'ci', accessKeyId, status: 'Inactive' })).ok);
      await b.refresh();
      for (const [name, on] of [['A', a], ['B', b]] as const) assert.equal((await on.authenticate(accessKeyId)).ok, false, `an inactive key is refused on ${name}`);

      // Made active again through A: B, which has not heard of it yet, takes it at once.
      assert.ok((await d.updateAccessKey(admin, { userName: 'ci', accessKeyId, status: 'Active' })).ok);
      const reactivated = await b.authenticate(accessKeyId);
      assert.ok(reactivated.ok, `the key made active again through A, on B: ${JSON.stringify(reactivated)}`);

      // Its user disabled through A, B has heard of it; enabled again through A, and used on B at once.
      assert.ok((await d.setUserDisabled(admin, { userName: 'ci', disabled: true })).ok);
      await b.refresh();
      assert.equal((await b.authenticate(accessKeyId)).ok, false, 'the key of a disabled user is refused on B');
      assert.ok((await d.setUserDisabled(admin, { userName: 'ci', disabled: false })).ok);
      const enabled = await b.authenticate(accessKeyId);
      assert.ok(enabled.ok, `the key of the user enabled again through A, on B: ${JSON.stringify(enabled)}`);
    } finally {
      await close();
    }
  });
});
