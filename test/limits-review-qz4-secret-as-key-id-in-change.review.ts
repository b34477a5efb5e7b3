/**
 * Review qz, 4: UpdateAccessKey or DeleteAccessKey given a secret access key where the key id goes (`aws iam
 * update-access-key --access-key-id` with the secret pasted, a swapped pair of a form or a script) answered "The Access
 * Key with id <the secret> cannot be found." and its audit record kept the secret twice, as the request's
 * `accessKeyId` and in the error: in the chain, where it cannot be taken out, for every reader of the account's audit
 * log. Review ct, 1 stopped a refused authentication recording such a value; these changes still did whenever the
 * secret had no `+` or `/` (about one secret in four), which passes the id's shape (16 to 128 letters, digits, `_`).
 * Now a value not shaped as an issued key id (`AKIA…`, `ASIA…`, `LTAI…`, `STS.…`) is neither echoed nor recorded: the
 * refusal says it is not shown and asks whether the secret was given; a key id as issued is still named in both.
 *
 * Against a real `gatehouse server` (test/support/server.ts) with the AWS SDK v3 IAM client; the records as the
 * root admin reads them.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteAccessKeyCommand, GetAccessKeyLastUsedCommand, UpdateAccessKeyCommand } from '@aws-sdk/client-iam';
import { auditRecords, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
/** A secret as Gatehouse issues them (base64 of 30 bytes: 40 characters), here with no `+` or `/`. */
let secret = '';

before(async () => {
  server = await startTestServer();
  secret = server.admin.secretAccessKey.replace(/\+/g, 'p').replace(/\//g, 's');
});
after(async () => {
  await server?.stop();
});

describe('a secret given as the key id of a key change (review qz, 4)', () => {
  it('is not echoed by the refusal', async () => {
    for (const call of [new UpdateAccessKeyCommand({ AccessKeyId: secret, Status: 'Inactive' }), new DeleteAccessKeyCommand({ AccessKeyId: secret })]) {
      const f = await sdkFailure(server.iam().send(call as UpdateAccessKeyCommand));
      assert.equal(f.code, 'NoSuchEntity');
      assert.ok(!f.message.includes(secret), f.message);
      assert.match(f.message, /^The Access Key with the id given cannot be found: it is not shaped as an access key id \(AKIA…, LTAI…\), and is not shown; was the secret access key given for it\?/);
    }
    const read = await sdkFailure(server.iam().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: secret })));
    assert.equal(read.code, 'NoSuchEntity');
    assert.ok(!read.message.includes(secret), read.message);
  });

  it('is not in the audit log, whose records of the refusals stay', async () => {
    const records = await auditRecords(server, { kind: 'change' });
    const refused = records.filter((r) => r.action === 'iam:UpdateAccessKey' || r.action === 'iam:DeleteAccessKey');
    assert.equal(refused.length, 2, JSON.stringify(records));
    for (const r of refused) assert.equal(r.decision, 'NO_SUCH_ENTITY');
    for (const r of records) assert.ok(!JSON.stringify(r).includes(secret), JSON.stringify(r));
  });

  it('a key id as issued is still named', async () => {
    const id = 'AKIAQZ4NOSUCHKEY0000';
    const f = await sdkFailure(server.iam().send(new DeleteAccessKeyCommand({ AccessKeyId: id })));
    assert.deepEqual(f, { code: 'NoSuchEntity', message: `The Access Key with id ${id} cannot be found.`, status: 404 });
    const records = await auditRecords(server, { action: 'iam:DeleteAccessKey' });
    const last = records.at(-1);
    assert.equal((last?.detail as { request?: { accessKeyId?: string } }).request?.accessKeyId, id);
  });
});
