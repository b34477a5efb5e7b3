/**
 * The conformance suites, `conformance/<engine>/{runner,schema}.part.ts`, as suites of this one process
 * (test/support/suites.ts says why): eight files of 0.3–3.4 s of CPU each paid a process start apiece. One still runs
 * alone: `npx node --test conformance/iam/runner.part.ts`. A part file in a folder not named here fails this file.
 */
import { readdirSync } from 'node:fs';
import { runAsSuites } from '../test/support/suites.ts';

/** The engines' folders. */
const ENGINES = ['bindings/', 'iam/', 'rbac/', 'resource/'];

const files = (readdirSync(import.meta.dirname, { recursive: true }) as string[]).filter((f) => f.endsWith('.part.ts'));
runAsSuites('conformance', files, (file) => (ENGINES.some((e) => file.startsWith(e)) ? ['conformance'] : []), import.meta.dirname);
