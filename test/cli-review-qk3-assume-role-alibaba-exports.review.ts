/**
 * Review qk, 3 (cli): `gatehouse sts assume-role` printed only `export AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=…
 * AWS_SESSION_TOKEN=…`, for a RAM role of an `acs` account too. No Alibaba tool reads those names: after `eval "$(gatehouse
 * sts assume-role --role-arn acs:ram::…)"` the Alibaba credentials SDKs (first source ALIBABA_CLOUD_ACCESS_KEY_ID /
 * _SECRET / ALIBABA_CLOUD_SECURITY_TOKEN, credential-protocols §4.3) went on with whatever key they found next (the
 * user's own, in ~/.aliyun/config.json), and `--json`'s answer was AWS's (`SecretAccessKey`, `SessionToken`), not
 * Alibaba's AssumeRole answer (`AccessKeySecret`, `SecurityToken`). Now `--format alibaba` prints the session as those
 * variables (and, with --json, in Alibaba's fields), as `gatehouse credentials --format alibaba` prints it for an
 * External profile (review qk, 1); `--format aws` (the default) is as before.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1; the exports go through a
 * real shell's eval, and the session they give asks the server who it is through Alibaba's own STS client.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { alibabaStsWorld } from './support/alibaba-sts.ts';
import { cliAgainstClosedPort, gatehouseInProcess } from './support/gatehouse-cli.ts';
import { run } from './support/processes.ts';

const ACS = '350000000119';
const ROLE = `acs:ram::${ACS}:role/reader`;

describe('qk3: sts assume-role --format alibaba', () => {
  const w = alibabaStsWorld(ACS);
  const asBob = (args: readonly string[]) =>
    gatehouseInProcess(['sts', 'assume-role', '--role-arn', ROLE, '--role-session-name', 'qk3', ...args], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', GATEHOUSE_ENDPOINT: w.server.url, ALIBABA_CLOUD_ACCESS_KEY_ID: w.bob.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: w.bob.accessKeySecret });

  it('eval of its output sets the Alibaba variables to a session of the role', async () => {
    const r = await asBob(['--format', 'alibaba']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n').map((l) => l.split('=')[0]), ['export ALIBABA_CLOUD_ACCESS_KEY_ID', 'export ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'export ALIBABA_CLOUD_SECURITY_TOKEN', '']);
    const shell = await run('/bin/sh', ['-c', 'eval "$1"; printf "%s\\n" "$ALIBABA_CLOUD_ACCESS_KEY_ID" "$ALIBABA_CLOUD_ACCESS_KEY_SECRET" "$ALIBABA_CLOUD_SECURITY_TOKEN"', 'sh', r.stdout], { PATH: process.env['PATH'] ?? '/usr/bin:/bin' });
    const [accessKeyId = '', accessKeySecret = '', securityToken = ''] = shell.stdout.split('\n');
    assert.match(accessKeyId, /^STS\./);
    const who = await w.client({ accessKeyId, accessKeySecret, securityToken }).getCallerIdentity();
    assert.equal(who.body?.arn, `acs:ram::${ACS}:assumed-role/reader/qk3`);
  });

  it('--json --format alibaba: the answer in Alibaba AssumeRole\'s fields', async () => {
    const r = await asBob(['--format', 'alibaba', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout) as { Credentials: Record<string, string>; AssumedRoleUser: Record<string, string> };
    assert.deepEqual(Object.keys(j.Credentials).sort(), ['AccessKeyId', 'AccessKeySecret', 'Expiration', 'SecurityToken']);
    assert.match(j.Credentials['AccessKeyId'] ?? '', /^STS\./);
    assert.equal(j.AssumedRoleUser['Arn'], `acs:ram::${ACS}:role/reader/qk3`);
    assert.match(j.AssumedRoleUser['AssumedRoleId'] ?? '', /:qk3$/);
  });

  it('a --format other than aws or alibaba is a usage error; --format aws is AWS\'s exports, as before', async () => {
    const bad = await cliAgainstClosedPort(['sts', 'assume-role', '--role-arn', ROLE, '--role-session-name', 'qk3', '--format', 'aliyun']);
    assert.equal(bad.status, 2, bad.err);
    assert.match(bad.err, /--format/);
    const r = await asBob(['--format', 'aws']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^export AWS_ACCESS_KEY_ID=STS\.\S+\nexport AWS_SECRET_ACCESS_KEY=\S+\nexport AWS_SESSION_TOKEN=\S+\n$/);
  });
});
