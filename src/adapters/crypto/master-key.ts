/**
 * The master key: 32 bytes kept outside the database, under which long-term secrets (and, later, the
 * session-token key ring) are sealed. Every instance of a deployment must be given the same one
 * (DESIGN: "One deployment, many instances").
 *
 * Where it comes from, first match wins:
 *   1. `keyFile` (`--master-key-file FILE`): base64 of 32 bytes; the file must exist.
 *   2. `GATEHOUSE_MASTER_KEY` in `env`: base64 of 32 bytes.
 *   3. `<dataDir>/master.key`, if it exists.
 *   4. Otherwise a fresh key is written to `<dataDir>/master.key`, mode 0600.
 */
import { createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { chmod, link, open, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fail, ok, type CryptoResult } from './errors.ts';
import { makeDirectory, readSmallFile } from '../fs/index.ts';

export const MASTER_KEY_ENV = 'GATEHOUSE_MASTER_KEY';
export const MASTER_KEY_FILE_NAME = 'master.key';
export const MASTER_KEY_BYTES = 32;

/** The key itself never leaves the `KeyObject` (it does not print or serialise). */
export interface MasterKey {
  readonly key: KeyObject;
  /** 8 hex digits identifying the key without revealing it; sealed values carry it. */
  readonly id: string;
}

export interface LoadedMasterKey {
  readonly masterKey: MasterKey;
  readonly source: 'file' | 'env' | 'created';
  /** The key file used or created (absent for `env`). */
  readonly file?: string;
  /** Things an operator should fix, e.g. a key file readable by others. */
  readonly warnings: readonly string[];
}

export interface LoadMasterKeyOptions {
  readonly dataDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly keyFile?: string | undefined;
}

export async function loadMasterKey(options: LoadMasterKeyOptions): Promise<CryptoResult<LoadedMasterKey>> {
  if (options.keyFile !== undefined) return fromFile(options.keyFile, false);
  const fromEnv = options.env[MASTER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') {
    const parsed = parseMasterKey(fromEnv, `\`${MASTER_KEY_ENV}\``);
    return parsed.ok ? ok({ masterKey: parsed.value, source: 'env', warnings: [] }) : parsed;
  }
  await makeDirectory(options.dataDir, 0o700);
  const file = join(options.dataDir, MASTER_KEY_FILE_NAME);
  const existing = await fromFile(file, true);
  if (existing.ok || existing.error.code !== 'MASTER_KEY_UNREADABLE' || (await exists(file))) return existing;
  return create(file);
}

/** Parses base64 of exactly 32 bytes. `what` names the source in the error message. */
export function parseMasterKey(text: string, what: string): CryptoResult<MasterKey> {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/]{43}=?$/.test(trimmed)) {
    return fail('MASTER_KEY_INVALID', `${what} is not base64 of ${MASTER_KEY_BYTES} bytes; generate one with \`openssl rand -base64 32\``);
  }
  const bytes = Buffer.from(trimmed, 'base64');
  if (bytes.length !== MASTER_KEY_BYTES) {
    return fail('MASTER_KEY_INVALID', `${what} is not base64 of ${MASTER_KEY_BYTES} bytes; generate one with \`openssl rand -base64 32\``);
  }
  return ok(masterKeyFromBytes(bytes));
}

/** For tests and key generation: wraps 32 raw bytes (the buffer is zeroed afterwards). */
export function masterKeyFromBytes(bytes: Buffer): MasterKey {
  if (bytes.length !== MASTER_KEY_BYTES) throw new Error(`a master key is ${MASTER_KEY_BYTES} bytes`);
  const key = createSecretKey(Buffer.from(bytes));
  const id = createHmac('sha256', bytes).update('gatehouse master key id').digest('hex').slice(0, 8);
  bytes.fill(0);
  return { key, id };
}

async function fromFile(file: string, mayBeMissing: boolean): Promise<CryptoResult<LoadedMasterKey>> {
  let text: string;
  let mode: number;
  try {
    // A key is 45 bytes; bounded, so that `/dev/zero` given by mistake is refused at once (review gr, 8).
    text = await readSmallFile(file, 4096);
    mode = (await stat(file)).mode;
  } catch (e) {
    // The key itself given for the file's path (`--master-key-file "$(openssl rand -base64 32)"`, the deployment's
    // GATEHOUSE_MASTER_KEY copied into the flag): echoed as the file that does not exist, the master key was on the
    // terminal and in the logs that keep the start's output (review qz, 2). Said without it.
    if (!mayBeMissing && parseMasterKey(file, '').ok) {
      return fail('MASTER_KEY_UNREADABLE', `--master-key-file was given a master key (base64 of ${MASTER_KEY_BYTES} bytes), not the path of a file (not shown): write it to a file readable by this user only and give that file's path, or set ${MASTER_KEY_ENV}`);
    }
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(e as Error).message})`;
    const hint = mayBeMissing ? '' : '; create it with `openssl rand -base64 32`, or leave out --master-key-file';
    return fail('MASTER_KEY_UNREADABLE', `master key file \`${file}\` ${reason}${hint}`);
  }
  const parsed = parseMasterKey(text, `master key file \`${file}\``);
  if (!parsed.ok) return parsed;
  const warnings =
    (mode & 0o077) !== 0 ? [`master key file \`${file}\` is readable by group or others; run \`chmod 600 ${file}\``] : [];
  return ok({ masterKey: parsed.value, source: 'file', file, warnings });
}

/**
 * Writes a fresh key without a window where another instance could read a partial file: the key goes to
 * a private temporary file, which is then hard-linked into place (fails if the name exists). If another
 * instance won the race, its key is used.
 */
async function create(file: string): Promise<CryptoResult<LoadedMasterKey>> {
  const bytes = randomBytes(MASTER_KEY_BYTES);
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(`${bytes.toString('base64')}\n`);
    await handle.sync();
  } catch (e) {
    // A write cut short (a full disk, a file size limit) left part of a key, or nothing, in the temporary file: it
    // goes, and the start fails saying why (review gr, 11).
    bytes.fill(0);
    await handle.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await handle.close();
  try {
    await chmod(tmp, 0o600);
    await link(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    bytes.fill(0);
    return fromFile(file, false);
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  return ok({ masterKey: masterKeyFromBytes(bytes), source: 'created', file, warnings: [] });
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
