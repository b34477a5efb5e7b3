/**
 * Review fd, 2. An input file that is not UTF-8 is refused saying where its first bad byte is (review cli, G3), but:
 *
 * - when that byte was the file's first, the message named the file's last line: `lastIndexOf(0x0a, i - 1)` at 0 is
 *   `lastIndexOf(0x0a, -1)`, which searches from the end (`byte 0xe9 at line 5, column 1` for a 4-line file whose
 *   first byte is Latin-1);
 * - a UTF-16 file, which Windows PowerShell's `>` and `Out-File` write (with a byte order mark), was said to be
 *   "not UTF-8" at that wrong line and to be converted with `iconv -f latin1`, which makes it worse.
 *
 * Now a file starting with a UTF-16 or UTF-32 byte order mark is named as such, with the iconv that converts it,
 * and a bad first byte is placed at line 1, column 1. Offline, the CLI's program in this process with the
 * executable's file readers (test/support/gatehouse-cli.ts); exit 5 (unreadable input) before anything is sent.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const USER = 'apiVersion: gatehouse.dev/v1\nkind: User\nmetadata:\n  name: u\nspec: {}\n';

describe('input files in UTF-16, or bad from their first byte', () => {
  let dir: string;
  // Nothing listens on port 9: a command that got as far as sending would fail to connect (exit 10), not exit 5.
  const gatehouse = (args: readonly string[]) => gatehouseInProcess(args, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'x'.repeat(40), GATEHOUSE_ENDPOINT: 'http://127.0.0.1:9' });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-fd2-'));
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(USER, 'utf16le')]);
    const be = Buffer.from(le).swap16();
    await writeFile(join(dir, 'utf16le.yaml'), le);
    await writeFile(join(dir, 'utf16be.yaml'), be);
    const le32 = Buffer.alloc(4 + USER.length * 4);
    le32.writeUInt32LE(0xfeff, 0);
    for (let i = 0; i < USER.length; i++) le32.writeUInt32LE(USER.charCodeAt(i), 4 + 4 * i);
    await writeFile(join(dir, 'utf32le.yaml'), le32);
    await writeFile(join(dir, 'latin1-first.yaml'), Buffer.concat([Buffer.from([0xe9]), Buffer.from(USER)]));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a UTF-16 or UTF-32 file is named as such, with the conversion that fits it', async () => {
    for (const [name, encoding, from] of [['utf16le.yaml', 'UTF-16LE', 'utf-16'], ['utf16be.yaml', 'UTF-16BE', 'utf-16'], ['utf32le.yaml', 'UTF-32LE', 'utf-32']] as const) {
      const file = join(dir, name);
      const r = await gatehouse(['apply', '-f', file]);
      assert.equal(r.code, 5, r.stderr);
      assert.match(r.stderr, new RegExp(`cannot read: the file is ${encoding} text \\(it starts with that encoding's byte order mark\\), not UTF-8; convert it, e\\.g\\. iconv -f ${from} -t utf-8`), name);
      assert.doesNotMatch(r.stderr, /latin1/);
      const v = await gatehouse(['policy', 'validate', file]);
      assert.equal(v.code, 5, v.stderr);
      assert.match(v.stderr, new RegExp(`is ${encoding} text`));
    }
  });

  it('a bad first byte is at line 1, column 1', async () => {
    const file = join(dir, 'latin1-first.yaml');
    const r = await gatehouse(['apply', '-f', file]);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /the file is not UTF-8 text \(byte 0xe9 at line 1, column 1\); convert it, e\.g\. iconv -f latin1 -t utf-8/);
  });
});
