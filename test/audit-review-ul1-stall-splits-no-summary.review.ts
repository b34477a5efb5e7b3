/**
 * Review ul, finding 1: a summary of refusals left out by the audit log's flood limit is written once their address
 * has been quiet for a second (src/app/auth-failures.ts; reviews kn1, kp1: one burst, one summary, every refusal
 * counted once). The sweep that writes them is a timer, and Node runs due timers before it reads what waits on its
 * sockets: after an event-loop stall longer than a second (a long GC, a loaded machine) the sweep found the address
 * quiet although its next requests were waiting unread, summarised what was pending, and the rest of the burst made a
 * second summary. Now a sweep that fires more than two intervals late writes nothing that round (as the supervisor's
 * watch of its workers ignores its own late ticks, src/main/workers.ts): the waiting requests are read first.
 * A real server in the test's process, an AWS SDK v3 burst, then requests written on open connections (into the
 * kernel at once) while the test blocks the event loop for 1.5 s.
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { auditRecordsFrom } from './support/audit-from.ts';
import { floodBurst, withClockHeld } from './support/flood-burst.ts';
import { settled } from './support/settle.ts';
import { errorName, REGION, startTestServer, type TestServer } from './support/server.ts';

const GUESSED = 'AKIAGUESSEDKEY000011';
const IP = '127.0.0.11';
/** Requests waiting through the stall: more than the tokens 1.5 s gives back (5 a second), so some are left out. */
const WAITING = 20;

/** A refused STS request (a key the server does not know), as raw HTTP/1.1 on a kept-alive connection. */
function refusedRequest(host: string): string {
  const date = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
  const body = 'Action=GetCallerIdentity&Version=2011-06-15';
  const auth = `AWS4-HMAC-SHA256 Credential=${GUESSED}/${date.slice(0, 8)}/${REGION}/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`;
  return `POST / HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Amz-Date: ${date}\r\nAuthorization: ${auth}\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
}

describe('audit review ul1: a stalled event loop does not split one burst into two summaries', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    await s?.stop();
  });

  it('requests waiting through a 1.5 s stall continue the burst: one summary, every refusal counted once', async () => {
    const agent = new Agent({ localAddress: IP, keepAlive: true, maxSockets: 8 });
    const guesser = new STSClient({ endpoint: s.url, region: REGION, credentials: { accessKeyId: GUESSED, secretAccessKey: 'guess' }, maxAttempts: 1, requestHandler: { httpAgent: agent } });
    // The clock held (flood-burst.ts `withClockHeld`; the server is in this process) from the burst to the answers of
    // the requests that wait through the stall, and moved by the stall's 1.5 s: on a loaded host the flood limit gave
    // tokens back as fast as the burst's closing tries came, and the burst could run into its bound. Released as the
    // burst ends, the clock would jump by the burst's length and the address look quiet at once: summarised before the
    // stall, which would then split nothing.
    const burst = await withClockHeld(async () => {
      // A burst that ends with refusals left out (test/support/flood-burst.ts): a summary of them is pending.
      const sent = await floodBurst(s.url, 40, async () => {
        assert.equal(await errorName(guesser.send(new GetCallerIdentityCommand({}))), 'InvalidClientTokenId');
      });
      const { hostname: host, port } = new URL(s.url);
      const sockets = await Promise.all(
        Array.from({ length: WAITING }, () => new Promise<Socket>((resolve, reject) => {
          const c = connect({ host, port: Number(port), localAddress: IP }, () => resolve(c));
          c.once('error', reject);
        })),
      );
      const answers = sockets.map((c) => new Promise<void>((resolve, reject) => {
        c.once('data', () => resolve());
        c.once('error', reject);
      }));
      // Written on open connections: in the kernel when write returns, unread by the server until the loop turns.
      for (const c of sockets) c.write(refusedRequest(`${host}:${port}`));
      // The event loop blocked, as by a long GC or a loaded machine: held in Atomics.wait, which holds the thread as a
      // synchronous task does without spinning a core for 1.5 s (stop 64); the held clock moved by as much.
      mock.timers.tick(1500);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1500);
      await Promise.all(answers);
      for (const c of sockets) c.destroy();
      return sent;
    });
    const N = burst + WAITING;
    const total = (rs: AuditRecord[]): number => rs.reduce((n, r) => n + 1 + Number(r.detail['suppressed'] ?? 0), 0);
    const got = await settled(async () => (await auditRecordsFrom(s, IP)).filter((x) => x.detail['authentication'] !== undefined), (rs) => total(rs) >= N);
    const summaries = got.filter((r) => r.detail['first'] !== undefined);
    assert.equal(total(got) - summaries.length, N, `the ${got.length} records account for every refusal once`);
    assert.equal(summaries.length, 1, `one summary for the burst, not one before the stall's waiting requests and one after: ${JSON.stringify(summaries.map((r) => r.detail))}`);
    guesser.destroy();
    agent.destroy();
  });
});
