/**
 * One reload at a time, for the in-memory states an instance's refresh brings up to the change head (bindings, the
 * Kubernetes RBAC): calls made while one runs share the next, which begins after it, so a caller that has just
 * committed a write sees it compiled once its call resolves; any number of calls during one reload cost one more.
 */
export function serialReload(reload: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  return () => {
    if (queued) return queued;
    const next = running.then(() => {
      queued = undefined;
      return reload();
    });
    queued = next;
    running = next.catch(() => {});
    return next;
  };
}
