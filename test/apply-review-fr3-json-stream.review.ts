/**
 * Review fr, finding 3: a JSON stream, objects one after another (`jq -c '.items[]' list.json > users.json`, or piped
 * to `gatehouse apply -f -`), which kubectl apply reads as one document each, was read as one malformed document:
 * 17 errors for two users (`json: unexpected flow-map-start at node end`, then one for every token of the second
 * object), nothing applied. Now a `.json` file or standard input holding two or more top-level JSON values applies
 * each as a document, numbered and placed in the file as YAML documents are: an error in the second value is reported
 * at its own line and column as `document 2`. One value, a list, and YAML read as before. The real CLI in process
 * against a real server on 127.0.0.1 (SQLite).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { applyWorkspace } from './support/apply-files.ts';

const user = (name: string): string => JSON.stringify({ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name }, spec: {} });

describe('review fr3: a JSON stream is one document per value, as kubectl reads it', () => {
  const ws = applyWorkspace('fr3');
  const { cli, file } = ws;

  it('a .json file of objects one per line: each a document; applied again, unchanged', async () => {
    const f = await file('users.json', `${user('ann')}\n${user('bo')}\n`);
    const apply = await cli('apply', '-f', f);
    assert.equal(apply.status, 0, apply.out + apply.err);
    assert.match(apply.out, /^ {2}\+ create User\/ann$/m);
    assert.match(apply.out, /^ {2}\+ create User\/bo$/m);
    const again = await cli('plan', '--exit-code', '-f', f);
    assert.equal(again.status, 0, again.out + again.err);
  });

  it('standard input: pretty-printed objects one after another', async () => {
    const stdin = `${JSON.stringify(JSON.parse(user('cy')), null, 2)}\n${JSON.stringify(JSON.parse(user('di')), null, 2)}`;
    const r = await gatehouseInProcess(['plan', '-f', '-'], { AWS_ACCESS_KEY_ID: ws.server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: ws.server.admin.secretAccessKey, GATEHOUSE_ENDPOINT: ws.server.url }, { stdin });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^ {2}\+ create User\/cy$/m);
    assert.match(r.stdout, /^ {2}\+ create User\/di$/m);
  });

  it('an error in the second value is placed at its line, as document 2', async () => {
    const bad = JSON.stringify({ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'ed' }, spec: { grops: [] } });
    const f = await file('bad.json', `${user('ann')}\n\n${bad}\n`);
    const plan = await cli('plan', '-f', f);
    assert.equal(plan.status, 8, plan.out + plan.err);
    const lines = plan.err.trim().split('\n');
    assert.equal(lines.length, 2, plan.err);
    assert.match(lines[0] ?? '', /bad\.json:3:\d+: document 2 \(User ed\): spec\.grops: /);
  });
});
