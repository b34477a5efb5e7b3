/**
 * Review np, 3 (agent): docs/errors.md is where "every expected failure" and its code are listed (its first lines;
 * STYLE.md habit 3: a closed set of codes callers switch on), and its "Credential endpoints for jobs" table is the
 * list of `Code`s a job's SDK or launcher may get from the server's `--agent-listen` port and a node agent's. But a node
 * agent answers two codes it does not list: `BadGateway` (502), when its `--upstream` answers what is not the
 * server's (a redirect, a proxy's page, the admin API's port), and `PortUnavailable` (409), when it cannot listen on
 * the metadata port a launcher asked for, which the launcher switches on (src/adapters/launcher/run.ts). A script or
 * operator reading the table for either found nothing. And the table of the CLI's exit statuses held two rows for 10,
 * the older without review mu, 1's `--metadata-host` that is no address of the node (`gatehouse agent` exits 10):
 * a reader of the first was told wrong. Now both codes have their rows and status 10 one row; this test reads the
 * agent's sources for every `Code` they answer, with its HTTP status, so that a code added later is documented too.
 *
 * Before the fix 2 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';

const ROOT = join(import.meta.dirname, '..');
const AGENT_SOURCES = ['server.ts', 'relay.ts', 'imds.ts'].map((f) => join(ROOT, 'src', 'adapters', 'agent', f));

/** Each code the agent's ports answer in `{"Code", "Message"}`, with the statuses it is answered with where the source says. */
async function agentCodes(): Promise<Map<string, Set<string>>> {
  const codes = new Map<string, Set<string>>();
  const add = (code: string, status?: string): void => {
    if (code === 'Success') return;
    const statuses = codes.get(code) ?? new Set<string>();
    if (status !== undefined) statuses.add(status);
    codes.set(code, statuses);
  };
  for (const file of AGENT_SOURCES) {
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/json\((?:res, )?(\d{3}), \{ Code: '(\w+)'/g)) add(m[2] as string, m[1]);
    for (const m of text.matchAll(/Code: '(\w+)'/g)) add(m[1] as string);
    // server.ts `credentialRefusalCode`: the code of a refusal by its status.
    for (const m of text.matchAll(/status === (\d{3}) \? '(\w+)'/g)) add(m[2] as string, m[1]);
  }
  return codes;
}

/** The rows of docs/errors.md's table of the credential endpoints: each code of the first cell, with the last cell. */
async function documented(): Promise<Map<string, string>> {
  const doc = await readFile(join(ROOT, 'docs', 'errors.md'), 'utf8');
  const start = doc.indexOf('## Credential endpoints for jobs');
  assert.ok(start >= 0, 'docs/errors.md has no section on the credential endpoints for jobs');
  const section = doc.slice(start, doc.indexOf('\n## ', start + 1));
  const rows = new Map<string, string>();
  for (const line of section.split('\n').filter((l) => l.startsWith('| `'))) {
    const cells = line.split('|').map((c) => c.trim()).filter((c) => c !== '');
    for (const m of (cells[0] ?? '').matchAll(/`(\w+)`/g)) rows.set(m[1] as string, cells.at(-1) ?? '');
  }
  return rows;
}

describe('review np3: every code the agent answers is in docs/errors.md', () => {
  it('each Code of the credential and launcher endpoints has a row naming its status', async () => {
    const codes = await agentCodes();
    for (const code of ['Forbidden', 'JobEnded', 'BadGateway', 'PortUnavailable']) assert.ok(codes.has(code), `the scan of the agent's sources found no ${code}`);
    const rows = await documented();
    for (const [code, statuses] of codes) {
      const row = rows.get(code);
      assert.ok(row !== undefined, `docs/errors.md, "Credential endpoints for jobs", has no row for \`${code}\``);
      for (const status of statuses) assert.match(row, new RegExp(`\\b${status}\\b`), `docs/errors.md: \`${code}\` is answered ${status}`);
    }
  });

  it('the CLI exit statuses have one row each', async () => {
    const doc = await readFile(join(ROOT, 'docs', 'errors.md'), 'utf8');
    for (const status of new Set(Object.values(EXIT))) {
      const rows = doc.split('\n').filter((l) => l.startsWith(`| ${status} |`));
      assert.equal(rows.length, 1, `docs/errors.md: exit status ${status} has ${rows.length} rows`);
    }
  });
});
