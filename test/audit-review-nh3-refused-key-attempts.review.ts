/**
 * Review nh, 3: `audit query --access-key-id` missed the refused attempts made with a key (a disabled leaked key tried again, a wrong secret), whose records keep the key in detail.accessKeyId only.
 *
 * A request refused at authentication is recorded (`decision` `Deny`, `detail.authentication` the AWS error code) with
 * the key id it claimed in `detail.accessKeyId`, and rightly not in the top-level `accessKeyId`, which names the key
 * that signed a request (review mi, 2): no signature verified, so the claimed key is not presented as the signer. But
 * `--access-key-id AKIA…` (`accessKeyId=`, review mi, 4) matched the top-level field only: after a leaked key was made
 * Inactive, the attacker's further attempts with it (`InvalidClientTokenId`), or with a guessed secret
 * (`SignatureDoesNotMatch`), were not among the records of that key, the second question of a leaked-key response
 * ("is it still being tried, from where?"). Now the filter also lists refused authentications that claimed the key,
 * still without a top-level `accessKeyId`. Real in-process server (SQLite and PostgreSQL), AWS SDK v3 clients.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand, ListUsersCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { PG_URL, pgAdmin, pgSkip } from './support/postgres.ts';
import { newAccessKey } from './support/two-keys.ts';

interface Row {
  action: string;
  decision?: string;
  accessKeyId?: string;
  detail?: { authentication?: string; accessKeyId?: string };
}

// Both databases: the detail is matched by a prefix of its text, in SQL.
for (const db of ['sqlite', 'postgres'] as const) describe(`review nh3: refused attempts with a key are listed by its id, ${db}`, { skip: db === 'postgres' ? await pgSkip() : undefined }, () => {
  const schema = `gh_review_nh3_${process.pid}`;
  let s: TestServer;
  let leaked: Credentials;
  let other: Credentials;
  before(async () => {
    if (db === 'postgres') await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
    s = await startTestServer(db === 'postgres' ? { postgres: { url: PG_URL, schema } } : {});
    leaked = await newAccessKey(s);
    await s.iam(leaked).send(new CreateUserCommand({ UserName: 'by-leaked' }));
    await s.iam().send(new CreateUserCommand({ UserName: 'other' }));
    other = await newAccessKey(s, 'other');
    // A guessed secret with the still-active key, then the key made Inactive and tried again.
    await assert.rejects(s.iam({ ...leaked, secretAccessKey: 'x'.repeat(40) }).send(new ListUsersCommand({})));
    await s.iam().send(new UpdateAccessKeyCommand({ AccessKeyId: leaked.accessKeyId, Status: 'Inactive' }));
    await assert.rejects(s.iam(leaked).send(new ListUsersCommand({})));
    // Another key refused: not listed under the leaked one.
    await assert.rejects(s.iam({ ...other, secretAccessKey: 'y'.repeat(40) }).send(new ListUsersCommand({})));
    await s.running.app.audit.flush();
  });
  after(async () => {
    await s?.stop();
    if (db === 'postgres') await pgAdmin((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`)).catch(() => undefined);
  });

  it('accessKeyId= lists what the key signed and the refused attempts that claimed it, the latter without a top-level accessKeyId', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?accessKeyId=${leaked.accessKeyId}`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const records = (r.json as { records: Row[] }).records;
    const signed = records.filter((x) => x.accessKeyId === leaked.accessKeyId);
    assert.deepEqual(signed.map((x) => x.action), ['iam:CreateUser'], JSON.stringify(records));
    const refused = records.filter((x) => x.detail?.authentication !== undefined);
    assert.deepEqual(refused.map((x) => [x.decision, x.detail?.authentication, x.detail?.accessKeyId, x.accessKeyId]), [
      ['Deny', 'SignatureDoesNotMatch', leaked.accessKeyId, undefined],
      ['Deny', 'InvalidClientTokenId', leaked.accessKeyId, undefined],
    ], JSON.stringify(records));
    assert.equal(records.length, signed.length + refused.length, JSON.stringify(records));
  });
});
