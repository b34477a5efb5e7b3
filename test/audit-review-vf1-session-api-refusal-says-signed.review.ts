/**
 * Review vf, 1: the Query API (and Alibaba's STS gateway) refuse a valid session an API its kind may not call: a
 * GetSessionToken session the IAM API (InvalidClientTokenId) and STS but AssumeRole and GetCallerIdentity, a federated
 * user's session (GetFederationToken) any IAM API and STS but GetCallerIdentity. Such a request is refused once its
 * signature verified with the session's secret, yet its record read as a refusal of its signature or token: "the
 * request is not signed or its signature is no longer valid" (AccessDenied), "unknown or inactive access key id, or an
 * invalid session token" (InvalidClientTokenId), with no `signatureVerified`, where every other refusal checked says
 * whether the key's secret signed it (reviews tu, um, us, ux). An auditor looking at a federated user's records saw a
 * forged or stale request where its holder had called an API it may not.
 *
 * Now each such record says what was refused (the session's kind and what it may call), `detail.signatureVerified`
 * true, and that the session's secret signed it. Answers unchanged.
 *
 * Real in-process server (SQLite), AWS SDK v3 clients, Alibaba's own STS client (V3 signature); records read as the
 * root admin.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand, GetFederationTokenCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { ListUsersCommand } from '@aws-sdk/client-iam';
import StsModule from '@alicloud/sts20150401';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { alibabaStsClient } from './support/alibaba-sts.ts';
import { auditRecords, sdkFailure, startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

// A CommonJS module: its ES default is `module.exports`.
const { AssumeRoleRequest } = StsModule;

const ALL = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:*', 'iam:*'], Resource: '*' }] });
const SIGNED = /signed with the session's secret: its holder called an API these credentials may not call$/;

describe("review vf1: a session refused for the API it called is recorded as signed by the session's secret", () => {
  let s: TestServer;
  let session: Credentials;
  let fed: Credentials;
  let fed2: Credentials;
  before(async () => {
    s = await startTestServer();
    const alice = await userWithPolicy(s, 'alice', ALL);
    const t = (await s.sts(alice).send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials;
    session = { accessKeyId: t?.AccessKeyId ?? '', secretAccessKey: t?.SecretAccessKey ?? '', sessionToken: t?.SessionToken ?? '' };
    const f = (await s.sts(alice).send(new GetFederationTokenCommand({ Name: 'fed', DurationSeconds: 900, Policy: ALL }))).Credentials;
    fed = { accessKeyId: f?.AccessKeyId ?? '', secretAccessKey: f?.SecretAccessKey ?? '', sessionToken: f?.SessionToken ?? '' };
    const f2 = (await s.sts(alice).send(new GetFederationTokenCommand({ Name: 'fed2', DurationSeconds: 900, Policy: ALL }))).Credentials;
    fed2 = { accessKeyId: f2?.AccessKeyId ?? '', secretAccessKey: f2?.SecretAccessKey ?? '', sessionToken: f2?.SessionToken ?? '' };
  });
  after(async () => s?.stop());

  const recordOf = async (key: Credentials, action: string): Promise<AuditRecord> => {
    const got = (await auditRecords(s, { action })).filter((r) => r.decision === 'Deny' && r.detail['accessKeyId'] === key.accessKeyId);
    assert.equal(got.length, 1, JSON.stringify(got));
    return got[0] as AuditRecord;
  };
  const says = (r: AuditRecord, what: RegExp): void => {
    assert.equal(r.detail['signatureVerified'], true, JSON.stringify(r));
    assert.match(String(r.detail['message']), what, JSON.stringify(r));
    assert.match(String(r.detail['message']), SIGNED, JSON.stringify(r));
  };

  it('a GetSessionToken session: the IAM API, and STS GetFederationToken', async () => {
    assert.equal((await sdkFailure(s.iam(session).send(new ListUsersCommand({})))).code, 'InvalidClientTokenId');
    assert.equal((await sdkFailure(s.sts(session).send(new GetFederationTokenCommand({ Name: 'x' })))).code, 'AccessDenied');
    says(await recordOf(session, 'iam:ListUsers'), /^credentials from GetSessionToken \(a user's session, without MFA\) may call no IAM API;/);
    says(await recordOf(session, 'sts:GetFederationToken'), /^credentials from GetSessionToken may call, of STS, only AssumeRole and GetCallerIdentity;/);
  });

  it("a federated user's session: the IAM API, and STS AssumeRole", async () => {
    assert.equal((await sdkFailure(s.iam(fed).send(new ListUsersCommand({})))).code, 'AccessDenied');
    assert.equal((await sdkFailure(s.sts(fed).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/none', RoleSessionName: 'x' })))).code, 'AccessDenied');
    const federated = /^the credentials of a federated user \(GetFederationToken\) may call no IAM API and, of STS, only GetCallerIdentity;/;
    says(await recordOf(fed, 'iam:ListUsers'), federated);
    says(await recordOf(fed, 'sts:AssumeRole'), federated);
  });

  it("a federated user's session on Alibaba's STS: NoPermission", async () => {
    const client = alibabaStsClient(s, { accessKeyId: fed2.accessKeyId, accessKeySecret: fed2.secretAccessKey, securityToken: fed2.sessionToken as string });
    await assert.rejects(client.assumeRole(new AssumeRoleRequest({ roleArn: 'acs:ram::000000000000:role/none', roleSessionName: 'x', durationSeconds: 900 })), (e: { code?: string }) => e.code === 'NoPermission');
    says(await recordOf(fed2, 'sts:AssumeRole'), /^the credentials of a federated user \(GetFederationToken\) may call no IAM API/);
  });
});
