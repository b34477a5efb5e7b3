/**
 * What the connection tells about a request, the same at every door (Query API, `/v1/`, S3, Kubernetes
 * webhooks, the agent): the peer's address as policies compare it (`aws:SourceIp`: an IPv4 peer of a dual-stack
 * socket without its `::ffff:` prefix) and whether it came over TLS (`aws:SecureTransport`); with the region the
 * request was made to (`aws:RequestedRegion`) when the door knows it (the SigV4 scope's, or IAM's `us-east-1`), and
 * the client's `User-Agent` and `Referer` headers (`aws:UserAgent`, `aws:Referer`) when it sent them.
 */
import type { IncomingMessage } from 'node:http';
import { MAX_CONTEXT_VALUE_CHARS } from '../../app/authorize.ts';
import type { RequestFacts } from '../../app/principals.ts';

export function sourceIpOf(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

export function requestFactsOf(req: IncomingMessage, requestedRegion?: string): RequestFacts & { readonly sourceIp: string; readonly secureTransport: boolean } {
  const userAgent = contextHeader(req.headers['user-agent']);
  const referer = contextHeader(req.headers.referer);
  return {
    sourceIp: sourceIpOf(req),
    secureTransport: 'encrypted' in req.socket && req.socket.encrypted === true,
    ...(requestedRegion !== undefined ? { requestedRegion } : {}),
    ...(userAgent !== undefined ? { userAgent } : {}),
    ...(referer !== undefined ? { referer } : {}),
  };
}

/**
 * A header as a condition key's value (`aws:UserAgent`, `aws:Referer`): absent when not sent, or longer than a context
 * value may be (the decision is then made without it, and fails closed, as the S3 gateway's, src/app/s3.ts).
 */
function contextHeader(v: string | string[] | undefined): string | undefined {
  const text = Array.isArray(v) ? v.join(',') : v;
  return text !== undefined && text.length <= MAX_CONTEXT_VALUE_CHARS ? text : undefined;
}

/**
 * The region an unsigned STS call (AssumeRoleWithWebIdentity, whose SDKs send no signature) was made to: the one its
 * Host names when it is a regional STS endpoint's (`sts.eu-west-1.amazonaws.com`, as when a cluster's resolver sends
 * STS's names here), else us-east-1, the region of STS's global endpoint and of every other name of this server. AWS
 * puts `aws:RequestedRegion` in every request's context; left out, a trust policy allowing a provider in a region
 * refused every token (review gs, 2).
 */
export function unsignedStsRegion(host: string | undefined): string {
  const m = /^sts\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?\.?(?::\d+)?$/i.exec(host ?? '');
  return m ? (m[1] as string).toLowerCase() : 'us-east-1';
}
