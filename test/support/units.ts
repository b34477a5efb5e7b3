/**
 * The unit tests beside the code (`src/**\/*.test.ts`), run by `test/units-<group>.test.ts` as suites of one process
 * each group (test/support/suites.ts says why) instead of by the suite's glob. A unit file still runs alone:
 * `npx node --test src/core/iam/glob.test.ts`.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { runAsSuites } from './suites.ts';

/** Each group's directory prefixes under src/. */
export const UNIT_GROUPS: Readonly<Record<string, readonly string[]>> = {
  core: ['core/'],
  rest: ['adapters/', 'app/', 'main/'],
};

const SRC_DIR = join(import.meta.dirname, '..', '..', 'src');

/** Declares one suite a unit file of `group`. */
export function runUnitGroup(group: string): void {
  if (!(group in UNIT_GROUPS)) throw new Error(`no unit group '${group}' in test/support/units.ts`);
  const files = (readdirSync(SRC_DIR, { recursive: true }) as string[]).filter((f) => f.endsWith('.test.ts'));
  const claimsOf = (file: string) => Object.entries(UNIT_GROUPS).filter(([, prefixes]) => prefixes.some((p) => file.startsWith(p))).map(([g]) => g);
  runAsSuites(group, files, claimsOf, SRC_DIR);
}
