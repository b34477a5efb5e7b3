import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BodyHasher, checksumFrom, combineCrcs, type CrcAlgorithm } from './checksums.ts';

const digestOf = async (algorithm: CrcAlgorithm, data: Buffer): Promise<Buffer> => {
  const h = new BodyHasher({}, algorithm);
  h.update(data);
  return Buffer.from(checksumFrom(algorithm, await h.digest())!.value, 'base64');
};

describe('combineCrcs', () => {
  it('is the CRC of the concatenation, for CRC32, CRC32C and CRC64NVME, with empty and odd-sized parts', async () => {
    const parts = [randomBytes(5 << 20), Buffer.alloc(0), randomBytes(1), randomBytes(777_777), randomBytes(3)];
    for (const algorithm of ['crc32', 'crc32c', 'crc64nvme'] as const) {
      const combined = combineCrcs(algorithm, await Promise.all(parts.map(async (p) => ({ crc: await digestOf(algorithm, p), size: p.length }))));
      assert.equal(combined.toString('hex'), (await digestOf(algorithm, Buffer.concat(parts))).toString('hex'), algorithm);
      const one = combineCrcs(algorithm, [{ crc: await digestOf(algorithm, parts[0]!), size: parts[0]!.length }]);
      assert.equal(one.toString('hex'), (await digestOf(algorithm, parts[0]!)).toString('hex'), algorithm);
    }
  });
});
