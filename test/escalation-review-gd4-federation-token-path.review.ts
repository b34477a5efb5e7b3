/**
 * Review gd, 4. Escalation-paths' steps let a principal come to act as the account's users and roles (AssumeRole,
 * PassRole, CreateAccessKey…), never as a federated user: a user allowed `sts:GetFederationToken` whose federated name
 * a bucket policy grants (`Principal: {AWS: arn:aws:sts::A:federated-user/reporter}`) reads that bucket without any S3
 * right of its own (a resource policy naming a federated session grants it alone, reference §A.1.2), yet
 * `escalation-paths --principal …/user/broker` said it acts as no other principal.
 *
 * Now each federated user a resource policy of the account names is listed in `canBecome` (kind `federated-user`) of
 * each principal that is, or can come to act as, a user allowed GetFederationToken on it, with that step
 * (`sts:GetFederationToken`). Real server on 127.0.0.1 (SQLite), the S3 gateway through the AWS SDK,
 * `/v1/escalation-paths` and `gatehouse escalation-paths`.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, PutRolePolicyCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, REGION, startTestServer, userWithKey, type TestServer } from './support/server.ts';

const BUCKET = 'gd4-reports';
const doc = (...Statement: object[]): string => JSON.stringify({ Version: '2012-10-17', Statement });

interface Step { from: string; to: string; how: string }
interface Report { principal: string; canBecome: { principal: string; kind: string; path: Step[] }[] }

describe('escalation-paths: a federated user a bucket policy names, reached by GetFederationToken', () => {
  let s: TestServer;
  let account: string;
  let reporter: string;
  const user = (name: string) => `arn:aws:iam::${account}:user/${name}`;
  const paths = async (principal: string): Promise<Report> => {
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/escalation-paths', { principal });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    return (r.json['reports'] as Report[])[0] as Report;
  };

  before(async () => {
    s = await startTestServer();
    account = s.adminFile.AccountId;
    reporter = `arn:aws:sts::${account}:federated-user/reporter`;
    const admin = new S3Client({ endpoint: s.running.s3Url, region: REGION, credentials: s.admin, forcePathStyle: true, maxAttempts: 1 });
    try {
      await admin.send(new CreateBucketCommand({ Bucket: BUCKET }));
      await admin.send(new PutBucketPolicyCommand({ Bucket: BUCKET, Policy: doc({ Effect: 'Allow', Principal: { AWS: reporter }, Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }) }));
    } finally {
      admin.destroy();
    }
    const iam = s.iam();
    await userWithKey(s, 'broker');
    await userWithKey(s, 'outsider');
    await iam.send(new PutUserPolicyCommand({ UserName: 'broker', PolicyName: 'mint', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: `arn:aws:sts::${account}:federated-user/rep*` }) }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'outsider', PolicyName: 'mint', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:GetFederationToken', Resource: `arn:aws:sts::${account}:federated-user/ops-*` }) }));
    // A role whose sessions may mint broker's access key: it comes to act as broker, and so as reporter.
    await iam.send(new CreateRoleCommand({ RoleName: 'keymaker', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }) }));
    await iam.send(new PutRolePolicyCommand({ RoleName: 'keymaker', PolicyName: 'keys', PolicyDocument: doc({ Effect: 'Allow', Action: 'iam:CreateAccessKey', Resource: user('broker') }) }));
  });
  after(() => s?.stop());

  it('broker can act as the federated user, by GetFederationToken', async () => {
    const r = await paths(user('broker'));
    const f = r.canBecome.find((b) => b.principal === reporter);
    assert.ok(f, JSON.stringify(r.canBecome));
    assert.equal(f.kind, 'federated-user');
    assert.deepEqual(f.path.map((p) => [p.from, p.how, p.to]), [[user('broker'), 'sts:GetFederationToken', reporter]]);
  });

  it('a role that can mint broker\'s key reaches it through broker; outsider does not', async () => {
    const k = await paths(`arn:aws:iam::${account}:role/keymaker`);
    const f = k.canBecome.find((b) => b.principal === reporter);
    assert.ok(f, JSON.stringify(k.canBecome));
    assert.deepEqual(f.path.map((p) => p.how), ['iam:CreateAccessKey', 'sts:GetFederationToken']);
    const o = await paths(user('outsider'));
    assert.ok(!o.canBecome.some((b) => b.principal === reporter), JSON.stringify(o.canBecome));
  });

  it('gatehouse escalation-paths prints the step', async () => {
    const r = await cliAgainst(s, ['escalation-paths', '--principal', user('broker')]);
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, /federated-user\/reporter .*sts:GetFederationToken/);
  });
});
