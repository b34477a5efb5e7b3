/**
 * What a suite starts in its `before` and stops in its `after` (a server and what is made on it), for the support
 * modules that set up one suite's world: call `suiteWorld` in the suite (or at a file's top level), and read the world
 * with the function it answers once `before` has run.
 */
import { after, before } from 'node:test';

/**
 * `start` makes the world and hands each thing to stop to `cleanUp` as soon as it runs (a server), so that `after` stops
 * it even when a later step of `start` failed; `after` stops them last first. The function answered throws, naming
 * `what`, when it is called before `start` has finished.
 */
export function suiteWorld<T>(what: string, start: (cleanUp: (stop: () => Promise<void>) => void) => Promise<T>): () => T {
  let world: T | undefined;
  const stops: (() => Promise<void>)[] = [];
  before(async () => {
    world = await start((stop) => void stops.push(stop));
  });
  after(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });
  return () => {
    if (world === undefined) throw new Error(`${what} is not set up: it is read before its suite began`);
    return world;
  };
}
