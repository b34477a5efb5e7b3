/**
 * Review od, 1 (cli): errors are shown as the terminal may show them. `printable` (src/adapters/cli/output.ts) says
 * what the CLI shows of text it did not write: control characters and invisible format characters escaped (`\r`,
 * `\x1b`), as journalctl and kubectl show them, so that no value can rewrite the line it is printed on; tables, `get`
 * views, audit lines and apply's plan (review no, 2) went through it. The error lines did not: `formatError`
 * (`policy validate`, `policy evaluate`, the file errors of `iam-policy set`…) printed a policy file's JSON key
 * (`"\u001b[2K\r…"`, any JSON string) raw in the path and the message, so a policy under review in CI could erase its
 * own error line and print `OK`; and `report` (every command's `gatehouse: CODE: message`) printed the server's
 * message raw, which echoes the name, ARN or key it was asked about. Now each is escaped; `--json` stays the JSON as
 * sent, which a script reads.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts), against a real server on 127.0.0.1 for the server's errors.
 *
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

/** C0 controls, DEL, C1 controls (U+009B is CSI) and bidi overrides: what a terminal obeys or hides. */
const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const FORGED = 'x\r\u001b[2Kall good';

describe('od1: error lines escape control characters', () => {
  let s: TestServer;
  let dir: string;
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-od1-'));
  });
  after(async () => {
    await s?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });

  it('policy validate: a JSON key holding ESC and CR is shown escaped in the path and the message', async () => {
    const file = join(dir, 'p.json');
    await writeFile(file, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', [FORGED]: 1 }] }));
    const r = await cli(['policy', 'validate', file]);
    assert.equal(r.code, 3, r.stderr);
    const text = r.stdout + r.stderr;
    assert.doesNotMatch(text, HIDDEN, JSON.stringify(text));
    assert.ok(text.includes('Statement[0].x\\r\\x1b[2Kall good:'), JSON.stringify(text));
    assert.match(text, /\[POLICY_UNKNOWN_ELEMENT\]\n$/);
  });

  it('a server error echoing the name asked about is one line, escaped', async () => {
    const cases = [
      ['resource-policies', 'get', `arn:aws:s3:::b/${FORGED}`],
      ['kube', 'access-entry', 'describe', '--cluster', FORGED, '--principal-arn', 'arn:aws:iam::000000000000:user/admin'],
      ['sts', 'assume-role', '--role-arn', `arn:aws:iam::000000000000:role/${FORGED}`, '--role-session-name', 's'],
    ];
    for (const args of cases) {
      const r = await cli(args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.equal(r.stdout, '');
      assert.doesNotMatch(r.stderr, HIDDEN, `${args.join(' ')}: ${JSON.stringify(r.stderr)}`);
      assert.ok(r.stderr.includes('x\\r\\x1b[2Kall good'), `${args.join(' ')}: ${JSON.stringify(r.stderr)}`);
      assert.equal(r.stderr.split('\n').length, 2, JSON.stringify(r.stderr));
    }
  });

  it('the server\'s refusal of a policy file, each error placed in the file: every line escaped', async () => {
    const file = join(dir, 'two.json');
    await writeFile(file, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', [FORGED]: 1, ['\u009b2J']: 2 }] }));
    const r = await cli(['resource-policies', 'put', 'arn:aws:s3:::bucket-od1', '--file', file]);
    assert.notEqual(r.code, 0);
    assert.doesNotMatch(r.stderr, HIDDEN, JSON.stringify(r.stderr));
    assert.ok(r.stderr.includes('Statement[0].x\\r\\x1b[2Kall good: '), JSON.stringify(r.stderr));
    assert.ok(r.stderr.includes('Statement[0].\\x9b2J: '), JSON.stringify(r.stderr));
  });

  it('--json errors are the JSON as sent', async () => {
    const r = await cli(['resource-policies', 'get', `arn:aws:s3:::b/${FORGED}`, '--json']);
    assert.equal(r.code, 6, r.stderr);
    const e = JSON.parse(r.stderr) as { error: { code: string; message: string } };
    assert.equal(e.error.code, 'NoSuchEntity');
    assert.ok(e.error.message.includes(FORGED), e.error.message);
  });
});
