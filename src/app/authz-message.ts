/**
 * Encoded authorization failure messages, as AWS appends them to some `AccessDenied` answers
 * (`Encoded authorization failure message: <blob>`) and `sts:DecodeAuthorizationMessage` reads back.
 *
 * The blob is the decision's explanation (the engine's `renderDecision`, the matched statements, the
 * conditions that did not hold) and the request, as JSON in the shape AWS decodes to (`allowed`,
 * `explicitDeny`, `matchedStatements.items`, `context.principal/action/resource/conditions.items`) with
 * Gatehouse's own fields beside it. It is sealed (AES-256-GCM) under the master key, which every instance
 * holds and which does not rotate under live messages as the session key ring does; the additional data
 * binds it to its purpose, so a sealed access-key secret cannot be passed off as a message or the reverse.
 * Only principals of the account the message was made for may decode it, and only with
 * `sts:DecodeAuthorizationMessage`: the caller who was refused learns nothing from the blob itself.
 */
import { failWith, ok, type Result } from '../core/errors.ts';
import { renderDecision, type Decision, type Principal } from '../core/iam/index.ts';
import type { AppDeps } from './deps.ts';
import { authorizeAdmin, type Caller } from './principals.ts';
import type { SealedSecret } from './ports/store.ts';
import { characters } from '../core/sts/session.ts';

const AAD = 'gatehouse-authorization-message-v1';
/** `DecodeAuthorizationMessage` takes at most 10,240 characters (the AWS API limit). */
export const MAX_ENCODED_CHARS = 10_240;
const PREFIX = 'Encoded authorization failure message: ';

/** The request that was refused. */
export interface DeniedRequest {
  readonly principal: Principal;
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  /** The account whose principals may decode the message: by default the principal's, else the resource's. */
  readonly account?: string;
  /**
   * Leave out statements of trust and resource policies: they belong to another account (a cross-account
   * AssumeRole), whose policy details are not the refused caller's to read.
   */
  readonly hideResourceSide?: boolean;
}

interface Envelope {
  readonly v: 1;
  readonly account: string;
  readonly at: number;
  readonly message: Readonly<Record<string, unknown>>;
}

function accountOfResource(arn: string): string {
  const parts = arn.split(':');
  return /^\d+$/.test(parts[4] ?? '') ? (parts[4] as string) : '';
}

/** The JSON a decoder reads (AWS field names first, then Gatehouse's explanation). */
export function explainDenial(decision: Decision, request: DeniedRequest, at: number): Record<string, unknown> {
  const hidden = (type: string) => request.hideResourceSide === true && (type === 'trust' || type === 'resource');
  const matched = decision.matched.filter((m) => !hidden(m.type));
  // As AWS decodes an explicit deny (EvaluationResult.MatchedStatements: "the deny statement is the only entry included
  // in the result"), with its `effect` spelt `DENY`/`ALLOW`: the Allow statements it overrode decided nothing, and listed
  // first they read as the statement that refused (policy review ir, 2). `explanation` still lists every one.
  const deciding = decision.decision === 'ExplicitDeny' ? matched.filter((m) => m.effect === 'Deny') : matched;
  const failures = decision.conditionFailures.filter((f) => !hidden(f.type));
  const shown: Decision = hidden('trust') ? { ...decision, matched, conditionFailures: failures } : decision;
  const conditions = Object.entries(request.context ?? {}).map(([key, v]) => ({ key, values: { items: (typeof v === 'string' ? [v] : [...v]).map((value) => ({ value })) } }));
  const p = request.principal;
  return {
    allowed: decision.decision === 'Allow',
    explicitDeny: decision.decision === 'ExplicitDeny',
    matchedStatements: { items: deciding.map((m) => ({ statementId: m.sid ?? '', effect: m.effect === 'Deny' ? 'DENY' : 'ALLOW', policy: m.policy, policyType: m.type, statementIndex: m.index })) },
    failures: { items: failures.map((f) => ({ policy: f.policy, policyType: f.type, statementIndex: f.index, statementId: f.sid ?? '', operator: f.operator, key: f.key, reason: f.reason })) },
    context: {
      principal: { id: p.userId ?? p.arn, arn: p.arn, ...(p.kind === 'web-identity' && p.provider !== undefined ? { provider: p.provider } : {}) },
      action: request.action,
      resource: request.resource,
      conditions: { items: conditions },
    },
    decision: decision.decision,
    deniedBy: decision.deniedBy ?? null,
    summary: decision.summary,
    explanation: renderDecision(shown),
    ...(request.hideResourceSide === true ? { note: 'statements of the other account’s trust or resource policies are not shown' } : {}),
    time: new Date(at).toISOString(),
  };
}

/** Seals the explanation of a refused request; the result is what follows `Encoded authorization failure message: `. */
export function encodeAuthorizationMessage(deps: Pick<AppDeps, 'sealer' | 'now'>, decision: Decision, request: DeniedRequest): string {
  const at = deps.now();
  const account = request.account ?? (request.principal.account || accountOfResource(request.resource));
  const full = explainDenial(decision, request, at);
  // The sealed form must stay decodable (≤ 10,240 characters): shed the bulkiest parts until it fits.
  const smaller: Record<string, unknown>[] = [
    full,
    { ...full, context: { ...(full['context'] as object), conditions: { items: [] } } },
    { ...full, context: { ...(full['context'] as object), conditions: { items: [] } }, failures: { items: [] }, explanation: decision.summary },
    { allowed: full['allowed'], explicitDeny: full['explicitDeny'], decision: full['decision'], deniedBy: full['deniedBy'], summary: full['summary'], time: full['time'], truncated: true },
  ];
  let sealed = '';
  for (const message of smaller) {
    const envelope = (m: Record<string, unknown>): Envelope => ({ v: 1, account, at, message: m });
    // The size is reckoned from the request's part of the message alone, with one step more for the decision's part,
    // shed to fit: rounded up from the whole message, one byte more of it (a role's tags, its trust policy's conditions)
    // put a refusal in the next step, and a caller who grew its request (session name, tags, User-Agent) to the end of one
    // told a role that exists from one that does not (review rz, 1; cy, 3).
    const target = (Math.ceil(byteLength(bare(envelope(requestPart(message)))) / PAD_TO) + 1) * PAD_TO;
    const fitting = [message, decisionShed(message)].map(envelope).find((e) => byteLength(bare(e)) <= target);
    sealed = deps.sealer.seal(padded(fitting ?? envelope(decisionShed(message)), fitting === undefined ? undefined : target), AAD);
    if (sealed.length <= MAX_ENCODED_CHARS) break;
  }
  return sealed;
}

/** The size the sealed text of a message is rounded up to (UTF-8 bytes). */
const PAD_TO = 2048;

const byteLength = (text: string): number => Buffer.byteLength(text, 'utf8');
const bare = (envelope: Envelope): string => JSON.stringify({ ...envelope, pad: '' });

/** `message` with every part the decision wrote (statements, failures, words) left empty: what the request alone makes. */
function requestPart(message: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return { ...message, allowed: false, explicitDeny: false, matchedStatements: { items: [] }, failures: { items: [] }, decision: '', deniedBy: null, summary: '', explanation: '' };
}

/** `message` with the decision's statements and failures left out and its explanation cut to its summary. */
function decisionShed(message: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return { ...message, matchedStatements: { items: [] }, failures: { items: [] }, explanation: message['summary'] ?? '', truncated: true };
}

/**
 * `envelope` as JSON, padded with spaces (a `pad` field) to `target` bytes, or else to a multiple of `PAD_TO`: the sealed
 * message's length would otherwise tell the refused caller, who cannot open it, how much the explanation holds, such as
 * whether the role it asked for exists and has conditions in its trust policy (review cy, 3).
 */
function padded(envelope: Envelope, target?: number): string {
  const bytes = byteLength(bare(envelope));
  return JSON.stringify({ ...envelope, pad: ' '.repeat((target ?? Math.ceil(bytes / PAD_TO) * PAD_TO) - bytes) });
}

/** `message` with the encoded explanation appended, as AWS words it. */
export function withEncodedMessage(deps: Pick<AppDeps, 'sealer' | 'now'>, message: string, decision: Decision, request: DeniedRequest): string {
  return `${message}. ${PREFIX}${encodeAuthorizationMessage(deps, decision, request)}`;
}

const invalidMessage = <T>(): Result<T> => failWith<T>('INVALID_AUTHORIZATION_MESSAGE', 'The encoded authorization message is invalid: pass the text that follows `Encoded authorization failure message:` unchanged');

/**
 * `sts:DecodeAuthorizationMessage`: the JSON of a message made for the caller's account. A message that
 * does not open, was made for another account, or is not one at all is `InvalidAuthorizationMessage`
 * alike, so the answer tells nothing about messages of other accounts.
 */
export function decodeAuthorizationMessage(deps: Pick<AppDeps, 'sealer' | 'now'>, caller: Caller, encoded: string): Result<string> {
  // STS's constraint on `EncodedMessage` (1 to 10,240 characters), in its words and before anything else, as it checks
  // parameters: a longer one was authorized, then answered InvalidAuthorizationMessageException (review hd, 4).
  if (characters(encoded) > MAX_ENCODED_CHARS) {
    return failWith('VALIDATION_ERROR', `1 validation error detected: Value at 'encodedMessage' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ENCODED_CHARS}`, 'EncodedMessage');
  }
  const a = authorizeAdmin(caller, deps.now(), 'sts:DecodeAuthorizationMessage', '*');
  if (!a.ok) return a;
  const text = encoded.trim();
  if (text.length === 0 || text.length > MAX_ENCODED_CHARS) return invalidMessage();
  const opened = deps.sealer.open(text as SealedSecret, AAD);
  if (opened === undefined) return invalidMessage();
  let envelope: Envelope;
  try {
    envelope = JSON.parse(opened) as Envelope;
  } catch {
    return invalidMessage();
  }
  if (envelope.v !== 1 || envelope.account !== caller.account) return invalidMessage();
  return ok(JSON.stringify(envelope.message));
}
