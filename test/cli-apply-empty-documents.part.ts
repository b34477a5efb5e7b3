/**
 * `gatehouse plan`/`apply` through the real executable on files with empty YAML documents: a trailing `---`
 * and a document holding only comments (what helm and kustomize emit) are skipped, as kubectl skips them; a
 * document that is a value other than a map is still refused.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import type { Run } from './support/processes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

let server: RunningServer;
let work = '';
let dataDir = '';

/** As the root admin, through the data dir's admin-credentials.json; nothing of this machine's environment but PATH. */
const asAdmin = (...args: string[]): Promise<Run> =>
  gatehouseInProcess([...args, '--data-dir', dataDir], { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work });

const group = (name: string): string => `apiVersion: gatehouse.dev/v1\nkind: Group\nmetadata:\n  name: ${name}\n`;

async function file(name: string, text: string): Promise<string> {
  const path = join(work, name);
  await writeFile(path, text);
  return path;
}

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-cli-apply-empty-'));
  dataDir = join(work, 'data');
  server = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: {}, log: () => {} });
});

after(async () => {
  await server.stop();
  await rm(work, { recursive: true, force: true });
});

describe('empty YAML documents', () => {
  test('a trailing `---` is skipped by plan and apply', async () => {
    const f = await file('trailing.yaml', `${group('g-trailing')}---\n`);
    const plan = await asAdmin('plan', '-f', f);
    assert.equal(plan.code, EXIT.ok, plan.stderr);
    assert.match(plan.stdout, /^ {2}\+ create Group\/g-trailing$/m);
    assert.match(plan.stdout, /^plan: 1 to create, 0 to update, 0 to delete, 0 unchanged/m);
    const apply = await asAdmin('apply', '-f', f);
    assert.equal(apply.code, EXIT.ok, apply.stderr);
    assert.match(apply.stdout, /^applied: 1 created, 0 updated, 0 deleted, 0 unchanged$/m);
    assert.equal((await asAdmin('iam', 'groups', 'get', 'g-trailing')).code, EXIT.ok);
  });

  test('documents holding only comments, or nothing, between and after others are skipped', async () => {
    const f = await file('comments.yaml', `---\n# generated\n${group('g-first')}---\n# nothing here but a comment\n---\n---\n${group('g-second')}---\n# the end\n`);
    const plan = await asAdmin('plan', '-f', f);
    assert.equal(plan.code, EXIT.ok, plan.stderr);
    assert.match(plan.stdout, /^ {2}\+ create Group\/g-first$/m);
    assert.match(plan.stdout, /^ {2}\+ create Group\/g-second$/m);
    assert.match(plan.stdout, /^plan: 2 to create, 0 to update, 0 to delete, 0 unchanged/m);
  });

  test('a document that is a scalar or a list is still refused, naming file, line and document', async () => {
    for (const [name, text] of [
      ['scalar.yaml', `${group('g-scalar')}---\n5\n`],
      ['list.yaml', `${group('g-list')}---\n- a\n- b\n`],
    ] as const) {
      const f = await file(name, text);
      const plan = await asAdmin('plan', '-f', f);
      assert.equal(plan.code, EXIT.invalidInput, `${name}: ${plan.stderr}`);
      assert.ok(plan.stderr.includes(`${f}:6:`) && plan.stderr.includes('document 2: a document must be a map'), `${name}: ${plan.stderr}`);
    }
  });

  test('a file of empty documents only has no documents to apply', async () => {
    const f = await file('empty.yaml', '---\n# nothing\n---\n');
    const plan = await asAdmin('plan', '-f', f);
    assert.equal(plan.code, EXIT.noInput, plan.stderr);
    assert.match(plan.stderr, /no documents found/);
  });
});
