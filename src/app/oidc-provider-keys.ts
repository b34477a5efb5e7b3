import { RAM_GUARD_NAMES, RAM_OWN_NAMES } from '../core/iam/index.ts';

/**
 * Where a registered OIDC provider is kept: `oidc-provider/<account>/<host/path>` in the store's key/value table
 * (src/app/oidc.ts owns the record). Kept apart so that src/app/bindings.ts, which src/app/oidc.ts imports, can find a
 * provider a `principal://` member names without an import cycle.
 */
export const PROVIDER_PREFIX = 'oidc-provider/';

export const providerKey = (account: string, hostPath: string): string => `${PROVIDER_PREFIX}${account}/${hostPath}`;

/**
 * An IAM (or RAM) OIDC provider's ARN, as the Query API reads it: its account and its host and path. Also read by
 * src/app/authorize.ts, which decides a question about a provider with its stored tags (review nk, 2), and by
 * src/app/simulate.ts, which simulates an action on one with them (review qa, 2).
 */
export const PROVIDER_ARN_RE = /^(?:arn:aws[a-z-]*:iam|acs:ram)::(\d{1,20}):oidc-provider\/(.+)$/;

/**
 * The tags of a stored OIDC provider's record (src/app/oidc.ts `ProviderRecord`, version 1), or undefined when there is
 * none: what the Query API decides an action on the provider with, as `aws:ResourceTag/K`.
 */
export function providerTags(text: string | undefined): readonly { key: string; value: string }[] | undefined {
  if (text === undefined) return undefined;
  try {
    const r = JSON.parse(text) as { v?: unknown; tags?: unknown };
    if (r.v !== 1) return undefined;
    return Array.isArray(r.tags) ? (r.tags as { key: string; value: string }[]).filter((t) => typeof t?.key === 'string' && typeof t.value === 'string') : [];
  } catch {
    return undefined;
  }
}

/**
 * The issuer URL of a stored OIDC provider's record (src/app/oidc.ts `ProviderRecord`, version 1), or undefined: what
 * the Query API gives a change to the provider as RAM's `ram:OidcIssuerUrl` (review qr, 6), and the simulator too
 * (review rt, 5).
 */
export function providerUrl(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  try {
    const r = JSON.parse(text) as { v?: unknown; url?: unknown };
    return r.v === 1 && typeof r.url === 'string' ? r.url : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The calls that change a provider, which the Query API decides with its issuer URL (`ram:OidcIssuerUrl`; src/app/oidc.ts
 * `updateProvider`), lower-cased and without service; of its reads, GetOpenIDConnectProvider is too (`decidedWithIssuerUrl`).
 */
export const PROVIDER_CHANGES: ReadonlySet<string> = new Set(
  ['Delete', 'AddClientIDTo', 'RemoveClientIDFrom', 'Tag', 'Untag'].map((v) => `${v}OpenIDConnectProvider`.toLowerCase()).concat('updateopenidconnectproviderthumbprint'),
);

/** RAM's own names of those calls (`ram:DeleteOIDCProvider`, `ram:AddFingerprintToOIDCProvider`…), lower-cased. */
const PROVIDER_CHANGES_RAM: ReadonlySet<string> = new Set(
  [...PROVIDER_CHANGES].flatMap((n) => [RAM_OWN_NAMES.get(n), ...(RAM_GUARD_NAMES.get(n) ?? [])]).flatMap((n) => (n === undefined ? [] : [n.toLowerCase()])),
);

/**
 * The calls decided with a provider's issuer URL as `ram:OidcIssuerUrl`, lower-cased, without service, in either dialect's
 * name: its changes (`PROVIDER_CHANGES`), and its read, which RAM's GetOIDCProvider decides with the key as
 * DeleteOIDCProvider does (RAM API reference, "RAM authorization"; review se, 3: it was decided without, so a Deny of
 * reading the production issuer never applied). The listing carries no condition key.
 */
const ISSUER_URL_ACTIONS: ReadonlySet<string> = new Set([...PROVIDER_CHANGES, ...PROVIDER_CHANGES_RAM, 'getopenidconnectprovider', 'getoidcprovider']);

/** Whether `action` (`iam:`/`ram:`, either dialect's name) on a provider is decided with its issuer URL (`ISSUER_URL_ACTIONS`). */
export function decidedWithIssuerUrl(action: string): boolean {
  return ISSUER_URL_ACTIONS.has(action.slice(action.indexOf(':') + 1).toLowerCase());
}

/** RAM's condition key of its OIDC provider operations, the issuer URL (src/app/oidc.ts `ISSUER_URL_KEY`), lower-cased. */
export const ISSUER_URL_KEY_LOWER = 'ram:oidcissuerurl';

/** Whether `action` registers a provider, which is decided with the issuer URL asked for (not a stored one). */
export const registersProvider = (action: string): boolean => {
  const name = action.slice(action.indexOf(':') + 1).toLowerCase();
  return name === 'createopenidconnectprovider' || name === 'createoidcprovider';
};
