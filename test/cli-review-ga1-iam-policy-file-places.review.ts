/**
 * Review ga, finding 1: `gatehouse iam put-inline --document`, `iam policies create --document` and `iam roles create
 * --trust-policy` said a document the server refused as `gatehouse: MalformedPolicyDocument: Statement[0].Action (line
 * 1, column 71): … (at Statement[0].Action, line 1)`: no file, the place twice, and for a YAML file a line and column
 * of the JSON the CLI had sent (line 1), not of the file (line 7). `policy validate`, `apply`, `resource-policies put`
 * and `iam-policy set` say each error at its place in the file. Now these three do too, `FILE:LINE:COLUMN: PATH:
 * MESSAGE [CODE]` a line, then `gatehouse <command>: MalformedPolicyDocument: N errors; nothing was changed`, exit 3.
 * The CLI in process against a real server on 127.0.0.1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

// The bad action is on line 7, column 5 of the YAML file; line 1 of the JSON sent for it.
const YAML = `Version: "2012-10-17"
# read the lab's objects

Statement:
  - Effect: Allow
    Resource: "*"
    Action: s3 GetObject
`;
const JSON_TEXT = `{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": "s3 GetObject", "Resource": "*"}
  ]
}
`;

describe('review ga1: iam commands say a refused policy file at its places in the file', () => {
  let s: TestServer;
  let dir: string;
  const cli = (...args: string[]) => cliAgainst(s, args);
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-ga1-'));
    await writeFile(join(dir, 'bad.yaml'), YAML);
    await writeFile(join(dir, 'bad.json'), JSON_TEXT);
    assert.equal((await cli('iam', 'users', 'create', 'dave')).status, 0);
  });
  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const ACTION = /action `s3 GetObject` must look like `service:ActionName`[^\n]*\[POLICY_INVALID_ACTION\]\n/;

  for (const [command, args] of [
    ['iam put-inline', ['iam', 'put-inline', 'lab', '--user', 'dave', '--document']],
    ['iam policies create', ['iam', 'policies', 'create', 'lab', '--document']],
    ['iam roles create', ['iam', 'roles', 'create', 'lab', '--trust-policy']],
  ] as const) {
    it(`${command} with a YAML file: the file's line and column, not those of the JSON sent`, async () => {
      const file = join(dir, 'bad.yaml');
      const r = await cli(...args, file);
      assert.equal(r.status, 3, r.err);
      assert.equal(r.out, '');
      assert.match(r.err, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:7:5: Statement\\[0\\]\\.Action: ${ACTION.source}`, 'm'));
      assert.doesNotMatch(r.err, /line 1\b|\(at /);
      assert.match(r.err, new RegExp(`gatehouse ${command}: MalformedPolicyDocument: \\d+ errors?; nothing was changed\\n$`));
    });

    it(`${command} with a JSON file: named with the place of the error in it`, async () => {
      const file = join(dir, 'bad.json');
      const r = await cli(...args, file);
      assert.equal(r.status, 3, r.err);
      assert.match(r.err, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:25: Statement\\[0\\]\\.Action: ${ACTION.source}`, 'm'));
      assert.doesNotMatch(r.err, /\(at Statement/);
    });
  }

  it('a refusal that is not the document\'s is said as before: no such user, exit 6', async () => {
    const good = join(dir, 'good.yaml');
    await writeFile(good, YAML.replace('s3 GetObject', 's3:GetObject'));
    const r = await cli('iam', 'put-inline', 'lab', '--user', 'nobody', '--document', good);
    assert.equal(r.status, 6, r.err);
    assert.match(r.err, /^gatehouse: NoSuchEntity: /);
  });
});
