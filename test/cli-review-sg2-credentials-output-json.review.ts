/**
 * Review sg, finding 2: `gatehouse credentials` prints a JSON document and nothing else, yet refused `--output json`
 * and `--json` (`unknown option '--output'`, exit 2), which the global help offers every command that prints a result
 * ("--output <format> json (as --json; -o json too)") and `kube token`, the other command whose one output is JSON, takes
 * (review jc, 6). A `credential_process` line written with it failed every SDK that read the profile. Both are now taken
 * and leave the document as it is (under either, errors are JSON on stderr, as on every other command); another format
 * (`-o text`) is a usage error naming what the command prints, as `kube token`'s is.
 *
 * The CLI's program in this process against a real server on 127.0.0.1; the AWS SDK v3's `fromProcess` running the
 * real executable from a profile's credential_process.
 *
 * Before the fix 3 of 4 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromProcess } from '@aws-sdk/credential-providers';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

const ROLE = 'arn:aws:iam::000000000000:role/sg2';

describe('sg2: credentials takes --output json and --json', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
    await writeFile(join(s.dataDir, 'trust.json'), '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}');
    const made = await cli(['iam', 'roles', 'create', 'sg2', '--trust-policy', 'trust.json']);
    assert.equal(made.code, 0, made.stderr);
  });
  after(async () => s?.stop());

  const cli = (args: readonly string[]) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir }, { cwd: s.dataDir });
  const credentials = ['credentials', '--role-arn', ROLE];

  it('--output json, -o json, -o=json and --json print the credential_process document', async () => {
    for (const flag of [['--output', 'json'], ['-o', 'json'], ['-o=json'], ['--json']]) {
      const r = await cli([...credentials, ...flag]);
      assert.equal(r.code, 0, `${flag.join(' ')}: ${r.stderr}`);
      const doc = JSON.parse(r.stdout) as Record<string, unknown>;
      assert.deepEqual(Object.keys(doc), ['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration'], flag.join(' '));
      assert.equal(r.stderr, '');
    }
    const ali = await cli([...credentials, '--format', 'alibaba', '--output', 'json']);
    assert.equal(ali.code, 0, ali.stderr);
    assert.equal((JSON.parse(ali.stdout) as { mode: string }).mode, 'StsToken');
  });

  it('-o text is a usage error saying the output is JSON; nothing is sent', async () => {
    const r = await cli([...credentials, '-o', 'text']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /credentials prints a credentials document, which is JSON: give --output json or leave it out, not `text`/);
  });

  it('a refusal under --output json is the JSON error --json prints', async () => {
    const other = ['credentials', '--role-arn', 'arn:aws:iam::000000000000:role/nobody'];
    const a = await cli([...other, '--output', 'json']);
    const b = await cli([...other, '--json']);
    assert.equal(a.code, 9, a.stderr);
    assert.equal(b.code, 9, b.stderr);
    // Each refusal carries its own encoded authorization message: the same error, the same keys.
    const [ea, eb] = [a, b].map((r) => (JSON.parse(r.stderr) as { error: Record<string, unknown> }).error);
    assert.equal(ea?.['code'], 'AccessDenied');
    assert.equal(eb?.['code'], 'AccessDenied');
    assert.deepEqual(Object.keys(ea ?? {}), Object.keys(eb ?? {}));
  });

  it('the AWS SDK reads a profile whose credential_process says --output json', async () => {
    const config = join(s.dataDir, 'aws-config');
    const command = `${process.execPath} ${GATEHOUSE_BIN} credentials --role-arn ${ROLE} --data-dir ${s.dataDir} --endpoint ${s.url} --output json`;
    await writeFile(config, `[profile sg2]\ncredential_process = ${command}\n`);
    const saved = { ...process.env };
    // fromProcess runs the command with this process's environment: no keys of this machine, the test's compile cache.
    Object.assign(process.env, COMPILE_CACHE);
    for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'GATEHOUSE_ENDPOINT']) delete process.env[k];
    try {
      const c = await fromProcess({ profile: 'sg2', configFilepath: config, filepath: join(s.dataDir, 'no-credentials-file') })();
      assert.match(c.accessKeyId, /^ASIA/);
      assert.ok(c.sessionToken);
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }
  });
});
