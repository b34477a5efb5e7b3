/**
 * Dialects review by, finding 2: a character a policy document may not hold (reference §A.1.1: only U+0009, U+000A,
 * U+000D and U+0020–U+00FF) was refused without naming where it is. An OSS object key in Chinese
 * (`acs:oss:*:*:bucket/报告/*`, common in Alibaba accounts) in one `Resource` of many statements: the IAM API said only
 * `MalformedPolicyDocument: character U+62A5 is not allowed …` (every other refusal says `(at Statement[0].Effect,
 * line 1)`), and `gatehouse apply` pointed at the document (`FILE:6:3: … spec.document: …`), not at the line holding
 * it: the error carried the JSON path `` (STYLE.md habit 2: each error carries the JSON path of the offending element).
 * Now the error names the element holding the character, in the text form (with its line and column) and in the
 * object form apply sends (its path, which apply turns into the file's line).
 * Real server (SQLite), `@aws-sdk/client-iam` and the `gatehouse` CLI in process (cliAgainst).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { cliAgainst, sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
const work = await mkdtemp(join(tmpdir(), 'gatehouse-by2-'));

before(async () => {
  s = await startTestServer();
});
after(async () => {
  await s?.stop();
  await rm(work, { recursive: true, force: true });
});

const statements = [
  { Effect: 'Allow', Action: 'oss:ListObjects', Resource: 'acs:oss:*:*:bucket' },
  { Effect: 'Allow', Action: 'oss:GetObject', Resource: ['acs:oss:*:*:bucket/public/*', 'acs:oss:*:*:bucket/报告/*'] },
];

describe('a character a policy may not hold is refused at its element (dialects review by, 2)', () => {
  it('the IAM API names the element (text form)', async () => {
    const p = s.iam().send(new I.CreatePolicyCommand({ PolicyName: 'reports', PolicyDocument: JSON.stringify({ Version: '1', Statement: statements }, null, 2) }));
    await assert.rejects(p);
    const f = await sdkFailure(p);
    assert.equal(f.code, 'MalformedPolicyDocument');
    assert.match(f.message, /character U\+62A5 is not allowed/);
    assert.match(f.message, /at Statement\[1\]\.Resource\[1\], line 14/, f.message);
  });

  it('gatehouse apply points at the line and names the path (object form)', async () => {
    const file = join(work, 'reports.yaml');
    await writeFile(
      file,
      [
        'apiVersion: gatehouse.dev/v1',
        'kind: Policy',
        'metadata:',
        '  name: reports',
        'spec:',
        '  document:',
        '    Version: "1"',
        '    Statement:',
        '      - Effect: Allow',
        '        Action: oss:ListObjects',
        '        Resource: acs:oss:*:*:bucket',
        '      - Effect: Allow',
        '        Action: oss:GetObject',
        '        Resource:',
        '          - acs:oss:*:*:bucket/public/*',
        '          - acs:oss:*:*:bucket/报告/*',
        '',
      ].join('\n'),
    );
    const r = await cliAgainst(s, ['apply', '-f', file]);
    assert.notEqual(r.status, 0);
    assert.match(r.err, /reports\.yaml:16:\d+: document 1 \(Policy reports\): spec\.document\.Statement\[1\]\.Resource\[1\]: character U\+62A5 is not allowed/, r.err);
  });

  it('a character in a key is named by that key', async () => {
    const p = s.iam().send(new I.CreatePolicyCommand({ PolicyName: 'keys', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringEquals: { 's3:ExistingObjectTag/部门': 'x' } } }] }) }));
    await assert.rejects(p);
    assert.match((await sdkFailure(p)).message, /at Statement\[0\]\.Condition\.StringEquals\.s3:ExistingObjectTag\/部门, line 1/);
  });
});
