/**
 * Review od, 3 (cli): `policy evaluate --explain` shows its explanation as the terminal may show it. `printable`
 * (src/adapters/cli/output.ts) and review id, 2 treat C1 controls as what terminals obey (U+009B is CSI, as ESC [),
 * and JSON.stringify escapes C0 controls only. A policy document may hold U+0080–U+00FF as written and any character
 * as a JSON escape (`"\u009b2J"`), and the explanation quotes a failed condition's values with JSON.stringify and the
 * request's value between backticks: a policy file under review (`policy evaluate --explain` in CI, on the files of a
 * pull request) put a raw CSI into the reviewer's terminal or log, and a context value's ESC/CR went out raw too. Each
 * line is now escaped (`\x9b`, `\x1b`, `\r`), its line breaks kept; `--json` is the JSON as before.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts); no server.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const HIDDEN = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const POLICY = {
  Version: '2012-10-17',
  Statement: [{ Sid: 'A', Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 's3:prefix': '\u009b2J\u0085ok' } } }],
};

describe('od3: policy evaluate --explain escapes what the terminal would obey', () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-od3-'));
    file = join(dir, 'p.json');
    await writeFile(file, JSON.stringify(POLICY));
  });
  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const args = (value: string, ...more: string[]) => ['policy', 'evaluate', '--policy', file, '--principal', 'arn:aws:iam::111111111111:user/a', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k', '--context', `s3:prefix=${value}`, ...more];

  it('a condition value holding C1 controls, a context value holding ESC and CR: escaped, one line each', async () => {
    const r = await gatehouseInProcess(args('y\r\u001b[2K', '--explain'), { HOME: '/nonexistent' });
    assert.equal(r.code, 1, r.stderr);
    assert.doesNotMatch(r.stdout, HIDDEN, JSON.stringify(r.stdout));
    assert.match(r.stdout, /^ImplicitDeny: /);
    assert.ok(r.stdout.includes('`s3:prefix` = `y\\r\\x1b[2K` does not satisfy StringEquals ["\\x9b2J\\x85ok"]\n'), JSON.stringify(r.stdout));
  });

  it('--json keeps the values as they are', async () => {
    const r = await gatehouseInProcess(args('\u009b2J\u0085ok', '--explain', '--json'), { HOME: '/nonexistent' });
    assert.equal(r.code, 0, r.stderr);
    const d = JSON.parse(r.stdout) as { decision: string; explanation: string };
    assert.equal(d.decision, 'Allow');
    assert.ok(d.explanation.includes('Allow'), d.explanation);
  });
});
