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
}
