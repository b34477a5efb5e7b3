/**
 * Cluster k1 with alice (group `scientists`, allowed iam:PassRole until `setPassRole('Deny')`), RBAC granting the group
 * `get` and `create` on the resources given, and a pod `kubeflow/train` she made running as role Trainer: the world of
 * the reviews of shells into role pods asked of the SubjectAccessReview webhook and the authorize API alike (reviews
 * sc2, vj3).
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from './server.ts';
import { aliceOnK1, groupGrant, type AliceOnK1 } from './kube-session.ts';
import { admit, podCreate } from './admission.ts';
import { gatehouseJson } from './resource-server.ts';

export interface BothAnswers {
  /** The webhook's `[allowed, denied]`. */
  readonly webhook: [boolean, boolean];
  /** The authorize API's decision. */
  readonly api: string;
  /** The authorize API's reasons, as JSON. */
  readonly reasons: string;
  readonly webhookReason: string;
}

export interface RolePodShell {
  readonly server: TestServer;
  readonly k1: AliceOnK1;
  setPassRole(effect: 'Allow' | 'Deny'): Promise<void>;
  /** The webhook's answer and the authorize API's to the same request of alice's. */
  both(verb: string, path: string, attrs: Record<string, string>): Promise<BothAnswers>;
}

const policies = (passRole: 'Allow' | 'Deny') => ({ pass: { Version: '2012-10-17', Statement: [{ Effect: passRole, Action: 'iam:PassRole', Resource: '*' }] } });

/** Starts the world before the suite's tests (stopped after); `ready` is handed it once the pod is made. */
export function rolePodShell(rbacResources: readonly string[], ready: (w: RolePodShell) => void): void {
  let server: TestServer | undefined;
  before(async () => {
    const s = (server = await startTestServer());
    const k1 = await aliceOnK1(s, {
      inlinePolicies: () => policies('Allow'),
      group: 'scientists',
      rbac: groupGrant('scientists', rbacResources, ['get', 'create']),
    });
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', {
      documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Role', metadata: { name: 'Trainer' }, spec: { trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: 'compute.gatehouse.dev' } }] } } }],
    });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    // The pod as alice creates it (her reviewed user), in `kubeflow`, running as Trainer.
    const made = await admit(s.url, 'k1', k1.bearer, podCreate('', '', 'train', 'Trainer', k1.user, 'kubeflow'));
    assert.equal(made['allowed'], true, JSON.stringify(made));
    ready({
      server: s,
      k1,
      async setPassRole(effect) {
        const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/apply', { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'alice' }, spec: { inlinePolicies: policies(effect) } }] });
        assert.equal(r.status, 200, JSON.stringify(r.json));
      },
      async both(verb, path, attrs) {
        const w = await k1.sar({ resourceAttributes: { verb, version: 'v1', ...attrs } });
        const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${s.adminFile.AccountId}:user/alice`, action: `kubernetes:${verb}`, resource: `${k1.cluster}${path}` });
        assert.equal(r.status, 200, JSON.stringify(r.json));
        return { webhook: [w.allowed, w.denied], api: String(r.json['decision']), reasons: JSON.stringify(r.json['reasons']), webhookReason: w.reason };
      },
    });
  });
  after(async () => {
    await server?.stop();
  });
}
