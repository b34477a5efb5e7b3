/**
 * Review pv, 1 (security, fail-open): every scoped role session (a session policy, session tags, a source identity) is
 * recorded before it is issued (`session-scope/<session ARN>/<issue time>-<random>`), and the authorize API decides a
 * session asked about by its ARN with each live scoped session under that name, each of which must allow
 * (docs/decisions.md "A role session named by ARN"; DESIGN.md "Authorize API": fails closed). A record that was not
 * the JSON the server writes (a database restored or edited by hand, a truncated write) was skipped at load, nothing
 * said: after a restart the session it named was decided with its role's full policies, wider than its session policy
 * allowed. As reviews pi1/pi5 made other unreadable records fail closed (src/app/unreadable-policy.ts, review N3), the
 * record now stands in as a session that is refused (an explicit deny naming the record), and is logged once.
 * Real server restarted on its data dir; SDK v3 IAM and STS; /v1/authorize.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { assertSaidOnce, restartAfterEdit, stopRestarted } from './support/edited-store.ts';

const ROLE = 'arn:aws:iam::000000000000:role/pv1';
const SESSION = 'arn:aws:sts::000000000000:assumed-role/pv1/scoped';
let first: TestServer;
let server: TestServer;
let key = '';

const ask = async (s: TestServer, action: string, resource: string): Promise<Record<string, unknown>> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: SESSION, action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
};

before(async () => {
  first = await startTestServer({ keepDir: true });
  const doc = (Statement: readonly object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
  await first.iam().send(new CreateRoleCommand({ RoleName: 'pv1', AssumeRolePolicyDocument: doc([{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }]) }));
  await first.iam().send(new PutRolePolicyCommand({ RoleName: 'pv1', PolicyName: 'all-s3', PolicyDocument: doc([{ Effect: 'Allow', Action: 's3:*', Resource: '*' }]) }));
  // The session may only read one bucket; its role may do anything on S3.
  await first.sts().send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: 'scoped', Policy: doc([{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::pv1-read/*' }]) }));
  const before = await ask(first, 's3:DeleteObject', 'arn:aws:s3:::pv1-other/x');
  assert.notEqual(before['decision'], 'Allow', JSON.stringify(before));
  server = await restartAfterEdit(first, async (tx) => {
    const records = await tx.kv.list('session-scope/');
    assert.equal(records.length, 1);
    key = (records[0] as { key: string }).key;
    await tx.kv.put(key, '{"arn":"arn:aws:sts::000000000000:assumed-role/pv1/scoped","acc');
  });
});

after(() => stopRestarted(first, server));

describe('review pv1: an unreadable scoped session record', () => {
  it('the session it names is not decided with its role’s full policies after the restart', async () => {
    const a = await ask(server, 's3:DeleteObject', 'arn:aws:s3:::pv1-other/x');
    assert.equal(a['decision'], 'ExplicitDeny', JSON.stringify(a));
    assert.ok((a['reasons'] as string[]).some((r) => r.includes(key) && r.includes('cannot be read')), JSON.stringify(a));
  });

  it('every question about it is refused, what its session policy allowed too (what it carried is unknown)', async () => {
    const a = await ask(server, 's3:GetObject', 'arn:aws:s3:::pv1-read/x');
    assert.notEqual(a['decision'], 'Allow', JSON.stringify(a));
  });

  it('the record is said once, naming it', () => {
    assertSaidOnce(server, [key]);
  });
});
