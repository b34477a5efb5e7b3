/**
 * A client that hangs up mid-request (curl killed, kube-apiserver's webhook timeout, a load balancer's idle timeout)
 * is not a fault of the server: nothing is answered, nothing is logged as an internal error. Anyone can do it
 * without credentials, so a log line per abort would let them fill the log with stacks that look like bugs, and page
 * an operator alerting on "internal error".
 */
import type { IncomingMessage } from 'node:http';

/** Rejected by a body reader when the request closed before its end. */
export class ClientAborted extends Error {
  constructor() {
    super('the client closed the connection before the end of the request body');
    this.name = 'ClientAborted';
  }
}

/**
 * Whether `e` is the request's own stream failing because its client went away: our `ClientAborted`, or Node's
 * `aborted` / `ECONNRESET` / premature close on a request that never completed. Any other error, even on a request
 * whose client has gone since, is still an internal error.
 */
export function isClientAbort(e: unknown, req: IncomingMessage): boolean {
  if (e instanceof ClientAborted) return true;
  if (req.complete) return false;
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  const message = e instanceof Error ? e.message : '';
  return code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ECONNABORTED' || message === 'aborted';
}
