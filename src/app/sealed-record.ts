/**
 * A record the start cannot do without (the STS session key ring, the OIDC issuer's signing keys), sealed under the
 * master key: opened, or an error naming the record and why it does not open (review px, 3). It said "does not open
 * with this master key: give every instance the same master key" whatever the cause, and an operator who already had
 * the same key everywhere was sent looking for a key problem where the record itself was damaged (not a sealed value,
 * altered, or not the JSON it should hold once opened).
 */
import type { SealedSecret } from './ports/store.ts';
import type { SecretSealer } from './deps.ts';

/** The text sealed under `key` (its AAD), or throws naming `what` (e.g. "the session key ring") and the record `key`. */
export function openSealedRecord(sealer: SecretSealer, sealed: string, key: string, what: string): string {
  const text = sealer.open(sealed as SealedSecret, key);
  if (text !== undefined) return text;
  const why = sealer.whyNot?.(sealed as SealedSecret, key);
  if (why === undefined || why.kind === 'wrong-key') {
    return fail(`${what} (record \`${key}\`) does not open with this master key${why ? ` (${why.message.replace(/; give every instance the same master key$/, '')})` : ''}: give every instance the same master key`);
  }
  if (why.kind === 'tampered') return fail(`${what} (record \`${key}\`) does not open: it was altered, or is another record's value copied there (${why.message}); restore it from a backup of the database`);
  return fail(`${what} (record \`${key}\`) is damaged: ${why.message}, so no master key opens it; restore it from a backup of the database`);
}

/** `parse(text)`, or throws naming `what` and the record: it opened, but is not what it should hold. */
export function parseSealedRecord<T>(text: string, key: string, what: string, parse: (text: string) => T): T {
  try {
    return parse(text);
  } catch (e) {
    return fail(`${what} (record \`${key}\`) opens with this master key but is not the JSON it should hold (${e instanceof Error ? e.message : String(e)}); restore it from a backup of the database`);
  }
}

function fail(message: string): never {
  throw new Error(message);
}
