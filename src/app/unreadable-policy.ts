/**
 * A stored policy that no longer parses (a parser tightened by an upgrade, a database restored or edited by
 * hand) fails closed (DESIGN.md: the union "fails closed on error"; review N, N3). Dropping it would lose its Deny
 * statements, and it may hold the only one; so it stands in as a policy that explicitly denies every request it
 * governs: all of its principal's when it is an identity policy (managed, inline, a group's), every request on
 * its resource when it is a resource policy. An explicit deny, not an implicit one: only an explicit deny from IAM
 * also wins over an allow by another engine of the union (bindings, RBAC), as the lost Deny would have. The
 * decision names it (`unreadableDiagnostic`), and the server logs it once, when it loads it.
 */
import type { GatehouseError } from '../core/errors.ts';
import { compilePolicy, compiledWeight, parsePolicy, type CompiledPolicy, type PolicyDocument, type PolicyType } from '../core/iam/index.ts';

/**
 * The size (characters, whitespace not counted) a stored policy is read at: far above what may be written, which
 * every door checks (a trust policy 2,048, a resource policy 20,480…). A stored policy may grow past its quota after it
 * was written: renaming or moving a user it names writes the user's new ARN, path and all, into it
 * (src/app/forget-principal.ts `followRename`). Read at the written quota, a resource policy near 20,480 characters
 * became unreadable when a user it named moved to a longer path, and stood in as an explicit Deny of every request on
 * its resource; a trust policy near 2,048 allowed no one in who-can and the escalation analysis (review ph, 3).
 */
export const STORED_POLICY_MAX_CHARS = 1 << 20;

/** The statement id of the stand-in's one statement: a stored policy cannot carry it (IAM Sids are alphanumeric). */
export const UNREADABLE_SID = 'gatehouse:unreadable-policy';

/** Reports a stored policy that does not parse; `what` names it (`policy \`arn:…\``). */
export type UnreadableNote = (what: string, document: string, errors: readonly GatehouseError[]) => void;

/** The document of the stand-in: one statement denying every action on every resource to everyone. */
export function unreadableDocument(kind: 'identity' | 'resource' | 'trust'): PolicyDocument {
  return {
    version: '2012-10-17',
    dialect: 'aws',
    id: undefined,
    statements: [{ index: 0, sid: UNREADABLE_SID, effect: 'Deny', action: ['*'], notAction: undefined, resource: ['*'], notResource: undefined, principal: kind === 'identity' ? undefined : '*', notPrincipal: undefined, conditions: [] }],
  };
}

/** The stand-in for the unreadable policy `name` (`unreadableDocument`, compiled). */
export function unreadablePolicy(name: string, kind: 'identity' | 'resource' | 'trust'): CompiledPolicy {
  return compilePolicy(unreadableDocument(kind), name);
}

/** A stored document parsed, or, when it no longer parses, the stand-in that denies everything it governs (reported to `note`). */
function storedDocument(document: string, kind: 'identity' | 'resource' | 'trust', maxChars: number, note: UnreadableNote | undefined, what: string) {
  const parsed = parsePolicy(document, { kind, maxChars });
  if (parsed.ok) return parsed.value;
  note?.(what, document, parsed.errors);
  return unreadableDocument(kind);
}

/** A stored document compiled, or, when it no longer parses, the stand-in that denies everything it governs (reported to `note`). */
export function compileStored(name: string, document: string, kind: 'identity' | 'resource' | 'trust', maxChars: number, note?: UnreadableNote, what = `policy \`${name}\``): CompiledPolicy {
  return compilePolicy(storedDocument(document, kind, maxChars, note, what), name);
}

/**
 * As `compileStored`, with an estimate of the bytes the compiled form keeps, its name and text included
 * (`compiledWeight`): what a cache bounded by size counts (`PolicyCache`). The directory's own compilations
 * (`compileStored`, at every load) do not pay for the estimate.
 */
export function compileStoredWeighed(name: string, document: string, kind: 'identity' | 'resource' | 'trust', maxChars: number, note?: UnreadableNote, what = `policy \`${name}\``): { readonly compiled: CompiledPolicy; readonly weight: number } {
  const doc = storedDocument(document, kind, maxChars, note, what);
  return { compiled: compilePolicy(doc, name), weight: compiledWeight(doc, document.length + name.length) };
}

/**
 * An `UnreadableNote` that logs each unreadable document once (the same text is compiled again at every reload of
 * what holds it); without `log`, nothing.
 */
export function unreadableLog(log: ((line: string) => void) | undefined, max = 10_000): UnreadableNote {
  const said = new Set<string>();
  return (what, document, errors) => {
    if (log === undefined) return;
    const key = `${what}\u0000${document}`;
    if (said.has(key)) return;
    if (said.size >= max) said.clear();
    said.add(key);
    const why = errors.map((e) => `${e.path ? `${e.path}: ` : ''}${e.message}`).join('; ');
    log(`policies: CANNOT READ the stored ${what} (${why}): it denies every request it governs until it is replaced or removed (fails closed)`);
  };
}

/** The diagnostic of a decision that an unreadable policy denied (`type`, `policy`: the matched statement's). */
export function unreadableDiagnostic(type: PolicyType, policy: string): string {
  return `iam: the stored ${type} policy \`${policy}\` cannot be read: it denies every request it governs until it is replaced or removed (fails closed)`;
}
