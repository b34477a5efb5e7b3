/**
 * Review pa, 2: what a job's session, or a session that carries a source identity, did in a Kubernetes cluster was
 * recorded without its job and its source identity. The TokenReview webhook seals the whole session with the user it
 * answers (review ac, 11), and the SubjectAccessReview decisions made for that user are decided as that session, yet
 * their records named the role and the session only: `audit query --job J` listed what job J did through S3 and the
 * authorize API, and none of its `kubectl delete`s, denied or allowed, and the source identity an administrator set
 * to trace a person through role chains was missing from exactly those records.
 *
 * The contract: issue 7 (the audit log says "who did what, with which role, from which job"), DESIGN.md's auditor
 * ("who did what, with which role, from which job"), and AWS's "Monitor and control actions taken with assumed roles"
 * (IAM User Guide, id_credentials_temp_control-access_monitor): the source identity "is logged in CloudTrail for all
 * actions taken with the role session". Every other record of a session's action carries both (`actorOf`, the audited
 * authorizer). Now a SubjectAccessReview decision made for a session the TokenReview sealed names its job and source
 * identity too; an impersonated user (nothing sealed) still names neither. Real server on 127.0.0.1, sessions from
 * AssumeRole (SDK v3) and from a job's credentials URI (the SDK's HTTP provider), tokens reviewed by the TokenReview
 * webhook, SubjectAccessReviews as kube-apiserver sends them.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromHttp } from '@aws-sdk/credential-providers';
import { reviewedUser, type UserInfo } from './support/admission.ts';
import { ciSessionOnK1, type CiSession } from './support/kube-session.ts';
import { submitJob } from './support/processes.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { auditRecords, startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
let server: TestServer;
let ci: CiSession;

async function sar(user: UserInfo, resourceAttributes: Record<string, string>): Promise<Record<string, unknown>> {
  const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes, user: user.username, groups: user.groups, extra: user.extra } };
  const r = await fetch(`${server.url}/k8s/k1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ci.bearer}` }, body: JSON.stringify(body) });
  const json = (await r.json()) as Record<string, unknown>;
  assert.equal(r.status, 200, JSON.stringify(json));
  return json['status'] as Record<string, unknown>;
}

describe('review pa2: Kubernetes decisions of a session name its job and source identity', () => {
  before(async () => {
    server = await startTestServer();
    ci = await ciSessionOnK1(server, () => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }));
  });
  after(async () => {
    await server?.stop();
  });

  it('a session with a source identity: its denied and allowed reviews carry it', async () => {
    await server.iam().send(new I.UpdateAssumeRolePolicyCommand({ RoleName: 'ci', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }] }) }));
    const c = (await server.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCT}:role/ci`, RoleSessionName: 'traced', SourceIdentity: 'jane-pa2', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }, { Effect: 'Deny', Action: 'kubernetes:delete', Resource: '*' }] }) }))).Credentials;
    const user = await reviewedUser(server.url, 'k1', ci.bearer, { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
    assert.equal((await sar(user, { verb: 'get', resource: 'pods', namespace: 'pa2', name: 'a' }))['allowed'], true);
    assert.equal((await sar(user, { verb: 'delete', resource: 'pods', namespace: 'pa2', name: 'a' }))['allowed'], false);
    await server.running.app.audit.flush();
    const recs = (await auditRecords(server, { principal: `arn:aws:sts::${ACCT}:assumed-role/ci/traced` })).filter((r) => r.action.startsWith('kubernetes:'));
    assert.deepEqual(recs.map((r) => [r.action, r.decision]), [['kubernetes:get', 'Allow'], ['kubernetes:delete', 'ExplicitDeny']]);
    for (const r of recs) assert.equal(r.sourceIdentity, 'jane-pa2', JSON.stringify(r));
  });

  it("a job's session: `audit query --job` finds what it did in the cluster", async () => {
    const job = await submitJob(server.url, server.admin);
    const creds = await fromHttp({ awsContainerCredentialsFullUri: `${job.upstream}/v1/container-credentials`, awsContainerAuthorizationToken: job.capability, maxRetries: 0 })();
    const sts = new STSClient({ endpoint: server.url, region: 'us-east-1', credentials: creds, maxAttempts: 1 });
    const me = await sts.send(new GetCallerIdentityCommand({}));
    sts.destroy();
    const roleArn = (me.Arn ?? '').replace(/^arn:aws:sts::(\d+):assumed-role\/([^/]+)\/.*$/, 'arn:aws:iam::$1:role/$2');
    // The workspace's default role may sit under a path: the entry names the role's ARN as IAM gives it.
    const role = (await server.iam().send(new I.ListRolesCommand({}))).Roles?.find((r) => r.RoleName === roleArn.slice(roleArn.lastIndexOf('/') + 1));
    assert.ok(role?.Arn, JSON.stringify(me));
    const entry = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'AccessEntry', metadata: { name: 'job-pa2' }, spec: { cluster: 'k1', principalArn: role.Arn, kubernetesGroups: ['ci'] } }] });
    assert.equal(entry.status, 200, JSON.stringify(entry.json));
    const user = await reviewedUser(server.url, 'k1', ci.bearer, creds);
    assert.equal((await sar(user, { verb: 'list', resource: 'secrets', namespace: 'pa2' }))['allowed'], true);
    await server.running.app.audit.flush();
    const recs = (await auditRecords(server, { job: job.id })).filter((r) => r.action.startsWith('kubernetes:'));
    assert.deepEqual(recs.map((r) => [r.action, r.decision, r.principal]), [['kubernetes:list', 'Allow', me.Arn]], JSON.stringify(recs));
  });
});
