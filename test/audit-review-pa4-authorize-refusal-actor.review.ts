/**
 * Review pa, 4: a question about another principal refused for want of `gatehouse:Authorize` was recorded with the
 * asker's ARN alone: no access key, no role or session, no job, no source IP. That refusal is the trace a stolen
 * resource-server credential leaves when it is used to map who may do what (each question names another principal), and
 * `audit query --access-key-id AKIA…` (review mi, 4) did not list it, nor did `--role` when the asker was a role's
 * session (a resource server running as a job or pod), and the record did not say from where it was asked.
 *
 * The contract: docs/decisions.md, "Every record says who acted and from where" (`actorOf`: the session, job, source
 * identity, source IP and the key that signed the request, CloudTrail's `userIdentity.accessKeyId` and
 * `sourceIPAddress`; "the authorize API gets the caller with its request's facts too, used only for the decisions about
 * the asker itself: whether it may ask about another principal"). Now that refusal is recorded with `actorOf(asker)`,
 * as the asker's own questions are. Real server on 127.0.0.1, the authorize API signed as the CLI signs it (SigV4), a
 * role session from AssumeRole (SDK v3).
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const ONLY_S3 = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });

interface Rec {
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly decision?: string;
  readonly role?: string;
  readonly session?: string;
  readonly accessKeyId?: string;
  readonly sourceIp?: string;
}

describe('review pa4: a refused question about another principal names who asked, with which key and from where', () => {
  let s: TestServer;
  let svc: Credentials;
  let session: Credentials;
  before(async () => {
    s = await startTestServer();
    svc = await userWithPolicy(s, 'svc-pa4', ONLY_S3);
    const iam = s.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'server-pa4', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] }) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'server-pa4', PolicyName: 'p', PolicyDocument: ONLY_S3 }));
    const c = (await s.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/server-pa4`, RoleSessionName: 'rs' }))).Credentials;
    session = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
  });
  after(async () => {
    await s?.stop();
  });

  async function ask(as: Credentials, resource: string): Promise<void> {
    const r = await gatehouseJson(s.url, as, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${ACCT}:user/admin`, action: 's3:GetObject', resource });
    assert.equal(r.status, 403, JSON.stringify(r.json));
  }

  async function refusals(query: string): Promise<Rec[]> {
    await s.running.app.audit.flush();
    const q = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?${query}&action=gatehouse:Authorize&limit=1000`);
    assert.equal(q.status, 200, JSON.stringify(q.json));
    return (q.json as { records: Rec[] }).records;
  }

  it("a user's key: listed by `accessKeyId=`, with the address it asked from", async () => {
    await ask(svc, 'arn:aws:s3:::pa4/user');
    const recs = await refusals(`accessKeyId=${svc.accessKeyId}`);
    assert.equal(recs.length, 1, JSON.stringify(recs));
    assert.equal(recs[0]?.principal, `arn:aws:iam::${ACCT}:user/svc-pa4`);
    assert.equal(recs[0]?.decision, 'ImplicitDeny');
    assert.equal(recs[0]?.sourceIp, '127.0.0.1');
  });

  it("a role's session: listed by `role=` and by its key", async () => {
    await ask(session, 'arn:aws:s3:::pa4/role');
    const byRole = await refusals(`role=${encodeURIComponent(`arn:aws:iam::${ACCT}:role/server-pa4`)}`);
    assert.equal(byRole.length, 1, JSON.stringify(byRole));
    assert.equal(byRole[0]?.session, `arn:aws:sts::${ACCT}:assumed-role/server-pa4/rs`);
    assert.equal(byRole[0]?.accessKeyId, session.accessKeyId);
  });
});
