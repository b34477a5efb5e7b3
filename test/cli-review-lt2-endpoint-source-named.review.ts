/**
 * Review lt, 2: an endpoint the CLI refused (`InvalidEndpoint`, exit 2) was not said to come from anywhere: "the
 * endpoint `gatehouse:8470` must be http:// or https://" whether it was `--endpoint`, GATEHOUSE_ENDPOINT left in a
 * shell profile, the `Endpoint` of `--data-dir`'s admin-credentials.json, or, in a job, its AWS_ENDPOINT_URL; and
 * "give one such as http://127.0.0.1:8470" to an operator who had given none on the command line. The variable is the
 * usual culprit (`export GATEHOUSE_ENDPOINT=gatehouse:8470`, the scheme left out), and nothing pointed at it. The CLI
 * names where every other refused setting came from (`InvalidRegion`: `--region`, AWS_REGION, the profile and its
 * file; `InvalidProxy`: the variable; `InvalidCredentials`: where the keys came from), as the aws CLI's own error for a
 * bad `--endpoint-url` names the option ("Bad value for --endpoint-url …: scheme is missing. Must be of the form
 * http://<hostname>/ or https://<hostname>/", awscli `argprocess`/`customizations/globalargs.py`).
 * Now the refusal names the option, variable or file the endpoint came from, says to correct or unset the variable,
 * and, for a `host:port` without a scheme, gives the URL meant (`http://host:port`). Nothing is sent; exit 2 as before.
 * The CLI in this process (test/support/gatehouse-cli.ts); no server is needed, since nothing is sent.
 * Before the fix 4 of 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

let dir: string;
const KEYS = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' };
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-lt2-'));
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const whoami = (args: string[], env: Record<string, string>) => gatehouseInProcess([...args, 'whoami'], { HOME: dir, ...env }, { cwd: dir });

test('lt2: GATEHOUSE_ENDPOINT without a scheme: the variable is named, and the URL meant given', async () => {
  const r = await whoami([], { ...KEYS, GATEHOUSE_ENDPOINT: 'gatehouse.internal:8470' });
  assert.equal(r.code, EXIT.usage, r.stderr);
  assert.match(r.stderr, /^gatehouse: InvalidEndpoint: the endpoint `gatehouse\.internal:8470` must be http:\/\/ or https:\/\/; it comes from GATEHOUSE_ENDPOINT: correct or unset it, or give `http:\/\/gatehouse\.internal:8470`/);
});

test('lt2: an IP and port for GATEHOUSE_ENDPOINT (not a URL at all): the variable named, http://IP:PORT offered', async () => {
  const r = await whoami([], { ...KEYS, GATEHOUSE_ENDPOINT: '10.0.0.5:8470' });
  assert.equal(r.code, EXIT.usage, r.stderr);
  assert.match(r.stderr, /the endpoint `10\.0\.0\.5:8470` is not a URL; it comes from GATEHOUSE_ENDPOINT: /);
  assert.match(r.stderr, /http:\/\/10\.0\.0\.5:8470/);
});

test('lt2: --endpoint is named as the option', async () => {
  const r = await whoami(['--endpoint', 'ftp://gatehouse:8470'], { ...KEYS, GATEHOUSE_ENDPOINT: 'http://127.0.0.1:1' });
  assert.equal(r.code, EXIT.usage, r.stderr);
  assert.match(r.stderr, /the endpoint `ftp:\/\/gatehouse:8470` must be http:\/\/ or https:\/\/; it is --endpoint's: give one such as/);
  assert.doesNotMatch(r.stderr, /GATEHOUSE_ENDPOINT/);
});

test('lt2: the Endpoint of --data-dir\'s admin-credentials.json is named with the file', async () => {
  const data = join(dir, 'data');
  await import('node:fs/promises').then((fs) => fs.mkdir(data, { mode: 0o700 }));
  const file = join(data, 'admin-credentials.json');
  await writeFile(file, JSON.stringify({ AccessKeyId: KEYS.AWS_ACCESS_KEY_ID, SecretAccessKey: KEYS.AWS_SECRET_ACCESS_KEY, AccountId: '000000000000', Endpoint: 'gatehouse:8470' }), { mode: 0o600 });
  for (const env of [{}, KEYS]) {
    const r = await whoami(['--data-dir', data], env);
    assert.equal(r.code, EXIT.usage, r.stderr);
    assert.ok(r.stderr.includes(`the endpoint \`gatehouse:8470\` must be http:// or https://; it comes from the Endpoint in \`${file}\`: give \`http://gatehouse:8470\``), r.stderr);
    assert.match(r.stderr, /as --endpoint or GATEHOUSE_ENDPOINT\n$/);
  }
});
