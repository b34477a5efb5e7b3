/**
 * What the connection tells about a request, the same at every door (Query API, `/v1/`, S3, Kubernetes
 * webhooks, the agent): the peer's address as policies compare it (`aws:SourceIp`: an IPv4 peer of a dual-stack
 * socket without its `::ffff:` prefix) and whether it came over TLS (`aws:SecureTransport`); with the region the
 * request was made to (`aws:RequestedRegion`) when the door knows it (the SigV4 scope's, or IAM's `us-east-1`).
 */
import type { IncomingMessage } from 'node:http';

export function sourceIpOf(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

export function requestFactsOf(req: IncomingMessage, requestedRegion?: string): { readonly sourceIp: string; readonly secureTransport: boolean; readonly requestedRegion?: string } {
  const facts = { sourceIp: sourceIpOf(req), secureTransport: 'encrypted' in req.socket && req.socket.encrypted === true };
  return requestedRegion === undefined ? facts : { ...facts, requestedRegion };
}
