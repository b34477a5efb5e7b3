/**
 * Review hc, 1 (medium): a cursor past the newest record of the audit log (`GET /v1/audit?after=N`, `gatehouse audit
 * query --after N`) — a cursor kept from another deployment, from before the database was restored, or mistyped — was
 * answered with an empty page. The CLI printed `no records match` and exited 0, so a log shipper resuming from its kept
 * cursor took the log for one with nothing new, and `--follow --after N` waited in silence while every record between the
 * real head and N was written and never printed. Now such a cursor is refused (400 ValidationError on `after`, naming
 * the newest record); the CLI exits with that error. `--last` and `--follow`, whose search for the newest record steps
 * past it, still find it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cliAgainst, startTestServer, userWithKey, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

describe('review hc1: an audit cursor past the newest record is refused, not answered with nothing', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await userWithKey(s, 'alice');
    await s.running.app.audit.flush();
  });
  after(async () => {
    await s.stop();
  });

  it('GET /v1/audit?after= past the head: 400 naming `after` and the newest record; the head itself is a cursor', async () => {
    const page = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?limit=1000');
    assert.equal(page.status, 200, JSON.stringify(page.json));
    const head = (page.json['records'] as { seq: number }[]).at(-1)?.seq ?? 0;
    assert.ok(head >= 3, `records: ${head}`);
    const far = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?after=${head + 5000}`);
    assert.equal(far.status, 400, JSON.stringify(far.json));
    const text = JSON.stringify(far.json);
    assert.match(text, /"path":"after"/);
    assert.match(text, new RegExp(`past the newest record of this audit log \\(${head}\\)`));
    const atHead = await gatehouseJson(s.url, s.admin, 'GET', `/v1/audit?after=${head}`);
    assert.equal(atHead.status, 200, JSON.stringify(atHead.json));
    assert.deepEqual(atHead.json['records'], []);
  });

  it('audit query --after past the head fails saying so; --last still prints the newest records', async () => {
    const r = await cliAgainst(s, ['audit', 'query', '--after', '999999']);
    assert.notEqual(r.status, 0, `${r.out}${r.err}`);
    assert.match(r.err, /past the newest record/);
    assert.doesNotMatch(r.err, /no records match/);
    const last = await cliAgainst(s, ['audit', 'query', '--last', '2', '--json']);
    assert.equal(last.status, 0, last.err);
    const lines = last.out.trim().split('\n').map((l) => JSON.parse(l) as { action: string });
    assert.equal(lines.length, 2, last.out);
    assert.equal(lines.at(-1)?.action, 'iam:CreateAccessKey');
  });
});
