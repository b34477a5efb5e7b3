/**
 * `gatehouse iam-policy set --file FILE` names where in FILE the server's refusal is, as `gatehouse apply -f` does
 * (`file.yaml:11:7: … spec.bindings[1].condition.title: …`): each error the server answers with a path found in the
 * file is printed `FILE:LINE:COL: PATH: message [CODE]`, in a YAML file, a JSON file and a `kind: IamPolicy` document
 * (whose paths are under `spec.`). It named only the JSON path. A refusal with no path in the file (a stale etag) is
 * printed as before.
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

const MODEL = 'arn:aws:training::000000000000:model/positions';
const UNTIL = 'request.time < timestamp("2099-01-01T00:00:00Z")';

let server: TestServer;
let home: string;

before(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'iam-policy-positions-'));
  await server.iam().send(new I.CreateUserCommand({ UserName: 'ann' }));
});
after(async () => {
  if (server) await server.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

async function set(name: string, text: string, ...more: string[]): Promise<Run & { file: string }> {
  const file = join(home, name);
  await writeFile(file, text);
  const r = await gatehouseCliInProcess(['iam-policy', 'set', MODEL, '--file', file, ...more], server.admin, { endpoint: server.url, home });
  return { ...r, file };
}

const escaped = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

async function nothingWritten(): Promise<void> {
  const got = await gatehouseJson(server.url, server.admin, 'GET', `/v1/iam-policies?resource=${encodeURIComponent(MODEL)}`);
  assert.deepEqual(got.json['bindings'], [], 'nothing was written');
}

test('YAML: a binding without members and a condition without a title, each by its line and column', async () => {
  const r = await set(
    'policy.yaml',
    [
      '# as `gatehouse iam-policy get --json` printed it, edited',
      'bindings:',
      '  - role: roles/ml.viewer',
      '    members: ["user:ann"]',
      '  - role: roles/ml.developer',
      '    condition:',
      `      expression: '${UNTIL}'`,
      '',
    ].join('\n'),
  );
  assert.equal(r.code, 3, r.stderr);
  const f = escaped(r.file);
  // Line 5 is the binding the members are missing from, line 6 the condition the title is missing from.
  assert.match(r.stderr, new RegExp(`^${f}:5:5: bindings\\[1\\]\\.members: a binding needs \`members\`.* \\[BINDINGS_MISSING_FIELD\\]$`, 'm'), r.stderr);
  assert.match(r.stderr, new RegExp(`^${f}:6:5: bindings\\[1\\]\\.condition\\.title: .*\`title\`.* \\[BINDINGS_MISSING_FIELD\\]$`, 'm'), r.stderr);
  assert.match(r.stderr, /MalformedPolicyDocument/);
  await nothingWritten();
});

test('JSON: a role that does not exist, by the line and column of its `role`', async () => {
  const text = JSON.stringify({ bindings: [{ role: 'roles/ml.viewer', members: ['user:ann'] }, { role: 'roles/nope', members: ['user:ann'] }] }, null, 2);
  const r = await set('policy.json', text);
  assert.equal(r.code, 3, r.stderr);
  // `"role": "roles/nope"` is on line 10, indented 6.
  assert.equal(text.split('\n')[9], '      "role": "roles/nope",');
  assert.match(r.stderr, new RegExp(`^${escaped(r.file)}:10:7: bindings\\[1\\]\\.role: role \`roles/nope\` is not a predefined role.* \\[BINDINGS_INVALID_ROLE\\]$`, 'm'), r.stderr);
  await nothingWritten();
});

test('a kind: IamPolicy document: the place under spec, and the path as the file spells it', async () => {
  const r = await set(
    'document.yml',
    [
      'apiVersion: gatehouse.dev/v1',
      'kind: IamPolicy',
      'metadata: {name: positions}',
      'spec:',
      `  resource: ${MODEL}`,
      '  bindings:',
      '    - role: roles/ml.viewer',
      '      members: ["user:ann"]',
      '    - role: roles/ml.developer',
      '      members: ["user:ann"]',
      '      condition:',
      `        expression: '${UNTIL}'`,
      '',
    ].join('\n'),
  );
  assert.equal(r.code, 3, r.stderr);
  // As `gatehouse apply -f` names it (test/bindings-review-bm1-condition-title.review.ts).
  assert.match(r.stderr, new RegExp(`^${escaped(r.file)}:11:7: spec\\.bindings\\[1\\]\\.condition\\.title: .*\\[BINDINGS_MISSING_FIELD\\]$`, 'm'), r.stderr);
  await nothingWritten();
});

test('a condition that does not parse: the place of its expression in the file, and the place within the expression', async () => {
  const r = await set('one-line.json', JSON.stringify({ bindings: [{ role: 'roles/ml.viewer', members: ['user:ann'], condition: { title: 't', expression: 'resource.name.startsWith("a"' } }] }));
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, new RegExp(`^${escaped(r.file)}:1:\\d+: bindings\\[0\\]\\.condition\\.expression \\(line 1, column 29\\): expected .*\\[BINDINGS_INVALID_CONDITION\\]$`, 'm'), r.stderr);
  await nothingWritten();
});

test('with --json the answer is the server error as before', async () => {
  const json = await set('json.yaml', 'bindings:\n  - role: roles/nope\n    members: ["user:ann"]\n', '--json');
  assert.equal(json.code, 3, json.stderr);
  assert.equal(json.stdout, '');
  const body = JSON.parse(json.stderr) as { error: { code: string; details: { path: string }[] } };
  assert.equal(body.error.code, 'MalformedPolicyDocument');
  assert.deepEqual(body.error.details.map((d) => d.path), ['bindings[0].role']);
  await nothingWritten();
});

test('a stale etag is refused at the etag of the file; a refusal of what the file does not hold (the resource argument) reads as before', async () => {
  const now = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/iam-policies', { resource: MODEL, bindings: [{ role: 'roles/ml.viewer', members: ['user:ann'] }] });
  assert.equal(now.status, 200, JSON.stringify(now.json));
  const stale = await set('stale.yaml', 'bindings:\n  - role: roles/ml.viewer\n    members: ["user:ann"]\netag: BwAAAAAAAAA=\n');
  assert.equal(stale.code, 7, stale.stderr);
  assert.match(stale.stderr, new RegExp(`^${escaped(stale.file)}:4:1: etag: etag \`BwAAAAAAAAA=\` is stale: .*its etag is now .*\\[ETAG_MISMATCH\\]$`, 'm'), stale.stderr);
  assert.match(stale.stderr, /^gatehouse iam-policy set: ConcurrentModification: 1 error; nothing was changed$/m);

  const file = join(home, 'elsewhere.yaml');
  await writeFile(file, 'bindings: []\n');
  const r = await gatehouseCliInProcess(['iam-policy', 'set', 'not-a-resource', '--file', file], server.admin, { endpoint: server.url, home });
  assert.notEqual(r.code, 0, r.stderr);
  assert.match(r.stderr, /^gatehouse: \w+: resource: /, r.stderr);
  assert.doesNotMatch(r.stderr, /elsewhere\.yaml:\d/, r.stderr);
});
