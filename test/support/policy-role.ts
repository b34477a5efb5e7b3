/**
 * The reviews of how a role asked about by its ARN is decided (pd 3, pd 4): a server with one role of the root account,
 * trusting that account, with one inline policy, and questions put to `/v1/authorize` or `/v1/simulate` about it.
 */
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './resource-server.ts';
import { startTestServer, type TestServer } from './server.ts';
import { suiteWorld } from './suite-world.ts';

export interface PolicyRole {
  readonly server: TestServer;
  /** The role's RoleId, as CreateRole answered it. */
  readonly roleId: string;
  /** The answer of `path` (`/v1/authorize` or `/v1/simulate`) about `principal` doing `action` on `resource`, asked by the root admin (200 asserted). */
  ask(path: string, principal: string, action: string, resource: string, context?: Record<string, string>): Promise<Record<string, unknown>>;
}

/**
 * The world, for the suite this is called in (read once its `before` has run: suite-world.ts): role `role`, which the
 * root account may assume, with the inline policy `policyName` of the statements `statements` makes of its RoleId.
 */
export function policyRole(setUp: { readonly role: string; readonly policyName: string; readonly statements: (roleId: string) => readonly object[] }): () => PolicyRole {
  return suiteWorld('policyRole', async (cleanUp) => {
    const s = await startTestServer();
    cleanUp(() => s.stop());
    const iam = s.iam();
    const doc = (Statement: readonly object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
    const trust = doc([{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${s.adminFile.AccountId}:root` }, Action: 'sts:AssumeRole' }]);
    const made = await iam.send(new I.CreateRoleCommand({ RoleName: setUp.role, AssumeRolePolicyDocument: trust }));
    const roleId = made.Role?.RoleId ?? assert.fail('CreateRole answered no RoleId');
    await iam.send(new I.PutRolePolicyCommand({ RoleName: setUp.role, PolicyName: setUp.policyName, PolicyDocument: doc(setUp.statements(roleId)) }));
    return {
      server: s,
      roleId,
      async ask(path, principal, action, resource, context) {
        const r = await gatehouseJson(s.url, s.admin, 'POST', path, { principal, action, resource, ...(context !== undefined ? { context } : {}) });
        assert.equal(r.status, 200, JSON.stringify(r.json));
        return r.json;
      },
    };
  });
}
