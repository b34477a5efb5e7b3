/**
 * Review ak, finding 1: YAML read an unquoted account id as a number, and `gatehouse apply` sent that number. A guardrail
 * `Deny` with `StringEquals: {aws:ResourceAccount: 012345678901}` was stored as `12345678901` (the leading zero gone),
 * applied with exit 0, and never matched: the Deny silently did nothing. The same for `0x1F`, `1e3`, `1.0`, integers
 * past 2^53, `.inf`, and, under a `%YAML 1.1` directive, `yes`/`on` as booleans and dates as timestamps. Now the CLI
 * refuses such a scalar before sending anything, naming the file, line, column, document and JSON path, and says to
 * quote it; quoted, the text is kept. JSON files, and JSON on standard input, keep JSON's rules (`3600.0` is fine;
 * `012` is not a JSON number). The real CLI in process against a real server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from '../src/adapters/cli/index.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const GROUP = 'apiVersion: gatehouse.dev/v1\nkind: Group\nmetadata: {name: auditors}\n';
const guard = (account: string) => `apiVersion: gatehouse.dev/v1
kind: Policy
metadata: {name: guard}
spec:
  document:
    Version: 2012-10-17
    Statement:
      - Effect: Deny
        Action: "s3:*"
        Resource: "*"
        Condition:
          StringEquals: {aws:ResourceAccount: ${account}}
`;

describe('review ak1: YAML scalars read otherwise than written are refused, not sent', () => {
  let s: TestServer;
  let stdin = '';
  const cli = async (...args: string[]) => {
    let out = '';
    let err = '';
    const status = await runCli(args, {
      out: (t) => void (out += t),
      err: (t) => void (err += t),
      readFile: async (p) => (p === '-' ? stdin : readFile(p, 'utf8')),
      now: () => Date.now(),
      version: 'test',
      env: { AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, GATEHOUSE_ENDPOINT: s.url },
    });
    return { status, out, err };
  };
  const file = async (name: string, text: string) => {
    const path = join(s.dataDir, name);
    await writeFile(path, text);
    return path;
  };

  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  it('an unquoted account id with a leading zero: plan and apply exit 8 naming where; nothing is created; quoted, it is kept', async () => {
    const path = await file('guard.yaml', `${GROUP}---\n${guard('012345678901')}`);
    for (const command of ['plan', 'apply']) {
      const r = await cli(command, '-f', path);
      assert.equal(r.status, 8, `${command}: ${r.out}${r.err}`);
      assert.equal(r.out, '');
      assert.match(r.err, /guard\.yaml:16:47: document 2 \(Policy guard\): spec\.document\.Statement\[0\]\.Condition\.StringEquals\.aws:ResourceAccount: `012345678901` is read by YAML as the number 12345678901, not as written; quote it \('012345678901'\)/);
    }
    const quoted = await cli('apply', '-f', await file('guard-quoted.yaml', `${GROUP}---\n${guard('"012345678901"')}`));
    assert.equal(quoted.status, 0, quoted.err);
    // Nothing of the refused file was applied: both objects are created now.
    assert.match(quoted.out, /\+ create Group\/auditors\n {2}\+ create Policy\/guard\n/);
    const got = await cli('iam', 'policies', 'get', 'guard', '--json');
    assert.equal(got.status, 0, got.err);
    assert.match(got.out, /"aws:ResourceAccount": "012345678901"/);
  });

  it('hex, exponent, 1.0, huge integers, .inf and number keys; YAML 1.1 booleans and timestamps', async () => {
    const r = await cli(
      'plan',
      '-f',
      await file('tags.yaml', 'apiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: u}\nspec:\n  tags: {a: 0x1F, b: 1e3, c: 1.0, d: 123456789012345678901, e: .inf, 012: x, ok: 12, t: True}\n'),
    );
    assert.equal(r.status, 8, r.out + r.err);
    const lines = r.err.trim().split('\n');
    assert.deepEqual(
      lines.map((l) => l.replace(/^.*tags\.yaml:\d+:\d+: document 1 \(User u\): /, '').replace(/;.*$/, '')),
      [
        'spec.tags.a: `0x1F` is read by YAML as the number 31, not as written',
        'spec.tags.b: `1e3` is read by YAML as the number 1000, not as written',
        'spec.tags.c: `1.0` is read by YAML as the number 1, not as written',
        'spec.tags.d: `123456789012345678901` is read by YAML as the number 123456789012345680000, not as written',
        'spec.tags.e: `.inf` is read by YAML as Infinity, which JSON cannot hold',
        'spec.tags: the key `012` is read by YAML as the number 12, not as written',
        'gatehouse plan: 6 errors',
      ],
    );
    const v11 = await cli('plan', '-f', await file('v11.yaml', '%YAML 1.1\n---\napiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: u}\nspec:\n  tags: {region: on, since: 2001-12-14}\n'));
    assert.equal(v11.status, 8, v11.out + v11.err);
    assert.match(v11.err, /v11\.yaml:7:18: document 1 \(User u\): spec\.tags\.region: `on` is read by YAML as the boolean true \(YAML 1\.1\)/);
    assert.match(v11.err, /v11\.yaml:7:29: document 1 \(User u\): spec\.tags\.since: `2001-12-14` is read by YAML as a timestamp/);
  });

  it('every load error names its document; an alias to another document\'s anchor is placed where it is', async () => {
    const text = [
      'apiVersion: gatehouse.dev/v1\nkind: Group\nmetadata: {name: &n team}',
      'apiVersion: gatehouse.dev/v1\nkind: Group\nmetadata: {name: a, name: b}',
      'apiVersion: gatehouse.dev/v1\nkind: User\nmetadata: {name: *n}',
    ].join('\n---\n');
    const r = await cli('plan', '-f', await file('three.yaml', `${text}\n`));
    assert.equal(r.status, 8, r.out + r.err);
    assert.deepEqual(r.err.trim().split('\n').map((l) => l.replace(/^.*three\.yaml/, 'three.yaml')), [
      'three.yaml:7:21: document 2: yaml: map keys must be unique [VALIDATION_ERROR]',
      'three.yaml:11:18: document 3: yaml: unresolved alias (the anchor must be set before the alias): n; an anchor holds only within its own document [VALIDATION_ERROR]',
      'gatehouse plan: 2 errors; nothing was changed',
    ]);
  });

  it('JSON files keep JSON numbers; a leading zero, in an array of documents, is refused with its item and path (--json)', async () => {
    const role = (principal: string) =>
      `{"apiVersion":"gatehouse.dev/v1","kind":"Role","metadata":{"name":"r"},"spec":{"maxSessionDuration":3600.0,"trustPolicy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":${principal}},"Action":"sts:AssumeRole"}]}}}`;
    const bad = await cli('plan', '--json', '-f', await file('roles.json', `[{"apiVersion":"gatehouse.dev/v1","kind":"Group","metadata":{"name":"g"}},\n${role('012345678901')}]`));
    assert.equal(bad.status, 8, bad.out + bad.err);
    const errors = (JSON.parse(bad.err) as { errors: Record<string, unknown>[] }).errors;
    assert.equal(errors.length, 1, bad.err);
    assert.deepEqual({ ...errors[0], file: undefined }, {
      file: undefined,
      line: 2,
      column: 196,
      document: 2,
      path: 'spec.trustPolicy.Statement[0].Principal.AWS',
      message: '`012345678901` is not a JSON number; quote it ("012345678901") to keep the text',
      // The item's own kind and name, and the code, as the server's errors carry them (review tl, 4).
      code: 'VALIDATION_ERROR',
      kind: 'Role',
      name: 'r',
    });
    const good = await cli('plan', '-f', await file('role.json', role('"000000000000"')));
    assert.equal(good.status, 0, good.err);
    assert.match(good.out, /\+ create Role\/r/);
    // JSON on standard input (`kubectl get -o json | gatehouse apply -f -`) is read by JSON's rules too.
    stdin = role('"000000000000"');
    const piped = await cli('plan', '-f', '-');
    assert.equal(piped.status, 0, piped.err);
    assert.match(piped.out, /\+ create Role\/r/);
  });
});
