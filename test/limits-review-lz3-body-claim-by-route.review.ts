/**
 * Review lz, 3: the edge's body budget (`maxBodyBytesInFlight`) counted each large request at the most its route reads,
 * but took that most from the wrong table: every route but `/v1/apply` and the Query API was given the admin API's 4 MiB,
 * and a chunked body (no Content-Length) was counted at 4 MiB even at `/`, whose Query API reads at most 1 MiB. So:
 * - a TokenReview or SubjectAccessReview declared over the 64 KiB those webhooks read (a user with many groups) was
 *   counted, and answered 503 ServiceUnavailable while the budget was short: kube-apiserver retries a 5xx from an
 *   authorization webhook, for a review that can never be read; review lh, 2 made such bodies a 413 at once on the
 *   other routes (refused unread, by the route, so not counted), but the webhooks' own limits were not looked at;
 * - a chunked Query API call (Go's or Node's HTTP client with a body of unknown length) or webhook review was refused
 *   503 while the budget held more than its route ever reads.
 * Now each route's own limit is used: 1 MiB at `/`, 64 KiB for the TokenReview and SubjectAccessReview webhooks, 4 MiB
 * for admission, 32 MiB for an apply, 4 MiB for other `/v1/` calls. Against a real edge on 127.0.0.1 with a 4.5 MiB
 * budget (2 MiB of it held by two large bodies being read) and its real Kubernetes webhook handler, raw TCP clients.
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { edgeWorld, type EdgeWorld } from './support/edge-world.ts';
import { createKube } from '../src/app/kube.ts';
import { kubeWebhookHandler } from '../src/adapters/http/k8s-api.ts';

const MiB = 1 << 20;
let world: EdgeWorld | undefined;
let port = 0;
let held: Socket[] = [];
let webhooks: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;

/** A raw connection that sends a request's head (`headers` after the Host) and `body`. */
async function send(path: string, headers: string, body = ''): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect(port, '127.0.0.1');
  let received = '';
  socket.setEncoding('latin1');
  socket.on('data', (d: string) => void (received += d));
  socket.on('error', () => {});
  await new Promise<void>((r) => socket.once('connect', () => r()));
  socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n${body}`);
  return { socket, received: () => received };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The answer's status line once its body has arrived (or what came within 2 s). */
async function answerOf(c: { socket: Socket; received: () => string }): Promise<string> {
  const deadline = performance.now() + 2000;
  while (performance.now() < deadline && !/\r\n\r\n[\s\S]*[>}]\s*$/.test(c.received())) await sleep(10);
  c.socket.destroy();
  return c.received();
}

before(async () => {
  world = await edgeWorld('limits-lz3', { limits: { maxBodyBytesInFlight: 4.5 * MiB }, kubeWebhooks: (req, res) => (webhooks as NonNullable<typeof webhooks>)(req, res) });
  const kube = createKube(world.app, { podEnvironment: async () => ({}) });
  webhooks = kubeWebhookHandler({ app: world.app, kube, tokenHosts: () => [] });
  port = world.port;
  // Two large bodies being read hold 2 MiB of the 4.5 MiB budget for the whole file: 2.5 MiB are free, less than the
  // 4 MiB the edge counted a chunked body at, more than the 1 MiB a Query API call reads.
  for (let i = 0; i < 2; i++) {
    const c = await send('/v1/users', `Content-Type: application/json\r\nContent-Length: ${MiB}\r\n`);
    await new Promise<void>((r) => c.socket.write(Buffer.alloc(MiB - 1, 0x20), () => r()));
    held.push(c.socket);
  }
  await sleep(100);
});

after(async () => {
  for (const s of held) s.destroy();
  await world?.close();
});

describe('review lz3: a body is counted at its own route\'s limit', () => {
  it('a SubjectAccessReview declared over the 64 KiB the webhook reads is not counted: the webhook answers, not a 503', async () => {
    const answer = await answerOf(await send('/k8s/c1/authorize', `Content-Type: application/json\r\nAuthorization: Bearer wrong\r\nContent-Length: ${3 * MiB}\r\n`));
    assert.doesNotMatch(answer, /^HTTP\/1\.1 503 /, answer.slice(0, 300));
    // The webhook checks its bearer token first (review limits, L11), then the size (413): a Kubernetes Status either way.
    assert.match(answer, /^HTTP\/1\.1 (401|413) /, answer.slice(0, 300));
    assert.match(answer, /"kind":"Status"/);
  });

  it('a chunked Query API call is counted at the 1 MiB the Query API reads: served while 2.5 MiB are free', async () => {
    const form = 'Action=GetCallerIdentity&Version=2011-06-15';
    const chunked = `${form.length.toString(16)}\r\n${form}\r\n0\r\n\r\n`;
    const answer = await answerOf(await send('/', 'Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n', chunked));
    assert.doesNotMatch(answer, /^HTTP\/1\.1 503 /, answer.slice(0, 300));
    // Unsigned: refused by authentication, in STS's XML.
    assert.match(answer, /<Code>MissingAuthenticationToken<\/Code>|<Code>IncompleteSignature<\/Code>|<Code>InvalidClientTokenId<\/Code>/, answer.slice(0, 600));
  });

  it('a chunked TokenReview is counted at the 64 KiB the webhook reads', async () => {
    const review = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: 'x' } });
    const chunked = `${Buffer.byteLength(review).toString(16)}\r\n${review}\r\n0\r\n\r\n`;
    const answer = await answerOf(await send('/k8s/c1/authenticate', 'Content-Type: application/json\r\nAuthorization: Bearer wrong\r\nTransfer-Encoding: chunked\r\n', chunked));
    assert.match(answer, /^HTTP\/1\.1 401 /, answer.slice(0, 300));
  });
});
