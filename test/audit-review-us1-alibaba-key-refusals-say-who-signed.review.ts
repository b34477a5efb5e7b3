/**
 * Review us, 1: Alibaba's STS gateway said whether the key's secret signed a refused request (`detail.signatureVerified`,
 * review um, 2) only for a Timestamp off, an expired token and an Inactive key. Two refusals for the key were still
 * recorded as if not checked, though the gateway held the key's secret and the Query API records them checked (review
 * tu, 3; src/adapters/http/key-holder.ts): the Active key of a disabled user (`InvalidAccessKeyId.NotFound`: the
 * gateway looked only for an Inactive key's secret), and a session whose token opens but whose role is gone
 * (`InvalidSecurityToken.Malformed`). The key's owner could not tell its leaked secret still in use from someone
 * naming the key id.
 *
 * Now both record `signatureVerified` (true: "its holder still uses it"; false: not signed with the key's secret);
 * answers unchanged. A session key sent without its token (`MissingSecurityToken`) stays unchecked, as on the Query
 * API: its secret is sealed in the token that was not sent.
 *
 * Real server (SQLite), an `acs` account, Alibaba's own STS client (`@alicloud/sts20150401`, V3 signature), the records
 * read through /v1/audit.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import StsModule from '@alicloud/sts20150401';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { acsAccount, ramUser } from './support/alibaba-world.ts';
import { alibabaStsClient, type AlibabaKey } from './support/alibaba-sts.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

// A CommonJS module: its ES default is `module.exports`.
const { AssumeRoleRequest } = StsModule;

const ACS = '350000000093';

describe("review us1: Alibaba STS's refusals of a disabled user's key and of a gone role's session say who signed them", () => {
  let s: TestServer;
  let admin: Credentials;
  let iam: I.IAMClient;
  let bob: AlibabaKey;

  before(async () => {
    s = await startTestServer();
    admin = await acsAccount(s, ACS);
    iam = s.iam(admin);
    const b = await ramUser(iam, 'bob', { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' });
    bob = { accessKeyId: b.accessKeyId, accessKeySecret: b.secretAccessKey };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'reader', AssumeRolePolicyDocument: JSON.stringify({ Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${ACS}:root`] } }] }) }));
  });
  after(async () => {
    await s?.stop();
  });

  /** GetCallerIdentity through Alibaba's client signing with `key`: the refusal's Code. */
  const refusedCode = async (key: AlibabaKey): Promise<string | undefined> => {
    let code: string | undefined;
    await assert.rejects(alibabaStsClient(s, key).getCallerIdentity(), (e: { code?: string }) => {
      code = e.code;
      return true;
    });
    return code;
  };
  const refusals = async (keyId: string): Promise<AuditRecord[]> => {
    await s.running.app.audit.flush();
    // As the root admin: a session key sent without its token names no account, and its refusal is the root account's.
    const r = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?kind=decision&action=sts:GetCallerIdentity&accessKeyId=${encodeURIComponent(keyId)}&limit=1000`);
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['records'] as AuditRecord[]).filter((x) => x.detail['accessKeyId'] === keyId && x.detail['authentication'] !== undefined);
  };
  const shape = (r: AuditRecord) => [r.detail['authentication'], r.detail['signatureVerified']];
  const byVerified = (a: unknown[], b: unknown[]) => String(a[1]).localeCompare(String(b[1]));
  const assumeReader = async (name: string): Promise<AlibabaKey> => {
    const c = (await alibabaStsClient(s, bob).assumeRole(new AssumeRoleRequest({ roleArn: `acs:ram::${ACS}:role/reader`, roleSessionName: name, durationSeconds: 900 }))).body?.credentials;
    assert.match(c?.accessKeyId ?? '', /^STS\./);
    return { accessKeyId: c?.accessKeyId ?? '', accessKeySecret: c?.accessKeySecret ?? '', securityToken: c?.securityToken ?? '' };
  };

  it('a session key without its token: MissingSecurityToken, not checked (its secret is in the token)', async () => {
    const session = await assumeReader('us1-tokenless');
    assert.equal(await refusedCode({ accessKeyId: session.accessKeyId, accessKeySecret: session.accessKeySecret }), 'MissingSecurityToken');
    assert.deepEqual((await refusals(session.accessKeyId)).map(shape), [['MissingSecurityToken', undefined]]);
  });

  it("a disabled user's Active key: its holder still using it, or someone naming its id", async () => {
    const carol = await ramUser(iam, 'carol', { Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' });
    const disabled = await gatehouseJson(s.url, admin, 'POST', '/v1/users/carol/disable', {});
    assert.equal(disabled.status, 200, JSON.stringify(disabled.json));
    await s.running.app.refresh();
    assert.equal(await refusedCode({ accessKeyId: carol.accessKeyId, accessKeySecret: carol.secretAccessKey }), 'InvalidAccessKeyId.NotFound');
    assert.equal(await refusedCode({ accessKeyId: carol.accessKeyId, accessKeySecret: 'not-the-secret' }), 'InvalidAccessKeyId.NotFound');
    const got = await refusals(carol.accessKeyId);
    assert.deepEqual(got.map(shape).sort(byVerified), [['InvalidAccessKeyId.NotFound', false], ['InvalidAccessKeyId.NotFound', true]]);
    assert.match(String(got.find((r) => r.detail['signatureVerified'] === true)?.detail['message']), /its holder still uses it/);
    assert.match(String(got.find((r) => r.detail['signatureVerified'] === false)?.detail['message']), /not signed with the key's secret/);
  });

  it("a session of a deleted role: its holder still using it, or someone naming its key with its token", async () => {
    const session = await assumeReader('us1-gone');
    await iam.send(new I.DeleteRoleCommand({ RoleName: 'reader' }));
    await s.running.app.refresh();
    assert.equal(await refusedCode(session), 'InvalidSecurityToken.Malformed');
    assert.equal(await refusedCode({ ...session, accessKeySecret: 'not-the-secret' }), 'InvalidSecurityToken.Malformed');
    const got = await refusals(session.accessKeyId);
    assert.deepEqual(got.map(shape).sort(byVerified), [['InvalidSecurityToken.Malformed', false], ['InvalidSecurityToken.Malformed', true]]);
    assert.match(String(got.find((r) => r.detail['signatureVerified'] === true)?.detail['message']), /its holder still uses it/);
  });
});
