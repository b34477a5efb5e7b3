/**
 * Review O, finding 7: AssumeRoleWithWebIdentity refuses a RoleArn whose path is not the role's, as AssumeRole
 * does (403 AccessDenied, the answer a missing role gets). Before, the role was looked up by name alone, so
 * `role/zzz/rweb` issued a session of `/team/rweb`. The server's own OIDC issuer signs the token; the SDK sends the
 * call unsigned, as it does for AssumeRoleWithWebIdentity.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { REGION, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
let server: TestServer;
let anonymous: S.STSClient;
let token: string;

before(async () => {
  server = await startTestServer();
  anonymous = new S.STSClient({ endpoint: server.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('no credentials should be needed')) });
  const iam = server.iam();
  const provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: server.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn!;
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity' },
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' },
    ],
  });
  await iam.send(new I.CreateRoleCommand({ RoleName: 'rweb', Path: '/team/', AssumeRolePolicyDocument: trust }));
  const t = await server.running.app.oidc.issueWorkloadToken({ subject: 'job/1', audience: 'sts.amazonaws.com', ttlSeconds: 600 });
  assert.ok(t.ok, t.ok ? '' : t.errors[0]?.message);
  token = t.value.token;
});

after(async () => {
  anonymous?.destroy();
  await server?.stop();
});

async function failure(p: Promise<unknown>): Promise<{ name: string; status: number | undefined; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  return { name: 'no error', status: 200, message: '' };
}

const withWebIdentity = (RoleArn: string) => anonymous.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn, RoleSessionName: 'pod-1', WebIdentityToken: token }));

describe('AssumeRoleWithWebIdentity and the role path in RoleArn', () => {
  test('a wrong path (or none) is refused with AccessDenied, as AssumeRole refuses it', async () => {
    for (const arn of [`arn:aws:iam::${ACCT}:role/zzz/rweb`, `arn:aws:iam::${ACCT}:role/rweb`]) {
      const web = await failure(withWebIdentity(arn));
      assert.deepEqual([web.name, web.status], ['AccessDenied', 403], `${arn}: ${web.message}`);
      assert.match(web.message, /Not authorized to perform sts:AssumeRoleWithWebIdentity/);
      const plain = await failure(server.sts().send(new S.AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 'pod-1' })));
      assert.deepEqual([plain.name, plain.status], ['AccessDenied', 403], `${arn} (AssumeRole): ${plain.message}`);
    }
  });

  test('the exact ARN, path included, issues the session', async () => {
    const r = await withWebIdentity(`arn:aws:iam::${ACCT}:role/team/rweb`);
    assert.equal(r.AssumedRoleUser?.Arn, `arn:aws:sts::${ACCT}:assumed-role/rweb/pod-1`);
    assert.equal(r.SubjectFromWebIdentityToken, 'job/1');
  });
});
