/**
 * Review vf, 3: every refused session is a `session` record (`Deny`, README §7: "every session issued … or refused"),
 * so `audit query --kind session --decision Deny` lists the attempts to get credentials that were refused: AssumeRole's
 * (review V, V1), AssumeRoleWithWebIdentity's, GetFederationToken's (review fi, 4). A refused GetSessionToken was left to
 * the edge, which records a refused request as a `decision`: a role session or a federated user's session asking for
 * GetSessionToken ("Cannot call GetSessionToken with session credentials": temporary credentials trying to mint
 * credentials of their own, a known way to keep a stolen session's access) and a user's request carrying an MFA code
 * this server cannot check were not among the refused sessions, nor said the duration asked.
 *
 * Now GetSessionToken's use case records its refusals as GetFederationToken's are recorded: a `session` record, `Deny`,
 * on the caller's ARN, with the explanation and the duration asked; once (the edge records no `decision` beside it).
 * Answers unchanged.
 *
 * Real in-process server (SQLite), AWS SDK v3 clients, the records read with `gatehouse audit query` as the root admin.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand, GetFederationTokenCommand, GetSessionTokenCommand, type GetSessionTokenCommandInput } from '@aws-sdk/client-sts';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { aliceAndRole } from './support/sts-caller.ts';
import { cliAgainst, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ALL = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });

describe('review vf3: a refused GetSessionToken is recorded as a refused session', () => {
  let s: TestServer;
  let alice: Credentials;
  const keysOf = (c: { AccessKeyId?: string | undefined; SecretAccessKey?: string | undefined; SessionToken?: string | undefined } | undefined): Credentials => ({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
  before(async () => {
    s = await startTestServer();
    alice = await aliceAndRole(s, 'ops', 'alice', ['sts:*']);
  });
  after(async () => s?.stop());

  /** The refused sessions, as `gatehouse audit query --kind session --decision Deny --json` lists them. */
  const refusedSessions = async (): Promise<AuditRecord[]> => {
    const r = await cliAgainst(s, ['audit', 'query', '--kind', 'session', '--decision', 'Deny', '--json', '--limit', '1000']);
    assert.equal(r.status, 0, r.err);
    return r.out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as AuditRecord);
  };
  /** Every record of the request answered with `requestId`. */
  const recordsOf = async (requestId: string): Promise<AuditRecord[]> => {
    const r = await cliAgainst(s, ['audit', 'query', '--request-id', requestId, '--json']);
    assert.equal(r.status, 0, r.err);
    return r.out.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as AuditRecord);
  };
  const refusedWith = async (credentials: Credentials, input: GetSessionTokenCommandInput): Promise<string> => {
    let requestId = '';
    await assert.rejects(s.sts(credentials).send(new GetSessionTokenCommand(input)), (e: { name?: string; $metadata?: { requestId?: string } }) => {
      assert.equal(e.name, 'AccessDenied');
      requestId = e.$metadata?.requestId ?? '';
      return true;
    });
    assert.notEqual(requestId, '');
    return requestId;
  };
  const one = async (requestId: string): Promise<AuditRecord> => {
    const mine = await recordsOf(requestId);
    assert.equal(mine.length, 1, `one record of the request: ${JSON.stringify(mine)}`);
    const listed = (await refusedSessions()).filter((r) => r.requestId === requestId);
    assert.equal(listed.length, 1, `among the refused sessions: ${JSON.stringify(mine)}`);
    const r = listed[0] as AuditRecord;
    assert.equal(r.action, 'sts:GetSessionToken');
    return r;
  };

  it("a role session's and a federated user's GetSessionToken", async () => {
    const role = keysOf((await s.sts(alice).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/ops', RoleSessionName: 'persist' }))).Credentials);
    const fed = keysOf((await s.sts(alice).send(new GetFederationTokenCommand({ Name: 'broker', Policy: ALL }))).Credentials);
    const byRole = await one(await refusedWith(role, { DurationSeconds: 129_600 }));
    assert.equal(byRole.principal, 'arn:aws:sts::000000000000:assumed-role/ops/persist');
    assert.equal(byRole.resource, byRole.principal);
    assert.equal(byRole.accessKeyId, role.accessKeyId);
    assert.equal(byRole.detail['error'], 'Cannot call GetSessionToken with session credentials');
    assert.equal(byRole.detail['durationSeconds'], 129_600);
    const byFed = await one(await refusedWith(fed, {}));
    assert.equal(byFed.principal, 'arn:aws:sts::000000000000:federated-user/broker');
    assert.equal(byFed.accessKeyId, fed.accessKeyId);
  });

  it("a user's GetSessionToken with an MFA code this server cannot check", async () => {
    const r = await one(await refusedWith(alice, { SerialNumber: 'arn:aws:iam::000000000000:mfa/alice', TokenCode: '123456' }));
    assert.equal(r.principal, 'arn:aws:iam::000000000000:user/alice');
    assert.equal(r.resource, 'arn:aws:iam::000000000000:user/alice');
    assert.match(String(r.detail['error']), /MFA/);
    // What was asked, its kind: not the code.
    assert.deepEqual(r.detail['mfaParameters'], ['SerialNumber', 'TokenCode']);
    assert.ok(!JSON.stringify(r).includes('123456'), 'never the code');
  });
});
