/**
 * The engine's work, counted in steps: a statement visited costs one, and one for each `Action` and `Resource` entry it
 * may try; a condition one for each request value against each policy value; a wildcard matcher one for each code unit
 * of input against each step of its pattern it walks (glob.ts). Deterministic where the clock is not: the same
 * question costs the same steps on an idle host and on a loaded one, so a caller that bounds the work one request may
 * make the engine do (a simulation, whose caller writes the policies too) answers alike on both (review qm, 1).
 *
 * One count for the process, never reset: decisions are synchronous, so the steps taken while one runs are its own.
 */
let steps = 0;
/** The count past which `addSteps` throws: set by `withinSteps` while its work runs. */
let ceiling = Number.POSITIVE_INFINITY;

/** Thrown by `addSteps` once the work `withinSteps` runs has taken more than its steps; caught there. */
export class StepsExceeded extends Error {
  readonly ceiling: number;
  constructor(ceiling: number) {
    super('the engine took more steps than it was given');
    this.ceiling = ceiling;
  }
}

/** The steps the engine has taken so far. */
export function engineSteps(): number {
  return steps;
}

/** Counts `n` steps; past the ceiling of the work running, stops it (`withinSteps`). */
export function addSteps(n: number): void {
  steps += n;
  if (steps > ceiling) throw new StepsExceeded(ceiling);
}

/**
 * Runs `work` (synchronous: decisions) allowed `max` steps of the engine: its value, or `exceeded` once it has taken
 * more, stopped where it was (in the middle of a decision, too: one statement of a policy the caller wrote may cost
 * millions of steps). The engine's state holds nothing of a stopped decision: each decision starts afresh.
 */
export function withinSteps<T>(max: number, work: () => T): { readonly done: true; readonly value: T } | { readonly done: false } {
  const outer = ceiling;
  const mine = Math.min(outer, steps + max);
  ceiling = mine;
  try {
    return { done: true, value: work() };
  } catch (e) {
    if (e instanceof StepsExceeded && e.ceiling === mine && mine !== outer) return { done: false };
    throw e;
  } finally {
    ceiling = outer;
  }
}
