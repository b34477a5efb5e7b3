/**
 * Review `readme`, R10: `gatehouse server --help` listed the other GATEHOUSE_* settings but not
 * GATEHOUSE_DATABASE_WAIT_SECONDS (how long a database unreachable at start is waited for) nor
 * GATEHOUSE_JOB_SESSION_SECONDS (the duration asked for each job or node session), both read by src/main/server.ts.
 * The CLI run in process, as `gatehouse server --help`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli } from '../src/adapters/cli/program.ts';

async function help(): Promise<{ status: number; out: string }> {
  let out = '';
  const status = await runCli(['server', '--help'], {
    out: (t) => void (out += t),
    err: (t) => void (out += t),
    readFile: async () => {
      throw Object.assign(new Error('no file'), { code: 'ENOENT' });
    },
    now: () => Date.now(),
    version: 'test',
    env: {},
  });
  return { status, out };
}

test('R10: server --help says what GATEHOUSE_DATABASE_WAIT_SECONDS and GATEHOUSE_JOB_SESSION_SECONDS do', async () => {
  const { status, out } = await help();
  assert.equal(status, 0, out);
  const text = out.replace(/\s+/g, ' ');
  assert.match(text, /GATEHOUSE_DATABASE_WAIT_SECONDS bounds the wait \(unset: no bound; 0: give up at once, exit 10\)/);
  assert.match(text, /GATEHOUSE_JOB_SESSION_SECONDS is the duration asked for each session of a job or node \(10 to 43200; default 43200\)/);
  // Every GATEHOUSE_* setting src/main/server.ts reads is named in the help.
  const { readFile } = await import('node:fs/promises');
  const source = await readFile(new URL('../src/main/server.ts', import.meta.url), 'utf8');
  const read = new Set([...source.matchAll(/env\['(GATEHOUSE_[A-Z_]+)'\]/g)].map((m) => m[1] as string));
  const missing = [...read].filter((name) => !out.includes(name));
  assert.deepEqual(missing, [], `settings read by the server and not in server --help`);
});
