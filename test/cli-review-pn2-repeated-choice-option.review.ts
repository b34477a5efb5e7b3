/**
 * Review pn, 2 (cli): an option that takes one of a list of values (`-o/--output`, `policy validate --kind`, `jobs list
 * --state`, `iam policies list --scope`, `accounts create --partition`), given twice, kept the last value without a
 * word, where review pb1 made every other option that takes one value a usage error when given twice: those options'
 * parser (commander's `choices`) takes the value before as its second argument, and pb1 left such parsers alone as
 * "collecting". So `policy validate --kind identity --kind resource P` checked P as a resource policy only and said
 * `valid` (exit 0) of a file that is no identity policy; `-o json -o table` printed a table to a script that asked for
 * JSON; `jobs list --state Running --state Failed` listed the failed jobs only.
 *
 * Contract: docs/errors.md (a wrong command line is a usage error, exit 2, nothing sent; `RepeatedOption` under
 * --json) and review pb1's rule (test/cli-review-pb1-repeated-option.review.ts). Now the same error, naming the
 * option; a format given before the command and once after it (`gatehouse -o json whoami -o table`) is as a global
 * option is there: the later wins, as the help says.
 *
 * In this process: the CLI's own parsing, offline, against a closed port (a usage error sends nothing: exit 2, not 10).
 *
 * Before the fix 4 of 5 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliAgainstClosedPort } from './support/gatehouse-cli.ts';

const cli = cliAgainstClosedPort;

describe('pn2: an option that takes one of a list of values, given twice', () => {
  let dir: string;
  let bucketPolicy: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gh-pn2-'));
    bucketPolicy = join(dir, 'bucket.json');
    // A resource policy: its Principal makes it no identity policy.
    await writeFile(bucketPolicy, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }] }));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('policy validate --kind identity --kind resource: exit 2 naming --kind, not `valid` from the last kind alone', async () => {
    const one = await cli(['policy', 'validate', '--kind', 'identity', bucketPolicy]);
    assert.equal(one.status, 3, one.out + one.err);
    const r = await cli(['policy', 'validate', '--kind', 'identity', '--kind', 'resource', bucketPolicy]);
    assert.equal(r.status, 2, r.out + r.err);
    assert.equal(r.out, '');
    assert.match(r.err, /option '--kind <kind>' is given twice/);
  });

  it('-o json -o table (and --output=json -ojson): exit 2 naming --output, nothing sent', async () => {
    const r = await cli(['whoami', '-o', 'json', '-o', 'table']);
    assert.equal(r.status, 2, r.err);
    assert.match(r.err, /option '--output <format>' is given twice/);
    const same = await cli(['whoami', '--output=json', '-ojson']);
    assert.equal(same.status, 2, same.err);
    assert.equal(JSON.parse(same.err).error.code, 'RepeatedOption');
  });

  it('jobs list --state twice --json: the usage error as JSON, RepeatedOption', async () => {
    const r = await cli(['jobs', 'list', '--state', 'Running', '--state', 'Failed', '--json']);
    assert.equal(r.status, 2, r.err);
    const e = JSON.parse(r.err) as { error: { code: string; message: string } };
    assert.equal(e.error.code, 'RepeatedOption');
    assert.match(e.error.message, /--state/);
  });

  it('a format given twice before the command is refused too', async () => {
    const r = await cli(['-o', 'json', '--output', 'table', 'whoami']);
    assert.equal(r.status, 2, r.err);
    assert.match(r.err, /option '--output <format>' is given twice/);
  });

  it('still fine: one format before the command and one after it (the later wins), and --json with -o json', async () => {
    const r = await cli(['-o', 'table', 'whoami', '-o', 'json']);
    assert.equal(r.status, 10, r.err);
    assert.equal(JSON.parse(r.err).error.code, 'ConnectionFailed');
    const both = await cli(['whoami', '--json', '-o', 'json']);
    assert.equal(both.status, 10, both.err);
    const one = await cli(['policy', 'validate', '--kind', 'resource', bucketPolicy]);
    assert.equal(one.status, 0, one.out + one.err);
  });
});
