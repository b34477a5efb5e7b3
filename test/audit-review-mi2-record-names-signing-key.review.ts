/**
 * Review mi, 2: a record of what a caller did did not name the access key that signed the request, so a user's leaked key could not be told from its other key in the audit log.
 *
 * docs/decisions.md: "Every record says who acted and from where" — `actorOf(caller)` gives the principal, the role,
 * session, job, source identity and address, as CloudTrail's `userIdentity` and `sourceIPAddress` do. But CloudTrail's
 * `userIdentity` also carries `accessKeyId`, "the access key ID that was used to sign the request" (long-term AKIA… or
 * temporary ASIA…), on every event, and that is what an operator answering a leaked key asks first: what did AKIA…
 * do, and was it this key or the user's other one? IAM allows two keys a user, and rotation runs both at once. A
 * Gatehouse change record (`iam:CreateUser`, `iam:DeleteRole`, `training:CreateWorkspace`, a session issued) named
 * only the user: the changes made with the leaked key were the changes of every key of that user. Only the console
 * sign-in's record named the key it was opened with (`detail.openedWith`, review lv, 2).
 *
 * Now every record built with `actorOf` carries `accessKeyId`, the key that signed the request (a session's temporary
 * key when a session acted), as do a session issued to a signed request and a decision about the asker itself (the S3
 * gateway's, the authorize API's), hashed into the chain like the other fields (a stored record whose key id is edited
 * fails `audit verify`), stored in its own column (migration 12, both stores) and shown by `audit query`, `GET
 * /v1/audit` and the console. A real in-process server, real AWS SDK v3 clients.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CreateRoleCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { newAccessKey } from './support/two-keys.ts';

const ROLE = 'arn:aws:iam::000000000000:role/mi2';

interface Row {
  seq: number;
  action: string;
  resource: string;
  principal: string;
  accessKeyId?: string;
}

describe('review mi2: a record names the access key that signed the request', () => {
  let s: TestServer;
  let second: Credentials;
  let session: Credentials;
  before(async () => {
    s = await startTestServer();
    second = await newAccessKey(s);
    assert.notEqual(second.accessKeyId, s.admin.accessKeyId);
    await s.iam().send(new CreateUserCommand({ UserName: 'made-with-first' }));
    await s.iam(second).send(new CreateUserCommand({ UserName: 'made-with-second' }));
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] });
    await s.iam().send(new CreateRoleCommand({ RoleName: 'mi2', AssumeRolePolicyDocument: trust }));
    const a = await s.sts(second).send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'rotating' }));
    session = { accessKeyId: a.Credentials?.AccessKeyId ?? '', secretAccessKey: a.Credentials?.SecretAccessKey ?? '', sessionToken: a.Credentials?.SessionToken ?? '' };
    // Refused (the role has no policy), and recorded as the session's change.
    await s.iam(session).send(new CreateUserCommand({ UserName: 'made-by-session' })).catch(() => undefined);
    // A decision about the asker itself (as the S3 gateway's are): the key that signed the question.
    const asked = await gatehouseJson(s.url, second, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::mi2/k' });
    assert.equal(asked.status, 200, JSON.stringify(asked.json));
    await s.running.app.audit.flush();
  });
  after(async () => s?.stop());

  it('GET /v1/audit and audit query name the signing key of each change and session', async () => {
    const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?action=iam:CreateUser');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const byUser = new Map((r.json as { records: Row[] }).records.map((x) => [x.resource.split('/').pop(), x]));
    assert.equal(byUser.get('made-with-first')?.accessKeyId, s.admin.accessKeyId, JSON.stringify(r.json));
    assert.equal(byUser.get('made-with-second')?.accessKeyId, second.accessKeyId, JSON.stringify(r.json));
    assert.equal(byUser.get('made-by-session')?.accessKeyId, session.accessKeyId, JSON.stringify(r.json));
    const q = await cliAgainst(s, ['audit', 'query', '--action', 'sts:AssumeRole', '--json']);
    assert.equal(q.status, 0, q.err);
    const issued = q.out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Row);
    assert.equal(issued.length, 1, q.out);
    assert.equal(issued[0]?.accessKeyId, second.accessKeyId, 'the session was opened with the second key');
    const d = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?kind=decision&action=s3:GetObject');
    const decided = (d.json as { records: Row[] }).records;
    assert.equal(decided.length, 1, JSON.stringify(d.json));
    assert.equal(decided[0]?.accessKeyId, second.accessKeyId, 'the decision names the key that asked');
  });

  it('the key id is part of the chain: verify passes, and an edited key id is an altered record', async () => {
    const v = await cliAgainst(s, ['audit', 'verify', '--json']);
    assert.equal(v.status, 0, `${v.out}${v.err}`);
    const db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'));
    try {
      const row = db.prepare("SELECT seq FROM audit_log WHERE action = 'iam:CreateUser' AND resource LIKE '%/made-with-second'").get() as { seq: number } | undefined;
      assert.ok(row !== undefined);
      // Blaming the other key: the record must no longer verify.
      db.prepare('UPDATE audit_log SET access_key_id = ? WHERE seq = ?').run(s.admin.accessKeyId, row.seq);
    } finally {
      db.close();
    }
    const after = await cliAgainst(s, ['audit', 'verify', '--json']);
    assert.equal(after.status, 1, `${after.out}${after.err}`);
    const report = JSON.parse(after.out) as { breaks: { reason: string }[] };
    assert.equal(report.breaks[0]?.reason, 'altered', after.out);
  });
});
