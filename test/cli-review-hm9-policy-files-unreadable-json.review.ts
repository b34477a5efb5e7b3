/**
 * Review hm, 9: `gatehouse policy validate good.json missing.json --json` printed `{"valid": false, "files": [...]}`
 * with good.json's report alone: the file that could not be read was not among the files, so a script looking for the
 * file that failed (`.files[] | select(.valid | not)`) found none, and the reason was a text line on stderr. `policy
 * evaluate --json` printed a file it could not read as that text line too, where its other file errors are its
 * `{"errors": [...]}` document. Now validate's JSON lists the file, `valid: false` with why (`unreadable`), and
 * evaluate's errors are `{"errors": [{source, code: "UnreadableFile", message}]}` for every such file; exit 5 as
 * before, and the text output is as it was.
 *
 * The executable's program in this process, offline (no server).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

describe('hm9: policy files that cannot be read, with --json', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-hm9-'));
    await writeFile(join(dir, 'good.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}');
  });
  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  const cli = (args: readonly string[]) => gatehouseInProcess(args, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir }, { cwd: dir });

  it('policy validate --json lists the unreadable file with why', async () => {
    const r = await cli(['policy', 'validate', 'good.json', 'missing.json', '--json']);
    assert.equal(r.code, 5, r.stderr);
    const out = JSON.parse(r.stdout) as { valid: boolean; files: { file: string; valid: boolean; unreadable?: string }[] };
    assert.equal(out.valid, false);
    assert.deepEqual(
      out.files.map((f) => [f.file, f.valid, f.unreadable]),
      [
        ['good.json', true, undefined],
        ['missing.json', false, 'no such file; check the path'],
      ],
    );
    const text = await cli(['policy', 'validate', 'good.json', 'missing.json']);
    assert.equal(text.code, 5);
    assert.equal(text.stdout, 'good.json: valid\n');
    assert.equal(text.stderr, 'gatehouse: cannot read `missing.json`: no such file; check the path\n');
  });

  it('policy evaluate --json: {"errors": [...]} naming each file', async () => {
    const request = ['--principal', 'arn:aws:iam::111122223333:user/a', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k'];
    const r = await cli(['policy', 'evaluate', '--policy', 'good.json', '--policy', 'missing.json', '--boundary', 'gone.json', ...request, '--json']);
    assert.equal(r.code, 5, r.stderr);
    assert.equal(r.stdout, '');
    const errors = (JSON.parse(r.stderr) as { errors: { source: string; code: string; message: string }[] }).errors;
    assert.deepEqual(
      errors.map((e) => [e.source, e.code, e.message]),
      [
        ['missing.json', 'UnreadableFile', 'cannot read `missing.json`: no such file; check the path'],
        ['gone.json', 'UnreadableFile', 'cannot read `gone.json`: no such file; check the path'],
      ],
    );
  });
});
