/**
 * Review ko, 5: a workload's template may name its role by an ARN in any AWS partition, with the name in any case, or by
 * its bare name (`arn:aws-cn:iam::A:role/Trainer`, `arn:aws:iam::A:role/trainer`, `trainer` for role `Trainer`): the
 * workload is admitted (its author may pass the role, `checkPass` finds it as IAM does) and its template gets a grant
 * naming the role's own ARN. But a controller's pod was run on that grant only when the grant's ARN ended with the
 * template's spelling, compared as written: the Job was admitted and every pod its controller made was refused (`maps
 * to no IAM principal`), forever. Now the grant serves the template when both name the same role of the account (its
 * name without case; an ARN's path as the role's), as the role is found when it is passed; the role is still decided
 * again, for the grant's passer, for every pod.
 * Before the fix 3 of 4 tests failed.
 *
 * Real server (SQLite); AdmissionReview v1 POSTed to /k8s/{cluster}/admit: a Job by a user through Gatehouse's
 * TokenReview, then its pod by kube-system's job-controller.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reviewedAs, admitObject, type ObjectKind } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type TestServer } from './support/server.ts';

type Json = Record<string, unknown>;
let server: TestServer;
let acct = '';
let bearer = '';
const NS = 'ml';
const ROLE = 'gatehouse.dev/role';
const GRANT = 'gatehouse.dev/role-grant';
const doc = (kind: string, name: string, spec: Json) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
const userArn = (name: string) => `arn:aws:iam::${acct}:user/${name}`;
const controller = (name: string) => ({ username: `system:serviceaccount:kube-system:${name}`, groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'], extra: {} });
const admit = (kind: ObjectKind, user: unknown, object: Json) => admitObject(server.url, 'k1', bearer, NS, kind, user, object);
const POD = { group: '', version: 'v1', kind: 'Pod', resource: 'pods' };
const JOB = { group: 'batch', version: 'v1', kind: 'Job', resource: 'jobs' };
const ownedBy = (apiVersion: string, kind: string, name: string) => [{ apiVersion, kind, name, uid: '6f1d0000-0000-0000-0000-000000000001', controller: true, blockOwnerDeletion: true }];

before(async () => {
  server = await startTestServer();
  acct = server.adminFile.AccountId;
  const passAll = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: '*' }] };
  const applied = await gatehouseJson(server.url, server.admin, 'POST', '/v1/apply', {
    documents: [
      doc('Cluster', 'k1', {}),
      doc('Role', 'Trainer', { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] } }),
      doc('User', 'scientist', { inlinePolicies: { pass: passAll } }),
      doc('AccessEntry', 'scientist', { cluster: 'k1', principalArn: userArn('scientist'), kubernetesGroups: ['devs'] }),
    ],
  });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  const config = await gatehouseJson(server.url, server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  bearer = String(config.json['token']);
});
after(() => server?.stop());

describe('review ko5: a controller’s pod runs on its template’s grant whatever spelling names the role', () => {
  const spellings: [string, () => string][] = [
    ['the role’s own ARN (control)', () => `arn:aws:iam::${acct}:role/Trainer`],
    ['another AWS partition’s ARN', () => `arn:aws-cn:iam::${acct}:role/Trainer`],
    ['the ARN with the name in another case', () => `arn:aws:iam::${acct}:role/trainer`],
    ['the bare name in another case', () => 'trainer'],
  ];
  for (const [i, [what, spelt]] of spellings.entries()) {
    it(what, async () => {
      const name = `j${i}`;
      const tpl = (grant?: string) => ({ metadata: { annotations: { [ROLE]: spelt(), ...(grant ? { [GRANT]: grant } : {}) } }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'x' }] } });
      const j = await admit(JOB, await reviewedAs(server, 'k1', bearer, 'scientist'), { apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: NS }, spec: { template: tpl() } });
      assert.equal(j.allowed, true, j.message);
      const grant = j.patch.find((p) => p.path.endsWith('role-grant'))?.value as string;
      const pod = await admit(POD, controller('job-controller'), { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: `${name}-`, namespace: NS, annotations: { [ROLE]: spelt(), [GRANT]: grant }, ownerReferences: ownedBy('batch/v1', 'Job', name) }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'x' }] } });
      assert.equal(pod.allowed, true, pod.message);
      assert.equal(pod.audit['passed-by'], userArn('scientist'));
      assert.equal(pod.audit['role'], `arn:aws:iam::${acct}:role/Trainer`);
    });
  }
});
