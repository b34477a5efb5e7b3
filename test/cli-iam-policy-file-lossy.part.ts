/**
 * `gatehouse iam-policy set --file FILE.yaml` refuses a plain scalar YAML reads as something else than its text, as
 * `gatehouse apply` and `gatehouse policy …` do (src/adapters/cli/yaml.ts, lossyScalars): under `%YAML 1.1` a condition
 * `title: 2027-01-01` was read as a timestamp and stored as `2027-01-01T00:00:00.000Z`, `title: on` reached the server
 * as `true`, a member `0123` as the number 123 (the server's refusal named a 123 the file does not hold). Each is now
 * refused before anything is sent, at its place in the file, `FILE:LINE:COL: PATH: … [CODE]`, telling to quote it.
 * Real server, the real `gatehouse` executable in a child process, files on disk.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { type Run } from './support/processes.ts';
import { startTestServer, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';

const MODEL = 'arn:aws:training::000000000000:model/lossy';

let server: TestServer;
let home: string;

before(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'iam-policy-lossy-'));
  await server.iam().send(new I.CreateUserCommand({ UserName: 'ann' }));
});
after(async () => {
  if (server) await server.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

async function set(name: string, lines: readonly string[]): Promise<Run & { file: string }> {
  const file = join(home, name);
  await writeFile(file, `${lines.join('\n')}\n`);
  const r = await gatehouseCliInProcess(['iam-policy', 'set', MODEL, '--file', file], server.admin, { endpoint: server.url, home });
  return { ...r, file };
}

const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A YAML 1.1 policy whose condition has this title and description, as written. */
const yaml11 = (title: string, description: string): string[] => [
  '%YAML 1.1',
  '---',
  'bindings:',
  '  - role: roles/ml.viewer',
  '    members: ["user:ann"]',
  '    condition:',
  `      title: ${title}`,
  `      description: ${description}`,
  `      expression: 'request.time < timestamp("2027-01-01T00:00:00Z")'`,
];

async function stored(): Promise<unknown> {
  const got = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(MODEL)}`);
  assert.equal(got.status, 200, JSON.stringify(got.json));
  return got.json['bindings'];
}

test('YAML 1.1: a date and a boolean in a condition are refused at their places, and nothing is written', async () => {
  const r = await set('policy.yaml', yaml11('2027-01-01', 'on'));
  assert.equal(r.code, 3, r.stderr);
  const f = escaped(r.file);
  assert.match(r.stderr, new RegExp(`^${f}:7:14: bindings\\[0\\]\\.condition\\.title: \`2027-01-01\` is read by YAML as a timestamp; quote it \\('2027-01-01'\\) to keep the text \\[POLICY_JSON_SYNTAX\\]$`, 'm'), r.stderr);
  assert.match(r.stderr, new RegExp(`^${f}:8:20: bindings\\[0\\]\\.condition\\.description: \`on\` is read by YAML as the boolean true \\(YAML 1\\.1\\); quote it \\('on'\\) to keep the text \\[POLICY_JSON_SYNTAX\\]$`, 'm'), r.stderr);
  assert.match(r.stderr, /^gatehouse iam-policy set: 2 errors; nothing was changed$/m, r.stderr);
  assert.deepEqual(await stored(), [], 'nothing was written');
});

test('a member written 0123 is refused as what YAML reads it as, in a kind: IamPolicy document under spec', async () => {
  const r = await set('document.yml', [
    'apiVersion: gatehouse.dev/v1',
    'kind: IamPolicy',
    'metadata: {name: lossy}',
    'spec:',
    '  bindings:',
    '    - role: roles/ml.viewer',
    '      members: ["user:ann", 0123]',
  ]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, new RegExp(`^${escaped(r.file)}:7:29: spec\\.bindings\\[0\\]\\.members\\[1\\]: \`0123\` is read by YAML as the number 123, not as written; quote it \\('0123'\\) to keep the text \\[POLICY_JSON_SYNTAX\\]$`, 'm'), r.stderr);
  assert.doesNotMatch(r.stderr, /must be a string/, 'refused before the server saw it');
  assert.deepEqual(await stored(), []);
});

test('quoted, the same text is kept as written', async () => {
  const r = await set('quoted.yaml', yaml11("'2027-01-01'", "'on'"));
  assert.equal(r.code, 0, r.stderr);
  const bindings = (await stored()) as { condition?: { title?: string; description?: string } }[];
  assert.equal(bindings[0]?.condition?.title, '2027-01-01');
  assert.equal(bindings[0]?.condition?.description, 'on');
});

test('a JSON file is read by JSON rules: 1.0 is a JSON number and goes to the server, 0123 is not', async () => {
  const file = join(home, 'policy.json');
  await writeFile(file, '{"bindings": [{"role": "roles/ml.viewer", "members": ["user:ann", 0123]}], "version": 1.0}\n');
  const r = await gatehouseCliInProcess(['iam-policy', 'set', MODEL, '--file', file], server.admin, { endpoint: server.url, home });
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, new RegExp(`^${escaped(file)}:1:67: bindings\\[0\\]\\.members\\[1\\]: \`0123\` is not a JSON number; quote it \\("0123"\\) to keep the text \\[POLICY_JSON_SYNTAX\\]$`, 'm'), r.stderr);
  assert.doesNotMatch(r.stderr, /version/, r.stderr);
});
