/**
 * Review gk, 2: an OSS ARN spelt with another account's id put the bucket in that account for bindings. Any spelling of
 * an OSS object is one object of its bucket (review fa, 3): writes treat a bucket whose IAM policy account A holds as
 * A's whatever the spelling (account B's `PUT /v1/iam-policies` on `acs:oss:*:<B>:data` is refused: "belongs to account
 * A"), but a decision took the account written in the ARN as the owner: asked about `acs:oss:*:<B>:data/x`, A's
 * policy on the bucket did not count and B's `account/<B>` policy governed A's objects. B's admin binding
 * `allAuthenticatedUsers` on its own account thereby granted every principal, of every account, A's objects under that
 * spelling (Allow), and A's own grants depended on how the resource server spelt the ARN. Now the account of the IAM
 * policy held on the bucket (or above the object) decides for an OSS ARN, as for writes; a bucket no policy holds still
 * goes by the account its ARN names.
 *
 * Real server, SigV4-signed /v1/ calls: the root admin (account A) and the admin of account B.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson, type ServiceCredentials } from './support/resource-server.ts';

const A = '000000000000';
const B = '111111111111';
const BOB = `arn:aws:iam::${A}:user/bob`;
// Review ra, 1: B's account-level binding names one of A's roles (a service account of A, as GCP allows across
// projects), since `allAuthenticatedUsers` — what it bound before — is refused on an account now.
const READER = `arn:aws:iam::${A}:role/gk2reader`;
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });

describe('an OSS bucket whose IAM policy account A holds is A’s, whatever account its ARN spells', () => {
  let server: TestServer;
  let bAdmin: ServiceCredentials;
  const decision = async (principal: string, resource: string): Promise<{ decision: string; reasons: string }> => {
    const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/authorize', { principal, action: 'oss:GetObject', resource });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return { decision: r.json['decision'] as string, reasons: JSON.stringify(r.json['reasons']) };
  };

  before(async () => {
    server = await startTestServer();
    await server.iam().send(new I.CreateUserCommand({ UserName: 'bob' }));
    await server.iam().send(new I.CreateRoleCommand({ RoleName: 'gk2reader', AssumeRolePolicyDocument: TRUST }));
    const b = await gatehouseJson(server.url, server.admin, 'POST', '/v1/accounts', { id: B, partition: 'acs' });
    assert.equal(b.status, 201, JSON.stringify(b.json));
    bAdmin = { accessKeyId: String(b.json['AccessKeyId']), secretAccessKey: String(b.json['SecretAccessKey']) };
    const own = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: 'acs:oss:*:*:gk2-data', bindings: [{ role: 'roles/storage.objectViewer', members: ['user:bob'] }] });
    assert.equal(own.status, 200, JSON.stringify(own.json));
    const open = await gatehouseJson(server.url, bAdmin, 'PUT', '/v1/iam-policies', { resource: `account/${B}`, bindings: [{ role: 'roles/storage.objectViewer', members: [`serviceAccount:gk2reader@${A}.iam.gatehouse.dev`] }] });
    assert.equal(open.status, 200, JSON.stringify(open.json));
  });
  after(() => server?.stop());

  test('account B cannot write the bucket’s policy by spelling its own id (as before)', async () => {
    const r = await gatehouseJson(server.url, bAdmin, 'PUT', '/v1/iam-policies', { resource: `acs:oss:*:${B}:gk2-data`, bindings: [{ role: 'roles/storage.objectViewer', members: ['allAuthenticatedUsers'] }] });
    assert.equal(r.status, 403, JSON.stringify(r.json));
  });

  test('B’s account-level bindings do not govern A’s bucket spelt with B’s id', async () => {
    for (const resource of [`acs:oss:*:${B}:gk2-data/secret.csv`, `acs:oss:cn-hangzhou:${B}:gk2-data/secret.csv`]) {
      const d = await decision(READER, resource);
      assert.equal(d.decision, 'ImplicitDeny', `${resource}: ${d.reasons}`);
    }
  });

  test('A’s bucket policy decides under every spelling', async () => {
    for (const resource of ['acs:oss:*:*:gk2-data/x.csv', `acs:oss:*:${A}:gk2-data/x.csv`, `acs:oss:*:${B}:gk2-data/x.csv`]) {
      const d = await decision(BOB, resource);
      assert.equal(d.decision, 'Allow', `${resource}: ${d.reasons}`);
      assert.match(d.reasons, /to user:bob on acs:oss:\*:\*:gk2-data/, resource);
      assert.doesNotMatch(d.reasons, /account\/111111111111/, resource);
    }
  });

  test('a bucket no policy holds still goes by the account its ARN names', async () => {
    assert.equal((await decision(READER, `acs:oss:*:${B}:gk2-other/x.csv`)).decision, 'Allow');
    assert.equal((await decision(READER, 'acs:oss:*:*:gk2-other/x.csv')).decision, 'ImplicitDeny');
  });
});
