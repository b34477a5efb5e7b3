/**
 * Review bb, 4. `POST /v1/simulate` with a `principalProof` noted the proven access key as used: after a resource
 * server only simulated a question about alice's proof, `GetAccessKeyLastUsed` of alice's key answered a date, service
 * `sts`, as if alice had made a request. A simulation is answered "with no side effects" and "recorded nowhere"
 * (docs/decisions.md); a key's last use is how stale keys are found and rotated, so a what-if about a proof kept a
 * key that no one uses looking alive. (`POST /v1/authorize` with the same proof is a use: the key's holder handed it
 * to the resource server to be let in.)
 *
 * Now a simulation verifies the proof as before (a forged or expired one is refused the same way) but notes no use of
 * its key; the authorize API still does. Real server (SQLite), SDK v3 IAM, the SDK's SignatureV4 presigner.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateUserCommand, GetAccessKeyLastUsedCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { gatehouseJson, identityProof } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

let s: TestServer;
let alice: Credentials;
const Q = { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' };

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  await iam.send(new CreateUserCommand({ UserName: 'alice' }));
  await iam.send(new PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:Get*', Resource: '*' }] }) }));
  const k = await iam.send(new CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
});
after(() => s?.stop());

const lastUsed = async () => (await s.iam().send(new GetAccessKeyLastUsedCommand({ AccessKeyId: alice.accessKeyId }))).AccessKeyLastUsed;

test('a simulation about a proof leaves its key unused; the authorize API’s decision about it is a use', async () => {
  const proof = `${s.url}/?${await identityProof(s.url, alice)}`;
  assert.equal((await lastUsed())?.LastUsedDate, undefined, 'a new key is unused');

  const sim = await gatehouseJson(s.url, s.admin, 'POST', '/v1/simulate', { principalProof: proof, ...Q });
  assert.equal(sim.status, 200, JSON.stringify(sim.json));
  assert.equal(sim.json['decision'], 'Allow', JSON.stringify(sim.json));
  assert.equal(sim.json['principal'], 'arn:aws:iam::000000000000:user/alice', JSON.stringify(sim.json));
  const batchless = await lastUsed();
  assert.equal(batchless?.LastUsedDate, undefined, `simulate noted a use: ${JSON.stringify(batchless)}`);

  const forged = await gatehouseJson(s.url, s.admin, 'POST', '/v1/simulate', { principalProof: proof.replace(/X-Amz-Signature=[0-9a-f]/, 'X-Amz-Signature=z'), ...Q });
  assert.equal(forged.status, 403, JSON.stringify(forged.json));

  const real = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principalProof: proof, ...Q });
  assert.equal(real.json['decision'], 'Allow', JSON.stringify(real.json));
  const used = await lastUsed();
  assert.ok(used?.LastUsedDate instanceof Date, `authorize noted no use: ${JSON.stringify(used)}`);
  assert.equal(used?.ServiceName, 'sts');
});
