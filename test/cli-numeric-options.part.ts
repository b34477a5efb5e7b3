/**
 * A malformed numeric option is a usage error (exit 2) naming the option, as commander reports `--limit abc`,
 * never "internal error" with a stack and exit 70 (review-g U5): `--duration-seconds` (sts assume-role,
 * credentials), `--replicas` (jobs run), `--max-session-duration` (iam roles create). Through the CLI's program in
 * this process (test/support/gatehouse-cli.ts);
 * nothing reaches a server (the endpoint is a closed port, which would be exit 10).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: tmpdir(), GATEHOUSE_ENDPOINT: 'http://127.0.0.1:9', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00', AWS_SECRET_ACCESS_KEY: 'secret' };
const ROLE = 'arn:aws:iam::000000000000:role/trainer';

describe('CLI numeric options: a bad value is a usage error naming the option', () => {
  const cases: [string[], string][] = [
    [['sts', 'assume-role', '--role-arn', ROLE, '--role-session-name', 's', '--duration-seconds', 'abc'], '--duration-seconds'],
    [['sts', 'assume-role', '--role-arn', ROLE, '--role-session-name', 's', '--duration-seconds', '10'], '--duration-seconds'],
    [['credentials', '--role-arn', ROLE, '--duration-seconds', 'x'], '--duration-seconds'],
    [['jobs', 'run', '--workspace', 'vision', '--replicas', 'abc', '--', 'true'], '--replicas'],
    [['jobs', 'run', '--workspace', 'vision', '--replicas', '0', '--', 'true'], '--replicas'],
    [['jobs', 'run', '--workspace', 'vision', '--replicas', '1.5', '--', 'true'], '--replicas'],
    [['jobs', 'run', '--workspace', 'vision', '--replicas', '1e2', '--', 'true'], '--replicas'],
    [['iam', 'roles', 'create', 'r', '--trust-policy', '/nonexistent.json', '--max-session-duration', 'abc'], '--max-session-duration'],
    [['iam', 'roles', 'create', 'r', '--trust-policy', '/nonexistent.json', '--max-session-duration', '0x1000'], '--max-session-duration'],
  ];
  for (const [args, option] of cases) {
    it(`${args.slice(0, 2).join(' ')} ${option} ${args[args.indexOf(option) + 1]}`, async () => {
      const r = await gatehouseInProcess(args, ENV);
      assert.equal(r.code, 2, r.stderr);
      assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
      assert.match(r.stderr, new RegExp(`^error: option '${option} <[a-z]+>' argument '${args[args.indexOf(option) + 1]?.replace('.', '\\.')}' is invalid\\. ${option} must be`));
      assert.equal(r.stdout, '');
    });
  }

  it('good values still parse (the request then fails to reach the closed port: exit 10)', async () => {
    const r = await gatehouseInProcess(['sts', 'assume-role', '--role-arn', ROLE, '--role-session-name', 's', '--duration-seconds', '900'], ENV);
    assert.equal(r.code, 10, r.stderr);
  });
});
