/**
 * The admin REST API under `/v1/`: JSON in and out, SigV4-signed with service name `gatehouse`, errors as
 * `{"error": {"code": <AWS-style code>, "message", "gatehouseCode", "details"}}` with the HTTP status of
 * `HTTP_ERRORS`; `details` lists every error, one or several, each with its code, message, JSON `path` and, where
 * known, `line` and `column`. It serves the CLI (`gatehouse apply`, `accounts`, `iam`) and the console; the same
 * directory use cases as the IAM Query API at `POST /`, in JSON rather than XML.
 *
 * Routes (`{x}` is one URL-encoded path segment; a policy `{ref}` is a name or an encoded ARN):
 *   GET    /v1/whoami
 *   GET    /v1/accounts                     POST /v1/accounts {id, partition, name?}
 *   POST   /v1/apply {documents, sources?, prune?, dryRun?, cluster?, namespace?}
 *   GET    /v1/users                        POST /v1/users {name, path?, tags?, permissionsBoundary?}
 *   GET    /v1/users/{name}                 DELETE /v1/users/{name}
 *   GET    /v1/groups                       POST /v1/groups {name, path?}
 *   GET    /v1/groups/{name}                DELETE /v1/groups/{name}
 *   PUT    /v1/groups/{group}/users/{user}  DELETE /v1/groups/{group}/users/{user}
 *   GET    /v1/roles                        POST /v1/roles {name, trustPolicy, path?, description?, maxSessionDuration?, tags?, permissionsBoundary?}
 *   GET    /v1/roles/{name}                 DELETE /v1/roles/{name}
 *   GET    /v1/policies?scope=All|AWS|Local POST /v1/policies {name, document, path?, description?, tags?}
 *   GET    /v1/policies/{ref}               DELETE /v1/policies/{ref}
 *   GET    /v1/{users|groups|roles}/{name}/policies            (attached and inline)
 *   POST   /v1/{users|groups|roles}/{name}/policies {policy}   DELETE …/policies/{ref}
 *   PUT    /v1/{users|groups|roles}/{name}/inline-policies/{policyName} {document}
 *   GET    …/inline-policies/{policyName}   DELETE …/inline-policies/{policyName}
 *   GET    /v1/access-keys?userName=        POST /v1/access-keys {userName?}
 *   PATCH  /v1/access-keys/{id} {status, userName?}
 *   DELETE /v1/access-keys/{id}?userName=
 * An access key's answer has `lastUsed` (`{at, service, region}` of its last signed request), a role's, in `/v1/roles`
 * and `/v1/roles/{name}`, `lastUsed` (`{at, region}` of its last session issued); each is null when never used.
 * Policy documents are accepted as JSON objects or JSON text and returned as objects. Credentials from
 * GetSessionToken reach only the routes of `USER_SESSION_ROUTES` (no administration without MFA, as AWS).
 */
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { failWith, ok, type ErrorCode, type GatehouseError, type Result } from '../../core/errors.ts';
import { entityArn, keyPath, shortName, shownKey, type Partition } from '../../core/directory/rules.ts';
import { plainDecimal, plainNumber, readJson } from '../../core/iam/index.ts';
import type { App, Caller } from '../../app/index.ts';
import { applyConfig, createAccountAsRoot, findPolicy, type ApplyError, type ApplySource, describeApplyError } from '../../app/apply.ts';
import { countRefusedRequest, keyUsedBy, recordRefusedRequest, signingKeyOf, withRequest } from '../../app/principals.ts';
import { claimedCredential, recordAuthFailure } from '../../app/auth-failures.ts';
import { KEY_REFUSALS, mismatchSigned, signedByKeyHolder } from './key-holder.ts';
import type { AccessKeyRecord, GroupRecord, PolicyRecord, PrincipalType, RoleLastUsed, RoleRecord, Tag, UserRecord } from '../../app/ports/store.ts';
import { nodeRequestHeaders, parseSigV4 } from '../sigv4/index.ts';
import { answerQueryMisplaced, signedServiceOf } from './misdirected.ts';
import { endThisTurn, RETRY_AFTER_SECONDS } from './lifecycle.ts';
import { HTTP_ERRORS } from './errors.ts';
import { ClientAborted } from './aborted.ts';
import { requestFactsOf, sourceIpOf } from './request-facts.ts';
import { shownSegment } from './request-target.ts';
import { repeatedKey, shapePast } from './json-keys.ts';
import { withoutCapabilities } from '../../core/shown-url.ts';

/** Large enough for a few thousand documents of configuration; refused before parsing beyond it. */
export const MAX_ADMIN_BODY = 4 << 20;
/**
 * The largest body `POST /v1/apply` reads: a whole configuration (up to 5,000 documents, `MAX_DOCUMENTS`, from files
 * of up to 4 MiB each) in one request, as it must be applied in one transaction. At 4 MiB, 1,000 policies of 5 KB could
 * not be applied at all, and splitting the set breaks all-or-nothing and `--prune` (review cl, 3).
 */
export const MAX_APPLY_BODY = 32 << 20;
/**
 * The deepest a `/v1/` body nests objects and arrays, the body itself level 1: a policy document (64 levels, the
 * policy parser's own bound) inside an apply document inside the body, with room to spare.
 */
export const MAX_BODY_DEPTH = 128;
/**
 * The most elements (or keys) one array (or object) of a `/v1/` body holds: above every list the routes take (5,000
 * apply documents, 3,000 permissions of a custom role, 1,500 members of an IAM policy, 1,000 questions of a batch).
 */
export const MAX_BODY_ITEMS = 10_000;
export const ADMIN_SERVICE = 'gatehouse';

type Json = Record<string, unknown>;

interface RouteContext {
  readonly app: App;
  readonly caller: Caller;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: Json;
  /** The body's JSON text as sent (without a byte order mark), `''` for none: where its errors are. */
  readonly text: string;
}

interface Reply {
  readonly status?: number;
  readonly body: unknown;
}

type Handler = (ctx: RouteContext) => Promise<Result<Reply>>;

interface Route {
  readonly method: string;
  /** Segments after `/v1/`; `:name` captures one segment. */
  readonly pattern: readonly string[];
  readonly handler: Handler;
  /** The largest body it reads; default `MAX_ADMIN_BODY`. */
  readonly maxBody?: number;
}

// ---------------------------------------------------------------------------------------------------------
// JSON shapes

const parseDoc = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};
const tagsJson = (tags: readonly Tag[]) => tags.map((t) => ({ key: t.key, value: t.value }));

export function userJson(p: Partition, u: UserRecord) {
  return { name: u.name, id: u.id, arn: entityArn(p, u.account, 'user', u.path, u.name), path: u.path, account: u.account, created: u.created, tags: tagsJson(u.tags), permissionsBoundary: u.permissionsBoundary, disabled: u.disabled };
}
/** A user or role as a listing shows it: without its tags and permissions boundary (IAM's listings leave them out). */
function listed<T extends { tags: unknown; permissionsBoundary: unknown }>(x: T): Omit<T, 'tags' | 'permissionsBoundary'> {
  const { tags: _tags, permissionsBoundary: _boundary, ...rest } = x;
  return rest;
}
export function groupJson(p: Partition, g: GroupRecord) {
  return { name: g.name, id: g.id, arn: entityArn(p, g.account, 'group', g.path, g.name), path: g.path, account: g.account, created: g.created };
}
/**
 * `lastUsed`: when a session of the role was last issued and the region asked (`{at, region}`, IAM's `RoleLastUsed`), as
 * `/v1/access-keys` shows a key's; null when never (a role just created, or none issued since Gatehouse records it).
 */
export function roleJson(p: Partition, r: RoleRecord & { readonly lastUsed?: RoleLastUsed | null }) {
  return {
    name: r.name,
    id: r.id,
    arn: entityArn(p, r.account, 'role', r.path, r.name),
    path: r.path,
    account: r.account,
    created: r.created,
    description: r.description,
    maxSessionDuration: r.maxSessionDuration,
    trustPolicy: parseDoc(r.trustPolicy),
    tags: tagsJson(r.tags),
    permissionsBoundary: r.permissionsBoundary,
    lastUsed: r.lastUsed ?? null,
  };
}
/** `withTags`: the policy's own view and its creation show its tags; a listing does not (IAM's ListPolicies leaves them out). */
export function policyJson(x: PolicyRecord & { attachmentCount?: number }, withTags = false) {
  return { name: x.name, id: x.id, arn: x.arn, path: x.path, account: x.account, description: x.description, created: x.created, updated: x.updated, defaultVersion: x.defaultVersion, ...(x.attachmentCount !== undefined ? { attachmentCount: x.attachmentCount } : {}), ...(withTags ? { tags: tagsJson(x.tags) } : {}) };
}
const keyJson = (k: AccessKeyRecord) => ({ accessKeyId: k.id, userName: k.userName, status: k.status, created: k.created, lastUsed: k.lastUsed });

// ---------------------------------------------------------------------------------------------------------
// Input helpers

/**
 * Refuses a field outside `allowed` (none: a route that takes no body fields), so that a misspelt field is an
 * error rather than dropped: `permissionBoundary` would create an unbounded user, `dryrun` apply for real.
 */
export function onlyFields(body: Readonly<Record<string, unknown>>, allowed: readonly string[]): Result<void> {
  for (const k of Object.keys(body)) {
    if (!allowed.includes(k)) return failWith('VALIDATION_ERROR', allowed.length === 0 ? `unknown field \`${shownKey(k)}\`: this request takes no body fields` : `unknown field \`${shownKey(k)}\` (allowed: ${allowed.join(', ')})`, keyPath(k));
  }
  return ok(undefined);
}

/**
 * The query of a route that reads `allowed` of it (none: a route that reads no query), each at most once. A misspelt
 * parameter was dropped without a word (review ho, 2): `GET /v1/access-keys?username=bob` listed the caller's own keys
 * as if they were bob's, `GET /v1/users?pathprefix=/eng/` every user; one given twice was read as its first.
 */
export function onlyParams(query: URLSearchParams, route: string, allowed: readonly string[]): Result<void> {
  for (const k of query.keys()) {
    if (!allowed.includes(k)) return failWith('VALIDATION_ERROR', allowed.length === 0 ? `unknown parameter \`${shownKey(k)}\`: \`${route}\` takes no query parameters` : `unknown parameter \`${shownKey(k)}\`; \`${route}\` takes ${allowed.join(', ')}`, keyPath(k));
  }
  for (const k of allowed) if (query.getAll(k).length > 1) return failWith('VALIDATION_ERROR', `\`${k}\` is given more than once: it takes one value`, k);
  return ok(undefined);
}

/** An optional boolean: absent (or null) is `false`; a string `"true"` is refused, never read as either. */
export function flag(body: Readonly<Record<string, unknown>>, key: string): Result<boolean> {
  const v = Object.hasOwn(body, key) ? body[key] : undefined;
  if (v === undefined || v === null) return ok(false);
  return typeof v === 'boolean' ? ok(v) : failWith('VALIDATION_ERROR', `\`${key}\` must be true or false, got ${shortName(JSON.stringify(v) ?? String(v))}`, key);
}

function str(body: Json, key: string, required: true): Result<string>;
function str(body: Json, key: string, required: false): Result<string | undefined>;
function str(body: Json, key: string, required: boolean): Result<string | undefined> {
  const v = Object.hasOwn(body, key) ? body[key] : undefined;
  if (v === undefined || v === null) return required ? failWith('MISSING_PARAMETER', `\`${key}\` is required`, key) : ok(undefined);
  return typeof v === 'string' ? ok(v) : failWith('VALIDATION_ERROR', `\`${key}\` must be a string`, key);
}

/** A policy document given as an object (serialized) or JSON text (kept as written). */
function documentOf(body: Json, key: string): Result<string> {
  const v = Object.hasOwn(body, key) ? body[key] : undefined;
  if (typeof v === 'string') return ok(v);
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return ok(JSON.stringify(v));
  return failWith(v === undefined ? 'MISSING_PARAMETER' : 'VALIDATION_ERROR', `\`${key}\` is required: a policy document (JSON object or text)`, key);
}

/**
 * The errors of a policy document that `body[field]` gave as an object, said where they are in the body as sent (review
 * ho, 3). The use case reads the text the object was serialized to, on one line: its errors named the path in the
 * document (`Statement[1].Effect`, no `document.`) and a line and column of a text the client never sent (`line 1`,
 * column 97, for a body written over 20 lines). Now the body's path (`document.Statement[1].Effect`) and, where the
 * error had one, the line and column of that element in the body. A document given as text keeps its errors as they
 * are: they are in that text. Other errors (not `POLICY_…`: the name, the path, tags) are left as they are.
 */
export function documentErrorsInBody<T>(r: Result<T>, body: Readonly<Record<string, unknown>>, field: string, text: string): Result<T> {
  const given = Object.hasOwn(body, field) ? body[field] : undefined;
  if (r.ok || typeof given !== 'object' || given === null || !r.errors.some((e) => e.code.startsWith('POLICY_'))) return r;
  let positions: ReadonlyMap<string, { line: number; column: number }> | undefined;
  const errors = r.errors.map((e): GatehouseError => {
    if (!e.code.startsWith('POLICY_')) return e;
    const inDoc = e.path ?? '';
    const path = inDoc === '' ? field : inDoc.startsWith('[') ? `${field}${inDoc}` : `${field}.${inDoc}`;
    const { line: _line, column: _column, ...rest } = e;
    // Only an error that had a place has one in the body; read (with every element's place) only then.
    const at = e.line !== undefined ? (positions ??= readJson(text).positions).get(path) : undefined;
    // `checkDocument` and the trust policy's principal check say where in the message too.
    const said = e.line !== undefined ? ` (at ${inDoc}, line ${e.line})` : ` (at ${inDoc})`;
    const message = inDoc !== '' && e.message.endsWith(said) ? `${e.message.slice(0, -said.length)} (at ${path}${at !== undefined ? `, line ${at.line}` : ''})` : e.message;
    return { ...rest, message, path, ...(at !== undefined ? { line: at.line, column: at.column } : {}) };
  });
  return { ok: false, errors };
}

/**
 * The errors of a use case at an IAM parameter (`UserName`, `Path`, `Tags`) named by the body's field that gave it
 * (`name`, `path`, `tags`), so `details[].path` says where in the body the fault is (review je, 5: it was empty).
 */
function atFields<T>(r: Result<T>, fields: Readonly<Record<string, string>>): Result<T> {
  // Only the parameters' own refusals: a policy document's errors are at paths in the document (`Tags` may be one).
  const at = (e: GatehouseError): boolean => e.code === 'VALIDATION_ERROR' && Object.hasOwn(fields, e.path);
  if (r.ok || !r.errors.some(at)) return r;
  return { ok: false, errors: r.errors.map((e) => (at(e) ? { ...e, path: fields[e.path] as string } : e)) };
}
const ENTITY_FIELDS = { Path: 'path', Description: 'description', MaxSessionDuration: 'maxSessionDuration', Tags: 'tags' } as const;
/**
 * A tag's refusal at the tag itself: `checkTags` names the tag it refuses `Tags[i].Key` or `Tags[i].Value` (i its place in
 * the list `tagsOf` made of the body), which `atFields` put at `tags`, the whole field (review nd, 3). Said as the body
 * gave it: `tags[i].key` in a list, `tags.<key>` in a map (as `tagsOf` names a map's value). The count limit names no
 * tag and stays at `tags`.
 */
function atTag<T>(r: Result<T>, body: Json): Result<T> {
  if (r.ok) return r;
  const given = Object.hasOwn(body, 'tags') ? body['tags'] : undefined;
  return {
    ok: false,
    errors: r.errors.map((e) => {
      const m = e.code === 'VALIDATION_ERROR' && e.path === 'tags' ? /^Tags\[(\d+)\]\.(Key|Value)\b/.exec(e.message) : null;
      if (!m || typeof given !== 'object' || given === null) return e;
      const i = Number(m[1]);
      if (Array.isArray(given)) return i < given.length ? { ...e, path: `tags[${i}].${m[2] === 'Key' ? 'key' : 'value'}` } : e;
      const key = Object.keys(given)[i];
      return key === undefined ? e : { ...e, path: `tags.${key}` };
    }),
  };
}

/**
 * The access-key routes' fields (the body's, and the query's `userName`): their refusals named IAM's `Status` and
 * `UserName`, fields no `/v1/` request has (review nd, 2).
 */
const KEY_FIELDS = { UserName: 'userName', Status: 'status' } as const;

/**
 * An empty `userName` of an access-key route (an unset variable in a script) refused on its length, as the IAM Query API
 * refuses `UserName=` (review hw, 4): read as none, a user calling was told "UserName is required when the caller is
 * not a user", false of it (review nd, 4). Left out, it still means the caller's own keys.
 */
const emptyUserName = (v: string | null | undefined): Result<never> | undefined =>
  v === '' ? failWith('VALIDATION_ERROR', '`userName` must be 1 to 64 characters, got an empty one: name the user, or leave `userName` out for your own keys', 'userName') : undefined;

/**
 * `tags`: a map of key to value, or a list of `{key, value}` (value optional: empty), as an apply document's. A tag's
 * field other than those two was dropped (review ho, 4): `{"key":"team","valeu":"ml"}`, or AWS's `{"key":"team",
 * "Value":"ml"}`, made the tag `team` with an empty value, which `aws:PrincipalTag/team` conditions then read, where
 * apply refuses it; and a refusal named `tags`, not the tag. Each is refused at its path (`tags[0].valeu`).
 */
function tagsOf(body: Json): Result<Tag[]> {
  const v = Object.hasOwn(body, 'tags') ? body['tags'] : undefined;
  if (v === undefined || v === null) return ok([]);
  const out: Tag[] = [];
  if (Array.isArray(v)) {
    for (const [i, t] of (v as unknown[]).entries()) {
      if (typeof t !== 'object' || t === null || Array.isArray(t)) return failWith('VALIDATION_ERROR', `\`tags[${i}]\` must be a tag, \`{key, value}\``, `tags[${i}]`);
      const tag = t as Json;
      for (const k of Object.keys(tag)) if (k !== 'key' && k !== 'value') return failWith('VALIDATION_ERROR', `unknown field \`${shortName(k)}\` of \`tags[${i}]\`: a tag has \`key\` and \`value\``, `tags[${i}].${k}`);
      const key = Object.hasOwn(tag, 'key') ? tag['key'] : undefined;
      const value = (Object.hasOwn(tag, 'value') ? tag['value'] : undefined) ?? '';
      if (typeof key !== 'string') return failWith(key === undefined ? 'MISSING_PARAMETER' : 'VALIDATION_ERROR', `\`tags[${i}].key\` ${key === undefined ? 'is required' : 'must be a string'}`, `tags[${i}].key`);
      if (typeof value !== 'string') return failWith('VALIDATION_ERROR', `\`tags[${i}].value\` must be a string`, `tags[${i}].value`);
      out.push({ key, value });
    }
    return ok(out);
  }
  if (typeof v === 'object') {
    for (const [key, value] of Object.entries(v as Json)) {
      if (typeof value !== 'string') return failWith('VALIDATION_ERROR', `the value of tag \`${shortName(key)}\` must be a string`, `tags.${key}`);
      out.push({ key, value });
    }
    return ok(out);
  }
  return failWith('VALIDATION_ERROR', '`tags` must be a map of key to value, or a list of `{key, value}`', 'tags');
}

const opt = <K extends string>(key: K, v: string | undefined): { [P in K]?: string } => (v === undefined ? {} : ({ [key]: v } as { [P in K]?: string }));

async function map<T>(r: Promise<Result<T>>, f: (v: T) => unknown, status = 200): Promise<Result<Reply>> {
  const v = await r;
  return v.ok ? ok({ status, body: f(v.value) }) : v;
}

/** `then()` when the query holds `allowed` parameters only (`onlyParams`), else the refusal. */
const withParams = (query: URLSearchParams, route: string, allowed: readonly string[], then: () => Promise<Result<Reply>>): Promise<Result<Reply>> => {
  const params = onlyParams(query, route, allowed);
  return params.ok ? then() : Promise.resolve(params);
};

const TYPES: Readonly<Record<string, PrincipalType>> = { users: 'user', groups: 'group', roles: 'role' };

/** A policy named by name (the caller's account, then built-ins) or ARN, as the CLI lets users write it. */
async function policyArnOf(app: App, caller: Caller, ref: string): Promise<string> {
  const p = await app.deps.store.read((tx) => findPolicy(tx, caller.account, ref));
  // An unknown name goes on as the ARN it would have, so the use case answers NoSuchEntity in its words.
  return p?.arn ?? (ref.startsWith('arn:') || ref.startsWith('acs:') ? ref : entityArn(caller.partition, caller.account, 'policy', '/', ref));
}

// ---------------------------------------------------------------------------------------------------------
// Routes

function principalRoutes(segment: 'users' | 'groups' | 'roles'): Route[] {
  const type = TYPES[segment] as PrincipalType;
  return [
    {
      method: 'GET',
      pattern: [segment, ':name', 'policies'],
      handler: async ({ app, caller, params }) => {
        const name = params['name'] ?? '';
        const attached = await app.directory.listAttachedPolicies(caller, type, { name });
        if (!attached.ok) return attached;
        const inline = await app.directory.listInlinePolicies(caller, type, { name });
        if (!inline.ok) return inline;
        return ok({ body: { attached: attached.value.map((p) => ({ name: p.name, arn: p.arn })), inline: inline.value } });
      },
    },
    {
      method: 'POST',
      pattern: [segment, ':name', 'policies'],
      handler: async ({ app, caller, params, body }) => {
        const fields = onlyFields(body, ['policy']);
        if (!fields.ok) return fields;
        const ref = str(body, 'policy', true);
        if (!ref.ok) return ref;
        const policyArn = await policyArnOf(app, caller, ref.value);
        return map(app.directory.attachPolicy(caller, type, { name: params['name'] ?? '', policyArn }), () => ({ attached: policyArn }));
      },
    },
    {
      method: 'DELETE',
      pattern: [segment, ':name', 'policies', ':ref'],
      handler: async ({ app, caller, params }) => {
        const policyArn = await policyArnOf(app, caller, params['ref'] ?? '');
        return map(app.directory.detachPolicy(caller, type, { name: params['name'] ?? '', policyArn }), () => ({ detached: policyArn }));
      },
    },
    {
      method: 'GET',
      pattern: [segment, ':name', 'inline-policies', ':policy'],
      handler: ({ app, caller, params }) =>
        map(app.directory.getInlinePolicy(caller, type, { name: params['name'] ?? '', policyName: params['policy'] ?? '' }), (p) => ({ name: p.name, document: parseDoc(p.document) })),
    },
    {
      method: 'PUT',
      pattern: [segment, ':name', 'inline-policies', ':policy'],
      handler: async ({ app, caller, params, body, text }) => {
        const fields = onlyFields(body, ['document']);
        if (!fields.ok) return fields;
        const doc = documentOf(body, 'document');
        if (!doc.ok) return doc;
        const put = await app.directory.putInlinePolicy(caller, type, { name: params['name'] ?? '', policyName: params['policy'] ?? '', policyDocument: doc.value });
        return map(Promise.resolve(documentErrorsInBody(put, body, 'document', text)), () => ({ name: params['policy'] }));
      },
    },
    {
      method: 'DELETE',
      pattern: [segment, ':name', 'inline-policies', ':policy'],
      handler: ({ app, caller, params }) => map(app.directory.deleteInlinePolicy(caller, type, { name: params['name'] ?? '', policyName: params['policy'] ?? '' }), () => ({ deleted: params['policy'] })),
    },
  ];
}

export const ADMIN_ROUTES: readonly Route[] = [
  {
    method: 'GET',
    pattern: ['whoami'],
    // The key that signs, as a session's whoami and the audit records name it: a console sign-in opened with a long-term
    // key answered that key, which its credentials do not hold (review rx, 2); the key it acts as is `openedWith`.
    handler: async ({ caller }) => {
      const signer = signingKeyOf(caller);
      const openedWith = signer !== caller.accessKeyId ? { openedWith: caller.accessKeyId } : {};
      return ok({ body: { account: caller.account, partition: caller.partition, arn: caller.principal.arn, userId: caller.principal.userId ?? null, userName: caller.user?.name ?? null, accessKeyId: signer, ...openedWith } });
    },
  },
  {
    method: 'GET',
    pattern: ['accounts'],
    handler: ({ app, caller }) => map(app.listAccounts(caller), (as) => ({ accounts: as.map((a) => ({ id: a.id, partition: a.partition, name: a.name, created: a.created })) })),
  },
  {
    method: 'POST',
    pattern: ['accounts'],
    handler: async ({ app, caller, body }) => {
      const fields = onlyFields(body, ['id', 'partition', 'name']);
      if (!fields.ok) return fields;
      // Typed here as every other body field: an id sent as a number was told "must be 12 digits, got `222233334444`",
      // an absent one "got `undefined`" (review nd, 1).
      const id = str(body, 'id', true);
      if (!id.ok) return id;
      const partition = str(body, 'partition', true);
      if (!partition.ok) return partition;
      const name = str(body, 'name', false);
      if (!name.ok) return name;
      return map(createAccountAsRoot(app.deps, caller, { id: id.value, partition: partition.value, ...opt('name', name.value) }), (c) => c, 201);
    },
  },
  {
    method: 'POST',
    pattern: ['apply'],
    maxBody: MAX_APPLY_BODY,
    handler: async ({ app, caller, body }) => {
      // `dryRun` is the safety switch: a misspelt (`dryrun`) or string (`"true"`) one must not apply for real.
      const fields = onlyFields(body, ['documents', 'sources', 'prune', 'dryRun', 'cluster', 'namespace']);
      if (!fields.ok) return fields;
      const documents = Object.hasOwn(body, 'documents') ? body['documents'] : undefined;
      if (documents === undefined) return failWith('MISSING_PARAMETER', '`documents` is required: a list of documents', 'documents');
      if (!Array.isArray(documents)) return failWith('VALIDATION_ERROR', '`documents` must be a list of documents', 'documents');
      const sources = sourcesOf(body['sources'], documents.length);
      if (!sources.ok) return sources;
      const prune = flag(body, 'prune');
      if (!prune.ok) return prune;
      const dryRun = flag(body, 'dryRun');
      if (!dryRun.ok) return dryRun;
      const cluster = str(body, 'cluster', false);
      if (!cluster.ok) return cluster;
      const namespace = str(body, 'namespace', false);
      if (!namespace.ok) return namespace;
      // Taken as a namespace given: each Role was refused for it, as not matching `--namespace ` (review pn, 3).
      if (namespace.value === '') return failWith('VALIDATION_ERROR', '`namespace` is empty: give the namespace of Roles and RoleBindings that name none, or leave it out for `default`', 'namespace');
      return map(
        applyConfig(app.deps, caller, { documents, ...(sources.value ? { sources: sources.value } : {}), prune: prune.value, dryRun: dryRun.value, ...opt('cluster', cluster.value), ...opt('namespace', namespace.value) }),
        (r) => r,
      );
    },
  },

  // Users
  // A listing lists what IAM's does: no tags and no boundary, which are read on the user's own ARN (GET /v1/users/{name},
  // iam:GetUser / ListUserTags), so a Deny on reading them is not bypassed by listing (review directory, D11).
  { method: 'GET', pattern: ['users'], handler: ({ app, caller, query }) => withParams(query, 'GET /v1/users', ['pathPrefix'], () => map(app.directory.listUsers(caller, { ...opt('pathPrefix', query.get('pathPrefix') ?? undefined) }), (us) => ({ users: us.map((u) => listed(userJson(caller.partition, u))) }))) },
  {
    method: 'POST',
    pattern: ['users'],
    handler: async ({ app, caller, body }) => {
      const fields = onlyFields(body, ['name', 'path', 'tags', 'permissionsBoundary']);
      if (!fields.ok) return fields;
      const name = str(body, 'name', true);
      const path = str(body, 'path', false);
      const boundary = str(body, 'permissionsBoundary', false);
      const tags = tagsOf(body);
      if (!name.ok) return name;
      if (!path.ok) return path;
      if (!boundary.ok) return boundary;
      if (!tags.ok) return tags;
      const permissionsBoundary = boundary.value === undefined ? undefined : await policyArnOf(app, caller, boundary.value);
      const created = app.directory.createUser(caller, { userName: name.value, ...opt('path', path.value), tags: tags.value, ...opt('permissionsBoundary', permissionsBoundary) });
      return map(created.then((r) => atTag(atFields(r, { ...ENTITY_FIELDS, UserName: 'name' }), body)), (u) => userJson(caller.partition, u), 201);
    },
  },
  {
    method: 'GET',
    pattern: ['users', ':name'],
    handler: async ({ app, caller, params }) => {
      const u = await app.directory.getUser(caller, { userName: params['name'] ?? '' });
      if (!u.ok) return u;
      const groups = await app.directory.listGroupsForUser(caller, { userName: u.value.name });
      return ok({ body: { ...userJson(caller.partition, u.value), groups: groups.ok ? groups.value.map((g) => g.name) : null } });
    },
  },
  { method: 'DELETE', pattern: ['users', ':name'], handler: ({ app, caller, params }) => map(app.directory.deleteUser(caller, { userName: params['name'] ?? '' }), () => ({ deleted: params['name'] })) },

  // Groups
  { method: 'GET', pattern: ['groups'], handler: ({ app, caller, query }) => withParams(query, 'GET /v1/groups', ['pathPrefix'], () => map(app.directory.listGroups(caller, { ...opt('pathPrefix', query.get('pathPrefix') ?? undefined) }), (gs) => ({ groups: gs.map((g) => groupJson(caller.partition, g)) }))) },
  {
    method: 'POST',
    pattern: ['groups'],
    handler: async ({ app, caller, body }) => {
      const fields = onlyFields(body, ['name', 'path']);
      if (!fields.ok) return fields;
      const name = str(body, 'name', true);
      const path = str(body, 'path', false);
      if (!name.ok) return name;
      if (!path.ok) return path;
      const created = app.directory.createGroup(caller, { groupName: name.value, ...opt('path', path.value) });
      return map(created.then((r) => atFields(r, { ...ENTITY_FIELDS, GroupName: 'name' })), (g) => groupJson(caller.partition, g), 201);
    },
  },
  {
    method: 'GET',
    pattern: ['groups', ':name'],
    handler: ({ app, caller, params }) => map(app.directory.getGroup(caller, { groupName: params['name'] ?? '' }), (r) => ({ ...groupJson(caller.partition, r.group), users: r.users.map((u) => u.name) })),
  },
  { method: 'DELETE', pattern: ['groups', ':name'], handler: ({ app, caller, params }) => map(app.directory.deleteGroup(caller, { groupName: params['name'] ?? '' }), () => ({ deleted: params['name'] })) },
  {
    method: 'PUT',
    pattern: ['groups', ':group', 'users', ':user'],
    handler: ({ app, caller, params, body }) => {
      const fields = onlyFields(body, []);
      return fields.ok ? map(app.directory.addUserToGroup(caller, { groupName: params['group'] ?? '', userName: params['user'] ?? '' }), () => ({ group: params['group'], user: params['user'] })) : Promise.resolve(fields);
    },
  },
  {
    method: 'DELETE',
    pattern: ['groups', ':group', 'users', ':user'],
    handler: ({ app, caller, params }) => map(app.directory.removeUserFromGroup(caller, { groupName: params['group'] ?? '', userName: params['user'] ?? '' }), () => ({ group: params['group'], user: params['user'] })),
  },

  // Roles
  { method: 'GET', pattern: ['roles'], handler: ({ app, caller, query }) => withParams(query, 'GET /v1/roles', ['pathPrefix'], () => map(app.directory.listRolesWithLastUsed(caller, { ...opt('pathPrefix', query.get('pathPrefix') ?? undefined) }), (rs) => ({ roles: rs.map((r) => listed(roleJson(caller.partition, r))) }))) },
  {
    method: 'POST',
    pattern: ['roles'],
    handler: async ({ app, caller, body, text }) => {
      const fields = onlyFields(body, ['name', 'trustPolicy', 'path', 'description', 'maxSessionDuration', 'tags', 'permissionsBoundary']);
      if (!fields.ok) return fields;
      const name = str(body, 'name', true);
      const path = str(body, 'path', false);
      const description = str(body, 'description', false);
      const boundary = str(body, 'permissionsBoundary', false);
      const trust = documentOf(body, 'trustPolicy');
      const tags = tagsOf(body);
      if (!name.ok) return name;
      if (!trust.ok) return trust;
      if (!path.ok) return path;
      if (!description.ok) return description;
      if (!boundary.ok) return boundary;
      if (!tags.ok) return tags;
      const max = body['maxSessionDuration'] ?? undefined;
      if (max !== undefined && typeof max !== 'number') return failWith('VALIDATION_ERROR', '`maxSessionDuration` must be a number of seconds', 'maxSessionDuration');
      const permissionsBoundary = boundary.value === undefined ? undefined : await policyArnOf(app, caller, boundary.value);
      const created = app.directory.createRole(caller, {
          roleName: name.value,
          assumeRolePolicyDocument: trust.value,
          ...opt('path', path.value),
          ...opt('description', description.value),
          ...(max !== undefined ? { maxSessionDuration: max } : {}),
          tags: tags.value,
          ...opt('permissionsBoundary', permissionsBoundary),
        });
      return map(created.then((r) => atTag(atFields(documentErrorsInBody(r, body, 'trustPolicy', text), { ...ENTITY_FIELDS, RoleName: 'name' }), body)), (r) => roleJson(caller.partition, r), 201);
    },
  },
  { method: 'GET', pattern: ['roles', ':name'], handler: ({ app, caller, params }) => map(app.directory.getRole(caller, { roleName: params['name'] ?? '' }), (r) => roleJson(caller.partition, r)) },
  { method: 'DELETE', pattern: ['roles', ':name'], handler: ({ app, caller, params }) => map(app.directory.deleteRole(caller, { roleName: params['name'] ?? '' }), () => ({ deleted: params['name'] })) },

  // Managed policies
  {
    method: 'GET',
    pattern: ['policies'],
    handler: async ({ app, caller, query }) => {
      const params = onlyParams(query, 'GET /v1/policies', ['scope', 'onlyAttached']);
      if (!params.ok) return params;
      const scope = query.get('scope') ?? 'All';
      if (scope !== 'All' && scope !== 'AWS' && scope !== 'Local') return failWith('VALIDATION_ERROR', '`scope` must be All, AWS or Local', 'scope');
      // `true` or `false`: any other value (`1`, `yes`) was read as false, every policy listed as if attached.
      const onlyAttached = query.get('onlyAttached');
      if (onlyAttached !== null && onlyAttached !== 'true' && onlyAttached !== 'false') return failWith('VALIDATION_ERROR', `\`onlyAttached\` must be true or false, got \`${shortName(onlyAttached, 32)}\``, 'onlyAttached');
      return map(app.directory.listPolicies(caller, { scope, ...(onlyAttached === 'true' ? { onlyAttached: true } : {}) }), (ps) => ({ policies: ps.map((x) => policyJson(x)) }));
    },
  },
  {
    method: 'POST',
    pattern: ['policies'],
    handler: async ({ app, caller, body, text }) => {
      const fields = onlyFields(body, ['name', 'document', 'path', 'description', 'tags']);
      if (!fields.ok) return fields;
      const name = str(body, 'name', true);
      const path = str(body, 'path', false);
      const description = str(body, 'description', false);
      const doc = documentOf(body, 'document');
      const tags = tagsOf(body);
      if (!name.ok) return name;
      if (!path.ok) return path;
      if (!description.ok) return description;
      if (!doc.ok) return doc;
      if (!tags.ok) return tags;
      const created = app.directory.createPolicy(caller, { policyName: name.value, policyDocument: doc.value, ...opt('path', path.value), ...opt('description', description.value), tags: tags.value });
      return map(created.then((r) => atTag(atFields(documentErrorsInBody(r, body, 'document', text), { ...ENTITY_FIELDS, PolicyName: 'name' }), body)), (x) => policyJson(x, true), 201);
    },
  },
  {
    method: 'GET',
    pattern: ['policies', ':ref'],
    handler: async ({ app, caller, params }) => {
      const policyArn = await policyArnOf(app, caller, params['ref'] ?? '');
      const p = await app.directory.getPolicy(caller, { policyArn });
      if (!p.ok) return p;
      const v = await app.directory.getPolicyVersion(caller, { policyArn, versionId: p.value.defaultVersion });
      return ok({ body: { ...policyJson(p.value, true), document: v.ok ? parseDoc(v.value.document) : null } });
    },
  },
  {
    method: 'DELETE',
    pattern: ['policies', ':ref'],
    handler: async ({ app, caller, params }) => {
      const policyArn = await policyArnOf(app, caller, params['ref'] ?? '');
      return map(app.directory.deletePolicy(caller, { policyArn }), () => ({ deleted: policyArn }));
    },
  },

  ...principalRoutes('users'),
  ...principalRoutes('groups'),
  ...principalRoutes('roles'),

  // Access keys (of the caller when no user is named, as IAM)
  { method: 'GET', pattern: ['access-keys'], handler: ({ app, caller, query }) => withParams(query, 'GET /v1/access-keys', ['userName'], () => {
      const empty = emptyUserName(query.get('userName'));
      return empty ? Promise.resolve(empty) : map(app.directory.listAccessKeys(caller, { ...opt('userName', query.get('userName') ?? undefined) }).then((r) => atFields(r, KEY_FIELDS)), (ks) => ({ accessKeys: ks.map(keyJson) }));
    }) },
  {
    method: 'POST',
    pattern: ['access-keys'],
    handler: async ({ app, caller, body }) => {
      const fields = onlyFields(body, ['userName']);
      if (!fields.ok) return fields;
      const user = str(body, 'userName', false);
      if (!user.ok) return user;
      const empty = emptyUserName(user.value);
      if (empty) return empty;
      return map(app.directory.createAccessKey(caller, { ...opt('userName', user.value) }).then((r) => atFields(r, KEY_FIELDS)), (r) => ({ ...keyJson(r.key), secretAccessKey: r.secretAccessKey }), 201);
    },
  },
  // The credential report (src/app/account-reports.ts): generated (kept four hours), then read as IAM's CSV.
  {
    method: 'POST',
    pattern: ['credential-report'],
    handler: async ({ app, caller, body }) => {
      const fields = onlyFields(body, []);
      return fields.ok ? map(app.accountReports.generateCredentialReport(caller), (r) => r) : fields;
    },
  },
  { method: 'GET', pattern: ['credential-report'], handler: ({ app, caller }) => map(app.accountReports.getCredentialReport(caller), (r) => r) },
  // A key's status (IAM's UpdateAccessKey): an inactive key is refused until made active again.
  {
    method: 'PATCH',
    pattern: ['access-keys', ':id'],
    handler: async ({ app, caller, params, body }) => {
      const fields = onlyFields(body, ['status', 'userName']);
      if (!fields.ok) return fields;
      const user = str(body, 'userName', false);
      if (!user.ok) return user;
      const empty = emptyUserName(user.value);
      if (empty) return empty;
      const status = str(body, 'status', true);
      if (!status.ok) return status;
      const id = params['id'] ?? '';
      return map(app.directory.updateAccessKey(caller, { accessKeyId: id, status: status.value ?? '', ...opt('userName', user.value) }).then((r) => atFields(r, KEY_FIELDS)), () => ({ accessKeyId: id, userName: user.value ?? caller.user?.name ?? null, status: status.value }));
    },
  },
  {
    method: 'DELETE',
    pattern: ['access-keys', ':id'],
    handler: ({ app, caller, params, query }) =>
      withParams(query, 'DELETE /v1/access-keys/{id}', ['userName'], () => {
      const empty = emptyUserName(query.get('userName'));
      return empty ? Promise.resolve(empty) : map(app.directory.deleteAccessKey(caller, { accessKeyId: params['id'] ?? '', ...opt('userName', query.get('userName') ?? undefined) }).then((r) => atFields(r, KEY_FIELDS)), () => ({ deleted: params['id'] }));
    }),
  },
];

function sourcesOf(v: unknown, n: number): Result<(ApplySource | null)[] | undefined> {
  if (v === undefined || v === null) return ok(undefined);
  const bad = failWith<never>('VALIDATION_ERROR', '`sources` must be a list, parallel to `documents`, of `{file, index}` or null', 'sources');
  if (!Array.isArray(v) || v.length !== n) return bad;
  const out: (ApplySource | null)[] = [];
  for (const s of v as unknown[]) {
    if (s === null) out.push(null);
    else if (typeof s === 'object' && typeof (s as Json)['file'] === 'string' && Number.isInteger((s as Json)['index'])) out.push({ file: (s as Json)['file'] as string, index: (s as Json)['index'] as number });
    else return bad;
  }
  return ok(out);
}

// ---------------------------------------------------------------------------------------------------------
// Transport

/** Thrown (rejected) by `readBody` past its limit; answered 413. */
export class BodyTooLarge extends Error {}

/**
 * Thrown (rejected) by `readBody` when the edge's meter of the request (`bodyMeters`) refuses a chunk: the bytes of
 * large bodies being read would pass the edge's budget. Answered 503 by the edge, which clients retry.
 */
export class BodyOverBudget extends Error {}

/**
 * What the edge counts a request's body against (src/adapters/http/server.ts): given each chunk's length as it
 * arrives, false when it may not be read. Absent: not counted (a small body).
 */
export const bodyMeters = new WeakMap<IncomingMessage, (bytes: number) => boolean>();

/**
 * An `Expect: 100-continue` request's `100 Continue`, sent by `readBody` once it reads the body (set by the edge's
 * `checkContinue` listener): a request refused before (its declared size, the body budget, no credentials where they
 * come first) is answered its final status, and the client sends no body (RFC 9110 §10.1.1; review ky, 5). Node then
 * closes the connection after the answer, the body unsent.
 */
export const continueOnRead = new WeakMap<IncomingMessage, () => void>();

/**
 * The body, from stream events rather than an async iterator (one promise per request instead of one per
 * chunk); a body that arrives in one chunk, as a small JSON request does, is used without a copy.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (declared > limit) return Promise.reject(new BodyTooLarge());
  const proceed = continueOnRead.get(req);
  if (proceed !== undefined) {
    continueOnRead.delete(req);
    proceed();
  }
  const meter = bodyMeters.get(req);
  return new Promise((resolve, reject) => {
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    // Settled once; the listeners stay (the request is done with either way), and do nothing after.
    let settled = false;
    const onData = (chunk: Buffer): void => {
      if (settled) return;
      if (meter !== undefined && !meter(chunk.length)) {
        settled = true;
        req.off('data', onData);
        req.resume();
        reject(new BodyOverBudget());
        return;
      }
      size += chunk.length;
      if (size > limit) {
        settled = true;
        // Stop reading what nobody will use; the answer still goes out on this socket.
        req.off('data', onData);
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      if (first === undefined) first = chunk;
      else (chunks ??= [first]).push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks !== undefined ? Buffer.concat(chunks, size) : (first ?? EMPTY_BODY));
    });
    req.on('error', (e: Error) => {
      if (settled) return;
      settled = true;
      reject(e);
    });
    // Closed before its end: the client went away mid-body (not an error of the server: aborted.ts).
    req.on('close', () => {
      if (settled) return;
      settled = true;
      reject(new ClientAborted());
    });
  });
}
const EMPTY_BODY = Buffer.alloc(0);

/** Past this size the JSON and its newline go out as two chunks of one corked write, not one concatenated copy. */
const LARGE_JSON = 16 * 1024;

function sendJson(res: ServerResponse, status: number, value: unknown, requestId: string): void {
  // A string, not a Buffer: Node sends the head and a string body as one chunk (one `write`), a Buffer as two.
  const json = JSON.stringify(value);
  if (json.length < LARGE_JSON) {
    const body = `${json}\n`;
    res.writeHead(status, ['content-type', 'application/json', 'content-length', Buffer.byteLength(body), 'x-amzn-requestid', requestId, 'cache-control', 'no-store', 'x-content-type-options', 'nosniff']);
    endThisTurn(res, body);
    return;
  }
  // A batch of answers (hundreds of KB): appending the newline would copy the whole string once more.
  res.writeHead(status, ['content-type', 'application/json', 'content-length', Buffer.byteLength(json) + 1, 'x-amzn-requestid', requestId, 'cache-control', 'no-store', 'x-content-type-options', 'nosniff']);
  res.cork();
  res.write(json);
  res.end('\n');
  res.uncork();
}

/**
 * The error body: the AWS-style code and status of `HTTP_ERRORS`, our code, and the details of every error — of
 * a single one too, since its JSON path (and line and column) is what locates it: `bindings[0].condition.expression`,
 * `Statement[2].Resource`. (The Query API at `POST /` keeps AWS's XML error shape: src/adapters/http/server.ts.)
 */
function sendErrors(res: ServerResponse, requestId: string, errors: readonly GatehouseError[]): void {
  const first = errors[0] ?? { code: 'INTERNAL_ERROR' as const, message: 'internal error', path: '' };
  const e = HTTP_ERRORS[first.code];
  const isApply = errors.some((x) => 'document' in x || 'kind' in x);
  const message = isApply ? describeApplyError(first as ApplyError) + (errors.length > 1 ? ` (and ${errors.length - 1} more)` : '') : first.message;
  // A 503 (the audit log not writable under the closed policy, a standby taking no writes) says when to retry (review mj, 2).
  if (e.status === 503) res.setHeader('retry-after', RETRY_AFTER_SECONDS);
  sendJson(res, e.status, { error: { code: e.aws, message, gatehouseCode: first.code, details: errors.length > 0 ? errors : [first] } }, requestId);
}

const fail1 = (code: ErrorCode, message: string): GatehouseError[] => [{ code, message, path: '' }];

/**
 * The JSON error body of a request no route takes (`UNKNOWN_ROUTE`, `METHOD_NOT_ALLOWED`), in the shape of every other
 * error of this module, for the server's paths outside `/v1/` too (`GET /`, a probe asked with POST).
 */
export function routeErrorBody(code: 'UNKNOWN_ROUTE' | 'METHOD_NOT_ALLOWED', message: string): string {
  return JSON.stringify({ error: { code: HTTP_ERRORS[code].aws, message, gatehouseCode: code, details: fail1(code, message) } });
}

/**
 * The JSON error body of a failure answered outside a route (the store unreachable, a bug, a commit cut off): this
 * module's shape, `details` included (review je, 3: it had none). `aws` overrides the code's AWS code (`OutcomeUnknown`).
 */
export function adminErrorBody(code: ErrorCode, message: string, aws: string = HTTP_ERRORS[code].aws): string {
  return `${JSON.stringify({ error: { code: aws, message, gatehouseCode: code, details: fail1(code, message) } })}\n`;
}

/** SigV4 refusal codes are AWS codes; map them onto ours. */
const SIGV4_CODES: Readonly<Record<string, ErrorCode>> = {
  MissingAuthenticationToken: 'MISSING_AUTHENTICATION_TOKEN',
  IncompleteSignature: 'INCOMPLETE_SIGNATURE',
  SignatureDoesNotMatch: 'SIGNATURE_DOES_NOT_MATCH',
  AccessDenied: 'ACCESS_DENIED',
};

/**
 * No presigned URLs (review cw, 1): the CLI and the console sign every request with an Authorization header, and a URL
 * that authenticates is copied into browser histories, proxy logs and Referer headers. Accepted here it was good for
 * `X-Amz-Expires`, up to a week (S3's rule), for reads and writes alike (a presigned POST signs its body), and a
 * console's signing key, kept for two dates only, minted week-long links. The Query API keeps them, capped at 15 min.
 */
const SIGV4_OPTIONS = Object.freeze({ expectedService: ADMIN_SERVICE, acceptPresigned: false });

/** The caller, with the region its request was signed for (`aws:RequestedRegion`: one endpoint serves every region). */
async function authenticate(app: App, req: IncomingMessage, body: Buffer): Promise<Result<{ readonly caller: Caller; readonly region: string }>> {
  const request = { method: req.method ?? 'GET', path: req.url ?? '/', headers: nodeRequestHeaders(req), body };
  const parsed = parseSigV4(request, Date.now(), SIGV4_OPTIONS);
  if (!parsed.ok) {
    // Refused for its time: whether the key's holder signed it, for its record (review tu, 2).
    const refused = failWith<{ readonly caller: Caller; readonly region: string }>(SIGV4_CODES[parsed.code] ?? 'INCOMPLETE_SIGNATURE', parsed.message);
    const signatureVerified = signedByKeyHolder(app, [request], parsed.signedAt, SIGV4_OPTIONS);
    return signatureVerified === undefined ? refused : Object.assign(refused, { signatureVerified });
  }
  if (!parsed.payloadSigned) return failWith('INCOMPLETE_SIGNATURE', 'The request body must be signed (UNSIGNED-PAYLOAD is not accepted by this API).');
  const who = await app.authenticate(parsed.accessKeyId, parsed.sessionToken);
  if (!who.ok) {
    // Refused for its key (inactive, its session expired or revoked): whether the key's holder signed it (review tu, 3).
    const code = who.errors[0]?.code;
    const signatureVerified = code !== undefined && KEY_REFUSALS.has(code) ? signedByKeyHolder(app, [request], parsed.signedAt, SIGV4_OPTIONS) : undefined;
    return signatureVerified === undefined ? who : Object.assign({ ...who }, { signatureVerified });
  }
  const v = parsed.verify(who.value.secret);
  if (!v.ok) {
    // Checked with the key's secret, and not its signature: said in its record (review vi, 2).
    const refused = failWith<{ readonly caller: Caller; readonly region: string }>(SIGV4_CODES[v.code] ?? 'SIGNATURE_DOES_NOT_MATCH', v.message);
    const signatureVerified = mismatchSigned(v);
    return signatureVerified === undefined ? refused : Object.assign(refused, { signatureVerified });
  }
  // A console sign-in opened with a long-term key is a use of that key (its id is the caller's: src/app/sts.ts).
  app.keyUse.note(keyUsedBy(who.value.caller, parsed.accessKeyId), parsed.service, parsed.region);
  app.signatureVerified(who.value.caller);
  return ok({ caller: who.value.caller, region: parsed.region });
}

/** The parameters of a route without any (most of them): shared, never written. */
const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze(Object.create(null) as Record<string, string>);

function match(route: Route, segments: readonly string[]): Readonly<Record<string, string>> | undefined {
  if (route.pattern.length !== segments.length) return undefined;
  let params: Record<string, string> | undefined;
  for (let i = 0; i < segments.length; i++) {
    const p = route.pattern[i] ?? '';
    const s = segments[i] ?? '';
    if (p.startsWith(':')) (params ??= Object.create(null) as Record<string, string>)[p.slice(1)] = s;
    else if (p !== s) return undefined;
  }
  return params ?? NO_PARAMS;
}

/**
 * The routes that may match a path, by segment count and first segment, in declaration order (the first
 * match wins, as before): a request tries a handful of routes instead of every one of them.
 */
interface RouteIndex {
  /** `${length}/${first segment}` → routes whose first segment is that literal or a parameter. */
  readonly byFirst: Map<string, readonly Route[]>;
  /** length → routes whose first segment is a parameter (for a first segment no route names). */
  readonly byLength: Map<number, readonly Route[]>;
}

const indexes = new WeakMap<readonly Route[], RouteIndex>();
const NO_ROUTES: readonly Route[] = [];

function routeIndex(extraRoutes: readonly Route[]): RouteIndex {
  let index = indexes.get(extraRoutes);
  if (index !== undefined) return index;
  const all = [...ADMIN_ROUTES, ...extraRoutes];
  const byFirst = new Map<string, Route[]>();
  const byLength = new Map<number, Route[]>();
  for (const r of all) {
    const first = r.pattern[0] ?? '';
    if (first.startsWith(':') || r.pattern.length === 0) {
      const list = byLength.get(r.pattern.length) ?? [];
      list.push(r);
      byLength.set(r.pattern.length, list);
    }
  }
  for (const r of all) {
    const first = r.pattern[0] ?? '';
    if (first.startsWith(':') || r.pattern.length === 0) continue;
    const key = `${r.pattern.length}/${first}`;
    if (!byFirst.has(key)) byFirst.set(key, all.filter((x) => x.pattern.length === r.pattern.length && (x.pattern[0] === first || (x.pattern[0] ?? '').startsWith(':'))));
  }
  index = { byFirst, byLength };
  indexes.set(extraRoutes, index);
  return index;
}

/** What a handler is given; the query string is parsed only by the routes that read it. */
class Context implements RouteContext {
  readonly app: App;
  readonly caller: Caller;
  readonly params: Readonly<Record<string, string>>;
  readonly body: Json;
  readonly text: string;
  readonly #rawQuery: string;
  #query: URLSearchParams | undefined;
  constructor(app: App, caller: Caller, params: Readonly<Record<string, string>>, body: Json, text: string, rawQuery: string) {
    this.app = app;
    this.caller = caller;
    this.params = params;
    this.body = body;
    this.text = text;
    this.#rawQuery = rawQuery;
  }
  get query(): URLSearchParams {
    return (this.#query ??= new URLSearchParams(this.#rawQuery));
  }
}

/**
 * Routes of other modules (jobs, workspaces), served by the same router, with the same authentication and error
 * shapes. A handler may ignore the context fields it does not need (`query`).
 */
export type ExtraRoute = Route;

/**
 * The routes of the authorize API (`POST /v1/authorize`, `/v1/authorize:batch`): the audited authorizer records
 * each of their decisions, and a refused question about another principal, itself (src/app/audit.ts).
 */
function decidesAlone(route: Route): boolean {
  return route.method === 'POST' && route.pattern.length === 1 && (route.pattern[0] === 'authorize' || route.pattern[0] === 'authorize:batch');
}

/**
 * What credentials from GetSessionToken (a user's session: no role) keep of this API. AWS lets them call no IAM
 * action without MFA, which Gatehouse does not have, and of STS only AssumeRole and GetCallerIdentity (the Query
 * API refuses the rest: `userSessionRefusal`, server.ts); here the same session would otherwise administer the
 * account in JSON. So a user session keeps what is not administration: who it is (`whoami`), the console (sign-in and
 * sign-out), assuming a role, the
 * authorize API's decisions about itself (`userSessionQuestionRefusal`), and running and watching its training
 * jobs, with reads of the workspaces and clusters they run in. Everything else
 * (users, groups, roles, policies, access keys, accounts, apply, bindings, resource policies, access entries,
 * workspace and cluster configuration, nodes, revocation, signing keys, reports, simulation and analysis, audit)
 * is refused, and so is any route added later until it is named here: the list fails closed.
 */
/** The routes that decide a question (`authorize-api.ts`): they take their question in the JSON body alone, never the query. */
const QUESTION_ROUTES: ReadonlySet<string> = new Set(['authorize', 'authorize:batch', 'simulate', 'who-can', 'escalation-paths']);
const asksQuestion = (route: Route): boolean => route.method === 'POST' && route.pattern.length === 1 && QUESTION_ROUTES.has(route.pattern[0] as string);

const USER_SESSION_ROUTES: ReadonlySet<string> = new Set([
  'GET whoami',
  'POST console/sign-in',
  'POST console/sign-out',
  'POST sts/assume-role',
  'POST authorize',
  'POST authorize:batch',
  'POST jobs',
  'GET jobs',
  'GET jobs/:id',
  'GET jobs/:id/events',
  'POST jobs/:id/stop',
  'GET workspaces',
  'GET workspaces/:name',
  'GET clusters',
  'GET clusters/:name',
]);

/** The changes (`METHOD pattern`) that read a query parameter: the user whose key is deleted (`userName`), as IAM. */
const QUERY_CHANGES: ReadonlySet<string> = new Set(['DELETE access-keys/:id']);

const isUserSession = (caller: Caller): boolean => caller.session?.user !== undefined && caller.session.role === undefined;

/** The refusal of a route a GetSessionToken session may not call (`USER_SESSION_ROUTES`), else undefined. */
function userSessionRefusal(caller: Caller, route: Route, method: string, path: string): GatehouseError[] | undefined {
  // A federated user's session (GetFederationToken) may call no IAM operation on AWS: here it keeps `whoami` alone.
  // Signing in to and out of the console too: it calls whoami alone for such a session, as the session may.
  if (caller.session?.fu !== undefined && !['GET whoami', 'POST console/sign-in', 'POST console/sign-out'].includes(`${route.method} ${route.pattern.join('/')}`)) {
    return fail1('ACCESS_DENIED', `the credentials of a federated user (GetFederationToken) cannot call ${method} ${path}: they may call no administration API, as AWS refuses them every IAM operation; sign with the user's access key, or assume a role`);
  }
  if (!isUserSession(caller)) return undefined;
  if (USER_SESSION_ROUTES.has(`${route.method} ${route.pattern.join('/')}`)) return undefined;
  return fail1(
    'ACCESS_DENIED',
    `credentials from GetSessionToken cannot call ${method} ${path}: without MFA, which this server does not offer, a user's session may not administer the account (as AWS refuses it every IAM action); sign with the user's access key, or assume a role`,
  );
}

/**
 * A GetSessionToken session asks the authorize API about itself only: a question about another principal (`principal`
 * naming another ARN, a `principalProof`) is IAM's SimulatePrincipalPolicy in AWS's terms, which such a session may
 * not call. The question's own shape is checked by its use case; only these two fields are read here.
 */
function userSessionQuestionRefusal(caller: Caller, body: Json, batch: boolean): GatehouseError[] | undefined {
  const requests = batch ? body['requests'] : [body];
  if (!Array.isArray(requests)) return undefined;
  for (const [i, q] of (requests as unknown[]).entries()) {
    if (typeof q !== 'object' || q === null) continue;
    const question = q as Json;
    const other = question['principalProof'] !== undefined ? 'principalProof' : question['principal'] !== undefined && question['principal'] !== caller.principal.arn ? 'principal' : undefined;
    if (other === undefined) continue;
    const at = batch ? `requests[${i}].${other}` : other;
    return [
      {
        code: 'ACCESS_DENIED',
        message: `credentials from GetSessionToken may ask the authorize API about themselves only (\`${caller.principal.arn}\`): \`${at}\` asks about another principal, which needs the user's access key (without MFA, which this server does not offer, no IAM simulation, as AWS); leave out \`principal\` to ask about yourself`,
        path: at,
      },
    ];
  }
  return undefined;
}

/**
 * The first number literal of JSON `text` that a double does not hold exactly: its JSON path, the decimal it is written
 * as, and the double `JSON.parse` reads it as (src/core/iam/json.ts `exactNumbers`); undefined when every number is held.
 */
function inexactNumber(text: string): { readonly path: string; readonly exact: string; readonly read: string } | undefined {
  if (!readJson(text, false).inexactNumbers) return undefined;
  const first = readJson(text, true).exactNumbers.entries().next();
  if (first.done === true) return undefined;
  const [path, exact] = first.value;
  return { path, exact, read: plainNumber(Number(exact)) };
}

/**
 * Whether `text` may hold a number literal a double does not hold: a run of more than 15 digits (with any point among
 * them; 15 significant digits always survive a double) or a digit before an exponent. A cheap pass, so that a question
 * pays for `heldOrNaN` only when it may need it (a reviver slows `JSON.parse` about eightfold).
 */
function mayRound(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x30 && c <= 0x39) || c === 0x2e) {
      if (++run > 15) return true;
    } else {
      if ((c | 0x20) === 0x65 && run > 0) return true;
      run = 0;
    }
  }
  return false;
}

/**
 * A `JSON.parse` reviver for the questions (review mo, 1): a number literal a double does not hold
 * (`0.50000000000000001`, `1e-400`, `12345678901234567890`) is read as NaN, which no JSON text gives, so that the
 * question's context refuses it (src/app/authorize.ts `contextText`) where `JSON.parse` rounded it without a word and
 * the question was decided on another number. Per value, so a batch refuses only the item holding it.
 */
function heldOrNaN(_key: string, value: unknown, context?: { readonly source?: string }): unknown {
  if (typeof value !== 'number' || context?.source === undefined) return value;
  return plainDecimal(context.source) === plainNumber(value) ? value : Number.NaN;
}

/**
 * Where `JSON.parse` stopped in `text`, as the 1-based line and column every error with a place in the source carries
 * (review cm, 7; it was in the message alone); nothing when the parser gives no position.
 */
/**
 * Why `text`, which `JSON.parse` refused with `e`, is not JSON: where (line and column) and what, in the strict
 * reader's words (`unexpected character \`x\` at line 1, column 12`). V8's message had no position for an unexpected
 * token (`{"action": x}`), and quoted the body around it (`Unexpected token 'w', ..."ccessKey":wJalrXUtnF"... is not
 * valid JSON`): ten characters of whatever was there, a secret among them, copied into the answer and the logs that
 * keep it (review je, 6). Where the strict reader finds no error of its own (it stops at 64 levels of nesting), V8's
 * message is said without its quotation.
 */
export function bodySyntaxError(text: string, e: unknown, what: string): GatehouseError {
  const ours = readJson(text, false).errors[0];
  if (ours !== undefined && ours.code === 'POLICY_JSON_SYNTAX' && ours.line !== undefined && !ours.message.startsWith('document nested too deeply')) {
    return { code: 'VALIDATION_ERROR', message: `${what} is not JSON: ${ours.message}`, path: '', line: ours.line, ...(ours.column !== undefined ? { column: ours.column } : {}) };
  }
  const v8 = (e instanceof Error ? e.message : String(e)).replace(/, (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/, '');
  return { code: 'VALIDATION_ERROR', message: `${what} is not JSON: ${v8}`, path: '', ...syntaxPosition(text, e) };
}

function syntaxPosition(text: string, e: unknown): { line: number; column: number } | Record<string, never> {
  const m = e instanceof Error ? / at position (\d+)/.exec(e.message) : null;
  if (m === null) return {};
  const at = Math.min(Number(m[1]), text.length);
  const before = text.lastIndexOf('\n', at - 1);
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < at; i = text.indexOf('\n', i + 1)) line++;
  return { line, column: at - before };
}

/**
 * Why a request's body cannot be read for its content coding (a coding other than `identity`: this server decodes
 * none), as the message of a 415; undefined when it has none. The admin API's and the Query APIs' (review hg, 1).
 */
export function unsupportedCoding(req: IncomingMessage): string | undefined {
  const coding = req.headers['content-encoding'];
  if (coding === undefined) return undefined;
  const other = coding.split(',').map((c) => c.trim().toLowerCase()).find((c) => c !== '' && c !== 'identity');
  return other === undefined ? undefined : `Content-Encoding \`${other.slice(0, 64)}\` is not supported: send the body uncompressed (Content-Encoding identity, or none)`;
}

/** `charset=…` of a Content-Type, quoted or not. */
export const CHARSET_RE = /;\s*charset\s*=\s*"?([^";\s]*)/i;

/**
 * Why a request's body cannot be read as the JSON it must be, before it is read (review cm, 2): a content coding other
 * than `identity` (a gzipped body was refused as "not JSON" with its bytes echoed back, and `br` in front of a plain
 * body was read as if absent), or a charset other than UTF-8 (decoded as UTF-8 all the same). 415, as RFC 9110
 * §15.5.16 answers a content coding or media type the resource does not take. Undefined: readable.
 */
function unreadableBody(req: IncomingMessage): GatehouseError[] | undefined {
  const coding = unsupportedCoding(req);
  if (coding !== undefined) return fail1('UNSUPPORTED_MEDIA_TYPE', coding);
  const charset = CHARSET_RE.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') return fail1('UNSUPPORTED_MEDIA_TYPE', `charset \`${charset.slice(0, 64)}\` is not supported: send JSON in UTF-8 (Content-Type: application/json or application/json; charset=utf-8)`);
  return undefined;
}

/**
 * `/v1/` and the path's segments, decoded, as the routes read them: what a refusal and its audit record name, so that a
 * route has one name whichever characters the client percent-encoded (the CLI encodes every one RFC 3986 does not
 * leave alone: `/v1/authorize%3Abatch` is `/v1/authorize:batch`), each as `shownSegment` writes it.
 */
function routedPath(segments: readonly string[]): string {
  return `/v1/${segments.map(shownSegment).join('/')}`;
}

/** Handles one request under `/v1/`: the routes above, then `extraRoutes`. */
export async function handleAdminRequest(app: App, req: IncomingMessage, res: ServerResponse, requestId: string, extraRoutes: readonly ExtraRoute[] = []): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  let segments = rawPath.slice('/v1/'.length).split('/');
  // A `.` or `..` segment is not in what the signature covers: SigV4 signs a path with its dot segments removed
  // (`/v1/users/.` as `/v1/users`, sigv4 `canonicalUri`), so routing it as sent answered a request its signature does
  // not name (a signed listing sent again as GetUser of `.`: review ld, 1). Such a name is written `%2E`, which is
  // signed as written; `%2E` is read as a name below, never as a dot segment.
  if (segments.some((s) => s === '.' || s === '..')) {
    const shown = rawPath.length > 256 ? `${rawPath.slice(0, 256)}…` : rawPath;
    return sendErrors(res, requestId, fail1('VALIDATION_ERROR', `the request path \`${shown}\` has a \`.\` or \`..\` segment, which its signature does not cover (SigV4 signs the path with dot segments removed): write a name that is \`.\` or \`..\` percent-encoded, \`%2E\` or \`%2E%2E\``));
  }
  if (rawPath.includes('%')) {
    try {
      segments = segments.map((s) => decodeURIComponent(s));
    } catch {
      return sendErrors(res, requestId, fail1('VALIDATION_ERROR', 'the request path is not valid percent-encoding'));
    }
  }
  // The path as refusals and their audit records name it: as routed, whatever the client percent-encoded (review vu, 1).
  const shownPath = routedPath(segments);
  if (segments.at(-1) === '') segments.pop();
  const index = routeIndex(extraRoutes);
  const routes = index.byFirst.get(`${segments.length}/${segments[0] ?? ''}`) ?? index.byLength.get(segments.length) ?? NO_ROUTES;
  let route: Route | undefined;
  let params: Readonly<Record<string, string>> | undefined;
  // The methods of the routes that match the path, for a 405 (built only then).
  let methods: string[] | undefined;
  // HEAD is answered as GET is, without the content (RFC 9110 §9.3.2; Node sends no body for it): review cl, 4.
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  for (const r of routes) {
    const p = match(r, segments);
    if (p === undefined) continue;
    if (r.method === method) {
      route = r;
      params = p;
      break;
    }
    (methods ??= []).push(r.method);
    if (r.method === 'GET') methods.push('HEAD');
  }
  if (route === undefined || params === undefined) {
    // A 405 names the methods the path takes in `Allow` too (RFC 9110 §15.5.6 requires it; review cm, 3). Both answer
    // in the module's error shape, with `gatehouseCode` and `details` as every other error (they lacked them).
    if (methods === undefined) {
      // An IAM or STS Query API call sent here (an endpoint URL given as this API's, `…:8470/v1`): in the Query API's
      // shape, which the AWS clients read, as at any other path (review jo, 3). Looked at only when no route matched.
      const service = signedServiceOf(req);
      if (service === 'iam' || service === 'sts') return answerQueryMisplaced(req, res, requestId, service, rawPath, false);
      // Each segment as routed (review vu, 1), a run that may be a job's capability shown as `…` (review vz, 2).
      return sendErrors(res, requestId, fail1('UNKNOWN_ROUTE', `no route for ${req.method} ${withoutCapabilities(shownPath)}`));
    }
    const allowed = [...new Set(methods)].join(', ');
    res.setHeader('allow', allowed);
    return sendErrors(res, requestId, fail1('METHOD_NOT_ALLOWED', `${req.method} is not allowed on ${shownPath}; use ${allowed}`));
  }

  const unread = unreadableBody(req);
  if (unread !== undefined) return sendErrors(res, requestId, unread);
  let body: Buffer;
  try {
    body = await readBody(req, route.maxBody ?? MAX_ADMIN_BODY);
  } catch (e) {
    if (e instanceof BodyTooLarge) return sendErrors(res, requestId, fail1('REQUEST_TOO_LARGE', `request body exceeds ${route.maxBody ?? MAX_ADMIN_BODY} bytes, the most ${req.method ?? ''} ${shownPath} reads`));
    throw e;
  }
  const authenticated = await authenticate(app, req, body);
  if (!authenticated.ok) {
    // Refused at authentication: recorded (flood-limited) under the claimed key's owner, or `anonymous`.
    const e = authenticated.errors[0];
    const token = req.headers['x-amz-security-token'];
    const claimed = claimedCredential(req.headers.authorization, Array.isArray(token) ? token[0] : token, q === -1 ? '' : url.slice(q + 1));
    const signatureVerified = (authenticated as { readonly signatureVerified?: boolean }).signatureVerified;
    if (e !== undefined) recordAuthFailure(app, { ...claimed, action: `${req.method ?? 'GET'} ${shownPath}`, code: HTTP_ERRORS[e.code].aws, message: e.message, sourceIp: sourceIpOf(req), requestId, ...(signatureVerified !== undefined ? { signatureVerified } : {}) });
    return sendErrors(res, requestId, authenticated.errors);
  }
  // The caller with the facts of this request, whose source IP every audit record of it carries, and which decide
  // every decision about the caller itself (`requestContext`): on the authorize API, whether it may ask about
  // another principal (review K, K3); its questions are decided with their own context only, and its decisions and
  // refusals are recorded by the audited authorizer.
  const decides = decidesAlone(route);
  const caller = withRequest(authenticated.value.caller, requestFactsOf(req, authenticated.value.region));
  const sessionRefusal = userSessionRefusal(caller, route, req.method ?? 'GET', shownPath);
  if (sessionRefusal !== undefined) {
    recordRefusedRequest(app.deps.audit, caller, `${req.method ?? 'GET'} ${shownPath}`, sessionRefusal[0]);
    countRefusedRequest(app.deps.metrics, 'admin', sessionRefusal[0]);
    return sendErrors(res, requestId, sessionRefusal);
  }

  let json: Json = Object.create(null);
  let bodyText = '';
  if (body.length > 0) {
    // JSON is UTF-8 (RFC 8259 §8.1): other bytes are refused, never read as U+FFFD, which decided another question
    // than the one sent (review cm, 2). A leading byte order mark, which a parser may ignore, is.
    if (!isUtf8(body)) return sendErrors(res, requestId, fail1('VALIDATION_ERROR', 'the request body is not valid UTF-8: send JSON encoded in UTF-8'));
    const bom = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
    const text = body.toString('utf8', bom);
    let parsed: unknown;
    try {
      // A question's context number that a double does not hold is refused by the question (review mo, 1).
      parsed = asksQuestion(route) && mayRound(text) ? JSON.parse(text, heldOrNaN as (this: unknown, key: string, value: unknown) => unknown) : JSON.parse(text);
    } catch (e) {
      return sendErrors(res, requestId, [bodySyntaxError(text, e, 'the request body')]);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return sendErrors(res, requestId, fail1('VALIDATION_ERROR', 'the request body must be a JSON object'));
    // Refused before any route reads it: deeper, `JSON.stringify` (a policy document's text) overflowed the stack and a
    // client's mistake was answered 500 (review fd, 1); longer, a route refusing each element of a list built an error
    // for each, gigabytes, and answered 500 or hundreds of megabytes (review fd, 5).
    const past = shapePast(text, MAX_BODY_DEPTH, MAX_BODY_ITEMS);
    // A key given twice in one object was read as its last (review cm, 6; review ho, 1): on every route, not only the
    // questions, as a policy document given as an object (`{"Effect":"Deny","Effect":"Allow"}`) was stored as the Allow
    // that the same document as text is refused for (POLICY_DUPLICATE_KEY), and `permissionsBoundary` given then taken
    // back by `null` made an unbounded user. Refused, as readers disagree on which of two counts.
    const repeated = past === undefined ? repeatedKey(text) : undefined;
    if (past !== undefined || repeated !== undefined) {
      const where = past?.path ?? (repeated as string);
      // Within an apply's document: said as that document's error (`document`, the path in it), which the CLI places
      // at its file and line.
      const inDocument = route.pattern[0] === 'apply' ? /^documents\[(\d+)\](?:\.(.*))?$/s.exec(where) : null;
      const at = shortName(inDocument !== null ? (inDocument[2] ?? '') : where, 4096);
      const message = past === undefined
        ? `\`${at}\` is given twice in one object: send each key once (JSON readers disagree on which of two counts)`
        : past.bound === 'depth'
          ? `${at === '' ? 'the document' : `\`${at}\``} is nested past ${MAX_BODY_DEPTH} levels of objects and arrays (the body is level 1): send it less deeply nested`
          : `${at === '' ? (inDocument !== null ? 'the document' : 'the body') : `\`${at}\``} holds more than ${MAX_BODY_ITEMS} elements: no list or map of a request is that long; send fewer`;
      return sendErrors(res, requestId, [{ code: 'VALIDATION_ERROR', message, path: at, ...(inDocument !== null ? { document: Number(inDocument[1]) } : {}) }]);
    }
    // A number a double does not hold (`9007199254740993`, `0.1000000000000000001`) was rounded by `JSON.parse` without
    // a word, and a policy document sent as an object stored and decided on a number nobody sent (review lq, 3; the IAM API keeps every digit, review lq, 2):
    // refused, as a key given twice is, on every route but the questions, whose context numbers keep their own rule
    // (review cm, 4: src/app/authorize.ts). RFC 8259 §6: numbers past a double's precision are not interoperable.
    const inexact = asksQuestion(route) ? undefined : inexactNumber(text);
    if (inexact !== undefined) {
      const inDocument = route.pattern[0] === 'apply' ? /^documents\[(\d+)\](?:\.(.*))?$/s.exec(inexact.path) : null;
      const at = shortName(inDocument !== null ? (inDocument[2] ?? '') : inexact.path, 4096);
      const message = `\`${at}\` is the number ${shortName(inexact.exact, 80)}, which a JSON number here reads as ${shortName(inexact.read, 80)}: send it as a string (\`"${shortName(inexact.exact, 80)}"\`) to keep every digit`;
      return sendErrors(res, requestId, [{ code: 'VALIDATION_ERROR', message, path: at, ...(inDocument !== null ? { document: Number(inDocument[1]) } : {}) }]);
    }
    json = parsed as Json;
    bodyText = text;
  }
  // A question is taken from the JSON body alone (review cm, 1): dropped, `POST /v1/authorize?principal=ARN` was
  // decided for the signing caller, as an unknown body field was before `questionOf` refused it.
  if (asksQuestion(route) && q !== -1 && q + 1 < url.length) {
    const k = new URLSearchParams(url.slice(q + 1)).keys().next().value ?? '';
    return sendErrors(res, requestId, [{ code: 'VALIDATION_ERROR', message: `query parameter \`${shortName(k)}\` refused: \`POST /v1/${route.pattern[0] as string}\` takes its question in the JSON body alone, never in the query`, path: k }]);
  }
  // A change takes its fields in the JSON body (review ho, 9): a query parameter of a route that reads none was dropped,
  // so `POST /v1/apply?dryRun=true` applied for real and `DELETE /v1/roles/R?dryRun=true` deleted the role.
  if (method !== 'GET' && !asksQuestion(route) && !QUERY_CHANGES.has(`${route.method} ${route.pattern.join('/')}`) && q !== -1) {
    const first = new URLSearchParams(url.slice(q + 1)).keys().next();
    if (first.done !== true) {
      const k = first.value;
      return sendErrors(res, requestId, [{ code: 'VALIDATION_ERROR', message: `query parameter \`${shortName(k)}\` refused: \`${route.method} ${shortName(shownPath, 200)}\` takes no query parameters; give its fields in the JSON body`, path: k }]);
    }
  }
  const questionRefusal = decides && isUserSession(caller) ? userSessionQuestionRefusal(caller, json, route.pattern[0] === 'authorize:batch') : undefined;
  if (questionRefusal !== undefined) {
    recordRefusedRequest(app.deps.audit, caller, `${req.method ?? 'GET'} ${shownPath}`, questionRefusal[0]);
    countRefusedRequest(app.deps.metrics, 'admin', questionRefusal[0]);
    return sendErrors(res, requestId, questionRefusal);
  }
  // A DELETE takes no body fields (review ho, 5): read by none, `{"dryRun": true}` was dropped and the user, role, policy,
  // key or workspace deleted for real, as review K, 5 found of `DELETE /v1/resource-policies/R`, the one that refused it.
  const bodiless = route.method === 'DELETE' ? onlyFields(json, []) : undefined;
  const result = bodiless !== undefined && !bodiless.ok ? bodiless : await route.handler(new Context(app, caller, params, json, bodyText, q === -1 ? '' : url.slice(q + 1)));
  if (!result.ok) {
    // A refusal that its use case did not record (a read: GET /v1/audit, /v1/users…) is recorded here, once.
    // Counted too (review vf, 2), but for the questions, decisions counted as such.
    if (!decides) {
      recordRefusedRequest(app.deps.audit, caller, `${req.method ?? 'GET'} ${shownPath}`, result.errors[0]);
      countRefusedRequest(app.deps.metrics, 'admin', result.errors[0]);
    }
    return sendErrors(res, requestId, result.errors);
  }
  sendJson(res, result.value.status ?? 200, result.value.body ?? {}, requestId);
}
