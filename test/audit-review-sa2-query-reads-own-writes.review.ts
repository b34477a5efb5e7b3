/**
 * Review sa, 2: `gatehouse audit query` (`GET /v1/audit`) read the store without writing the queue first, while
 * `audit verify` (`GET /v1/audit/verify`) writes it ("Records of the last 100 ms are in the queue: write them first, so
 * the report covers what was done"; docs/decisions.md, review gm, 10). Records are queued and written by a flusher
 * every `flushMs` (100 ms; later on a loaded writer, or after a failed write's backoff): an operator or script that
 * made a change and asked at once who made it (`gatehouse users create x && gatehouse audit query --action
 * iam:CreateUser`), or the console's audit view just after a change, got "no records match", exit 0, for a change
 * whose answer had already come back. CloudTrail is late by minutes and says so; this is a local tool whose README
 * calls the audit log the record of every change, and whose records of a change are durable (journaled) before the
 * answer (docs/decisions.md, "Audit log, metrics and store outages"). Now a query writes what was queued when it was
 * asked, as verify does, and then reads: what was done before the question is in the answer.
 *
 * The flusher's interval is made a minute here so that "at once" does not depend on the machine's load.
 * A real server in process (SQLite), the API signed as the CLI signs it, and the CLI in process.
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst as cli, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
before(async () => {
  s = await startTestServer({ audit: { flushMs: 60_000 } });
});
after(() => s?.stop());

it('the API lists a change made just before it was asked', async () => {
  await s.iam().send(new CreateUserCommand({ UserName: 'sa2-api' }));
  const r = await gatehouseJson(s.url, s.admin, 'GET', '/v1/audit?action=iam:CreateUser');
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const names = ((r.json['records'] as { resource: string }[] | undefined) ?? []).map((x) => x.resource.slice(x.resource.lastIndexOf('/') + 1));
  assert.deepEqual(names, ['sa2-api']);
});

it('the CLI lists it too', async () => {
  await s.iam().send(new CreateUserCommand({ UserName: 'sa2-cli' }));
  const r = await cli(s, ['audit', 'query', '--json', '--action', 'iam:CreateUser']);
  assert.equal(r.status, 0, r.err);
  assert.match(r.out, /sa2-cli/);
});
