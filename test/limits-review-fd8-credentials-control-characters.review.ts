/**
 * Review fd, 8. A credential holding a carriage return (an `AWS_ACCESS_KEY_ID` exported from a `.env` file with
 * Windows line endings), a line break (an `AWS_SESSION_TOKEN` pasted across lines, a profile's key continued on an
 * indented line, which the shared credentials file reads as one value) or a space made the signed request's header
 * invalid, and Node's refusal was reported as `ConnectionFailed: cannot reach the Gatehouse server at … (set
 * GATEHOUSE_ENDPOINT or --endpoint)`, exit 10: the user was sent to fix the endpoint of a server that was up. In the
 * secret, the server answered SignatureDoesNotMatch.
 *
 * Now every command refuses such credentials before sending, exit 2 `InvalidCredentials`, naming the field, the
 * character and where it is, and the source of the credentials, never the value. Against a real server (the CLI's
 * program in this process, test/support/gatehouse-cli.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let s: TestServer;
let home: string;
before(async () => {
  s = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'gh-fd8-'));
});
after(async () => {
  await s?.stop();
  await rm(home, { recursive: true, force: true });
});

const run = (env: Record<string, string>) => gatehouseInProcess(['whoami'], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, GATEHOUSE_ENDPOINT: s.url, ...env });

test('a carriage return or line break in a key, secret or token is said as such, exit 2', async () => {
  const { accessKeyId, secretAccessKey } = s.admin;
  const cases: [Record<string, string>, RegExp][] = [
    [{ AWS_ACCESS_KEY_ID: `${accessKeyId}\r`, AWS_SECRET_ACCESS_KEY: secretAccessKey }, /the access key id holds a carriage return \(a Windows line ending\?\) at character 21 of 21, in the credentials from AWS_ACCESS_KEY_ID/],
    [{ AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: `${secretAccessKey}\r` }, /the secret access key holds a carriage return \(a Windows line ending\?\) at character 41 of 41/],
    [{ AWS_ACCESS_KEY_ID: accessKeyId, AWS_SECRET_ACCESS_KEY: secretAccessKey, AWS_SESSION_TOKEN: 'IQoJb3JpZ2lu\nX2VjEJr' }, /the session token holds a line break at character 13 of 20/],
    [{ AWS_ACCESS_KEY_ID: ` ${accessKeyId}`, AWS_SECRET_ACCESS_KEY: secretAccessKey }, /the access key id holds whitespace at character 1 of 21/],
  ];
  for (const [env, message] of cases) {
    const r = await run(env);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^gatehouse: InvalidCredentials: /);
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /cannot reach|ConnectionFailed|SignatureDoesNotMatch/);
    assert.ok(!r.stderr.includes(secretAccessKey), 'the secret is never printed');
  }
});

test('a profile whose key is continued on an indented line names the profile', async () => {
  await mkdir(join(home, '.aws'), { recursive: true });
  await writeFile(join(home, '.aws', 'credentials'), `[ci]\naws_access_key_id = ${s.admin.accessKeyId}\n  oops\naws_secret_access_key = ${s.admin.secretAccessKey}\n`);
  const r = await run({ AWS_PROFILE: 'ci' });
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /the access key id holds a line break at character 21 of 25, in the credentials from the profile `ci`/);
});

test('clean credentials still work', async () => {
  const r = await run({ AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /user\/admin/);
});
