/**
 * Review qz, 1: `gatehouse server --tls-key "$(cat key.pem)"`, the key's text given where its file's path goes (a
 * systemd unit or a Helm value filled with the content, not the path), was refused by echoing what was given as the
 * file's name: `--tls-key \`-----BEGIN PRIVATE KEY-----\nMIIE…\`: cannot be read (…)`, the TLS private key on the
 * terminal, in the CI log, in journald. Now a --tls-key or --tls-cert that is PEM text, not a path, is refused
 * without it (exit 5, as any unreadable input file), saying to give the file's path; a real file's refusal still
 * names it.
 *
 * The server's executable, with a deadline: the refusal comes before anything is opened.
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { COMPILE_CACHE, GATEHOUSE_BIN, run } from './support/processes.ts';

let home = '';
const keyPem = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
/** A line of the key's base64, which no refusal may show. */
const keyLine = keyPem.split('\n')[1] as string;

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-qz1-'));
  await writeFile(join(home, 'key.pem'), keyPem, { mode: 0o600 });
});
after(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

const server = (args: readonly string[]) =>
  run(process.execPath, [GATEHOUSE_BIN, 'server', '--data-dir', join(home, 'data'), '--listen', '127.0.0.1:0', '--agent-listen', '127.0.0.1:0', '--s3-listen', 'off', ...args], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: home, TMPDIR: home, ...COMPILE_CACHE }, { timeoutMs: 30_000, killSignal: 'SIGKILL' });

test('qz1: --tls-key given the private key text is refused without it', async () => {
  const r = await server(['--tls-cert', join(home, 'key.pem'), '--tls-key', keyPem]);
  assert.equal(r.code, EXIT.noInput, r.stderr);
  assert.ok(!r.stderr.includes(keyLine) && !r.stdout.includes(keyLine), `the key was shown: ${r.stderr}`);
  assert.match(r.stderr, /--tls-key: the value given is PEM text, not the path of a file \(not shown\): give the path of the file that holds it/);
});

test('qz1: --tls-cert given PEM text with a private key in it is refused without it', async () => {
  const r = await server(['--tls-cert', `-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n${keyPem}`, '--tls-key', join(home, 'key.pem')]);
  assert.equal(r.code, EXIT.noInput, r.stderr);
  assert.ok(!r.stderr.includes(keyLine), `the key was shown: ${r.stderr}`);
  assert.match(r.stderr, /--tls-cert: the value given is PEM text, not the path of a file \(not shown\)/);
});

test('qz1: a path that cannot be read is still named', async () => {
  const r = await server(['--tls-cert', join(home, 'missing-cert.pem'), '--tls-key', join(home, 'key.pem')]);
  assert.equal(r.code, EXIT.noInput, r.stderr);
  assert.match(r.stderr, /--tls-cert `[^`]*missing-cert\.pem`: cannot be read/);
});
