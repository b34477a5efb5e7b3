/**
 * Review jc, 9 (cli): a profile name that is not found was echoed as it was given. `AWS_PROFILE` set from a `.env`
 * file with Windows line endings is `alice\r`, no such profile, and the refusal `the profile \`alice\r\` (AWS_PROFILE)
 * is in neither …` printed the carriage return raw: on a terminal the rest of the line overwrote its start, and the
 * reader saw `` ` (AWS_PROFILE) is in neither `…/credentials` nor `…/config` `` with the profile's name gone, the one
 * thing that would have shown the mistake. Values the CLI shows elsewhere are escaped (review id, 2: `printable`). Now
 * the name is shown escaped (`alice\r`), and one that differs from a profile of the files only by surrounding whitespace
 * or control characters says which profile it nearly names. The same for `--profile`.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts); the refusal comes before anything is sent.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

describe('jc9: a profile name not found is shown escaped, and a near match named', () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'gh-jc9-'));
    await mkdir(join(home, '.aws'));
    await writeFile(join(home, '.aws', 'credentials'), '[alice]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\naws_secret_access_key = secret\n');
  });
  after(async () => {
    if (home) await rm(home, { recursive: true, force: true });
  });

  const cli = (args: readonly string[], env: Record<string, string> = {}) =>
    gatehouseInProcess(args, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, GATEHOUSE_ENDPOINT: 'http://127.0.0.1:9', ...env });

  it('AWS_PROFILE=alice\\r: no raw carriage return, the name escaped, alice suggested', async () => {
    const r = await cli(['whoami'], { AWS_PROFILE: 'alice\r' });
    assert.equal(r.code, 2, r.stderr);
    assert.doesNotMatch(r.stderr, /\r/);
    assert.match(r.stderr, /InvalidProfile: the profile `alice\\r` \(AWS_PROFILE\) is in neither/);
    assert.match(r.stderr, /did you mean `alice`/);
  });

  it('--profile with a trailing space: the same', async () => {
    const r = await cli(['whoami', '--profile', 'alice ']);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /the profile `alice ` \(--profile\) is in neither .*did you mean `alice`/);
  });
});
