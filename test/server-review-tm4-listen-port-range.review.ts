/**
 * Review tm, 4: `gatehouse server --listen 127.0.0.1:99999` (or `--agent-listen`, `--health-listen`, `--s3-listen`,
 * `gatehouse agent --listen`) was refused "--listen must be HOST:PORT, got `127.0.0.1:99999`": the shape was right, the
 * port was not, and the message named neither the port nor the range a user must pick from; a six-digit port was
 * refused the same way. Contract: docs/errors.md exit 2 ("the message says which" of a malformed argument) and STYLE
 * (an error names what is wrong and where). Now a port past 65535 is refused naming it and the range: 1 to 65535, or 0
 * for a port the system picks; a malformed HOST:PORT is refused as before.
 * Before the fix 2 of 3 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHostPort, startServer } from '../src/main/server.ts';

const quiet = { listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: () => {} };

test('a --listen port past 65535 is refused naming the port and the range, before anything is created', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'gh-tm4-'));
  try {
    for (const [extra, what, port] of [
      [{ listen: '127.0.0.1:99999' }, '--listen', '99999'],
      [{ agentListen: '[::1]:65536' }, '--agent-listen', '65536'],
      [{ listen: '127.0.0.1:123456' }, '--listen', '123456'],
    ] as const) {
      const data = join(dir, 'data');
      await assert.rejects(startServer({ ...quiet, dataDir: data, ...extra }), (e: Error) => {
        assert.ok(e.message.startsWith(`${what} must be HOST:PORT`), e.message);
        assert.match(e.message, /from 1 to 65535 \(or 0 for one the system picks\)/);
        assert.ok(e.message.includes(`port ${port} is out of range`), e.message);
        return true;
      });
      assert.equal(existsSync(data), false, `${JSON.stringify(extra)} created the data dir`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('gatehouse agent --listen is held to the same range (one parser)', () => {
  assert.throws(() => parseHostPort('0.0.0.0:70000', '--listen'), /^Error: --listen must be HOST:PORT with a port from 1 to 65535 \(or 0 for one the system picks\), got `0\.0\.0\.0:70000`: port 70000 is out of range$/);
});

test('the edges of the range are taken, and a malformed address is refused as before', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:65535', '--listen'), { host: '127.0.0.1', port: 65535 });
  assert.deepEqual(parseHostPort('[::1]:0', '--listen'), { host: '::1', port: 0 });
  assert.throws(() => parseHostPort('8471', '--listen'), /^Error: --listen must be HOST:PORT, got `8471`$/);
  assert.throws(() => parseHostPort('127.0.0.1:', '--listen'), /^Error: --listen must be HOST:PORT, got `127\.0\.0\.1:`$/);
});
