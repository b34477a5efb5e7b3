/**
 * Review lw, finding 2: refusals the flood limit leaves out are counted once, either carried by the address's next
 * record (`suppressed`) or summed up in a summary record (review kn1); while they wait, the summaries they would make
 * are kept in the journal's pending note so that a hard stop does not lose them (review kp2). But when the next record
 * from the address carried the count, the note went on holding it until the next quarter-second sweep rewrote it: the
 * carrying record (a `decision`, committed within `flushMs`, 100 ms) and the note then both held the same refusals,
 * and a server killed in between (SIGKILL, the OOM killer) had its next start append the note's summary as well: the
 * log counted those refusals twice, telling an auditor of twice as many guesses at a key as were made.
 *
 * The contract: docs/decisions.md (reviews kn1, kp2): every refusal left out reaches the log, carried or summarised,
 * and the note holds "the summaries as they stand"; what a record carries is no longer pending. An audit log that
 * counts an event twice misleads as one that drops it: CloudTrail documents one event per API call, and Vault's
 * audit device one entry per request and one per response.
 *
 * Now the note is rewritten at once when a record carries the address's count (as it is at once when the first
 * refusal is left out), before that record is queued: nothing a record carries is in the note. A real in-process
 * server, real AWS SDK v3 requests from their own address; the pending note read as a kill at that moment leaves it.
 * (A kill within `flushMs` of the carrying record now loses it and its count together, as it loses any decision
 * record then: decisions are not journaled, docs/decisions.md.)
 *
 * Before the fix 1 of 1 tests failed.
 */
import { after, before, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { floodBurst, leftOutCount, notedRefusals, withClockHeld } from './support/flood-burst.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { errorName, REGION, startTestServer, type TestServer } from './support/server.ts';
import { settled, SETTLE_MS } from './support/settle.ts';

const IP = '127.0.0.13';
const GUESSED = 'AKIAGUESSEDKEYLW2000';

/** The refusals the pending notes of the spool directory hold, as a kill now would leave them for the next start. */
const noted = (dataDir: string): Promise<number> => notedRefusals(dataDir, IP);

describe('audit review lw2: a count a record carries is not also kept in the pending note', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server.stop();
  });

  it('a burst left out, then a record from the address carrying its count: the note no longer holds it', { timeout: 3 * SETTLE_MS }, async () => {
    const agent = new Agent({ localAddress: IP, keepAlive: true, maxSockets: 8 });
    const guesser = new STSClient({ endpoint: server.url, region: REGION, credentials: { accessKeyId: GUESSED, secretAccessKey: 'guess' }, maxAttempts: 1, requestHandler: { httpAgent: agent } });
    const refuse = async (): Promise<void> => assert.equal(await errorName(guesser.send(new GetCallerIdentityCommand({}))), 'InvalidClientTokenId');
    try {
      // The clock held (flood-burst.ts `withClockHeld`; the server is in this process): on a loaded host the flood limit
      // gave tokens back as fast as the closing tries came, and the burst could run into its bound. Held, it gives one
      // back only when moved, and the address is not quiet for the second after which a summary would be written instead.
      const atCarry = await withClockHeld(async () => {
        await floodBurst(server.url, 40, refuse);
        // Refusals are pending their summary, and kept in the note (at once, for the first one left out).
        assert.ok((await noted(server.dataDir)) > 0, 'the pending refusals are noted');
        // A token back (one every 200 ms per address): the next refusal is recorded, carrying the count of those left
        // out before it.
        mock.timers.tick(250);
        const before = await leftOutCount(server.url);
        await refuse();
        // The note as a kill now would leave it, read at once; kept if this refusal was recorded (not left out).
        const now = await noted(server.dataDir);
        return (await leftOutCount(server.url)) === before ? now : -1;
      });
      assert.ok(atCarry >= 0, 'a refusal was recorded, carrying the count');
      const leftOut = await leftOutCount(server.url);
      const carried = await settled(
        async () => {
          await server.running.app.audit.flush();
          const r = await gatehouseJson(server.url, server.admin, 'GET', '/v1/audit?limit=1000');
          assert.equal(r.status, 200, JSON.stringify(r.json));
          const fromIp = (r.json as { records: AuditRecord[] }).records.filter((x) => x.sourceIp === IP);
          return fromIp.reduce((n, x) => n + Number(x.detail['suppressed'] ?? 0), 0);
        },
        (n) => n === leftOut,
        SETTLE_MS,
        50,
      );
      assert.equal(carried, leftOut, `the records carry every refusal left out (noted at the carry: ${atCarry})`);
      // Before the fix: the note still held them all (till the next sweep), so a kill then counted them twice.
      assert.equal(atCarry, 0, `a kill as the carrying record is written leaves no note of what it carries (noted ${atCarry} of ${leftOut} carried)`);
    } finally {
      guesser.destroy();
      agent.destroy();
    }
  });
});
