/**
 * Review hm, 2: `gatehouse sts assume-role --json` (and `-o json`) printed its errors as text, `gatehouse: AccessDenied:
 * …`, where every other command given `--json` writes the JSON error `{"error": {"code", "message"}}` on stderr (review
 * F, F4): a script reading `aws sts assume-role`'s JSON answer with this command, and its error with `jq .error.code`,
 * got a parse error instead of the code, for a refusal, an unreachable server and a session policy file that cannot be
 * read alike. Now they are the JSON error, on stderr, with the same statuses; the shell exports (no --json) keep the
 * text.
 *
 * The CLI in this process against a real server on 127.0.0.1 (and a closed port).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('hm2: sts assume-role --json errors are JSON', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[], endpoint = s.url) => gatehouseCliInProcess(args, s.admin, { endpoint, home: s.dataDir }, { cwd: s.dataDir });
  const assume = ['sts', 'assume-role', '--role-arn', 'arn:aws:iam::000000000000:role/hm2-none', '--role-session-name', 'hm2'];
  const errorOf = (stderr: string): { code: string; message: string } => (JSON.parse(stderr) as { error: { code: string; message: string } }).error;

  it('a refusal: the JSON error on stderr, exit 9', async () => {
    for (const flags of [['--json'], ['-o', 'json']]) {
      const r = await cli([...assume, ...flags]);
      assert.equal(r.code, 9, r.stderr);
      assert.equal(r.stdout, '');
      assert.equal(errorOf(r.stderr).code, 'AccessDenied', r.stderr);
    }
  });

  it('a parameter the server refuses, the server not reached, the --policy file unreadable: JSON too', async () => {
    const invalid = await cli(['sts', 'assume-role', '--role-arn', 'arn:aws:iam::000000000000:role/x', '--role-session-name', 'a', '--json']);
    assert.equal(invalid.code, 8, invalid.stderr);
    assert.equal(errorOf(invalid.stderr).code, 'ValidationError', invalid.stderr);
    const away = await cli([...assume, '--json'], 'http://127.0.0.1:9');
    assert.equal(away.code, 10, away.stderr);
    assert.equal(errorOf(away.stderr).code, 'ConnectionFailed', away.stderr);
    const file = await cli([...assume, '--policy', 'file://hm2-missing.json', '--json']);
    assert.equal(file.code, 5, file.stderr);
    assert.equal(file.stdout, '');
    assert.match(errorOf(file.stderr).message, /cannot read the session policy `hm2-missing\.json`: no such file/, file.stderr);
  });

  it('without --json, the text error as before', async () => {
    const r = await cli(assume);
    assert.equal(r.code, 9);
    assert.match(r.stderr, /^gatehouse: AccessDenied: /);
  });
});
