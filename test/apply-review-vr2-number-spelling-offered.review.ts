/**
 * Review vr, 2 (helper wf's lead): a decimal that YAML reads other than as written (`maxSessionDuration: 7200.0`) was
 * refused telling only to quote it ("quote it ('7200.0') to keep the text"); quoted, it is text, which a numeric field
 * refuses in turn, so the advice led nowhere. The refusal now offers the number's own spelling too ("write 7200 for the
 * number, or quote it"); a scalar whose text matters (leading zeros, hex: an account id, a mode) is still only told to
 * quote it. The real CLI in process against a real server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('review vr2: a number YAML reads otherwise than written is refused offering its own spelling', () => {
  let s: TestServer;
  const cli = async (...args: string[]) => {
    const r = await gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir });
    return { status: r.code, out: r.stdout, err: r.stderr };
  };
  const file = async (name: string, text: string) => {
    const path = join(s.dataDir, name);
    await writeFile(path, text);
    return path;
  };
  const role = (duration: string) => `apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: trainer}
spec:
  maxSessionDuration: ${duration}
  tags: {mode: 0777}
  trustPolicy:
    Version: "2012-10-17"
    Statement:
      - {Effect: Allow, Principal: {AWS: "arn:aws:iam::000000000000:root"}, Action: "sts:AssumeRole"}
`;

  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  it('`7200.0` is told to be written 7200; `0777` only to be quoted; written so, the role is made', async () => {
    const r = await cli('apply', '-f', await file('role.yaml', role('7200.0')));
    assert.equal(r.status, 8, r.out + r.err);
    assert.match(r.err, /spec\.maxSessionDuration: `7200\.0` is read by YAML as the number 7200, not as written; write 7200 for the number, or quote it \('7200\.0'\) to keep the text/, r.err);
    assert.match(r.err, /spec\.tags\.mode: `0777` is read by YAML as the number 777, not as written; quote it \('0777'\) to keep the text/, r.err);
    assert.doesNotMatch(r.err, /write 777/, r.err);
    // As advised: the number written as such, the text quoted.
    const fixed = await cli('apply', '-f', await file('fixed.yaml', role('7200').replace('0777', "'0777'")));
    assert.equal(fixed.status, 0, fixed.out + fixed.err);
  });
});
