/**
 * RAM's own names for the IAM API's calls that RAM names otherwise, and the RAM operations standing for IAM's inline
 * policy calls, which RAM has none of (lower-cased IAM name → RAM name). Per the "RAM authorization" table of each
 * operation in RAM's API reference: RAM attaches, detaches and lists a principal's policies as `AttachPolicyToUser`,
 * `DetachPolicyFromRole`, `ListPoliciesForGroup`…, changes a role's trust policy (review lp, 2) and its description
 * (review qn, 4) with `UpdateRole`, and gives a principal a policy only by `AttachPolicyTo…`, takes it back only by
 * `DetachPolicyFrom…` (review lp, 3). It
 * tags users, roles and policies with `TagResources`, removes and lists their tags with `UntagResources` and
 * `ListTagResources` (review qn, 1: a `Deny ram:TagResources` did not keep a user from retagging itself).
 */
export const RAM_OWN_NAMES: ReadonlyMap<string, string> = new Map(
  (['User', 'Group', 'Role'] as const)
    .flatMap((t) => [
      [`attach${t.toLowerCase()}policy`, `AttachPolicyTo${t}`],
      [`detach${t.toLowerCase()}policy`, `DetachPolicyFrom${t}`],
      [`listattached${t.toLowerCase()}policies`, `ListPoliciesFor${t}`],
    ] as [string, string][])
    // RAM's UpdateRole changes a role's trust policy and its description (review qn, 4: UpdateRoleDescription).
    .concat([['updateassumerolepolicy', 'UpdateRole'], ['updateroledescription', 'UpdateRole']])
    .concat(
      (['user', 'role', 'policy'] as const).flatMap((t) => [
        [`tag${t}`, 'TagResources'],
        [`untag${t}`, 'UntagResources'],
        [`list${t}tags`, 'ListTagResources'],
      ] as [string, string][]),
    )
    // RAM's OpenID Connect providers (review qn, 2): `Deny ram:CreateOIDCProvider` did not keep a user from registering
    // an issuer of its own, nor `Deny ram:AddClientIdToOIDCProvider` from adding its audience to a trusted one.
    .concat([
      ['createopenidconnectprovider', 'CreateOIDCProvider'],
      ['getopenidconnectprovider', 'GetOIDCProvider'],
      ['listopenidconnectproviders', 'ListOIDCProviders'],
      ['deleteopenidconnectprovider', 'DeleteOIDCProvider'],
      ['addclientidtoopenidconnectprovider', 'AddClientIdToOIDCProvider'],
      ['removeclientidfromopenidconnectprovider', 'RemoveClientIdFromOIDCProvider'],
    ]),
);

/**
 * The RAM operations that stand for a call RAM has no one name of, whose Deny refuses it and whose Allow grants nothing:
 * an inline-policy call (`PutUserPolicy` → `AttachPolicyToUser`), and UpdateOpenIDConnectProviderThumbprint, which
 * replaces the list, RAM's `AddFingerprintToOIDCProvider` and `RemoveFingerprintFromOIDCProvider` at once (review qn, 2).
 */
export const RAM_GUARD_NAMES: ReadonlyMap<string, readonly string[]> = new Map(
  (['User', 'Group', 'Role'] as const)
    .flatMap((t) => [
      [`put${t.toLowerCase()}policy`, [`AttachPolicyTo${t}`]],
      [`delete${t.toLowerCase()}policy`, [`DetachPolicyFrom${t}`]],
    ] as [string, string[]][])
    .concat([['updateopenidconnectproviderthumbprint', ['AddFingerprintToOIDCProvider', 'RemoveFingerprintFromOIDCProvider']]]),
);

/**
 * The other dialect's names of an action pattern of `iam:` or `ram:` (wildcards kept): the other service's, RAM's own
 * name of an IAM call and the IAM calls a RAM name stands for. An Allow's `NotAction` is read with them (review ov, 7):
 * both dialects are accepted everywhere and an administrative call is decided as `ram:X` in an `acs` account, `iam:X` in
 * an `aws` one, so AWS's PowerUserAccess (`Allow NotAction iam:*`) let a user of an `acs` account create users and
 * attach AdministratorAccess to itself, and RAM's "all but RAM" (`NotAction ram:*`) did as much in an `aws` account.
 */
export function otherDialectActions(pattern: string): string[] {
  const m = /^(iam|ram):(.+)$/i.exec(pattern);
  if (m === null) return [];
  const name = m[2] as string;
  const out = [`${(m[1] as string).toLowerCase() === 'iam' ? 'ram' : 'iam'}:${name}`];
  const lower = name.toLowerCase();
  const own = RAM_OWN_NAMES.get(lower);
  if (own !== undefined) out.push(`ram:${own}`);
  for (const [iamName, ramNames] of [...[...RAM_OWN_NAMES].map(([i, r]) => [i, [r]] as const), ...RAM_GUARD_NAMES]) {
    if (ramNames.some((r) => r.toLowerCase() === lower)) out.push(`iam:${iamName}`, `ram:${iamName}`);
  }
  return out;
}
