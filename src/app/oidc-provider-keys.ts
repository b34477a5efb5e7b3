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
 * `updateProvider`), lower-cased and without service; its reads are decided without it.
 */
export const PROVIDER_CHANGES: ReadonlySet<string> = new Set(
  ['Delete', 'AddClientIDTo', 'RemoveClientIDFrom', 'Tag', 'Untag'].map((v) => `${v}OpenIDConnectProvider`.toLowerCase()).concat('updateopenidconnectproviderthumbprint'),
);
