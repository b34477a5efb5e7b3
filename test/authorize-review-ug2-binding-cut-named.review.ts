/**
 * Review ug, 2. A GCP-style binding's grant to a role is cut by the permissions boundary and the session policy of the
 * session asking (DESIGN.md: "Every decision can explain itself (which policy … decided)"; reference §A.1.2: a grant
 * that names the role is bounded by both), and the answer says which one cut it: `deniedBy` and the bindings engine's
 * "…, but the session policy does not allow this request" (review N, N9). Asked in the bindings' spelling
 * (`storage.objects.create`), the cut was first decided on the permission's name, which no boundary or session policy
 * names, so a role with a boundary was always said to be cut by its boundary: a session whose boundary allows `s3:*`
 * and whose session policy allows only `s3:GetObject` was answered `deniedBy: "boundary"`, "the permissions boundary
 * does not allow this request", where the same question in IAM's spelling (`s3:PutObject`) rightly named the session
 * policy. Review ai, 6 already decided the cut on the IAM actions of the permission; now it is named from them too.
 * Real server (SQLite), STS session from the SDK.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { aliceAndRole } from './support/sts-caller.ts';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const SESSION = 'arn:aws:sts::000000000000:assumed-role/writer/w1';
const OBJECT = 'arn:aws:s3:::data/k';

let s: TestServer;
let session: Credentials;

before(async () => {
  s = await startTestServer();
  const iam = s.iam();
  const alice = await aliceAndRole(s, 'writer', 'alice', ['sts:AssumeRole']);
  const bound = await iam.send(new I.CreatePolicyCommand({ PolicyName: 'bound', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
  await iam.send(new I.PutRolePermissionsBoundaryCommand({ RoleName: 'writer', PermissionsBoundary: bound.Policy?.Arn }));
  const put = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource: 'arn:aws:s3:::data', bindings: [{ role: 'roles/storage.objectAdmin', members: ['serviceAccount:writer@000000000000.iam.gatehouse.dev'] }] });
  assert.equal(put.status, 200, JSON.stringify(put.json));
  const sts = new S.STSClient({ endpoint: s.url, region: REGION, credentials: alice, maxAttempts: 1 });
  const c = (await sts.send(new S.AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/writer', RoleSessionName: 'w1', Policy: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }))).Credentials;
  session = { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' };
  sts.destroy();
});
after(() => s?.stop());

type Answer = { decision: string; deniedBy?: string; diagnostics: string[] };
const cutLine = (a: Answer): string | undefined => a.diagnostics.find((d) => d.startsWith('bindings: no opinion: allowed by binding of roles/storage.objectAdmin'));

describe('review ug, 2: a binding’s grant cut by the session policy names the session policy, in either spelling', () => {
  test('the session asking for itself: storage.objects.create is cut by the session policy, as s3:PutObject is', async () => {
    for (const action of ['s3:PutObject', 'storage.objects.create']) {
      const r = await gatehouseJson(s.url, session, 'POST', '/v1/authorize', { action, resource: OBJECT });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const a = r.json as unknown as Answer;
      assert.equal(a.decision, 'ImplicitDeny', `${action}: ${JSON.stringify(a)}`);
      assert.equal(a.deniedBy, 'session', `${action}: ${JSON.stringify(a)}`);
      assert.match(cutLine(a) ?? '', /, but the session policy does not allow this request \(a binding names the principal, not its session\)$/, `${action}: ${JSON.stringify(a)}`);
    }
    // The read its session policy allows is the binding's.
    const read = await gatehouseJson(s.url, session, 'POST', '/v1/authorize', { action: 'storage.objects.get', resource: OBJECT });
    assert.equal(read.json['decision'], 'Allow', JSON.stringify(read.json));
  });

  test('asked about the session by its ARN, and simulated: the same', async () => {
    for (const path of ['/v1/authorize', '/v1/simulate']) {
      const r = await gatehouseJson(s.url, s.admin, 'POST', path, { principal: SESSION, action: 'storage.objects.create', resource: OBJECT });
      const a = r.json as unknown as Answer;
      assert.equal(a.decision, 'ImplicitDeny', `${path}: ${JSON.stringify(a)}`);
      assert.equal(a.deniedBy, 'session', `${path}: ${JSON.stringify(a)}`);
      assert.ok(!a.diagnostics.some((d) => d.includes('the permissions boundary does not allow')), `${path}: ${JSON.stringify(a)}`);
    }
  });
});
