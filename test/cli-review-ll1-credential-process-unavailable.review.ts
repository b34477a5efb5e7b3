/**
 * Review `ll`, 1: a profile's `credential_process` that failed made every command exit 9 (`CredentialProcessFailed`,
 * "not authenticated"), whatever the process said. README §3's process is `gatehouse credentials --role-arn …`, which
 * exits 10 when the server is unreachable or unavailable ("retrying may succeed", docs/errors.md); a script that
 * retries on 10 (a job's wrapper waiting for the server to come back) read 9 and gave up, as if the role refused it.
 * Now a process that exits 10 makes the command exit 10 (the same `CredentialProcessFailed` message, naming the profile
 * and with the process's stderr); any other failure (a refusal of the role, another status, no JSON) stays exit 9.
 * The CLI's program in this process (test/support/gatehouse-cli.ts) with a temporary HOME and AWS_CONFIG_FILE; the
 * profiles' processes are the real `gatehouse` executable, against a real server on 127.0.0.1 and against a port
 * where none listens.
 * Before the fix 1 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN, freePort } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
let home: string;
let config: string;
before(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'gh-ll1-'));
  config = join(home, 'config');
  const dead = `http://127.0.0.1:${await freePort()}`;
  const gatehouse = `${process.execPath} ${GATEHOUSE_BIN} credentials`;
  await writeFile(
    config,
    [
      '[profile down]',
      // The server it names is not running: `gatehouse credentials` exits 10.
      `credential_process = ${gatehouse} --role-arn arn:aws:iam::000000000000:role/ScientistUserRole --endpoint ${dead} --data-dir ${server.dataDir}`,
      '[profile refused]',
      // The server answers, and refuses the role (it does not exist): exit 9.
      `credential_process = ${gatehouse} --role-arn arn:aws:iam::000000000000:role/NoSuchRole --endpoint ${server.url} --data-dir ${server.dataDir}`,
      '[profile broken]',
      "credential_process = sh -c 'echo token store locked >&2; exit 1'",
      '',
    ].join('\n'),
  );
});
after(async () => {
  await server.stop();
  await rm(home, { recursive: true, force: true });
});

const whoami = (profile: string) =>
  gatehouseInProcess(['whoami'], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, ...COMPILE_CACHE, AWS_CONFIG_FILE: config, AWS_PROFILE: profile, AWS_MAX_ATTEMPTS: '1', GATEHOUSE_ENDPOINT: server.url }, { cwd: home });

test('ll1: the credential_process `gatehouse credentials` cannot reach its server: the command exits 10, retryable', async () => {
  const r = await whoami('down');
  assert.equal(r.code, EXIT.unavailable, r.stderr);
  assert.match(r.stderr, /^gatehouse: CredentialProcessFailed: the credential_process of the profile `down` \(AWS_PROFILE\) in `[^`]*config` exited with status 10: gatehouse: ConnectionFailed: /);
  assert.equal(r.stdout, '');
});

test('ll1: the credential_process whose role the server refuses: exit 9 as before', async () => {
  const r = await whoami('refused');
  assert.equal(r.code, EXIT.accessDenied, r.stderr);
  assert.match(r.stderr, /^gatehouse: CredentialProcessFailed: the credential_process of the profile `refused` .* exited with status 9: gatehouse: /);
});

test('ll1: a credential_process exiting 1: exit 9 as before, its stderr shown', async () => {
  const r = await whoami('broken');
  assert.equal(r.code, EXIT.accessDenied, r.stderr);
  assert.match(r.stderr, /the credential_process of the profile `broken` .* exited with status 1: token store locked\n$/);
});
