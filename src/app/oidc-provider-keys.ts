/**
 * Where a registered OIDC provider is kept: `oidc-provider/<account>/<host/path>` in the store's key/value table
 * (src/app/oidc.ts owns the record). Kept apart so that src/app/bindings.ts, which src/app/oidc.ts imports, can find a
 * provider a `principal://` member names without an import cycle.
 */
export const PROVIDER_PREFIX = 'oidc-provider/';

export const providerKey = (account: string, hostPath: string): string => `${PROVIDER_PREFIX}${account}/${hostPath}`;
