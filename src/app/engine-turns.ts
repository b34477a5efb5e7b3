/**
 * Letting the event loop turn in a long run of decisions. A decision is input × pattern: one about a principal whose
 * policies hold many wildcard resources, on a 2,000-character resource, takes ~10,000,000 steps of the engine (~0.1 s),
 * and ten such policies ~1 s. A loop of decisions that awaits only answers already there (no I/O) never lets the event
 * loop turn, so an authorize batch, who-can or escalation-paths held the server's one thread for its whole length:
 * /healthz (a liveness probe waits 1 s) and every other caller's request waited (review qm, 2 and 4).
 */
import { setImmediate } from 'node:timers/promises';
import { engineSteps } from '../core/iam/index.ts';

/** The engine's steps (src/core/iam/work.ts) between two turns: some 10–40 ms; an ordinary answer never takes them. */
export const TURN_STEPS = 4_000_000;

/**
 * A function to call between decisions: it lets the event loop turn (a promise to await) once the engine has taken
 * `steps` since it last did, else answers `undefined` at once.
 */
export function engineTurns(steps = TURN_STEPS): () => Promise<void> | undefined {
  let from = engineSteps();
  return () => {
    if (engineSteps() - from <= steps) return undefined;
    return setImmediate().then(() => {
      from = engineSteps();
    });
  };
}
