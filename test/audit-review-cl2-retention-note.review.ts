/**
 * Review cl, 2: records removed by retention looked like records never written. On a server that keeps 30 days,
 * `gatehouse audit query --since 400d …` that matched nothing said only `no records match`, as if nobody had done
 * anything in 400 days. Now, when a query matches nothing and its range reaches back past what the server keeps
 * (`GET /v1/audit/status` `retentionDays`), the note says so and from when records are kept; a range within what is
 * kept, and a server that keeps records forever, say only `no records match`. The real CLI in process against a real
 * server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cliAgainst as cli, startTestServer, type TestServer } from './support/server.ts';

const NOTHING = ['audit', 'query', '--action', 'nothing:Matches'];
const HORIZON = /this server removes records older than 30 days \(GATEHOUSE_AUDIT_RETENTION_DAYS\)/;

describe('review cl2: a query that matches nothing says when its range reaches past retention', () => {
  let kept: TestServer;
  let forever: TestServer;
  before(async () => {
    kept = await startTestServer({ audit: { retentionDays: 30 } });
    forever = await startTestServer();
  });
  after(async () => {
    await kept?.stop();
    await forever?.stop();
  });

  it('--since past retention: the note names the retention and the first time kept', async () => {
    const r = await cli(kept, [...NOTHING, '--since', '400d']);
    assert.equal(r.status, 0, r.err);
    assert.match(r.err, /^no records match; /);
    assert.match(r.err, HORIZON);
    const at = /none before (\S+) can match/.exec(r.err)?.[1];
    assert.ok(at !== undefined, r.err);
    const days = (Date.now() - Date.parse(at)) / 86_400_000;
    assert.ok(days > 29.9 && days < 30.1, `${at} is ${days} days back`);
  });

  it('no --since reaches back to the beginning, so past retention too', async () => {
    const r = await cli(kept, NOTHING);
    assert.match(r.err, HORIZON);
  });

  it('a range wholly before what is kept says so', async () => {
    const r = await cli(kept, [...NOTHING, '--since', '400d', '--until', '60d']);
    assert.match(r.err, /the whole range lies before \S+Z\n$/);
  });

  it('within what is kept, or on a server that keeps everything: no note', async () => {
    assert.equal((await cli(kept, [...NOTHING, '--since', '1d'])).err, 'no records match\n');
    assert.equal((await cli(forever, [...NOTHING, '--since', '400d'])).err, 'no records match\n');
  });
});
