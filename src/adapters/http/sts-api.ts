/**
 * The AWS STS Query API (`Version=2011-06-15`), wire format per credential-protocols §5: the
 * `<Op>Result` wrapper, `Expiration` as `YYYY-MM-DDTHH:MM:SSZ`, AWS error codes.
 */
import { failWith, ok, type Result } from '../../core/errors.ts';
import { isoSeconds } from '../../core/iam/index.ts';
import type { App, Caller } from '../../app/index.ts';
import type { IssuedCredentials, RequestFacts } from '../../app/sts.ts';
import { checkSessionTokenParams } from '../../core/sts/session.ts';
import { queryActions } from './iam-api.ts';
import { Params } from './query-params.ts';
import type { XmlFields } from './xml.ts';

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';

type Handler = (app: App, caller: Caller, p: Params, facts: RequestFacts) => Promise<Result<XmlFields | undefined>>;

export function credentialsXml(c: IssuedCredentials): XmlFields {
  return { AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, SessionToken: c.sessionToken, Expiration: isoSeconds(c.expiration) };
}

/**
 * `PackedPolicySize`, sent when the session packs something (a session policy, managed session policy ARNs, session
 * tags, its own or inherited): STS leaves the element out of a session that carries none (the AssumeRole and
 * AssumeRoleWithWebIdentity examples of the aws CLI reference), where Gatehouse answered `0` (review hd, 3). Any of
 * them counts at least 1 (the size is rounded up).
 */
function packedPolicySize(percent: number): number | undefined {
  return percent > 0 ? percent : undefined;
}

/**
 * Every member of each list of structures (`Tags.member.N.Key`) has its required fields, as AWS validates them: a tag
 * sent without its `Value` (SDK v3 checks no required member) was issued as a tag with an empty value (review sts, E5).
 * The message is AWS's (`Value null at 'tags.1.member.value'`).
 */
function requiredMembers(p: Params, lists: readonly (readonly [string, readonly string[]])[]): Result<void> {
  for (const [list, fields] of lists) {
    for (const [i, m] of p.structs(list).entries()) {
      const missing = fields.find((f) => m.get(f) === undefined);
      if (missing !== undefined) {
        const at = `${list.charAt(0).toLowerCase()}${list.slice(1)}.${i + 1}.member.${missing.charAt(0).toLowerCase()}${missing.slice(1)}`;
        return failWith('VALIDATION_ERROR', `1 validation error detected: Value null at '${at}' failed to satisfy constraint: Member must not be null`, `${list}.member.${i + 1}.${missing}`);
      }
    }
  }
  return ok(undefined);
}

/** Signed STS actions; a refused one that its use case does not record (DecodeAuthorizationMessage, GetAccessKeyInfo) is recorded by `queryActions`. */
export const STS_ACTIONS = queryActions(() => 'sts', {
  GetCallerIdentity: async (app, caller) => {
    const id = app.sts.getCallerIdentity(caller);
    return ok({ UserId: id.userId, Account: id.account, Arn: id.arn });
  },

  GetAccessKeyInfo: async (app, caller, p) => {
    const id = p.required('AccessKeyId');
    if (!id.ok) return id;
    const r = await app.sts.getAccessKeyInfo(caller, id.value);
    return r.ok ? ok({ Account: r.value.account }) : r;
  },

  AssumeRole: async (app, caller, p, facts) => {
    const roleArn = p.required('RoleArn');
    if (!roleArn.ok) return roleArn;
    const name = p.required('RoleSessionName');
    if (!name.ok) return name;
    const duration = p.int('DurationSeconds');
    if (!duration.ok) return duration;
    const members = requiredMembers(p, [['Tags', ['Key', 'Value']]]);
    if (!members.ok) return members;
    // Refused by the use case (review aa7), which records it as its other refusals.
    const mfa = ['SerialNumber', 'TokenCode'].filter((k) => p.get(k) !== undefined);
    const r = await app.sts.assumeRole(
      caller,
      {
        roleArn: roleArn.value,
        roleSessionName: name.value,
        ...(duration.value !== undefined ? { durationSeconds: duration.value } : {}),
        ...(p.get('ExternalId') !== undefined ? { externalId: p.get('ExternalId') as string } : {}),
        ...(p.get('SourceIdentity') !== undefined ? { sourceIdentity: p.get('SourceIdentity') as string } : {}),
        ...(p.get('Policy') !== undefined ? { policy: p.get('Policy') as string } : {}),
        policyArns: p.structs('PolicyArns').map((m) => m.get('arn') ?? ''),
        tags: p.structs('Tags').map((m) => ({ key: m.get('Key') ?? '', value: m.get('Value') ?? '' })),
        transitiveTagKeys: p.list('TransitiveTagKeys'),
        ...(mfa.length > 0 ? { mfaParameters: mfa } : {}),
        ...(p.get('SerialNumber') !== undefined ? { serialNumber: p.get('SerialNumber') as string } : {}),
        ...(p.get('TokenCode') !== undefined ? { tokenCode: p.get('TokenCode') as string } : {}),
        // Checked and refused by the use case: no trusted context assertion can be validated here (review hj, 2).
        providedContexts: p.structs('ProvidedContexts').map((m) => ({ providerArn: m.get('ProviderArn') ?? '', contextAssertion: m.get('ContextAssertion') ?? '' })),
      },
      facts,
    );
    if (!r.ok) return r;
    return ok({
      Credentials: credentialsXml(r.value.credentials),
      AssumedRoleUser: { AssumedRoleId: r.value.assumedRoleId, Arn: r.value.arn },
      PackedPolicySize: packedPolicySize(r.value.packedPolicySize),
      SourceIdentity: r.value.sourceIdentity,
    });
  },

  GetSessionToken: async (app, caller, p, facts) => {
    const duration = p.int('DurationSeconds');
    if (!duration.ok) return duration;
    // The parameters' constraints before the MFA refusal, as STS checks them (review lo, 1).
    const invalid = checkSessionTokenParams({ durationSeconds: duration.value, serialNumber: p.get('SerialNumber'), tokenCode: p.get('TokenCode') });
    if (invalid !== undefined) return failWith('VALIDATION_ERROR', invalid.message, invalid.path);
    // Refused by the use case, which records it as its other refusals (review vf, 3).
    const mfa = ['SerialNumber', 'TokenCode'].filter((k) => p.get(k) !== undefined);
    const r = await app.sts.getSessionToken(caller, duration.value, facts, mfa);
    return r.ok ? ok({ Credentials: credentialsXml(r.value) }) : r;
  },

  GetFederationToken: async (app, caller, p, facts) => {
    const name = p.required('Name');
    if (!name.ok) return name;
    const duration = p.int('DurationSeconds');
    if (!duration.ok) return duration;
    const members = requiredMembers(p, [['Tags', ['Key', 'Value']]]);
    if (!members.ok) return members;
    const r = await app.sts.getFederationToken(
      caller,
      {
        name: name.value,
        ...(duration.value !== undefined ? { durationSeconds: duration.value } : {}),
        ...(p.get('Policy') !== undefined ? { policy: p.get('Policy') as string } : {}),
        policyArns: p.structs('PolicyArns').map((m) => m.get('arn') ?? ''),
        tags: p.structs('Tags').map((m) => ({ key: m.get('Key') ?? '', value: m.get('Value') ?? '' })),
      },
      facts,
    );
    if (!r.ok) return r;
    return ok({
      Credentials: credentialsXml(r.value.credentials),
      FederatedUser: { FederatedUserId: r.value.federatedUserId, Arn: r.value.arn },
      PackedPolicySize: packedPolicySize(r.value.packedPolicySize),
    });
  },

  DecodeAuthorizationMessage: async (app, caller, p) => {
    const encoded = p.required('EncodedMessage');
    if (!encoded.ok) return encoded;
    const r = app.decodeAuthorizationMessage(caller, encoded.value);
    return r.ok ? ok({ DecodedMessage: r.value }) : r;
  },
} satisfies Record<string, Handler>);

type UnsignedHandler = (app: App, p: Params, facts: RequestFacts) => Promise<Result<XmlFields | undefined>>;

/** What either STS API says of AssumeRoleWithSAML (review rh, 1), as IAM's CreateSAMLProvider says it of SAML providers. */
export const SAML_NOT_KEPT = 'Gatehouse keeps no SAML identity providers, so AssumeRoleWithSAML cannot be answered';

/** Actions the SDKs send unsigned (credential-protocols §5.2): the web identity token is the credential. */
export const STS_UNSIGNED_ACTIONS: Readonly<Record<string, UnsignedHandler>> = {
  // Unsigned as the SDKs send it: "Could not find operation AssumeRoleWithSAML" read as a client or version at fault,
  // where the service keeps no SAML providers (review rh, 1).
  AssumeRoleWithSAML: () => Promise.resolve(failWith('INVALID_ACTION', `${SAML_NOT_KEPT}: federate through an OpenID Connect provider (CreateOpenIDConnectProvider) and sts:AssumeRoleWithWebIdentity`)),
  AssumeRoleWithWebIdentity: async (app, p, facts) => {
    const roleArn = p.required('RoleArn');
    if (!roleArn.ok) return roleArn;
    const name = p.required('RoleSessionName');
    if (!name.ok) return name;
    const token = p.required('WebIdentityToken');
    if (!token.ok) return token;
    const duration = p.int('DurationSeconds');
    if (!duration.ok) return duration;
    const r = await app.oidc.assumeRoleWithWebIdentity(
      {
        roleArn: roleArn.value,
        roleSessionName: name.value,
        webIdentityToken: token.value,
        ...(duration.value !== undefined ? { durationSeconds: duration.value } : {}),
        ...(p.get('Policy') !== undefined ? { policy: p.get('Policy') as string } : {}),
        policyArns: p.structs('PolicyArns').map((m) => m.get('arn') ?? ''),
        ...(p.get('ProviderId') !== undefined ? { providerId: p.get('ProviderId') as string } : {}),
      },
      facts,
    );
    if (!r.ok) return r;
    return ok({
      Credentials: credentialsXml(r.value.credentials),
      SubjectFromWebIdentityToken: r.value.subject,
      AssumedRoleUser: { AssumedRoleId: r.value.assumedRoleId, Arn: r.value.arn },
      PackedPolicySize: packedPolicySize(r.value.packedPolicySize),
      Provider: r.value.provider,
      Audience: r.value.audience,
      SourceIdentity: r.value.sourceIdentity,
    });
  },
};
