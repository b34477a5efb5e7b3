/**
 * Routes of the authorize API and of resource policies (under `/v1/`, SigV4 service `gatehouse`):
 *   POST   /v1/authorize        {principal? | principalProof? (with audience?), action, resource, context?}
 *                                → {decision, reasons, matched, diagnostics, evaluationMicros, principal (for a proof)}
 *   POST   /v1/authorize:batch  {requests: [...]} (≤ 1,000) → {results: [...]} in order
 *   POST   /v1/simulate         the same question, answered by the same code path, recorded nowhere; a role ARN is a
 *                                session issued now, and the context may give session facts (src/app/authorize.ts `simulated`)
 *   POST   /v1/who-can          {action, resource, context?} → every user and role of the caller's account allowed it, and each session of it a resource policy names by ARN (or a cluster binding by username)
 *                                (each with `conditional`, `conditions`; `through`: who can come to act as it; a role with
 *                                `trustedBeyond`: who beyond the account its trust policy lets in), and
 *                                `conditionallyExcluded`: those only conditions left out, and `throughDefaultRoleJobs`: users
 *                                who reach it through a job of the workspace default role (a workspace's default bucket);
 *                                `grantedBeyond`, bindings granting it beyond the account, and `conditionallyExcludedBeyond`,
 *                                those whose condition did not hold; `grantedByResourcePolicy` and
 *                                `conditionallyExcludedByResourcePolicy`, resource policies' alike
 *   POST   /v1/escalation-paths {principal?, context?} → what a user or role (or each of the account's) can come to
 *                                act as, and the ways to more rights (src/app/escalation.ts)
 *   GET    /v1/resource-policies?limit=&after= → {resourcePolicies: [...], next?}: a page of the account's policies,
 *          `limit` (1–1,000, default 100) after the one of resource `after`, in the order of their ARNs; `next`, the
 *          last one's resource, while more follow (as GET /v1/iam-policies)
 *   GET|PUT|DELETE /v1/resource-policies/{resource ARN, encoded}
 *
 * `principalProof` (authorize, each item of a batch, simulate) is the whole URL of a presigned STS
 * `GetCallerIdentity` on this server, which the caller made with its own credentials and gave the resource server:
 * `http(s)://host[:port]/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=…&X-Amz-Signature=…`. The
 * whole URL, not its query: the signature covers the host the caller signed for, which the query does not carry.
 * It is verified here as the Query API verifies that request (`proveCaller`), then the question is decided for the
 * caller it authenticates, with its session, as if that caller had signed it.
 *
 * A proof may be bound to one resource server (review dt, 2): it signs `x-gatehouse-audience: <audience>` besides
 * `host`, and the question carries that `audience`, with which the signature is verified (the URL carries no header
 * value), as aws-iam-authenticator binds a token to a cluster (`x-k8s-aws-id`) and Vault's AWS auth a login to a
 * server (`X-Vault-AWS-IAM-Server-ID`). A question with `audience` takes bound proofs only; a bound proof needs its
 * `audience`; an unbound proof without `audience` is decided as before, unless the operator set
 * GATEHOUSE_AUTHORIZE_PROOF_AUDIENCES (review dy, 1: `app.proofAudiences`), which requires every proof bound to an
 * audience the question names, one of those listed when it lists them.
 */
import { ANSWERED_FROM_MEMORY, sayingWhyOnOutage } from '../../app/ports/store.ts';
import { failWith, ok, type ErrorCode, type Result } from '../../core/errors.ts';
import type { App, Caller } from '../../app/index.ts';
import { authorizeAdmin, keyUsedBy } from '../../app/principals.ts';
import { attachmentProblem, bucketOf, managesResourcePolicy, ownerWordsTo, ResourcePolicies, resourcePolicyKey, UNREADABLE_BUCKET_OWNER, type StoredResourcePolicy } from '../../app/resource-policies.ts';
import { isAudience, keyHolderRefusal, MAX_BATCH, MAX_PROOF_LENGTH, questionOf, type ProvenCallers } from '../../app/authorize.ts';
import { proofAudienceRefusal } from '../../app/proof-audiences.ts';
import { documentValue } from '../../app/document-diff.ts';
import { parseSigV4, type SigV4ErrorCode } from '../sigv4/index.ts';
import { KEY_REFUSALS, signedByKeyHolder } from './key-holder.ts';
import { documentErrorsInBody, onlyFields } from './admin-api.ts';
import { QUERY_PRESIGNED_MAX_SECONDS } from './server.ts';
import { keyPath, shortName, shownKey } from '../../core/directory/rules.ts';

interface Ctx {
  readonly app: App;
  readonly caller: Caller;
  readonly params: Readonly<Record<string, string>>;
  readonly body: Record<string, unknown>;
  readonly text: string;
  readonly query: URLSearchParams;
}


/** The fields of a who-can question (`POST /v1/who-can`). */
const WHO_CAN_FIELDS: readonly string[] = ['action', 'resource', 'context'];
/** The largest and the default page of `GET /v1/resource-policies`, as `GET /v1/iam-policies`'s. */
export const RESOURCE_POLICIES_PAGE_MAX = 1000;
const RESOURCE_POLICIES_PAGE_DEFAULT = 100;

/**
 * A page of `GET /v1/resource-policies` (review bx, 4): every policy in one answer, each up to 20,480 characters, was
 * some 200 MB for an account with a policy on each of 10,000 buckets. An unknown or repeated parameter, or a `limit`
 * that is not 1 to 1,000 written in digits, is refused naming it, so a misspelt one does not list everything.
 */
function pageOf(query: URLSearchParams): Result<{ limit: number; after: string | undefined }> {
  for (const k of query.keys()) if (k !== 'limit' && k !== 'after') return failWith('VALIDATION_ERROR', `unknown parameter \`${shortName(k)}\`; \`GET /v1/resource-policies\` takes limit and after (a page of them)`, k);
  for (const k of ['limit', 'after']) if (query.getAll(k).length > 1) return failWith('VALIDATION_ERROR', `\`${k}\` is given more than once`, k);
  const limit = query.get('limit');
  const n = limit === null ? RESOURCE_POLICIES_PAGE_DEFAULT : /^[0-9]{1,7}$/.test(limit) ? Number(limit) : 0;
  if (n < 1 || n > RESOURCE_POLICIES_PAGE_MAX) return failWith('VALIDATION_ERROR', `\`limit\` must be a whole number from 1 to ${RESOURCE_POLICIES_PAGE_MAX}, got \`${shortName(limit ?? '')}\``, 'limit');
  // An empty `after` is the start, as in the other listings.
  const after = query.get('after');
  return ok({ limit: n, after: after === null || after === '' ? undefined : after });
}

interface Route {
  readonly method: string;
  readonly pattern: readonly string[];
  readonly handler: (ctx: Ctx) => Promise<Result<{ status?: number; body: unknown }>>;
}

/** Who may attach a policy to a resource: the owning account's principals allowed `gatehouse:PutResourcePolicy` on it. */
function mayManage(app: App, caller: Caller, action: string, resource: string): Result<unknown> {
  const owner = app.resourcePolicies.ownerOf(resource);
  if (owner === UNREADABLE_BUCKET_OWNER) return failWith('ACCESS_DENIED', `the owner record of bucket \`${bucketOf(resource) ?? resource}\` cannot be read, so no account may manage the policy of ${resource}: restart the S3 gateway that holds the bucket (it writes the record again), or replace the record`);
  if (owner !== undefined && owner !== caller.account) return failWith('ACCESS_DENIED', `resource ${resource} belongs to ${ownerWordsTo(owner, caller.account)}; only that account may manage its policy`);
  return authorizeAdmin(caller, app.deps.now(), `gatehouse:${action}`, resource);
}

/**
 * The `document` of `PUT /v1/resource-policies/{resource}`: a policy as a JSON object, or its text. Anything else is
 * refused naming the field, never stored as its JSON (`null`, a number).
 */
function documentOf(body: Readonly<Record<string, unknown>>): Result<string> {
  const v = Object.hasOwn(body, 'document') ? body['document'] : undefined;
  if (typeof v === 'string') return ok(v);
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return ok(JSON.stringify(v));
  return failWith(v === undefined ? 'MISSING_PARAMETER' : 'VALIDATION_ERROR', `\`document\` is required: the resource policy (a JSON object or its text)${v === undefined ? '' : `, got ${Array.isArray(v) ? 'a list' : v === null ? 'null' : `a ${typeof v}`}`}`, 'document');
}

/** The query parameters a GetCallerIdentity proof may carry (those of aws-iam-authenticator's tokens), each once. */
const PROOF_PARAMS: ReadonlySet<string> = new Set(['Action', 'Version', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Signature', 'X-Amz-Security-Token']);
/** `http(s)://host[:port]/?query`: the path is `/`, as STS serves the Query API. */
const PROOF_URL_RE = /^(https?):\/\/([^/?#\s@]+)\/\?([^#\s]+)$/;
/** SigV4 refusals as the Query API maps them (src/adapters/http/server.ts). */
const PROOF_CODES: Readonly<Record<SigV4ErrorCode, ErrorCode>> = {
  MissingAuthenticationToken: 'MISSING_AUTHENTICATION_TOKEN',
  IncompleteSignature: 'INCOMPLETE_SIGNATURE',
  SignatureDoesNotMatch: 'SIGNATURE_DOES_NOT_MATCH',
  AccessDenied: 'ACCESS_DENIED',
};

/**
 * A proof is good for `X-Amz-Expires` after `X-Amz-Date`, and never past the Query API's 15 minutes (review cw, 2): the
 * Query API serves that GetCallerIdentity no longer, nor does STS for aws-iam-authenticator and Vault's AWS auth. A
 * proof is a bearer credential that a resource server may log; at `X-Amz-Expires=604800` it proved its caller for a week.
 */
const PROOF_SIGV4 = Object.freeze({ presignedMaxLifetimeSeconds: QUERY_PRESIGNED_MAX_SECONDS, expectedService: 'sts' });

/** The header a proof bound to a resource server signs, with the question's `audience` as its value. */
export const PROOF_AUDIENCE_HEADER = 'x-gatehouse-audience';
/** What a proof may sign: `host`, and `host` with the audience (SigV4 lists signed headers sorted). */
const UNBOUND = 'host';
const BOUND = `host;${PROOF_AUDIENCE_HEADER}`;

const badProof = (why: string): Result<never> => failWith('VALIDATION_ERROR', `\`principalProof\` is not a presigned STS GetCallerIdentity URL: ${why}`, 'principalProof');
const refusedProof = (code: ErrorCode, message: string): Result<never> => failWith(code, `\`principalProof\` refused, as STS would refuse that GetCallerIdentity: ${message}`, 'principalProof');

/**
 * The caller a `principalProof` authenticates, verified exactly as the Query API serves that presigned
 * GetCallerIdentity (src/adapters/http/server.ts `authenticate`, the same steps as the `k8s-aws-v1.` token review
 * in k8s-api.ts): the SigV4 presigned signature (scope `sts`) with the secret of its key, `X-Amz-Expires` from
 * `X-Amz-Date` (15 minutes at most), and the session token opened, unexpired and unrevoked (`app.authenticate`).
 * Nothing in a message quotes the proof or its token.
 *
 * A presigned request is signed for one method, which the URL does not say: the proof is taken as STS would take
 * it sent either way (GET, as aws-iam-authenticator sends it, or POST), since its holder chooses. Only `host` and
 * `x-gatehouse-audience` may be signed: the URL carries no header's value; `host` is its host, and the audience the
 * question's `audience` (undefined: none was sent).
 */
async function proveCaller(app: App, proof: string, audience: string | undefined, use: boolean): Promise<Result<Caller>> {
  if (proof.length > MAX_PROOF_LENGTH) return badProof(`it is longer than ${MAX_PROOF_LENGTH} characters`);
  const m = PROOF_URL_RE.exec(proof);
  if (!m) return badProof('send the whole URL the caller presigned, http(s)://<host>/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-…');
  const host = m[2] as string;
  const query = m[3] as string;
  const seen = new Map<string, string>();
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(eq < 0 ? pair : pair.slice(0, eq));
      value = decodeURIComponent((eq < 0 ? '' : pair.slice(eq + 1)).replace(/\+/g, ' '));
    } catch {
      return badProof('its query is not valid percent-encoding');
    }
    if (!PROOF_PARAMS.has(key)) return badProof(`query parameter \`${key.slice(0, 64)}\` is not one of a GetCallerIdentity proof (${[...PROOF_PARAMS].join(', ')})`);
    if (seen.has(key)) return badProof(`query parameter \`${key}\` appears twice`);
    seen.set(key, value);
  }
  const action = seen.get('Action');
  if (action !== 'GetCallerIdentity') return badProof(`it asks for \`${(action ?? '').slice(0, 64)}\`, not GetCallerIdentity (only a GetCallerIdentity proves who its signer is)`);
  // The Query API tells STS from IAM by `Version` (an absent one: by the action's name, which is STS's here).
  const version = seen.get('Version');
  if (version !== undefined && version !== '2011-06-15') return badProof(`\`Version\` must be 2011-06-15 (STS), got \`${version.slice(0, 32)}\``);
  const signed = seen.get('X-Amz-SignedHeaders');
  if (signed !== undefined && signed !== UNBOUND && signed !== BOUND) {
    return badProof(`it signs the headers \`${signed.slice(0, 128)}\`: a proof may sign only \`host\` and \`${PROOF_AUDIENCE_HEADER}\` (its value is the question's \`audience\`), since a URL carries no other header's value`);
  }
  // The operator may require every proof bound, to one of the audiences listed (review dy, 1): checked here, before the
  // signature, as aws-iam-authenticator and Vault check theirs before asking STS.
  const required = proofAudienceRefusal(app.proofAudiences, audience, signed === BOUND);
  if (required !== undefined) return required;
  // A proof bound to a resource server is verified for the audience the question gives: a resource server that sends
  // its own name refuses proofs made for another; one that sends none cannot verify a bound proof.
  if (audience !== undefined && signed !== BOUND) {
    return failWith('VALIDATION_ERROR', `\`principalProof\` is not bound to an audience, and this question names \`audience\` \`${audience}\`: the caller must sign the header \`${PROOF_AUDIENCE_HEADER}: ${audience}\` into its presigned GetCallerIdentity (X-Amz-SignedHeaders ${BOUND}), so that its proof is good for this resource server alone`, 'principalProof');
  }
  if (audience === undefined && signed === BOUND) {
    return failWith('VALIDATION_ERROR', `\`audience\` is required: the \`principalProof\` is bound to an audience (it signs \`${PROOF_AUDIENCE_HEADER}\`), whose value its URL does not carry; send the \`audience\` its caller bound it to, this resource server's own`, 'audience');
  }
  const headers: Record<string, string> = audience === undefined ? { host } : { host, [PROOF_AUDIENCE_HEADER]: audience };
  const request = (method: string) => ({ method, path: `/?${query}`, headers, body: '' });
  const now = app.deps.now();
  const parsed = parseSigV4(request('GET'), now, PROOF_SIGV4);
  if (!parsed.ok) {
    const refused = refusedProof(PROOF_CODES[parsed.code], parsed.message);
    // Refused for its time alone (expired, or dated ahead): its holder's if the key it names signed it (review tu, 1).
    return parsed.signedAt !== undefined && signedByKeyHolder(app, [request('GET'), request('POST')], parsed.signedAt, PROOF_SIGV4) === true ? keyHolderRefusal(refused) : refused;
  }
  const who = await app.authenticate(parsed.accessKeyId, parsed.sessionToken);
  if (!who.ok) {
    const e = who.errors[0];
    const refused = refusedProof(e?.code ?? 'INVALID_CLIENT_TOKEN_ID', e?.message ?? 'The security token included in the request is invalid.');
    // Refused for its key (inactive, its session expired or revoked): its holder's if that key signed it (review tu, 1).
    return e !== undefined && KEY_REFUSALS.has(e.code) && signedByKeyHolder(app, [request('GET'), request('POST')], parsed.signedAt, PROOF_SIGV4) === true ? keyHolderRefusal(refused) : refused;
  }
  let v = parsed.verify(who.value.secret);
  if (!v.ok && v.code === 'SignatureDoesNotMatch') {
    const post = parseSigV4(request('POST'), now, PROOF_SIGV4);
    if (post.ok) v = post.verify(who.value.secret);
  }
  // The audience the proof was bound to is not known here (it is in no part of the URL), only that it is not this one.
  if (!v.ok) return refusedProof(PROOF_CODES[v.code], `${v.message} (was it ${audience !== undefined ? `bound to another audience than \`${audience}\`, a proof its caller made for another resource server; or ` : ''}signed for another host than \`${host}\`${audience !== undefined ? ';' : ','} or changed since?)`);
  if (use) {
    app.keyUse.note(keyUsedBy(who.value.caller, parsed.accessKeyId), parsed.service, parsed.region);
    app.signatureVerified(who.value.caller);
    app.deps.metrics?.proofAccepted?.(signed === BOUND);
  }
  return ok(who.value.caller);
}

/**
 * Every distinct `principalProof` of `questions` verified (each once: a resource server asks many questions for one
 * caller). `use`: the proof is let in, and its key noted as used (`GetAccessKeyLastUsed`); a simulation, which has no
 * side effects, notes none (review bb, 4: a what-if about a proof kept a key no one used looking alive).
 */
/** Whether a batch item carries a `principalProof`: only those are read twice (their proof verified before the batch). */
const withProof = (q: unknown): boolean => typeof q === 'object' && q !== null && (q as Record<string, unknown>)['principalProof'] !== undefined;

async function proofsOf(app: App, questions: readonly unknown[], use = true): Promise<ProvenCallers | undefined> {
  let out: Map<string, Map<string, Result<Caller>>> | undefined;
  for (const q of questions) {
    if (typeof q !== 'object' || q === null) continue;
    const proof = (q as Record<string, unknown>)['principalProof'];
    const audience = (q as Record<string, unknown>)['audience'];
    // A proof beside a `principal`, or with an `audience` that is not one, is refused unread (questionOf), so it is
    // not verified either. One proof is verified once for each audience it comes with.
    if (typeof proof !== 'string' || proof === '' || (q as Record<string, unknown>)['principal'] !== undefined || (audience !== undefined && !isAudience(audience))) continue;
    out ??= new Map();
    let byAudience = out.get(proof);
    if (byAudience === undefined) out.set(proof, (byAudience = new Map()));
    if (byAudience.has(audience ?? '')) continue;
    byAudience.set(audience ?? '', await proveCaller(app, proof, audience, use));
  }
  return out;
}

export function authorizeRoutes(): Route[] {
  const decide: Route['handler'] = async ({ app, caller, body }) => {
    const q = questionOf(body);
    if (!q.ok) return q;
    const proofs = q.value.principalProof !== undefined ? await proofsOf(app, [q.value]) : undefined;
    const r = await app.authorizer.authorize(caller, q.value, proofs);
    return r.ok ? ok({ body: r.value }) : r;
  };
  return [
    { method: 'POST', pattern: ['authorize'], handler: decide },
    {
      method: 'POST',
      pattern: ['simulate'],
      handler: async ({ app, caller, body }) => {
        const q = questionOf(body);
        if (!q.ok) return q;
        const proofs = q.value.principalProof !== undefined ? await proofsOf(app, [q.value], false) : undefined;
        const r = await app.authorizer.simulate(caller, q.value, proofs);
        return r.ok ? ok({ body: r.value }) : r;
      },
    },
    {
      method: 'POST',
      pattern: ['who-can'],
      handler: async ({ app, caller, body }) => {
        // who-can's own fields (review jb, 15): an unknown one was refused in the words of the authorize API's question,
        // "a question has `principal` or `principalProof`…", naming fields who-can refuses.
        // `principal` and `principalProof` are refused whatever their value, before the question is read (review vm, 2):
        // read first, `"principal": null` was refused as simulate refuses it, "must be the ARN of a principal, or left
        // out to ask about the signing caller".
        if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
          for (const k of Object.keys(body)) {
            if (k === 'principal' || k === 'principalProof') return failWith('VALIDATION_ERROR', `\`${k}\` is not a field of who-can: every user and role of your account is asked about`, k);
            if (WHO_CAN_FIELDS.includes(k)) continue;
            return failWith('VALIDATION_ERROR', `unknown field \`${shownKey(k)}\`: who-can takes \`action\`, \`resource\` and \`context\` (optional); every user and role of your account is asked about`, keyPath(k));
          }
        }
        const q = questionOf(body);
        if (!q.ok) return q;
        const input = q.value;
        const r = await app.whoCan(caller, input);
        return r.ok ? ok({ body: r.value }) : r;
      },
    },
    {
      method: 'POST',
      pattern: ['escalation-paths'],
      handler: async ({ app, caller, body }) => {
        for (const k of Object.keys(body)) {
          if (k !== 'principal' && k !== 'context') return failWith('VALIDATION_ERROR', `unknown field \`${shownKey(k)}\`: escalation-paths takes \`principal\` and \`context\``, keyPath(k));
        }
        const principal = body['principal'];
        if (principal !== undefined && (typeof principal !== 'string' || principal === '')) return failWith('VALIDATION_ERROR', '`principal` must be the ARN of a user or role of your account', 'principal');
        const context = body['context'];
        if (context !== undefined && (typeof context !== 'object' || context === null || Array.isArray(context))) return failWith('VALIDATION_ERROR', '`context` must be an object: {KEY: VALUE or [VALUES]}', 'context');
        // Its search reads the account whole (the stored policy documents, workspaces, clusters): during an outage its 503
        // says so, and what answers meanwhile (review qf, 4).
        const r = await sayingWhyOnOutage(`escalation-paths reads the account’s users, roles, groups and policies from it, with its workspaces and clusters; ${ANSWERED_FROM_MEMORY}`, () =>
          app.escalation(caller, { ...(principal !== undefined ? { principal } : {}), ...(context !== undefined ? { context: context as Record<string, unknown> } : {}) }),
        );
        return r.ok ? ok({ body: r.value }) : r;
      },
    },
    {
      method: 'POST',
      pattern: ['authorize:batch'],
      handler: async ({ app, caller, body }) => {
        // The envelope too: a top-level `principal` would be dropped and every item decided for the signing caller.
        for (const k of Object.keys(body)) {
          if (k !== 'requests') return failWith('VALIDATION_ERROR', `unknown field \`${shownKey(k)}\`: a batch is {"requests": [...]}, each request naming its own \`principal\``, keyPath(k));
        }
        const requests = body['requests'];
        // Proofs are verified before the batch is decided (the length is checked again, with its message, there), each
        // only in an item that is read (review ok, 1): as the single question's, a proof in an item refused unread (an
        // unknown field, a `context` that is no object) is not a use of its key nor of a console sign-in.
        const proofs = Array.isArray(requests) && requests.length <= MAX_BATCH ? await proofsOf(app, requests.filter((q) => withProof(q) && questionOf(q).ok)) : undefined;
        const r = await app.authorizer.authorizeBatch(caller, requests, proofs);
        return r.ok ? ok({ body: { results: r.value } }) : r;
      },
    },
    {
      method: 'GET',
      pattern: ['resource-policies'],
      handler: async ({ app, caller, query }) => {
        const page = pageOf(query);
        if (!page.ok) return page;
        // Reading policies is a permission too (as s3:GetBucketPolicy is): on the account's policies as a whole.
        const a = authorizeAdmin(caller, app.deps.now(), 'gatehouse:ListResourcePolicies', caller.partition === 'acs' ? `acs:gatehouse:*:${caller.account}:resource-policy/*` : `arn:aws:gatehouse::${caller.account}:resource-policy/*`);
        if (!a.ok) return a;
        const { limit, after } = page.value;
        const all = app.resourcePolicies.list(caller.account).sort((x, y) => (x.resource < y.resource ? -1 : x.resource > y.resource ? 1 : 0));
        let from = 0;
        if (after !== undefined) while (from < all.length && (all[from] as StoredResourcePolicy).resource <= after) from++;
        const items = all.slice(from, from + limit);
        const next = from + limit < all.length ? items[items.length - 1]?.resource : undefined;
        return ok({ body: { resourcePolicies: items.map((p) => ({ ...p, document: documentValue(p.document) })), ...(next !== undefined ? { next } : {}) } });
      },
    },
    {
      method: 'GET',
      pattern: ['resource-policies', ':resource'],
      handler: async ({ app, caller, params }) => {
        const resource = params['resource'] ?? '';
        const a = authorizeAdmin(caller, app.deps.now(), 'gatehouse:GetResourcePolicy', resource);
        if (!a.ok) return a;
        const p = app.resourcePolicies.get(resource);
        if (!p || !managesResourcePolicy(p, caller.account, app.resourcePolicies.ownerOf(resource))) return failWith('NO_SUCH_ENTITY', `no resource policy on ${resource}`);
        return ok({ body: { ...p, document: documentValue(p.document) } });
      },
    },
    {
      method: 'PUT',
      pattern: ['resource-policies', ':resource'],
      handler: async ({ app, caller, params, body, text: bodyText }) => {
        // An unknown field is refused, not dropped (review K, K5): `"dryRun": true` stored the policy for real.
        const fields = onlyFields(body, ['document']);
        if (!fields.ok) return fields;
        const text = documentOf(body);
        if (!text.ok) return text;
        const resource = params['resource'] ?? '';
        // An ARN no request can reach is refused as such (review ax, 3), before whose it is: `…:12345:model/x` was
        // answered 403 "belongs to account 12345".
        const problem = attachmentProblem(resource);
        if (problem !== undefined) return failWith('VALIDATION_ERROR', problem, 'resource');
        const a = mayManage(app, caller, 'PutResourcePolicy', resource);
        if (!a.ok) return a;
        const r = await app.deps.store.write<Result<StoredResourcePolicy>>(async (tx, abort) => {
          const put = await ResourcePolicies.put(app.deps, tx, { resource, account: caller.account, document: text.value });
          if (!put.ok) abort(put);
          return put;
        });
        if (!r.ok) return documentErrorsInBody(r, body, 'document', bodyText);
        await app.refresh();
        return ok({ body: { ...r.value, document: JSON.parse(r.value.document) as unknown } });
      },
    },
    {
      method: 'DELETE',
      pattern: ['resource-policies', ':resource'],
      handler: async ({ app, caller, params, body }) => {
        // It takes no body: a field (`"dryRun": true`, an `etag`) would otherwise be dropped and the policy deleted.
        const fields = onlyFields(body, []);
        if (!fields.ok) return fields;
        const resource = params['resource'] ?? '';
        const a = mayManage(app, caller, 'DeleteResourcePolicy', resource);
        if (!a.ok) return a;
        const existing = app.resourcePolicies.get(resource);
        if (!existing || !managesResourcePolicy(existing, caller.account, app.resourcePolicies.ownerOf(resource))) return failWith('NO_SUCH_ENTITY', `no resource policy on ${resource}`);
        await app.deps.store.write((tx) => tx.kv.delete(resourcePolicyKey(resource)));
        await app.refresh();
        return ok({ status: 204, body: null });
      },
    },
  ];
}
