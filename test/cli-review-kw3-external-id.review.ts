/**
 * Review kw, 3 (cli): `gatehouse sts assume-role` and `gatehouse credentials` had no `--external-id`, though `aws sts
 * assume-role --external-id` has one, the admin API's `sts/assume-role` takes `externalId`, and a profile's
 * `external_id` was already sent. A role whose trust policy asks for an external id (`StringEquals sts:ExternalId`, the
 * usual guard of a role another team or a vendor assumes) could not be assumed from the command line at all: `sts
 * assume-role` answered AccessDenied whatever was done, `--external-id` was an unknown option (exit 2), and a
 * credential_process (`gatehouse credentials --role-arn ARN`) for such a role could not be written. Now both commands
 * take `--external-id ID` and send it; the wrong one is the server's AccessDenied (exit 9), and an empty one (an unset
 * shell variable) a usage error naming the option, nothing sent.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('kw3: --external-id for sts assume-role and credentials', () => {
  let s: TestServer;
  let role: string;
  before(async () => {
    s = await startTestServer();
    const acct = s.adminFile.AccountId;
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'vendor-7731' } } }] };
    role = (await s.iam().send(new CreateRoleCommand({ RoleName: 'partner', AssumeRolePolicyDocument: JSON.stringify(trust) }))).Role?.Arn ?? '';
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });

  it('sts assume-role --external-id: the role whose trust asks for it is assumed', async () => {
    const r = await cli(['sts', 'assume-role', '--role-arn', role, '--role-session-name', 'vendor', '--external-id', 'vendor-7731', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { AssumedRoleUser: { Arn: string }; Credentials: { SessionToken: string } };
    assert.match(out.AssumedRoleUser.Arn, /:assumed-role\/partner\/vendor$/);
    const wrong = await cli(['sts', 'assume-role', '--role-arn', role, '--role-session-name', 'vendor', '--external-id', 'vendor-0000']);
    assert.equal(wrong.code, 9, wrong.stderr);
    assert.match(wrong.stderr, /AccessDenied/);
  });

  it('credentials --external-id: the credential_process document of that role', async () => {
    const r = await cli(['credentials', '--role-arn', role, '--external-id', 'vendor-7731']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(doc['Version'], 1);
    assert.match(String(doc['AccessKeyId']), /^ASIA/);
    assert.match(String(doc['Expiration']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('an empty --external-id is a usage error naming the option; nothing is sent', async () => {
    for (const args of [['sts', 'assume-role', '--role-arn', role, '--role-session-name', 'vendor'], ['credentials', '--role-arn', role]]) {
      const r = await cli([...args, '--external-id', '']);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /--external-id is empty/);
    }
  });
});
