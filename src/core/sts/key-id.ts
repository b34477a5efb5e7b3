/**
 * Temporary access key ids that carry their account, as AWS's do, so that `GetAccessKeyInfo` can answer the account of
 * a session's key id with no record of the session: sessions are self-contained (no database row per session), and
 * the key id is all a caller holding a leaked key can give.
 *
 * The layout is AWS's, so that the tools that read an account off an AWS key id offline read the same one off ours:
 * after the 4-character prefix, 16 base32 characters (RFC 4648 alphabet) are 80 bits, of which the first 48 are a
 * set top bit, the account (40 bits: any 12-digit id fits) and 7 random bits; the last 32 bits are random. A
 * decoder masks the first 48 bits with `0x7fffffffff80` and shifts right by 7. 39 bits are random per account: ids of
 * one account repeat after about 740,000 sessions on average (birthday bound), as AWS's; a key id is not a secret, and
 * a session is bound to its secret and token, not its id alone.
 *
 * `STS.` ids (Alibaba-style accounts) take the same 16 characters first, then 8 more random ones (24 after the prefix,
 * as before).
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const MAX_ACCOUNT = 999_999_999_999;
const ACCOUNT_BITS = 2n ** 40n;

/** The prefix of each partition's temporary key ids. */
export const TEMPORARY_KEY_PREFIX = { aws: 'ASIA', acs: 'STS.' } as const;

/** Base32 of `bits` (a multiple of 5 bits, `chars` characters), most significant first. */
function base32(bits: bigint, chars: number): string {
  let out = '';
  for (let i = chars - 1; i >= 0; i--) out += ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  return out;
}

/**
 * A temporary key id of `account` (12 digits) in `partition`; `random` gives the random bits (at least 5 bytes for
 * `aws`, 10 for `acs`). The core draws no randomness itself.
 */
export function temporaryKeyId(partition: 'aws' | 'acs', account: string, random: Uint8Array): string {
  const n = /^\d{12}$/.test(account) ? BigInt(account) : 0n;
  const byte = (i: number): bigint => BigInt(random[i] ?? 0);
  const low7 = byte(0) & 0x7fn;
  const tail32 = (byte(1) << 24n) | (byte(2) << 16n) | (byte(3) << 8n) | byte(4);
  const head48 = (1n << 47n) | ((n % ACCOUNT_BITS) << 7n) | low7;
  const sixteen = base32((head48 << 32n) | tail32, 16);
  if (partition === 'aws') return `${TEMPORARY_KEY_PREFIX.aws}${sixteen}`;
  let more = 0n;
  for (let i = 5; i < 10; i++) more = (more << 8n) | byte(i);
  return `${TEMPORARY_KEY_PREFIX.acs}${sixteen}${base32(more, 8)}`;
}

/** Whether `id` has a temporary key id's prefix (`ASIA`, `STS.`). */
export const isTemporaryKeyId = (id: string): boolean => id.startsWith(TEMPORARY_KEY_PREFIX.aws) || id.startsWith(TEMPORARY_KEY_PREFIX.acs);

/**
 * The account a temporary key id carries (12 digits), read as AWS reads it; undefined when `id` is not a temporary key
 * id, is too short, holds a character outside the base32 alphabet where the account is, or carries no 12-digit account
 * (a random id's 40 bits pass 999,999,999,999 about once in twelve).
 */
export function accountOfTemporaryKeyId(id: string): string | undefined {
  if (!isTemporaryKeyId(id) || id.length < 20) return undefined;
  let bits = 0n;
  for (const c of id.slice(4, 20)) {
    const v = ALPHABET.indexOf(c);
    if (v < 0) return undefined;
    bits = (bits << 5n) | BigInt(v);
  }
  const head48 = bits >> 32n;
  const account = (head48 & 0x7fffffffff80n) >> 7n;
  if (account > BigInt(MAX_ACCOUNT)) return undefined;
  return account.toString().padStart(12, '0');
}

/**
 * GetAccessKeyInfo's `AccessKeyId` as STS constrains it (16 to 128 characters of `[\w]`; `STS.` ids, which Alibaba's
 * STS issues with a dot, too), or undefined when it is one. The words are STS's; the value is not quoted back, since a
 * secret access key pasted in its place would be.
 */
export function accessKeyIdProblem(id: string): string | undefined {
  const at = "1 validation error detected: Value at 'accessKeyId' failed to satisfy constraint:";
  if (id.length < 16) return `${at} Member must have length greater than or equal to 16`;
  if (id.length > 128) return `${at} Member must have length less than or equal to 128`;
  const rest = id.startsWith(TEMPORARY_KEY_PREFIX.acs) ? id.slice(TEMPORARY_KEY_PREFIX.acs.length) : id;
  if (!/^\w*$/.test(rest)) return `${at} Member must satisfy regular expression pattern: [\\w]*`;
  return undefined;
}
