/**
 * Review qz, 7: the CLI given PEM text where the CA bundle's path goes (`AWS_CA_BUNDLE="$(cat server.pem)"`, a CI
 * variable holding the file's content, `--ca-bundle` the same) refused it by echoing the value as the file it could not
 * read, twice (its own words and the system's ENAMETOOLONG): "cannot read AWS_CA_BUNDLE `-----BEGIN PRIVATE KEY-----
 * MIIE…`", a private key among the PEM (a combined key and certificate file, the server's own) on the terminal and in
 * the CI log. Now such a value is refused without being shown (exit 5, InvalidCaBundle, as before), saying to give the
 * path of the PEM file; a path that cannot be read is still named.
 *
 * The real CLI in this process (test/support/gatehouse-cli.ts); the bundle is read before anything is sent.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const keyPem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
const keyLine = keyPem.split('\n')[1] as string;
const base = { HOME: '/nonexistent-qz7', PATH: process.env['PATH'], AWS_ACCESS_KEY_ID: 'AKIAQZ7EXAMPLE000000', AWS_SECRET_ACCESS_KEY: 'qz7-secret', GATEHOUSE_ENDPOINT: 'https://127.0.0.1:9' };

test('qz7: AWS_CA_BUNDLE holding PEM text with a private key is refused without it', async () => {
  const r = await gatehouseInProcess(['whoami'], { ...base, AWS_CA_BUNDLE: `-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n${keyPem}` });
  assert.equal(r.code, EXIT.noInput, r.stderr);
  assert.ok(!r.stderr.includes(keyLine) && !r.stdout.includes(keyLine), r.stderr);
  assert.match(r.stderr, /InvalidCaBundle: AWS_CA_BUNDLE holds PEM text, not the path of a file \(not shown\): give the path of the PEM file/);
});

test('qz7: --ca-bundle given the key text is refused without it', async () => {
  const r = await gatehouseInProcess(['whoami', '--ca-bundle', keyPem], base);
  assert.equal(r.code, EXIT.noInput, r.stderr);
  assert.ok(!r.stderr.includes(keyLine), r.stderr);
  assert.match(r.stderr, /--ca-bundle holds PEM text, not the path of a file \(not shown\)/);
});

test('qz7: a path that cannot be read is still named', async () => {
  const r = await gatehouseInProcess(['whoami'], { ...base, AWS_CA_BUNDLE: '/nonexistent-qz7/ca.pem' });
  assert.equal(r.code, EXIT.noInput, r.stderr);
  assert.match(r.stderr, /cannot read AWS_CA_BUNDLE `\/nonexistent-qz7\/ca\.pem`/);
});
