/**
 * Review lc, 2: the server logged an internal error (a 500) as `internal error (request <id>): <stack>`, the stack's
 * newlines and all: one event, ten lines or more on stderr. Every log collector that reads a container's output
 * (Kubernetes' container runtime, journald, Fluent Bit, Vector) takes each line for an event, so the request id stood on
 * the first line alone and the frames after it were events of their own that no query by request id found; and a value
 * with a line break in it could start a line that reads as another event. Each log call is now one line: line breaks and
 * other control characters are written escaped (`\n`, `\u001b`), in the log lines of `gatehouse server` (and through
 * it the S3 gateway's and the job credential endpoints'), of `--workers`, and of `gatehouse agent`.
 * Real server on 127.0.0.1 and the AWS SDK v3 IAM client; the internal error is made by a trigger on the SQLite
 * database that names a table that does not exist (a bug's stand-in: no refusal the server knows).
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { CreateUserCommand } from '@aws-sdk/client-iam';
import { logLine } from '../src/main/log-line.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('review lc2: one log line per event', () => {
  let s: TestServer;
  let db: DatabaseSync | undefined;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => {
    db?.close();
    await s?.stop();
  });

  it('an internal error is logged on one line, its request id and stack together', async () => {
    db = new DatabaseSync(join(s.dataDir, 'gatehouse.db'), { timeout: 5000 });
    db.exec('CREATE TRIGGER gh_test_lc2 BEFORE INSERT ON users BEGIN INSERT INTO gh_test_missing VALUES (1); END');
    const e = (await s.iam().send(new CreateUserCommand({ UserName: 'lc2' })).catch((x: unknown) => x)) as { name?: string; $metadata?: { httpStatusCode?: number } };
    db.exec('DROP TRIGGER gh_test_lc2');
    assert.equal(e.$metadata?.httpStatusCode, 500, String(e.name));
    const line = s.logs.find((l) => l.startsWith('internal error (request '));
    assert.ok(line !== undefined, s.logs.join('\n'));
    assert.ok(!/[\r\n]/.test(line), `one line: ${line}`);
    assert.match(line, /no such table: main\.gh_test_missing\\n {4}at /, 'the stack follows, its line breaks escaped');
    for (const l of s.logs) assert.ok(!/[\u0000-\u0008\u000a-\u001f\u007f]/.test(l), `no control character in ${JSON.stringify(l)}`);
  });

  it('what a line holds is kept, its control characters escaped', () => {
    assert.equal(logLine('plain `text` with a tab\there'), 'plain `text` with a tab\there');
    assert.equal(logLine('first\nsecond\r\nthird'), 'first\\nsecond\\r\\nthird');
    assert.equal(logLine('colour \u001b[31mred\u001b[0m, nul \u0000, del \u007f, separator \u2028'), 'colour \\u001b[31mred\\u001b[0m, nul \\u0000, del \\u007f, separator \\u2028');
    assert.equal(logLine(logLine('a\nb')), 'a\\nb', 'escaping twice changes nothing (a worker\'s line through its supervisor)');
  });
});
