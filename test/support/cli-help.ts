/**
 * `gatehouse <command…> --help` run in this process (no server, no files, an empty environment): what the help says,
 * for tests that read it. Asserts it exits 0.
 */
import assert from 'node:assert/strict';
import { runCli } from '../../src/adapters/cli/program.ts';

/** The help text as printed. */
export async function helpText(...command: string[]): Promise<string> {
  let out = '';
  const status = await runCli([...command, '--help'], {
    out: (t) => void (out += t),
    err: (t) => void (out += t),
    readFile: async () => {
      throw Object.assign(new Error('no file'), { code: 'ENOENT' });
    },
    now: () => Date.now(),
    version: 'test',
    env: {},
  });
  assert.equal(status, 0, out);
  return out;
}

/** The help text with every run of whitespace one space (its lines wrapped wherever the terminal width put them). */
export const helpWords = async (...command: string[]): Promise<string> => (await helpText(...command)).replace(/\s+/g, ' ');
