/**
 * Review ro, 4: an account made by `gatehouse accounts create` (`POST /v1/accounts`) was recorded in the root account's
 * log only, while the same account made by `gatehouse apply` (`kind: Account`) is recorded in the new account's, as every
 * other change the root account's administrators make to that account's directory is (apply with `metadata.account`).
 * Each account's principals read only their own account's records (README §7), so the administrators of an account
 * made the pinned way (DESIGN.md "Accounts": `accounts create` "creates an account with a user `admin` … and prints that
 * user's access key once") could not read who created their account, its `admin` and that admin's access key, nor
 * when: "who created AKIA…?" (docs/decisions.md, review ak, 8) had no answer in the account the key works in, and
 * the answer depended on which of two documented ways made it. Now `accounts create` records its CreateAccount in the
 * new account, as apply does (a refusal stays in the asker's account: no account was made). The root account's
 * readers see it as before.
 *
 * Real server on 127.0.0.1; each new account's admin reads `GET /v1/audit` with its own key.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, startTestServer, type Credentials, type TestServer } from './support/server.ts';

describe('review ro4: an account\'s creation is in its own audit log, however it was made', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  const creations = async (who: Credentials): Promise<AuditRecord[]> => {
    await s.running.app.audit.flush();
    const r = await gatehouseJson(s.url, who, 'GET', '/v1/audit?action=iam:CreateAccount&limit=1000');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return r.json['records'] as AuditRecord[];
  };

  it('accounts create: the new account\'s admin reads who created it and its key, and so does the root account', async () => {
    const admin = await accountAdmin(s, '111122223333', 'aws');
    const own = await creations(admin);
    assert.equal(own.length, 1, JSON.stringify(own));
    assert.equal(own[0]?.account, '111122223333');
    assert.equal(own[0]?.resource, 'arn:aws:iam::111122223333:root');
    assert.equal(own[0]?.principal, 'arn:aws:iam::000000000000:user/admin');
    assert.equal((own[0]?.detail['after'] as { accessKeyId?: string } | undefined)?.accessKeyId, admin.accessKeyId);
    assert.equal((await creations(s.admin)).filter((r) => r.resource === 'arn:aws:iam::111122223333:root').length, 1);
  });

  it('apply: the same, as before', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: '444455556666' }, spec: { partition: 'aws' } }] });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const key = (r.json['credentials'] as { AccessKeyId: string; SecretAccessKey: string }[])[0];
    assert.ok(key);
    const own = await creations({ accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey });
    assert.deepEqual(own.map((x) => [x.account, x.resource]), [['444455556666', 'arn:aws:iam::444455556666:root']]);
  });
});
