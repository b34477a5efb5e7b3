/**
 * What a key of the store's key/value table holds, parsed (`null`: nothing, or text that is not JSON): the `before` and
 * `after` of an apply step that writes it (`Step.view`, review fi, 3), for resource policies, workspaces, clusters,
 * access entries and RBAC objects. Its own module: apply.ts and kube-apply.ts import each other's values otherwise.
 */
import type { ReadTx } from './ports/store.ts';

export const kvView =
  (key: string) =>
  async (tx: ReadTx): Promise<unknown> => {
    const v = await tx.kv.get(key);
    if (v === undefined) return null;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return null;
    }
  };
