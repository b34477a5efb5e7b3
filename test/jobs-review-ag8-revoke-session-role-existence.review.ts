/**
 * Review ag, finding 8: `gatehouse sts revoke-sessions --session-arn ARN` (POST /v1/sts/revoke-sessions) told a caller
 * allowed nothing whether the session's role exists. PutRolePolicy was decided, as it should be, before the role's
 * existence, but on the role's ARN for a role there and on the session ARN as given for one that is not: the refusal
 * named `…:role/trainer` for an existing role and `…:assumed-role/ghost/s1` for a missing one. The same for a role ARN
 * given in the other dialect's spelling. Now a role not there is decided and named on the ARN it would have, in the
 * account's spelling. Real server (SQLite), SDK v3 IAM, the admin API as the CLI signs it.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
let server: TestServer;
let mallory: Credentials;

async function revoke(c: Credentials, body: Record<string, string>, hide: string): Promise<{ status: number; text: string }> {
  const r = await gatehouseJson(server.url, c, 'POST', '/v1/sts/revoke-sessions', body);
  return { status: r.status, text: JSON.stringify(r.json).replaceAll(hide, 'ROLE') };
}

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'training.gatehouse.dev' } }] });
  await iam.send(new I.CreateRoleCommand({ RoleName: 'payroll-admin', AssumeRolePolicyDocument: trust }));
  await iam.send(new I.CreateUserCommand({ UserName: 'mallory' }));
  const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: 'mallory' }))).AccessKey!;
  mallory = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
});
after(async () => {
  await server?.stop();
});

describe("review ag8: revoking a session does not tell whether its role exists", () => {
  test('--session-arn: the same refusal for a role there and one that is not', async () => {
    const [there, absent] = await Promise.all([
      revoke(mallory, { sessionArn: `arn:aws:sts::${A}:assumed-role/payroll-admin/s1` }, 'payroll-admin'),
      revoke(mallory, { sessionArn: `arn:aws:sts::${A}:assumed-role/no-such-role/s1` }, 'no-such-role'),
    ]);
    assert.equal(there.status, 403, there.text);
    // Before the fix: refused on `…:assumed-role/no-such-role/s1`, the existing one on `…:role/payroll-admin`.
    assert.deepEqual(absent, there);
    assert.match(there.text, /on resource: arn:aws:iam::000000000000:role\/ROLE /);
  });

  test("--role-arn in the other dialect's spelling: the same", async () => {
    const [there, absent] = await Promise.all([
      revoke(mallory, { roleArn: `acs:ram::${A}:role/payroll-admin` }, 'payroll-admin'),
      revoke(mallory, { roleArn: `acs:ram::${A}:role/no-such-role` }, 'no-such-role'),
    ]);
    assert.equal(there.status, 403, there.text);
    assert.deepEqual(absent, there);
  });

  test('a caller allowed is told the role does not exist', async () => {
    const r = await revoke(server.admin, { sessionArn: `arn:aws:sts::${A}:assumed-role/no-such-role/s1` }, 'no-such-role');
    assert.equal(r.status, 404, r.text);
  });
});
