/**
 * The reviews of a job's session on a cluster (ou 1, 2, 3 and 6): a server with cluster `k1`, whose RBAC grants the
 * Kubernetes group `trainers` its `rules`; roles the training service may assume, each mapped to `trainers` by an
 * AccessEntry; and workspace `workspace`, of which the root admin is a member. Then jobs submitted there, the sessions
 * their container endpoints serve as the TokenReview webhook names them, and SubjectAccessReviews as kube-apiserver
 * sends them.
 */
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { reviewedUser, type UserInfo } from './admission.ts';
import { gatehouseJson } from './resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './server.ts';
import { suiteWorld } from './suite-world.ts';

const RBAC = 'rbac.authorization.k8s.io';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

/** A role of the suite: what its inline policy `p` states, if anything; `sourceIdentity`: the account's root may assume it too, setting a source identity. */
export interface TrainerRole {
  readonly policy?: object;
  readonly sourceIdentity?: true;
}

/** A job submitted in the workspace. */
export interface TrainerJob {
  readonly id: string;
  /** Its session's ARN, `arn:aws:sts::<account>:assumed-role/<role>/job-<id>`. */
  readonly arn: string;
  /** The session its container endpoint serves. */
  readonly session: Credentials;
  /** The session as the TokenReview webhook names it. */
  readonly user: UserInfo;
}

/** A SubjectAccessReview webhook's status: allowed, denied (a Deny, not only no opinion), and the reason given. */
export interface SarStatus {
  readonly allowed: boolean;
  readonly denied: boolean;
  readonly reason: string;
}

export interface TrainersOnK1 {
  readonly server: TestServer;
  /** `arn:aws:training::<account>:cluster/k1`. */
  readonly cluster: string;
  /** A job of role `roleArn` submitted in the workspace (201 asserted), and its session (200 asserted). */
  job(roleArn: string): Promise<TrainerJob>;
  /** `credentials` as the TokenReview webhook of `k1` names them. */
  reviewed(credentials: Credentials): Promise<UserInfo>;
  /** The SubjectAccessReview webhook's status for `user` with `resourceAttributes` (200 asserted). */
  sar(user: UserInfo, resourceAttributes: Readonly<Record<string, string>>): Promise<SarStatus>;
}

/**
 * The world, for the suite this is called in (read once its `before` has run: suite-world.ts): `roles` by name;
 * `rules`, the ClusterRole's (by default get and list of everything).
 */
export function trainersOnK1(setUp: { readonly roles: Readonly<Record<string, TrainerRole>>; readonly workspace: string; readonly rules?: readonly object[] }): () => TrainersOnK1 {
  return suiteWorld('trainersOnK1', async (cleanUp) => {
    const s = await startTestServer();
    cleanUp(() => s.stop());
    const acct = s.adminFile.AccountId;
    const cluster = `arn:aws:training::${acct}:cluster/k1`;
    const iam = s.iam();
    try {
      for (const [name, role] of Object.entries(setUp.roles)) {
        const training = { Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' };
        const trust = role.sourceIdentity ? doc(training, { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${acct}:root` }, Action: ['sts:AssumeRole', 'sts:SetSourceIdentity'] }) : doc(training);
        await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust }));
        if (role.policy !== undefined) await iam.send(new I.PutRolePolicyCommand({ RoleName: name, PolicyName: 'p', PolicyDocument: doc(role.policy) }));
      }
    } finally {
      iam.destroy();
    }
    const g = (kind: string, name: string, spec: object) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
    const entries = Object.keys(setUp.roles).map((name) => g('AccessEntry', name, { cluster: 'k1', principalArn: `arn:aws:iam::${acct}:role/${name}`, kubernetesGroups: ['trainers'] }));
    const applied = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [g('Cluster', 'k1', {}), ...entries, g('Workspace', setUp.workspace, { members: [{ user: 'admin' }] })] });
    assert.equal(applied.status, 200, JSON.stringify(applied.json));
    const rbac = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      cluster: 'k1',
      documents: [
        { apiVersion: `${RBAC}/v1`, kind: 'ClusterRole', metadata: { name: 'trainers' }, rules: setUp.rules ?? [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list'] }] },
        { apiVersion: `${RBAC}/v1`, kind: 'ClusterRoleBinding', metadata: { name: 'trainers' }, subjects: [{ kind: 'Group', name: 'trainers', apiGroup: RBAC }], roleRef: { kind: 'ClusterRole', name: 'trainers', apiGroup: RBAC } },
      ],
    });
    assert.equal(rbac.status, 200, JSON.stringify(rbac.json));
    const bearer = String((await gatehouseJson(s.url, s.admin, 'POST', '/v1/clusters/k1/webhook-config', {})).json['token']);
    const reviewed = (credentials: Credentials): Promise<UserInfo> => reviewedUser(s.url, 'k1', bearer, credentials);
    return {
      server: s,
      cluster,
      reviewed,
      async job(roleArn) {
        const submitted = await gatehouseJson(s.url, s.admin, 'POST', '/v1/jobs', { workspace: setUp.workspace, role: roleArn, imds: false });
        assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
        const id = (submitted.json['job'] as { id: string }).id;
        const r = await fetch(`${s.running.agentUrl}/v1/container-credentials`, { headers: { authorization: String(submitted.json['capability']) } });
        assert.equal(r.status, 200);
        const j = (await r.json()) as { AccessKeyId: string; SecretAccessKey: string; Token: string };
        const session = { accessKeyId: j.AccessKeyId, secretAccessKey: j.SecretAccessKey, sessionToken: j.Token };
        return { id, arn: `arn:aws:sts::${acct}:assumed-role/${roleArn.split('/').pop() ?? ''}/job-${id}`, session, user: await reviewed(session) };
      },
      async sar(user, resourceAttributes) {
        const body = { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { resourceAttributes, user: user.username, groups: user.groups, extra: user.extra } };
        const r = await fetch(`${s.url}/k8s/k1/authorize`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: JSON.stringify(body) });
        const json = (await r.json()) as { status: { allowed: boolean; denied?: boolean; reason?: string } };
        assert.equal(r.status, 200, JSON.stringify(json));
        return { allowed: json.status.allowed, denied: json.status.denied === true, reason: json.status.reason ?? '' };
      },
    };
  });
}
