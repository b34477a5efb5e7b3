/**
 * Review tm, 5: `gatehouse server --listen ::1:8470` (or `--agent-listen`, `--health-listen`, `--s3-listen`,
 * `gatehouse agent --listen`) was refused "--listen must be HOST:PORT, got `::1:8470`": the address and the port were
 * both there, but an IPv6 address needs its brackets (RFC 3986 §3.2.2, and Node's own `host:port` form) to tell the port
 * from the address's last group, and nothing said so; a user tried `::1:8470` again in other spellings. Contract:
 * docs/errors.md exit 2 ("the message says which" of a malformed argument) and STYLE (an error names what is wrong).
 * Now an IPv6 address followed by a port is refused with the bracketed form to give (`[::1]:8470`); other malformed
 * addresses are refused as before, and a bracketed one is taken.
 * Before the fix 2 of 3 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHostPort, startServer } from '../src/main/server.ts';

test('--listen ::1:8470 is refused saying that an IPv6 address goes in brackets, before anything is created', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gh-tm5-'));
  try {
    const data = join(dir, 'data');
    await assert.rejects(startServer({ listen: '::1:8470', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: () => {}, dataDir: data }), (e: Error) => {
      assert.equal(e.message, '--listen must be HOST:PORT, got `::1:8470`: an IPv6 address goes in brackets, such as `[::1]:8470`');
      return true;
    });
    assert.equal(existsSync(data), false, 'the data dir is not created');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('any IPv6 address, compressed or not, is named in brackets', () => {
  assert.throws(() => parseHostPort('fe80::1:8471', '--agent-listen'), /^Error: --agent-listen must be HOST:PORT, got `fe80::1:8471`: an IPv6 address goes in brackets, such as `\[fe80::1\]:8471`$/);
  assert.throws(() => parseHostPort('2001:db8:0:0:0:0:0:1:443', '--health-listen'), /such as `\[2001:db8:0:0:0:0:0:1\]:443`$/);
});

test('a bracketed IPv6 address is taken, and other malformed addresses are refused as before', () => {
  assert.deepEqual(parseHostPort('[::1]:8470', '--listen'), { host: '::1', port: 8470 });
  for (const bad of ['8471', 'everywhere', ':8470', '::', '::8470']) {
    assert.throws(() => parseHostPort(bad, '--listen'), (e: Error) => e.message === `--listen must be HOST:PORT, got \`${bad}\``, bad);
  }
});
