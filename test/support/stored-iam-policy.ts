/**
 * An IAM policy written straight into the store of a running test server, as an older Gatehouse stored it: since
 * review rj, 1 no role binds on an IAM user's or group's ARN (`PUT /v1/iam-policies` and apply refuse it), but a policy
 * stored there before stays, and what a rename or a deletion of the user or group does to it is still tested.
 */
import { iamPolicyKey } from '../../src/app/resource-tree.ts';
import type { TestServer } from './server.ts';

/** `name`: the `IamPolicy` document's `metadata.name`, for an apply that prunes by it. */
export async function storeIamPolicy(s: Pick<TestServer, 'running'>, account: string, resource: string, bindings: readonly { role: string; members: readonly string[] }[], name?: string): Promise<void> {
  const app = s.running.app;
  const updated = new Date(app.deps.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  await app.deps.store.write(async (tx) => {
    await tx.kv.put(iamPolicyKey(account, resource), JSON.stringify({ resource, account, bindings, ...(name !== undefined ? { name } : {}), updated }));
  });
  await app.refresh();
}
