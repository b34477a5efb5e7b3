/**
 * Review sr, 3: a principal whose access entry was deleted still passed roles to pods on the facts its last TokenReview
 * sealed. Deleting the entry makes the TokenReview refuse the principal's tokens, and the SubjectAccessReviews of
 * kube-apiserver's cached user get nothing from Gatehouse (docs/decisions.md "Like a disabled user, a user whose
 * TokenReview would now be refused gets no opinion", review R, R1: "a principal whose access entry in the cluster is
 * gone"). But pod admission took the sealed `extra` (`gatehouse.dev/session`, `gatehouse.dev/user`) as it was: checked
 * for a revoked or expired session, a deleted role or user, an inactive key — never for the entry. So kube-apiserver's
 * cached user (its groups bound by the cluster's own RBAC, which decides once the webhook has no opinion) created pods
 * that ran as a role, and so did anyone who pasted the facts back with `kubectl --as … --as-user-extra` (review sk, 1
 * accepted that replay on the ground that the checks above end it): for a session its whole life, for a user an hour.
 * Now a passer named by its TokenReview's facts whose entry is gone (or was made for an earlier principal of its name)
 * passes no role, saying so; a workload's grant, the author's word, is unchanged.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { passRoleCluster, type PassRoleCluster } from './support/pass-role-cluster.ts';
import { podCreate, reviewedUser, type UserInfo } from './support/admission.ts';
import { gatehouseJson } from './support/resource-server.ts';

let w: PassRoleCluster;
let ci: UserInfo;
let trainer = '';

const entryDeleted = async (principalArn: string): Promise<void> => {
  const d = await gatehouseJson(w.server.url, w.server.admin, 'DELETE', `/v1/clusters/k1/access-entries/${encodeURIComponent(principalArn)}`);
  assert.equal(d.status, 200, JSON.stringify(d.json));
};

before(async () => {
  w = await passRoleCluster();
  trainer = `arn:aws:iam::${w.acct}:role/ml/Trainer`;
  // Role `ci`, allowed to pass Trainer, mapped by an entry; a session of it reviewed by the TokenReview webhook.
  const V = '2012-10-17';
  await w.server.iam().send(new I.CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${w.acct}:root` }, Action: 'sts:AssumeRole' }] }) }));
  await w.server.iam().send(new I.PutRolePolicyCommand({ RoleName: 'ci', PolicyName: 'pass', PolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: trainer }] }) }));
  const made = await gatehouseJson(w.server.url, w.server.admin, 'POST', '/v1/clusters/k1/access-entries', { principalArn: `arn:aws:iam::${w.acct}:role/ci`, kubernetesGroups: ['devs'] });
  assert.equal(made.status, 201, JSON.stringify(made.json));
  const config = await gatehouseJson(w.server.url, w.server.admin, 'POST', '/v1/clusters/k1/webhook-config', {});
  const c = (await w.server.sts().send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${w.acct}:role/ci`, RoleSessionName: 'build-7' }))).Credentials;
  ci = await reviewedUser(w.server.url, 'k1', String(config.json['token']), { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
});

after(async () => {
  await w?.server.stop();
});

test('mapped, the user and the session pass the role', async () => {
  assert.equal((await w.admit(podCreate(w.acct, 'alice', 'a1', trainer, w.alice)))['allowed'], true);
  const r = await w.admit(podCreate(w.acct, 'ci', 'c1', trainer, ci));
  assert.equal(r['allowed'], true, JSON.stringify(r));
});

test("a user whose entry is deleted passes no role on its last TokenReview's facts", async () => {
  await entryDeleted(`arn:aws:iam::${w.acct}:user/alice`);
  const r = await w.admit(podCreate(w.acct, 'alice', 'a2', trainer, w.alice));
  assert.equal(r['allowed'], false, JSON.stringify(r));
  assert.match((r['status'] as { message: string }).message, /user\/alice has no access entry in cluster k1.*cannot pass role/);
});

test("a session whose role's entry is deleted passes no role on its sealed session", async () => {
  await entryDeleted(`arn:aws:iam::${w.acct}:role/ci`);
  const r = await w.admit(podCreate(w.acct, 'ci', 'c2', trainer, ci));
  assert.equal(r['allowed'], false, JSON.stringify(r));
  assert.match((r['status'] as { message: string }).message, /no access entry in cluster k1.*cannot pass role/);
});
