/**
 * The `yaml` package, loaded when a command first reads or writes YAML: about 70 modules, which every other command
 * (a `whoami`, a `jobs list`) would otherwise load at start. The package's Node entry is CommonJS, so `require`
 * gives the same module an `import` would, and the callers stay synchronous.
 */
import { createRequire } from 'node:module';

type Yaml = typeof import('yaml');

let loaded: Yaml | undefined;

export const yaml = (): Yaml => (loaded ??= createRequire(import.meta.url)('yaml') as Yaml);
