/**
 * Reading a small file the operator names (a certificate, a private key, a master key): at most `maxBytes`, so that a
 * wrong path (`/dev/zero`, a disk image, a log) is refused at once instead of being read whole into memory.
 */
import { open } from 'node:fs/promises';

/** The file's text (UTF-8), refused with code `EFBIG` past `maxBytes`; other failures are the system's errors. */
export async function readSmallFile(path: string, maxBytes: number): Promise<string> {
  const file = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let size = 0;
    for (;;) {
      const buffer = Buffer.allocUnsafe(Math.min(64 * 1024, maxBytes + 1));
      const { bytesRead } = await file.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return Buffer.concat(chunks).toString('utf8');
      size += bytesRead;
      if (size > maxBytes) {
        const limit = maxBytes % (1 << 20) === 0 ? `${maxBytes >> 20} MiB` : maxBytes % 1024 === 0 ? `${maxBytes >> 10} KiB` : `${maxBytes} bytes`;
        throw Object.assign(new Error(`larger than ${limit}, more than such a file ever is; check the path`), { code: 'EFBIG' });
      }
      chunks.push(buffer.subarray(0, bytesRead));
    }
  } finally {
    await file.close();
  }
}
