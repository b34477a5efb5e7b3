/**
 * Review qk, 1 (cli): `gatehouse credentials` printed only AWS's `credential_process` document, though Gatehouse serves
 * `acs` accounts and their roles (README §3) and Alibaba's tools have the same hook: a profile of mode `External` in
 * `~/.aliyun/config.json` whose `process_command` prints `{"mode": "StsToken", "access_key_id", "access_key_secret",
 * "sts_token", "expiration"}` (credential-protocols §4.4; `@alicloud/credentials` `providers/external.ts`, the aliyun
 * CLI's `--mode External`). Given AWS's document, the SDK refused it (`access_key_id or access_key_secret is empty`), so
 * a RAM role could be handed to Alibaba's SDKs and CLI from the command line only by pasting keys. Now `--format
 * alibaba` prints Alibaba's document (from `--role-arn` and from `--job`), and a `--format` other than aws or alibaba
 * is a usage error naming the option, nothing sent.
 *
 * Alibaba's own credentials SDK reads a real `config.json` whose External profile runs the real `gatehouse` executable
 * against a real server on 127.0.0.1; the session it gets asks the server who it is through `@alicloud/sts20150401`.
 *
 * Before the fix 3 of 3 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLIProfileCredentialsProvider } from '@alicloud/credentials';
import { alibabaStsWorld } from './support/alibaba-sts.ts';
import { cliAgainstClosedPort, gatehouseInProcess } from './support/gatehouse-cli.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN, submitJob } from './support/processes.ts';

const ACS = '350000000117';

describe('qk1: gatehouse credentials --format alibaba, an aliyun External profile\'s process_command', () => {
  const w = alibabaStsWorld(ACS);
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'gh-qk1-'));
  });
  after(async () => rm(home, { recursive: true, force: true }));

  it('the Alibaba credentials SDK runs it from an External profile and gets a session of the role', async () => {
    // Run without a shell, as the SDK runs it; `env -i` gives it bob's key and the server and nothing of this process.
    const command = [
      'env', '-i', `PATH=${process.env['PATH'] ?? '/usr/bin:/bin'}`, `HOME=${home}`, `NODE_COMPILE_CACHE=${COMPILE_CACHE.NODE_COMPILE_CACHE}`,
      `AWS_ACCESS_KEY_ID=${w.bob.accessKeyId}`, `AWS_SECRET_ACCESS_KEY=${w.bob.accessKeySecret}`, `GATEHOUSE_ENDPOINT=${w.server.url}`,
      process.execPath, GATEHOUSE_BIN, 'credentials', '--role-arn', `acs:ram::${ACS}:role/reader`, '--role-session-name', 'qk1', '--format', 'alibaba',
    ].join(' ');
    await mkdir(join(home, '.aliyun'));
    await writeFile(join(home, '.aliyun', 'config.json'), JSON.stringify({ current: 'gh', profiles: [{ name: 'gh', mode: 'External', process_command: command, region_id: 'cn-hangzhou' }] }));
    const provider = CLIProfileCredentialsProvider.builder().withProfileName('gh').build();
    // The provider's home is os.homedir() (a field the SDK leaves open for this).
    (provider as unknown as { homedir: string }).homedir = home;
    const c = await provider.getCredentials();
    assert.match(c.accessKeyId, /^STS\./);
    assert.ok(c.securityToken, 'no sts_token');
    const who = await w.client({ accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, securityToken: c.securityToken }).getCallerIdentity();
    assert.equal(who.body?.arn, `acs:ram::${ACS}:assumed-role/reader/qk1`);
  });

  it('--job --format alibaba: the job\'s own session in Alibaba\'s fields', async () => {
    const job = await submitJob(w.server.url, w.server.admin);
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, ...job.environment };
    const aws = await gatehouseInProcess(['credentials', '--job'], env);
    assert.equal(aws.code, 0, aws.stderr);
    const r = await gatehouseInProcess(['credentials', '--job', '--format', 'alibaba'], env);
    assert.equal(r.code, 0, r.stderr);
    const a = JSON.parse(aws.stdout) as Record<string, unknown>;
    assert.deepEqual(JSON.parse(r.stdout), { mode: 'StsToken', access_key_id: a['AccessKeyId'], access_key_secret: a['SecretAccessKey'], sts_token: a['SessionToken'], expiration: a['Expiration'] });
  });

  it('a --format other than aws or alibaba is a usage error naming the option; nothing on stdout', async () => {
    const r = await cliAgainstClosedPort(['credentials', '--role-arn', `acs:ram::${ACS}:role/reader`, '--format', 'aliyun']);
    assert.equal(r.status, 2, r.err);
    assert.equal(r.out, '');
    assert.match(r.err, /--format/);
    assert.match(r.err, /alibaba/);
    // The default is AWS's document, as before.
    const d = await cliAgainstClosedPort(['credentials', '--role-arn', `acs:ram::${ACS}:role/reader`, '--format', 'aws']);
    assert.equal(d.status, 10, d.err);
  });
});
