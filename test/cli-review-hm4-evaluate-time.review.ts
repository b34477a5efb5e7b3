/**
 * Review hm, 4: `gatehouse policy evaluate --time` was read with `Date.parse`: a time without a zone
 * (`2025-06-01T11:00:00`) in the machine's own zone, so the same command decided a `DateLessThan aws:CurrentTime` Allow
 * on a UTC machine and denied it on one in California, where `audit query --since` reads the same text as UTC; a day
 * that does not exist (`2025-02-30`) moved to March; `June 1, 2025 11:30` was taken though the help says ISO 8601; and a
 * bare `2025` was epoch seconds: the request decided as of 1970-01-01T00:33:45Z, without a word. Now `--time` is read by
 * the audit's ISO-8601 grammar (src/app/audit-time.ts: UTC unless it gives a zone, every field checked), or as epoch
 * seconds of 9 digits or more (`date +%s`); anything else is a usage error (exit 2) naming `--time`.
 *
 * The executable, offline (no server), with TZ set to a zone west of UTC.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPILE_CACHE, GATEHOUSE_BIN, run } from './support/processes.ts';

describe('hm4: policy evaluate --time', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-hm4-'));
    await writeFile(join(dir, 'until-noon.json'), JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { DateLessThan: { 'aws:CurrentTime': '2025-06-01T12:00:00Z' } } }] }));
  });
  after(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  const evaluate = (time: string) =>
    run(process.execPath, [GATEHOUSE_BIN, 'policy', 'evaluate', '--policy', 'until-noon.json', '--principal', 'arn:aws:iam::111122223333:user/a', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::b/k', '--time', time, '--json'], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, TZ: 'America/Los_Angeles', ...COMPILE_CACHE }, { cwd: dir });
  const decision = (out: string): string => (JSON.parse(out) as { decision: string }).decision;

  it('a time without a zone is UTC, wherever the command runs; epoch seconds as date +%s prints them', async () => {
    for (const t of ['2025-06-01T11:00:00', '2025-06-01 11:30', '2025-06-01T11:59:59Z', '2025-06-01T16:00:00+05:00', '1748775600']) {
      const r = await evaluate(t);
      assert.equal(r.code, 0, `${t}: ${r.stdout}${r.stderr}`);
      assert.equal(decision(r.stdout), 'Allow', t);
    }
    const late = await evaluate('2025-06-01T12:00:00');
    assert.equal(late.code, 1, late.stderr);
    assert.equal(decision(late.stdout), 'ImplicitDeny');
  });

  it('a year alone, a day that does not exist, a time not ISO 8601: exit 2 naming --time', async () => {
    const cases: [string, RegExp][] = [
      ['2025', /--time `2025` is too short for epoch seconds \(it would be 1970-01-01T00:33:45\.000Z\).*a year alone is not a time: 2025-01-01/],
      ['2025-02-30T00:00:00Z', /--time `2025-02-30T00:00:00Z` is not a date: February 2025 has 28 days/],
      ['June 1, 2025 11:30', /--time must be an ISO 8601 time \(2025-01-31T12:00:00Z; UTC unless it gives a zone\) or epoch seconds/],
    ];
    for (const [t, message] of cases) {
      const r = await evaluate(t);
      assert.equal(r.code, 2, `${t}: ${r.stdout}${r.stderr}`);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, message, t);
    }
  });
});
