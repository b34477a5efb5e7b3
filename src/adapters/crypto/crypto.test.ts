import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constantTimeEqual, loadMasterKey, masterKeyFromBytes, open, openText, parseMasterKey, seal } from './index.ts';

const tempDir = () => mkdtemp(join(tmpdir(), 'gh-crypto-'));

describe('crypto: seal and open', () => {
  const key = masterKeyFromBytes(randomBytes(32));
  const other = masterKeyFromBytes(randomBytes(32));

  it('round-trips and never contains the plaintext', () => {
    const sealed = seal(key, 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'AKIAIOSFODNN7EXAMPLE');
    assert.match(sealed, /^gh1\.[0-9a-f]{8}\.[A-Za-z0-9_-]+$/);
    assert.ok(!sealed.includes('wJalrXUtnFEMI'));
    assert.deepEqual(openText(key, sealed, 'AKIAIOSFODNN7EXAMPLE'), { ok: true, value: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' });
    assert.notEqual(seal(key, 'same', 'a'), seal(key, 'same', 'a'), 'a fresh nonce per seal');
  });

  it('binds the ciphertext to its aad and its key', () => {
    const sealed = seal(key, 'secret', 'AKIAONE');
    assert.equal(open(key, sealed, 'AKIATWO').ok, false);
    const wrong = open(other, sealed, 'AKIAONE');
    assert.ok(!wrong.ok && wrong.error.code === 'SEALED_WRONG_KEY');
    // Same key id forged onto another key's output still fails authentication.
    const forged = seal(other, 'secret', 'AKIAONE').replace(/^gh1\.[0-9a-f]{8}\./, `gh1.${key.id}.`);
    const r = open(key, forged, 'AKIAONE');
    assert.ok(!r.ok && r.error.code === 'SEALED_TAMPERED');
    // The second-to-last character carries only ciphertext or tag bits (the last may carry padding bits).
    const flipped = sealed.slice(0, -2) + (sealed.at(-2) === 'A' ? 'B' : 'A') + sealed.slice(-1);
    assert.equal(open(key, flipped, 'AKIAONE').ok, false);
    const malformed = open(key, 'plaintext', 'AKIAONE');
    assert.ok(!malformed.ok && malformed.error.code === 'SEALED_MALFORMED');
  });

  it('compares in constant time, whatever the lengths', () => {
    assert.equal(constantTimeEqual('abc', 'abc'), true);
    assert.equal(constantTimeEqual('abc', 'abd'), false);
    assert.equal(constantTimeEqual('abc', 'abcd'), false);
    assert.equal(constantTimeEqual(Buffer.from('x'), 'x'), true);
  });
});

describe('crypto: loadMasterKey', () => {
  it('creates DIR/master.key mode 0600 on first start, then reuses it', async () => {
    const dir = await tempDir();
    try {
      const first = await loadMasterKey({ dataDir: dir, env: {} });
      assert.ok(first.ok && first.value.source === 'created');
      const file = join(dir, 'master.key');
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.equal(Buffer.from((await readFile(file, 'utf8')).trim(), 'base64').length, 32);
      const second = await loadMasterKey({ dataDir: dir, env: {} });
      assert.ok(second.ok && second.value.source === 'file');
      assert.equal(second.value.masterKey.id, first.value.masterKey.id);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('two instances starting at once end up with the same key', async () => {
    const dir = await tempDir();
    try {
      const results = await Promise.all(Array.from({ length: 8 }, () => loadMasterKey({ dataDir: dir, env: {} })));
      const ids = new Set(results.map((r) => (r.ok ? r.value.masterKey.id : r.error.message)));
      assert.equal(ids.size, 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('takes --master-key-file over GATEHOUSE_MASTER_KEY over the data dir', async () => {
    const dir = await tempDir();
    try {
      const envKey = randomBytes(32).toString('base64');
      const fileKey = randomBytes(32).toString('base64');
      const keyFile = join(dir, 'flag.key');
      await writeFile(keyFile, `${fileKey}\n`, { mode: 0o644 });
      const fromEnv = await loadMasterKey({ dataDir: dir, env: { GATEHOUSE_MASTER_KEY: envKey } });
      assert.ok(fromEnv.ok && fromEnv.value.source === 'env');
      const parsed = parseMasterKey(envKey, 'x');
      assert.ok(parsed.ok);
      assert.equal(fromEnv.value.masterKey.id, parsed.value.id);
      const fromFlag = await loadMasterKey({ dataDir: dir, env: { GATEHOUSE_MASTER_KEY: envKey }, keyFile });
      assert.ok(fromFlag.ok && fromFlag.value.source === 'file');
      assert.equal(fromFlag.value.warnings.length, 1, 'a world-readable key file is flagged');
      await chmod(keyFile, 0o600);
      const quiet = await loadMasterKey({ dataDir: dir, env: {}, keyFile });
      assert.ok(quiet.ok && quiet.value.warnings.length === 0);
      await assert.rejects(stat(join(dir, 'master.key')), 'no key file created when a key was given');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects malformed keys and a missing explicit key file', async () => {
    const dir = await tempDir();
    try {
      const short = await loadMasterKey({ dataDir: dir, env: { GATEHOUSE_MASTER_KEY: randomBytes(16).toString('base64') } });
      assert.ok(!short.ok && short.error.code === 'MASTER_KEY_INVALID');
      const junk = await loadMasterKey({ dataDir: dir, env: { GATEHOUSE_MASTER_KEY: 'not a key' } });
      assert.ok(!junk.ok && junk.error.code === 'MASTER_KEY_INVALID');
      const missing = await loadMasterKey({ dataDir: dir, env: {}, keyFile: join(dir, 'nope.key') });
      assert.ok(!missing.ok && missing.error.code === 'MASTER_KEY_UNREADABLE');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
