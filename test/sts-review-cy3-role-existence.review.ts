/**
 * Review cy, 3: AssumeRole (and AssumeRoleWithWebIdentity) told whether a role exists. A role that does not trust the
 * caller was refused "User: … is not authorized to perform: sts:AssumeRole on resource: <role> because no trust policy
 * allows the sts:AssumeRole action. Encoded authorization failure message: …", a role that does not exist (or named with
 * another path) "User: … is not authorized to perform: sts:AssumeRole on resource: <role>", nothing more. Anyone with
 * keys of any account could so list the role names of every other account, one AssumeRole each; with a token of a
 * provider an account registered (a CI service's, which anyone can get), anyone at all could list that account's roles.
 * AWS answers both alike (the reason role enumeration from outside has to go through trust policies of one's own
 * roles, never through AssumeRole).
 *
 * Now a role that is missing is refused as one whose trust policy allows nothing: the same words, and an encoded
 * message of the same size; the role ARN in the words is the one asked (the directory's spelling of an existing role's
 * name told it apart too). Real server, SDK v3.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { REGION, sdkFailure, startTestServer, userWithKey, type Credentials, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const OTHER = '111111111111';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let s: TestServer;
let issuer: OidcIssuer;
let alice: Credentials;

before(async () => {
  s = await startTestServer();
  issuer = await startOidcIssuer();
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id: OTHER, partition: 'aws' });
  assert.equal(r.status, 201, JSON.stringify(r.json));
  const j = r.json as Record<string, string>;
  const other: Credentials = { accessKeyId: String(j['AccessKeyId'] ?? j['accessKeyId']), secretAccessKey: String(j['SecretAccessKey'] ?? j['secretAccessKey']) };
  // A role of the other account, trusting only that account; tagged, and under a path.
  await s.iam(other).send(new I.CreateRoleCommand({ RoleName: 'Secret-Admin', Path: '/ops/', Tags: [{ Key: 'tier', Value: 'critical' }], AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 'sts:AssumeRole' }) }));
  alice = await userWithKey(s, 'alice');
  await s.iam().send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }) }));
  // A provider of this account, and a role it may not assume.
  const provider = (await s.iam().send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
  await s.iam().send(new I.CreateRoleCommand({ RoleName: 'deploy', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${issuer.hostPath}:sub`]: 'repo:ours/infra' } } }) }));
});
after(async () => {
  await issuer?.close();
  await s?.stop();
});

const BLOB = /(Encoded authorization failure message: )(\S+)$/;
/** The words with the role ARN and the blob blanked, and the blob's length. */
function shape(message: string, roleArn: string): { words: string; blob: number } {
  const blob = BLOB.exec(message)?.[2] ?? '';
  return { words: message.replace(roleArn, '<role>').replace(BLOB, '$1<blob>'), blob: blob.length };
}

test('cy3: AssumeRole answers a missing role as one that does not trust the caller', async () => {
  const refusal = async (roleArn: string) => {
    const f = await sdkFailure(s.sts(alice).send(new S.AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'probe' })));
    assert.equal(f.code, 'AccessDenied');
    assert.equal(f.status, 403);
    return shape(f.message, roleArn);
  };
  const exists = await refusal(`arn:aws:iam::${OTHER}:role/ops/Secret-Admin`);
  assert.match(exists.words, /because no trust policy allows the sts:AssumeRole action\. Encoded authorization failure message: <blob>$/);
  assert.ok(exists.blob > 0);
  // Missing, with the same length of name; named with another path; the same role in other letters.
  assert.deepEqual(await refusal(`arn:aws:iam::${OTHER}:role/ops/Secret-Admix`), exists);
  assert.deepEqual(await refusal(`arn:aws:iam::${OTHER}:role/dev/Secret-Admin`), exists);
  assert.deepEqual(await refusal(`arn:aws:iam::${OTHER}:role/ops/SECRET-ADMIN`), exists);
  // An account that does not exist either.
  assert.deepEqual(await refusal('arn:aws:iam::222222222222:role/ops/Secret-Admin'), exists);
});

test('cy3: AssumeRoleWithWebIdentity with a good token answers a missing role as one that does not trust it', async () => {
  const token = await issuer.mint({ sub: 'repo:someone/else' });
  const sts = new S.STSClient({ endpoint: s.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
  try {
    const refusal = async (roleArn: string) => {
      const f = await sdkFailure(sts.send(new S.AssumeRoleWithWebIdentityCommand({ RoleArn: roleArn, RoleSessionName: 'probe', WebIdentityToken: token })));
      assert.equal(f.code, 'AccessDenied');
      return shape(f.message, roleArn);
    };
    const exists = await refusal(`arn:aws:iam::${ACCT}:role/deploy`);
    assert.match(exists.words, /^Not authorized to perform sts:AssumeRoleWithWebIdentity\. Encoded authorization failure message: <blob>$/);
    assert.deepEqual(await refusal(`arn:aws:iam::${ACCT}:role/deplox`), exists);
    assert.deepEqual(await refusal(`arn:aws:iam::${ACCT}:role/x/deploy`), exists);
  } finally {
    sts.destroy();
  }
});
