/**
 * What the use cases need from the outside world, as ports. The composition root (src/main) wires real
 * adapters; tests wire the same ones against temporary stores.
 */
import type { SealedSecret, Store } from './ports/store.ts';

/** Seals long-term secrets under the master key; `aad` binds a sealed value to its access key id. */
export interface SecretSealer {
  seal(plaintext: string, aad: string): SealedSecret;
  /** undefined when the value was not sealed under this key (or was tampered with). */
  open(sealed: SealedSecret, aad: string): string | undefined;
}

export interface AppDeps {
  readonly store: Store;
  /** Epoch milliseconds. */
  now(): number;
  randomBytes(n: number): Uint8Array;
  readonly sealer: SecretSealer;
  readonly sessions: SessionCrypto;
}

/** One key of the session-token key ring. */
export interface RingKeyData {
  readonly kid: string;
  readonly key: Uint8Array;
  readonly created: number;
  readonly retired?: number;
}

/** Seals and opens self-contained session tokens (adapters/crypto/session-token.ts). */
export interface SessionCrypto {
  newKey(now: number): RingKeyData;
  /** Seals with the newest key of `keys`. */
  seal(keys: readonly RingKeyData[], claims: import('../core/sts/session.ts').SessionClaims): string;
  open(
    keys: readonly RingKeyData[],
    token: string,
    accessKeyId: string,
  ): { readonly ok: true; readonly claims: import('../core/sts/session.ts').SessionClaims } | { readonly ok: false; readonly reason: string };
  serialise(keys: readonly RingKeyData[]): string;
  parse(text: string): RingKeyData[];
}
