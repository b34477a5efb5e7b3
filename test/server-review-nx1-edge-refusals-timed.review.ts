/**
 * Review nx, 1 (metrics): `gatehouse_http_request_duration_seconds` counts every request the server took, each under the
 * status it was answered, `code="499"` only for one "its client left before any answer" (README section 7; review ht, 1:
 * "the histogram's `_count` counts every request the server took"). Two answers of the edge's own limits broke that:
 *
 * - a request whose line and headers pass the 16 KiB limit (within the 32 KiB Node's parser reads) was answered 431
 *   `RequestHeaderSectionTooLarge` before the edge timed anything (`boundedServer` refused it ahead of the handler):
 *   no series at all, so a client stuck sending oversized headers (a cookie jar, a token pasted twice) was invisible;
 * - a request whose body did not arrive within the request timeout was answered 408 `RequestTimeout` by the server,
 *   written on the socket, and timed as `code="499"`: the server's own timeout read as the client giving up.
 *
 * Now both are timed under the status they were answered (431, 408). Raw HTTP/1.1 to a real edge on 127.0.0.1 (its
 * request timeout shortened, as `limits` allows), scraped through its metrics.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createMetrics } from '../src/adapters/metrics/index.ts';
import { edgeWorld, type EdgeWorld } from './support/edge-world.ts';

const metrics = createMetrics({ defaultMetrics: false });
let world: EdgeWorld;

/** Sends `text` on a new connection; resolves with what came back once the server closed it. */
const raw = (text: string): Promise<string> =>
  new Promise((resolve) => {
    const s = connect(world.port, '127.0.0.1');
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('close', () => resolve(out));
    s.on('error', () => {});
    s.write(text);
  });

/** The `_count` of the latency histogram for `api` and `code`, once it is there (a generous deadline), else undefined. */
const countOf = async (api: string, code: string, deadlineMs = 5_000): Promise<number | undefined> => {
  const line = `gatehouse_http_request_duration_seconds_count{api="${api}",code="${code}"} `;
  const end = Date.now() + deadlineMs;
  for (;;) {
    const found = (await metrics.render()).split('\n').find((l) => l.startsWith(line));
    if (found !== undefined) return Number(found.slice(line.length));
    if (Date.now() > end) return undefined;
    await sleep(25);
  }
};

describe('review nx1: requests refused at the edge\'s limits are timed under the status they were answered', () => {
  before(async () => {
    world = await edgeWorld('nx1', { metrics, limits: { requestTimeoutMs: 600, headersTimeoutMs: 500 } });
  });
  after(async () => {
    await world?.close();
  });

  it('a request whose headers pass 16 KiB is answered 431 and counted under code="431"', async () => {
    const answer = await raw(`GET /v1/users HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 431 /);
    assert.equal(await countOf('admin', '431'), 1, 'no series for the 431');
  });

  it('a request whose body does not arrive in time is answered 408 and counted under code="408", not 499', async () => {
    const answer = await raw('POST /v1/apply HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{');
    assert.match(answer, /^HTTP\/1\.1 408 /);
    assert.equal(await countOf('admin', '408'), 1, 'no series for the 408');
    assert.equal(await countOf('admin', '499', 0), undefined, 'the server\'s 408 was counted as a client that left');
  });
});
