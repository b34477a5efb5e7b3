/**
 * `gatehouse credentials --job` with the options of `--role-arn` (review cli, G2): `--policy`, `--role-arn`,
 * `--duration-seconds` and `--role-session-name` were accepted and silently dropped, so
 * `credential_process = gatehouse credentials --job --policy readonly.json` handed the tool the job's full
 * credentials while its author believed them narrowed. Now each is a usage error (exit 2) naming it, before anything
 * is fetched. Run inside a real job (`gatehouse jobs run`) of a real server on 127.0.0.1, whose container endpoint
 * the inner `gatehouse credentials --job` reads.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GATEHOUSE_BIN, run } from './support/processes.ts';
import { ROLE_ARN, startJobsWorld, type JobsWorld } from './support/jobs-world.ts';

const NARROW = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });

describe('credentials --job refuses the options it cannot honour', () => {
  let w: JobsWorld;
  before(async () => {
    w = await startJobsWorld('gh-cli-g2-');
  });
  after(async () => w?.close());

  it('plain --job prints the job credentials; with --policy (or --role-arn, --duration-seconds) it exits 2 naming them', async () => {
    // Each inner run prints its status after its output, so one job shows all of them.
    const script = [
      '"$0" "$1" credentials --job; echo "plain=$?"',
      `"$0" "$1" credentials --job --policy '${NARROW}'; echo "policy=$?"`,
      `"$0" "$1" credentials --job --role-arn ${ROLE_ARN} --duration-seconds 900; echo "role=$?"`,
    ].join('\n');
    const r = await run(
      process.execPath,
      [GATEHOUSE_BIN, 'jobs', 'run', '--workspace', 'vision', '--role', ROLE_ARN, '--no-imds', '--', 'sh', '-c', script, process.execPath, GATEHOUSE_BIN],
      { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: w.home, AWS_ACCESS_KEY_ID: w.alice.accessKeyId, AWS_SECRET_ACCESS_KEY: w.alice.secretAccessKey, GATEHOUSE_ENDPOINT: w.server.url },
      { cwd: w.home, timeoutMs: 30_000 },
    );
    const out = r.stdout;
    assert.match(out, /"AccessKeyId":"ASIA[A-Z0-9]+"[^\n]*\nplain=0\n/, `${r.stdout}${r.stderr}`);
    // Nothing printed for the refused ones: the line before each status is the status of the run before.
    assert.match(out, /\nplain=0\npolicy=2\nrole=2\n/, `${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /--job prints the job's own credentials as its endpoint gives them and takes no --policy; leave it out/);
    assert.match(r.stderr, /takes no --role-arn, --duration-seconds; leave them out/);
  });
});
