/**
 * The reviews of what storage roles bound at `/v1/iam-policies` grant, asked of the authorize API (hs 5, ox 4, ox 5):
 * a server with users of the root account, their own inline policies, and the bindings put on one resource.
 */
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { gatehouseJson } from './resource-server.ts';
import { startTestServer, type TestServer } from './server.ts';
import { suiteWorld } from './suite-world.ts';

export interface BoundUsers {
  readonly server: TestServer;
  /** The authorize API's answer about user `user` of the root account doing `action` on `resource`, asked by the root admin (200 asserted). */
  ask(user: string, action: string, resource: string): Promise<Record<string, unknown>>;
}

/**
 * The world, for the suite this is called in (read once its `before` has run: suite-world.ts): `users`; then the inline
 * policies `policies` gives a user (policy name → its statements); then `bindings` put on `resource` (200 asserted).
 */
export function boundUsers(setUp: {
  readonly users: readonly string[];
  readonly policies?: Readonly<Record<string, Readonly<Record<string, readonly object[]>>>>;
  readonly resource: string;
  readonly bindings: readonly { readonly role: string; readonly members: readonly string[] }[];
}): () => BoundUsers {
  return suiteWorld('boundUsers', async (cleanUp) => {
    const s = await startTestServer();
    cleanUp(() => s.stop());
    const iam = s.iam();
    for (const u of setUp.users) await iam.send(new I.CreateUserCommand({ UserName: u }));
    for (const [u, policies] of Object.entries(setUp.policies ?? {})) {
      for (const [name, statements] of Object.entries(policies)) await iam.send(new I.PutUserPolicyCommand({ UserName: u, PolicyName: name, PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
    }
    const r = await gatehouseJson(s.url, s.admin, 'PUT', '/v1/iam-policies', { resource: setUp.resource, bindings: setUp.bindings });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const account = s.adminFile.AccountId;
    return {
      server: s,
      async ask(user, action, resource) {
        const a = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${account}:user/${user}`, action, resource });
        assert.equal(a.status, 200, JSON.stringify(a.json));
        return a.json;
      },
    };
  });
}
