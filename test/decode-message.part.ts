/**
 * Encoded authorization failure messages and `DecodeAuthorizationMessage`, through the real
 * `@aws-sdk/client-sts` against a real server: an AssumeRole refused by a trust policy carries
 * `Encoded authorization failure message: <blob>`; the blob decodes to the decision's explanation (matched
 * statements, failed conditions, the request) for a principal of the same account with
 * `sts:DecodeAuthorizationMessage`, and to `InvalidAuthorizationMessage` for anyone else or anything altered.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const OTHER = '123456789012';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const roleArn = (name: string) => `arn:aws:iam::${ACCT}:role/${name}`;

let server: TestServer;
let admin: I.IAMClient;
let bob: Credentials;
let otherAdmin: Credentials;

async function failure(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return { name: (e as Error).name, message: (e as Error).message };
  }
  return { name: 'no error', message: '' };
}

/** The blob of a refused AssumeRole. */
async function refusedBlob(as: Credentials, role: string): Promise<string> {
  const f = await failure(server.sts(as).send(new S.AssumeRoleCommand({ RoleArn: roleArn(role), RoleSessionName: 's1' })));
  assert.equal(f.name, 'AccessDenied');
  const m = /Encoded authorization failure message: (\S+)$/.exec(f.message);
  assert.ok(m, `no encoded message in: ${f.message}`);
  return m[1] as string;
}

const decode = (as: Credentials, EncodedMessage: string) => server.sts(as).send(new S.DecodeAuthorizationMessageCommand({ EncodedMessage }));

async function decoded(as: Credentials, blob: string): Promise<Record<string, any>> {
  const r = await decode(as, blob);
  return JSON.parse(r.DecodedMessage ?? '') as Record<string, any>;
}

before(async () => {
  server = await startTestServer();
  admin = server.iam();
  await admin.send(new I.CreateUserCommand({ UserName: 'bob' }));
  await admin.send(
    new I.PutUserPolicyCommand({
      UserName: 'bob',
      PolicyName: 'p',
      PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }, { Sid: 'NoDenied', Effect: 'Deny', Action: 'sts:AssumeRole', Resource: roleArn('forbidden') }),
    }),
  );
  const k = await admin.send(new I.CreateAccessKeyCommand({ UserName: 'bob' }));
  bob = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  // Trusts bob only with the right external id.
  await admin.send(
    new I.CreateRoleCommand({
      RoleName: 'guarded',
      AssumeRolePolicyDocument: doc({ Sid: 'Bob', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:user/bob` }, Action: 'sts:AssumeRole', Condition: { StringEquals: { 'sts:ExternalId': 'expected-id' } } }),
    }),
  );
  await admin.send(new I.CreateRoleCommand({ RoleName: 'forbidden', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: ACCT }, Action: 'sts:AssumeRole' }) }));
  const app = server.running.app;
  const root = await app.authenticate(server.admin.accessKeyId);
  assert.ok(root.ok);
  const acct = await app.createAccount(root.value.caller, { id: OTHER, partition: 'aws' });
  assert.ok(acct.ok);
  otherAdmin = { accessKeyId: acct.value.AccessKeyId, secretAccessKey: acct.value.SecretAccessKey };
});

after(async () => {
  await server?.stop();
});

describe('DecodeAuthorizationMessage', () => {
  it('an AssumeRole refused by the trust policy decodes to its explanation', async () => {
    const blob = await refusedBlob(bob, 'guarded');
    const m = await decoded(server.admin, blob);
    assert.equal(m['allowed'], false);
    assert.equal(m['explicitDeny'], false);
    assert.equal(m['decision'], 'ImplicitDeny');
    assert.equal(m['deniedBy'], 'trust');
    assert.equal(m['context']['principal']['arn'], `arn:aws:iam::${ACCT}:user/bob`);
    assert.equal(m['context']['action'], 'sts:AssumeRole');
    assert.equal(m['context']['resource'], roleArn('guarded'));
    assert.deepEqual(
      m['context']['conditions']['items'].find((x: { key: string }) => x.key === 'sts:RoleSessionName'),
      { key: 'sts:RoleSessionName', values: { items: [{ value: 's1' }] } },
    );
    const failed = m['failures']['items'] as { policyType: string; statementId: string; key: string }[];
    assert.deepEqual(failed.map((f) => [f.policyType, f.statementId, f.key]), [['trust', 'Bob', 'sts:ExternalId']]);
    assert.match(m['explanation'], /^ImplicitDeny: /);
    assert.match(m['explanation'], /sts:ExternalId/);
  });

  it('an explicit deny names the Deny statement', async () => {
    const m = await decoded(server.admin, await refusedBlob(bob, 'forbidden'));
    assert.equal(m['explicitDeny'], true);
    assert.deepEqual(
      (m['matchedStatements']['items'] as { effect: string; statementId: string; policyType: string }[]).map((x) => [x.policyType, x.statementId, x.effect]),
      [['identity', 'NoDenied', 'DENY']],
    );
  });

  it('needs sts:DecodeAuthorizationMessage', async () => {
    const blob = await refusedBlob(bob, 'guarded');
    const f = await failure(decode(bob, blob));
    assert.equal(f.name, 'AccessDenied');
    assert.match(f.message, /sts:DecodeAuthorizationMessage/);
    await admin.send(new I.PutUserPolicyCommand({ UserName: 'bob', PolicyName: 'decode', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:DecodeAuthorizationMessage', Resource: '*' }) }));
    // Policy changes reach the server within a refresh tick.
    for (let i = 0; ; i++) {
      const r = await failure(decode(bob, blob));
      if (r.name === 'no error') break;
      assert.ok(i < 100, `still ${r.name}`);
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal((await decoded(bob, blob))['context']['action'], 'sts:AssumeRole');
  });

  it('an altered message, or one made for another account, is InvalidAuthorizationMessage', async () => {
    const blob = await refusedBlob(bob, 'guarded');
    const last = blob.at(-2) === 'A' ? 'B' : 'A';
    const altered = `${blob.slice(0, -2)}${last}${blob.slice(-1)}`;
    assert.equal((await failure(decode(server.admin, altered))).name, 'InvalidAuthorizationMessageException');
    assert.equal((await failure(decode(server.admin, 'not a message'))).name, 'InvalidAuthorizationMessageException');
    assert.equal((await failure(decode(otherAdmin, blob))).name, 'InvalidAuthorizationMessageException');
  });

  it('a cross-account refusal decodes in the caller’s account, without the other account’s trust statements', async () => {
    const blob = await refusedBlob(otherAdmin, 'guarded');
    const m = await decoded(otherAdmin, blob);
    assert.equal(m['context']['principal']['arn'], `arn:aws:iam::${OTHER}:user/admin`);
    assert.deepEqual(m['failures']['items'], []);
    assert.ok((m['matchedStatements']['items'] as { policyType: string }[]).every((x) => x.policyType !== 'trust'));
    assert.match(m['note'], /not shown/);
    assert.equal((await failure(decode(server.admin, blob))).name, 'InvalidAuthorizationMessageException');
  });
});
