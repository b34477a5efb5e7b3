/**
 * Admin REST routes for sessions and their keys (under `/v1/`, SigV4 service `gatehouse`), served by the
 * admin router (admin-api.ts) with its authentication and error shapes:
 *   POST /v1/sts/assume-role {roleArn, roleSessionName, durationSeconds?, policy?, externalId?}
 *        → {credentials: {accessKeyId, secretAccessKey, sessionToken, expiration}, assumedRoleUser: {arn, assumedRoleId}, packedPolicySize}
 *   POST /v1/sts/revoke-sessions {roleArn | sessionArn | jobId}  → {kind, target, revokedBefore}
 *   POST /v1/users/{name}/disable                                → {user, revoked}
 *   POST /v1/users/{name}/enable                                 → {user}
 *   POST /v1/keys/rotate {dropRetired?}                          → {keyId, created, retiredKeys, droppedKeyIds, sessionsRefusedBefore?}
 *   GET  /v1/keys                                                → {keys: [{keyId, created, active, retired, opensUntil, dropped}], activeKeyId, lastDrop}
 *   POST /v1/console/sign-in                                     → {credentials, arn, account, idleSeconds}
 *   POST /v1/console/sign-out                                    → {signedOut}
 * Who is calling: `GET /v1/whoami` (admin-api.ts). `assume-role` follows the rules of STS AssumeRole
 * (app/sts.ts) exactly; it exists so the CLI can hand out credentials (`gatehouse credentials`, a
 * `credential_process`) over the same signed JSON API as its other commands.
 */
import { failWith, ok, type Result } from '../../core/errors.ts';
import { isoSeconds } from '../../core/iam/index.ts';
import type { ListedKeys, Revoked, RevokeTarget } from '../../app/index.ts';
import { onlyFields, onlyParams, userJson, type ExtraRoute } from './admin-api.ts';

type Json = Record<string, unknown>;

function optString(body: Json, key: string): Result<string | undefined> {
  const v = Object.hasOwn(body, key) ? body[key] : undefined;
  if (v === undefined || v === null) return ok(undefined);
  return typeof v === 'string' ? ok(v) : failWith('VALIDATION_ERROR', `\`${key}\` must be a string`, key);
}

const revokedJson = (r: Revoked) => ({ kind: r.kind, target: r.target, revokedBefore: isoSeconds(r.before), revokedBeforeMillis: r.before });

function revokeTarget(body: Json): Result<RevokeTarget> {
  const fields = ['roleArn', 'sessionArn', 'jobId'] as const;
  const allowed = onlyFields(body, fields);
  if (!allowed.ok) return allowed;
  const given = fields.filter((f) => body[f] !== undefined && body[f] !== null);
  if (given.length !== 1) return failWith('MISSING_PARAMETER', 'give exactly one of `roleArn`, `sessionArn` or `jobId`', given[1] ?? '');
  const field = given[0] as (typeof fields)[number];
  const value = body[field];
  if (typeof value !== 'string' || value === '') return failWith('VALIDATION_ERROR', `\`${field}\` must be a non-empty string`, field);
  return ok(field === 'roleArn' ? { roleArn: value } : field === 'sessionArn' ? { sessionArn: value } : { jobId: value });
}

/**
 * The key ring as `GET /v1/keys` answers it: instants in ISO-8601 UTC, null where there is none (a key not retired, no
 * drop recorded), so every field is always there. The drop's instant to the millisecond, as `keys rotate` answers it
 * (`sessionsRefusedBefore`): a session issued in its second but before it is refused. Only these fields: never a key.
 */
export function keysJson(r: ListedKeys) {
  const iso = (ms: number | undefined): string | null => (ms === undefined ? null : isoSeconds(ms));
  return {
    keys: r.keys.map((k) => ({ keyId: k.keyId, created: isoSeconds(k.created), active: k.active, retired: iso(k.retired), opensUntil: iso(k.opensUntil), dropped: k.dropped === undefined ? null : new Date(k.dropped).toISOString() })),
    activeKeyId: r.keys.find((k) => k.active)?.keyId ?? null,
    lastDrop: r.lastDrop === undefined ? null : new Date(r.lastDrop).toISOString(),
  };
}

export function stsAdminRoutes(): ExtraRoute[] {
  return [
    {
      method: 'POST',
      pattern: ['sts', 'assume-role'],
      handler: async ({ app, caller, body }) => {
        const allowed = onlyFields(body, ['roleArn', 'roleSessionName', 'durationSeconds', 'policy', 'externalId']);
        if (!allowed.ok) return allowed;
        const roleArn = optString(body, 'roleArn');
        const name = optString(body, 'roleSessionName');
        const externalId = optString(body, 'externalId');
        if (!roleArn.ok) return roleArn;
        if (!name.ok) return name;
        if (!externalId.ok) return externalId;
        if (roleArn.value === undefined) return failWith('MISSING_PARAMETER', '`roleArn` is required', 'roleArn');
        if (name.value === undefined) return failWith('MISSING_PARAMETER', '`roleSessionName` is required', 'roleSessionName');
        const duration = body['durationSeconds'];
        if (duration !== undefined && duration !== null && typeof duration !== 'number') return failWith('VALIDATION_ERROR', '`durationSeconds` must be a number of seconds', 'durationSeconds');
        // A session policy as a JSON object (serialized) or as the JSON text itself.
        const policy = body['policy'];
        if (policy !== undefined && policy !== null && typeof policy !== 'string' && (typeof policy !== 'object' || Array.isArray(policy))) {
          return failWith('VALIDATION_ERROR', '`policy` must be a policy document (JSON object or text)', 'policy');
        }
        const r = await app.sts.assumeRole(caller, {
          roleArn: roleArn.value,
          roleSessionName: name.value,
          ...(typeof duration === 'number' ? { durationSeconds: duration } : {}),
          ...(typeof policy === 'string' ? { policy } : typeof policy === 'object' && policy !== null ? { policy: JSON.stringify(policy) } : {}),
          ...(externalId.value !== undefined ? { externalId: externalId.value } : {}),
          policyArns: [],
          tags: [],
          transitiveTagKeys: [],
        });
        if (!r.ok) return r;
        const c = r.value.credentials;
        return ok({
          body: {
            credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: isoSeconds(c.expiration) },
            assumedRoleUser: { arn: r.value.arn, assumedRoleId: r.value.assumedRoleId },
            packedPolicySize: r.value.packedPolicySize,
          },
        });
      },
    },
    {
      method: 'POST',
      pattern: ['sts', 'revoke-sessions'],
      handler: async ({ app, caller, body }) => {
        const target = revokeTarget(body);
        if (!target.ok) return target;
        const r = await app.revocation.revokeSessions(caller, target.value);
        return r.ok ? ok({ body: revokedJson(r.value) }) : r;
      },
    },
    {
      method: 'POST',
      pattern: ['users', ':name', 'disable'],
      handler: async ({ app, caller, params, body }) => {
        // It takes no body: a field (`"dryRun": true`) would otherwise be dropped and the change made (review ho, 5).
        const fields = onlyFields(body, []);
        if (!fields.ok) return fields;
        const r = await app.revocation.disableUser(caller, params['name'] ?? '');
        return r.ok ? ok({ body: { user: userJson(caller.partition, r.value.user), revoked: revokedJson(r.value.revoked) } }) : r;
      },
    },
    {
      method: 'POST',
      pattern: ['users', ':name', 'enable'],
      handler: async ({ app, caller, params, body }) => {
        // It takes no body: a field (`"dryRun": true`) would otherwise be dropped and the change made (review ho, 5).
        const fields = onlyFields(body, []);
        if (!fields.ok) return fields;
        const r = await app.revocation.enableUser(caller, params['name'] ?? '');
        return r.ok ? ok({ body: { user: userJson(caller.partition, r.value) } }) : r;
      },
    },
    {
      // The console's sign-in: its own credentials, a session the sign-out below ends on the server (src/app/sts.ts).
      method: 'POST',
      pattern: ['console', 'sign-in'],
      handler: async ({ app, caller, body }) => {
        const fields = onlyFields(body, []);
        if (!fields.ok) return fields;
        const r = app.sts.consoleSignIn(caller);
        if (!r.ok) return r;
        const c = r.value;
        // `idleSeconds`: the server's idle limit of the sign-in, which the console holds its tab to (review mp, 2).
        return ok({ body: { credentials: { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: isoSeconds(c.expiration) }, arn: caller.principal.arn, account: caller.account, idleSeconds: app.sts.consoleIdleSeconds } });
      },
    },
    {
      method: 'POST',
      pattern: ['console', 'sign-out'],
      handler: async ({ app, caller, body }) => {
        const fields = onlyFields(body, []);
        if (!fields.ok) return fields;
        const r = await app.sts.consoleSignOut(caller);
        return r.ok ? ok({ body: { signedOut: isoSeconds(r.value.signedOut) } }) : r;
      },
    },
    {
      method: 'POST',
      pattern: ['keys', 'rotate'],
      handler: async ({ app, caller, body }) => {
        // No other field: one unknown (`"dryRun": true`) would otherwise be dropped and the change made (review ho, 5).
        const fields = onlyFields(body, ['dropRetired']);
        if (!fields.ok) return fields;
        const drop = body['dropRetired'];
        if (drop !== undefined && drop !== null && typeof drop !== 'boolean') return failWith('VALIDATION_ERROR', '`dropRetired` must be true or false (true: remove every other session key, ending the sessions they sealed)', 'dropRetired');
        const r = await app.revocation.rotateKeys(caller, { dropRetired: drop === true });
        if (!r.ok) return r;
        const v = r.value;
        return ok({ body: { keyId: v.keyId, created: isoSeconds(v.created), retiredKeys: v.retiredKeys, droppedKeyIds: v.droppedKeyIds, ...(v.refusedBefore !== undefined ? { sessionsRefusedBefore: new Date(v.refusedBefore).toISOString() } : {}) } });
      },
    },
    {
      method: 'GET',
      pattern: ['keys'],
      handler: async ({ app, caller, query }) => {
        // No parameter: one given (`?keyId=…`) would be dropped and the whole ring answered as if it were filtered.
        const params = onlyParams(query, 'GET /v1/keys', []);
        if (!params.ok) return params;
        const r = await app.revocation.listKeys(caller);
        return r.ok ? ok({ body: keysJson(r.value) }) : r;
      },
    },
  ];
}

