/**
 * Review ak, finding 8: an Account created by `gatehouse apply` left no record of its admin's access key: the apply's
 * CreateAccount record named the account only, where `accounts create` records the key by its id (docs/decisions.md:
 * "who created AKIA…?" is one query). Now the apply's record carries `after: {userName, accessKeyId}`, and never the
 * secret. The /v1 client against a real server on 127.0.0.1 (SQLite), its audit log read as the root admin.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { call } from '../src/adapters/cli/client.ts';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';
import { connectionTo } from './support/processes.ts';

describe('review ak8: an account made by apply records its admin key by id', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  it('the CreateAccount record names the key id; no record holds the secret', async () => {
    type Answer = { credentials: { AccountId: string; AccessKeyId: string; SecretAccessKey: string }[] };
    const r = await call<Answer>(connectionTo(s.url, s.admin), 'POST', ['apply'], {
      body: { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: '555555555555' }, spec: { partition: 'acs' } }] },
    });
    assert.ok(r.ok, JSON.stringify(r));
    const key = r.value.credentials[0];
    assert.equal(key?.AccountId, '555555555555');
    const records = await auditRecords(s, { action: 'iam:CreateAccount' });
    const made = records.filter((x) => x.resource.includes('555555555555'));
    assert.equal(made.length, 1, JSON.stringify(records));
    const detail = made[0]?.detail as Record<string, unknown>;
    assert.deepEqual(detail['after'], { userName: 'admin', accessKeyId: key?.AccessKeyId });
    const all = JSON.stringify(await auditRecords(s, {}));
    assert.ok(!all.includes(key?.SecretAccessKey ?? 'no secret'), 'the secret is in no record');
  });
});
