/**
 * Review kh, 4: under the closed audit policy (the default), a change to an OpenID Connect provider refused because
 * the audit log is not known to be writable (503 ServiceUnavailable: CreateOpenIDConnectProvider, the provider's
 * updates, tags and DeleteOpenIDConnectProvider) was returned without a record, while the directory's changes and
 * job submissions refused by the same gate are recorded (queued and journaled, written once the log takes writes:
 * review gm, 1). Now those refusals are recorded as the provider's other refusals are: a `change` record, the error's
 * code as decision, the error in `detail.error`.
 *
 * A real server in process (SQLite), the real `@aws-sdk/client-iam`, an issuer on loopback; the audit log is made
 * unwritable with a trigger on its table.
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import * as I from '@aws-sdk/client-iam';
import { SQLITE_FILE_NAME } from '../src/adapters/store-sqlite/store.ts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { auditRecords, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let issuer: OidcIssuer;
let other: OidcIssuer;
let iam: I.IAMClient;
let db: DatabaseSync;

before(async () => {
  [s, issuer, other] = await Promise.all([startTestServer(), startOidcIssuer(), startOidcIssuer()]);
  iam = s.iam();
  db = new DatabaseSync(join(s.dataDir, SQLITE_FILE_NAME));
  db.exec('PRAGMA busy_timeout = 5000');
});
after(async () => {
  db?.close();
  iam?.destroy();
  await issuer?.close();
  await other?.close();
  await s?.stop();
});

it('provider changes refused by the closed audit gate are recorded once the log takes writes', async () => {
  const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn as string;
  db.exec("CREATE TRIGGER kh4_refuse BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit writes refused by the test'); END");
  try {
    await iam.send(new I.CreateUserCommand({ UserName: 'kh4-user' }));
    assert.equal(await s.running.app.audit.flush(), false, 'the audit log refuses writes');
    const created = await sdkFailure(iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: other.url, ClientIDList: ['sts.amazonaws.com'] })));
    assert.equal(created.status, 503, created.message);
    const deleted = await sdkFailure(iam.send(new I.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn })));
    assert.equal(deleted.status, 503, deleted.message);
  } finally {
    db.exec('DROP TRIGGER IF EXISTS kh4_refuse');
  }
  const refusals = async (action: string) => (await auditRecords(s, { action })).filter((r) => r.decision !== 'ok');
  const create = await refusals('iam:CreateOpenIDConnectProvider');
  assert.equal(create.length, 1, 'the refused CreateOpenIDConnectProvider is recorded');
  assert.match(String(create[0]!.detail['error']), /audit log cannot be written/);
  const del = await refusals('iam:DeleteOpenIDConnectProvider');
  assert.equal(del.length, 1, 'the refused DeleteOpenIDConnectProvider is recorded');
  assert.equal(del[0]!.resource, arn);
});
