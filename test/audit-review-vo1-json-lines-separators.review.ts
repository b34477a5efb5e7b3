/**
 * Review vo, 1: `gatehouse audit query --json` prints one record a line (JSON lines, for `jq` and log shippers), and a
 * record holds what clients sent (an S3 key, an authorize request's resource, a principal's tag). `JSON.stringify`
 * escapes C0 controls only, so a record's U+2028 / U+2029 came out raw: readers that take them for line ends (Python's
 * `str.splitlines`, editors, some shippers) cut such a record into two lines, neither of them JSON; and its C1 controls
 * (U+009B is CSI to many terminals) and bidi overrides reached the terminal of an auditor reading the export, where
 * the table escapes them (`printable`). Now each line escapes them as JSON does (`\u2028`): the same values, one line.
 * A real server on SQLite, the CLI's program in this process.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ACCT = '000000000000';
const RESOURCE = 'arn:aws:s3:::b/a\u2028{"forged":1}\u2029\u009b2J\u202egnp.exe';
let s: TestServer;

before(async () => {
  s = await startTestServer();
  s.running.app.audit.record({ kind: 'decision', account: ACCT, principal: `arn:aws:iam::${ACCT}:user/u1`, action: 's3:GetObject', resource: RESOURCE, decision: 'ImplicitDeny', detail: { key: 'a\u2028b' } });
  assert.ok(await s.running.app.audit.flush());
});
after(async () => {
  await s?.stop();
});

test('audit query --json writes each record on one line, whatever line or control characters its strings hold', async () => {
  const r = await gatehouseCliInProcess(['audit', 'query', '--json', '--action', 's3:GetObject'], s.admin, { endpoint: s.url, home: s.dataDir });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  // Every line end a reader may split at.
  const lines = r.stdout.split(/\r\n|[\n\r\u2028\u2029\u0085]/).filter((l) => l !== '');
  assert.equal(lines.length, 1, JSON.stringify(r.stdout));
  assert.doesNotMatch(r.stdout, /[\u0080-\u009f\u202a-\u202e\u2066-\u2069]/, 'no raw C1 control or bidi override');
  const rec = JSON.parse(lines[0] as string) as { resource: string; detail: { key: string } };
  assert.equal(rec.resource, RESOURCE);
  assert.equal(rec.detail.key, 'a\u2028b');
});
