/**
 * Alibaba Cloud STS (`Version=2015-04-01`, RPC style, JSON answers) on the Query API's `POST /`: `AssumeRoleWithOIDC`,
 * the unsigned call `@alicloud/credentials`' OIDC provider makes for ACK's RRSA pods (credential-protocols §4.3:
 * `POST /?Action=AssumeRoleWithOIDC&Version=2015-04-01&Format=JSON&Timestamp=…`, form body `OIDCProviderArn`,
 * `OIDCToken`, `RoleArn`, `RoleSessionName`, `DurationSeconds`, optional `Policy`). The use case is the app's
 * (`oidc.assumeRoleWithOidc`, AssumeRoleWithWebIdentity's verification and issuance); this file is the wire format.
 *
 * The client reads `Credentials.{AccessKeyId, AccessKeySecret, SecurityToken, Expiration}` from a 200 answer
 * (`Expiration` through its strict `parseUTC`: `YYYY-MM-DDTHH:MM:SSZ`), and on any other status throws
 * `get sts token failed with OIDC: <body>`: the body is Alibaba's error object, `{RequestId, HostId, Code, Message}`, with
 * the codes of the STS API reference (AuthenticationFail.OIDCToken.Expired, ….AudienceNotMatch, ….Invalid,
 * AuthenticationFail.NoPermission, InvalidParameter.<Name>, Missing<Name>).
 */
import type { GatehouseError } from '../../core/errors.ts';
import { isoSeconds } from '../../core/iam/index.ts';
import type { App } from '../../app/index.ts';
import type { RequestFacts } from '../../app/sts.ts';
import { isStoreUnavailable } from '../../app/ports/store.ts';
import { HTTP_ERRORS } from './errors.ts';
import type { Params } from './query-params.ts';

export const ALIBABA_STS_VERSION = '2015-04-01';

/** What the edge sends: a status and a JSON body. */
export interface AlibabaAnswer {
  readonly status: number;
  readonly body: string;
}

interface AlibabaError {
  readonly status: number;
  readonly code: string;
}

/** The parameters whose own `InvalidParameter.<Name>` code Alibaba answers. */
const NAMED_PARAMETERS: ReadonlySet<string> = new Set(['RoleArn', 'RoleSessionName', 'DurationSeconds', 'Policy']);

/**
 * Alibaba's code for a refusal of the use case. The token and provider refusals are told apart by the parameter the app
 * names in the error's path (`OIDCToken.aud`, `OIDCProviderArn`); a trust policy that does not allow, and a role that does
 * not exist (refused alike, so that a token does not list the account's roles: docs/decisions.md, review cy3), are
 * `AuthenticationFail.NoPermission`. Any other code by its HTTP status: 5xx `ServiceUnavailable` or `InternalError`, else
 * `InvalidParameter`.
 */
export function alibabaErrorOf(e: Pick<GatehouseError, 'code' | 'path'>): AlibabaError {
  switch (e.code) {
    case 'EXPIRED_IDENTITY_TOKEN':
      return { status: 401, code: 'AuthenticationFail.OIDCToken.Expired' };
    case 'INVALID_IDENTITY_TOKEN':
      if (e.path === 'OIDCProviderArn') return { status: 401, code: 'AuthenticationFail.NoPermission' };
      if (e.path === 'OIDCToken.aud') return { status: 401, code: 'AuthenticationFail.OIDCToken.AudienceNotMatch' };
      return { status: 401, code: 'AuthenticationFail.OIDCToken.Invalid' };
    case 'ACCESS_DENIED':
      return { status: 401, code: 'AuthenticationFail.NoPermission' };
    case 'IDP_COMMUNICATION_ERROR':
    case 'SERVICE_UNAVAILABLE':
      return { status: 503, code: 'ServiceUnavailable' };
    default: {
      const status = HTTP_ERRORS[e.code].status;
      if (status >= 500) return { status, code: 'InternalError' };
      if (e.code.startsWith('POLICY_')) return { status: 400, code: 'InvalidParameter.PolicyGrammar' };
      const field = e.path.split('.')[0] ?? '';
      return { status: 400, code: NAMED_PARAMETERS.has(field) ? `InvalidParameter.${field}` : 'InvalidParameter' };
    }
  }
}

const json = (status: number, value: unknown): AlibabaAnswer => ({ status, body: JSON.stringify(value) });

function errorAnswer(requestId: string, host: string, status: number, code: string, message: string): AlibabaAnswer {
  return json(status, { RequestId: requestId, HostId: host, Code: code, Message: message });
}

/** The answer to one Alibaba STS request (its `Version` is 2015-04-01); `host` is the request's Host, Alibaba's `HostId`. */
export async function alibabaStsAnswer(app: App, p: Params, facts: RequestFacts, requestId: string, host: string | undefined): Promise<AlibabaAnswer> {
  const hostId = (host ?? '').slice(0, 255);
  const action = p.get('Action') ?? '';
  if (action !== 'AssumeRoleWithOIDC') {
    return errorAnswer(requestId, hostId, 404, 'InvalidAction.NotFound', `Specified api is not found: this server's Alibaba Cloud STS (Version ${ALIBABA_STS_VERSION}) answers AssumeRoleWithOIDC only; for the rest use the AWS STS Query API (Version 2011-06-15)`);
  }
  const given: Record<string, string> = {};
  for (const name of ['OIDCProviderArn', 'OIDCToken', 'RoleArn', 'RoleSessionName'] as const) {
    const v = p.get(name);
    if (v === undefined || v === '') return errorAnswer(requestId, hostId, 400, `Missing${name}`, `${name} is mandatory for this action.`);
    given[name] = v;
  }
  const rawDuration = p.get('DurationSeconds');
  if (rawDuration !== undefined && !/^\d{1,9}$/.test(rawDuration)) {
    return errorAnswer(requestId, hostId, 400, 'InvalidParameter.DurationSeconds', `DurationSeconds must be a whole number of seconds (900 to the role's MaxSessionDuration), got \`${rawDuration.slice(0, 32)}\``);
  }
  const policy = p.get('Policy');
  let r;
  try {
    r = await app.oidc.assumeRoleWithOidc(
      {
        oidcProviderArn: given['OIDCProviderArn'] as string,
        oidcToken: given['OIDCToken'] as string,
        roleArn: given['RoleArn'] as string,
        roleSessionName: given['RoleSessionName'] as string,
        ...(rawDuration !== undefined ? { durationSeconds: Number(rawDuration) } : {}),
        ...(policy !== undefined && policy !== '' ? { policy } : {}),
      },
      facts,
    );
  } catch (e) {
    // The store out of reach: Alibaba's retryable answer, in its own shape (the edge's fallback would answer AWS's XML).
    if (isStoreUnavailable(e)) return errorAnswer(requestId, hostId, 503, 'ServiceUnavailable', 'the store cannot be reached: no session was issued; retry later');
    throw e;
  }
  if (!r.ok) {
    const e = r.errors[0] ?? { code: 'INTERNAL_ERROR' as const, message: 'internal error', path: '' };
    const a = alibabaErrorOf(e);
    return errorAnswer(requestId, hostId, a.status, a.code, e.message);
  }
  const v = r.value;
  return json(200, {
    RequestId: requestId,
    AssumedRoleUser: { Arn: v.arn, AssumedRoleId: v.assumedRoleId },
    Credentials: {
      AccessKeyId: v.credentials.accessKeyId,
      AccessKeySecret: v.credentials.secretAccessKey,
      SecurityToken: v.credentials.sessionToken,
      Expiration: isoSeconds(v.credentials.expiration),
    },
    OIDCTokenInfo: {
      Subject: v.subject,
      Issuer: v.issuer,
      ClientIds: v.audiences.join(','),
      ...(v.tokenIssuedAt !== undefined ? { IssuanceTime: isoSeconds(v.tokenIssuedAt) } : {}),
      ...(v.tokenExpiresAt !== undefined ? { ExpirationTime: isoSeconds(v.tokenExpiresAt) } : {}),
    },
  });
}
