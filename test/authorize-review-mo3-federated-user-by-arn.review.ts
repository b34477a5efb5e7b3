/**
 * Review mo, 3. A federated user named by its ARN was allowed by a resource policy naming it, though the explicit Deny of the IAM user that federated refuses every session of it.
 *
 * docs/decisions.md ("GetFederationToken") decides a federated-user ARN asked about in the authorize API without its
 * session policy, "which for a federated user allows nothing (fails closed)". It does not fail closed where a resource
 * policy names the federated user's ARN: that grant needs no identity or session policy (reference §A.1.2 table), yet
 * "every row still loses to any explicit deny", and the ARN tells neither which user federated (any user allowed
 * `sts:GetFederationToken` on it may) nor the session policy it passed. Decided with no policies at all, the question
 * `s3:PutObject` by `arn:aws:sts::A:federated-user/fed1` was answered Allow while the only session of that name, whose
 * user's policy denies `s3:PutObject` there, is ExplicitDeny asked by its `principalProof` (and at the S3 gateway).
 *
 * Now the authorize API, asked about a federated user by its ARN, allows it nothing (ImplicitDeny, saying why and to ask
 * with `principalProof`; an explicit deny it can see still answers ExplicitDeny); a question by the session's proof is
 * decided as before, and a simulation (`/v1/simulate`, who-can) still decides a session with no session policy.
 *
 * Before the fix 1 of 2 tests failed. Real server (SQLite), AWS SDK v3 STS GetFederationToken, SigV4-signed `/v1/`.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as S from '@aws-sdk/client-sts';
import { gatehouseJson, identityProof } from './support/resource-server.ts';
import { startTestServer, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';

const BUCKET = 'mo3-reports';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
let s: TestServer;
let fed: Credentials;
let arn: string;

type Answer = { decision?: string; reasons?: string[]; error?: unknown };
const ask = async (path: string, body: object): Promise<Answer> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', path, body);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json as Answer;
};

before(async () => {
  s = await startTestServer();
  arn = `arn:aws:sts::${s.adminFile.AccountId}:federated-user/fed1`;
  // alice may federate; her own policy keeps every session of hers from writing the reports.
  const alice = await userWithPolicy(s, 'alice', doc({ Effect: 'Allow', Action: ['sts:GetFederationToken', 's3:GetObject'], Resource: '*' }, { Effect: 'Deny', Action: 's3:PutObject', Resource: `arn:aws:s3:::${BUCKET}/*` }));
  const c = (await s.sts(alice).send(new S.GetFederationTokenCommand({ Name: 'fed1', Policy: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }))).Credentials;
  fed = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
  const put = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(`arn:aws:s3:::${BUCKET}`)}`, {
    document: doc({ Effect: 'Allow', Principal: { AWS: arn }, Action: ['s3:GetObject', 's3:PutObject'], Resource: `arn:aws:s3:::${BUCKET}/*` }),
  });
  assert.equal(put.status, 200, JSON.stringify(put.json));
});
after(() => s?.stop());

test('the session itself, asked by its proof, is refused by its user\'s explicit deny', async () => {
  const principalProof = `${s.url}/?${await identityProof(s.url, fed)}`;
  const a = await ask('/v1/authorize', { principalProof, action: 's3:PutObject', resource: `arn:aws:s3:::${BUCKET}/q1.csv` });
  assert.equal(a.decision, 'ExplicitDeny', JSON.stringify(a));
});

test('asked by its ARN, which tells neither its user nor its session policy, it is not allowed', async () => {
  const put = await ask('/v1/authorize', { principal: arn, action: 's3:PutObject', resource: `arn:aws:s3:::${BUCKET}/q1.csv` });
  assert.notEqual(put.decision, 'Allow', JSON.stringify(put));
  assert.match(JSON.stringify(put.reasons), /principalProof/);
  const get = await ask('/v1/authorize', { principal: arn, action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/q1.csv` });
  assert.equal(get.decision, 'ImplicitDeny', JSON.stringify(get));
  // A batch answers the same.
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize:batch', { requests: [{ principal: arn, action: 's3:PutObject', resource: `arn:aws:s3:::${BUCKET}/q1.csv` }] });
  assert.notEqual((r.json['results'] as Answer[])[0]?.decision, 'Allow', JSON.stringify(r.json));
  // A simulation still decides a session with no session policy, as who-can asks it (review gd, 2).
  const sim = await ask('/v1/simulate', { principal: arn, action: 's3:GetObject', resource: `arn:aws:s3:::${BUCKET}/q1.csv` });
  assert.equal(sim.decision, 'Allow', JSON.stringify(sim));
});
