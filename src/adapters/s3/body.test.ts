import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { checksumOf, decodeBody, readWhole, type BodyOptions } from './body.ts';
import { BodyRejected } from './errors.ts';

const crc32Base64 = (b: Buffer): string => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc32(b));
  return out.toString('base64');
};

/** `aws-chunked` framing of `data` in chunks of `size`, with an optional unsigned trailer. */
function chunked(data: Buffer, size: number, trailer?: string): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) {
    const c = data.subarray(i, i + size);
    parts.push(Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`0\r\n${trailer ?? ''}\r\n`));
  return Buffer.concat(parts);
}

/** The wire bytes cut at random places, as TCP delivers them. */
async function* cut(wire: Buffer, seed: number): AsyncGenerator<Uint8Array> {
  let x = seed;
  for (let i = 0; i < wire.length; ) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const n = 1 + (x % 300);
    yield wire.subarray(i, i + n);
    i += n;
  }
}

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof BodyRejected) return e.error.code;
    throw e;
  }
  return 'no error';
}

describe('decodeBody', () => {
  const data = randomBytes(5000);

  it('decodes aws-chunked cut anywhere (header lines, CRLFs, data split across reads), with a trailing CRC32', async () => {
    const wire = chunked(data, 777, `x-amz-checksum-crc32:${crc32Base64(data)}\r\n`);
    for (let seed = 1; seed < 40; seed++) {
      const options: BodyOptions = { chunked: true, checksum: { algorithm: 'crc32' }, size: data.length };
      assert.deepEqual(await readWhole(decodeBody(cut(wire, seed), options)), data, `seed ${seed}`);
    }
  });

  it('refuses a trailing checksum that does not match, a short body, a long one, broken framing', async () => {
    const bad = chunked(data, 1000, 'x-amz-checksum-crc32:AAAAAA==\r\n');
    assert.equal(await rejection(readWhole(decodeBody(cut(bad, 3), { chunked: true, checksum: { algorithm: 'crc32' } }))), 'BadDigest');
    const wire = chunked(data, 1000);
    assert.equal(await rejection(readWhole(decodeBody(cut(wire, 3), { chunked: true, size: data.length + 1 }))), 'IncompleteBody');
    assert.equal(await rejection(readWhole(decodeBody(cut(wire.subarray(0, 2500), 3), { chunked: true }))), 'IncompleteBody');
    const broken = Buffer.from(wire.toString('latin1').replace('\r\n3e8', '\r\nzz'), 'latin1');
    assert.equal(await rejection(readWhole(decodeBody(cut(broken, 5), { chunked: true }))), 'IncompleteBody');
    assert.equal(await rejection(readWhole(decodeBody(cut(data, 5), { chunked: false, size: data.length - 1 }))), 'IncompleteBody');
    assert.equal(await rejection(readWhole(decodeBody(cut(data, 5), { chunked: false, limit: 100 }))), 'MaxMessageLengthExceeded');
  });

  it('checks a declared hex SHA-256 and header checksums (CRC32, CRC32C, CRC64NVME, SHA-1, SHA-256)', async () => {
    const hex = createHash('sha256').update(data).digest('hex');
    assert.deepEqual(await readWhole(decodeBody(cut(data, 9), { chunked: false, sha256Hex: hex })), data);
    assert.equal(await rejection(readWhole(decodeBody(cut(data, 9), { chunked: false, sha256Hex: '0'.repeat(64) }))), 'XAmzContentSHA256Mismatch');
    for (const algorithm of ['crc32', 'crc32c', 'crc64nvme', 'sha1', 'sha256'] as const) {
      const sum = checksumOf(algorithm);
      sum.update(data);
      const expected = await sum.digest();
      assert.deepEqual(await readWhole(decodeBody(cut(data, 2), { chunked: false, checksum: { algorithm, expected } })), data, algorithm);
      assert.equal(await rejection(readWhole(decodeBody(cut(data, 2), { chunked: false, checksum: { algorithm, expected: 'AAAAAA==' } }))), 'BadDigest', algorithm);
    }
    // CRC-32C check value of "123456789" (RFC 3720 B.4): 0xE3069283.
    const c = checksumOf('crc32c');
    c.update(Buffer.from('123456789'));
    assert.equal(Buffer.from(await c.digest(), 'base64').toString('hex'), 'e3069283');
    // CRC-64/NVME check value of "123456789" (the CRC catalogue's `check`): 0xAE8B14860A799888.
    const n = checksumOf('crc64nvme');
    n.update(Buffer.from('1234'));
    n.update(Buffer.from('56789'));
    assert.equal(Buffer.from(await n.digest(), 'base64').toString('hex'), 'ae8b14860a799888');
  });

  it('signed chunks: a signature is checked as each chunk ends; one that fails stops the body', async () => {
    const wire = Buffer.concat([Buffer.from(`3;chunk-signature=${'a'.repeat(64)}\r\nabc\r\n3;chunk-signature=${'b'.repeat(64)}\r\ndef\r\n0;chunk-signature=${'c'.repeat(64)}\r\n\r\n`)]);
    const seen: string[] = [];
    const ok = { chunk: (hash: string, sig: string) => (seen.push(`${hash.slice(0, 8)}:${sig[0]}`), true), trailer: () => true };
    assert.equal((await readWhole(decodeBody(cut(wire, 7), { chunked: true, signatures: ok }))).toString(), 'abcdef');
    const h = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 8);
    assert.deepEqual(seen, [`${h('abc')}:a`, `${h('def')}:b`, `${h('')}:c`]);
    const refuseSecond = { chunk: (_h: string, sig: string) => sig[0] !== 'b', trailer: () => true };
    const out: string[] = [];
    const code = await rejection(
      (async () => {
        for await (const piece of decodeBody(cut(wire, 7), { chunked: true, signatures: refuseSecond })) out.push(Buffer.from(piece).toString());
      })(),
    );
    assert.equal(code, 'SignatureDoesNotMatch');
    assert.ok(out.join('').length <= 6);
    // A chunk without a signature in a signed body is framed wrong, as S3 answers it (review io, 2).
    assert.equal(await rejection(readWhole(decodeBody(cut(Buffer.from('3\r\nabc\r\n0\r\n\r\n'), 1), { chunked: true, signatures: ok }))), 'IncompleteBody');
  });
});
