/**
 * Review `readme`, gy2: README §1 says a `.yaml` or `.yml` policy file is read as YAML (`examples/policies/
 * ml-data-reader.yaml`), and §2 that "every option that takes a file takes `-`". Standard input has no name to end in
 * `.yaml`, so `-` was always read as JSON: `npx gatehouse policy validate - < examples/policies/ml-data-reader.yaml`
 * (and `policy evaluate --policy -`, `iam … --document -`, `resource-policies put --file -`) said
 * `-:1:1: unexpected character '#' at line 1, column 1 [POLICY_JSON_SYNTAX]`, exit 3, about a file §1 calls valid,
 * with no word that stdin is taken for JSON — while `apply -f -` reads YAML from stdin. Now `-` is read as JSON when
 * its text starts with `{` (every policy document in JSON does), else as YAML, whose errors point at the YAML lines;
 * `--help` says so. The CLI in this process, on the README's example files; no server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent' };
const file = (name: string) => readFile(new URL(`../examples/policies/${name}`, import.meta.url), 'utf8');

test('gy2: `policy validate -` reads the YAML example from standard input as YAML', async () => {
  const r = await gatehouseInProcess(['policy', 'validate', '-'], env, { stdin: await file('ml-data-reader.yaml') });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal(r.stdout, 'valid\n');
});

test('gy2: `policy evaluate --policy -` decides with the YAML example as the JSON one decides', async () => {
  const args = ['policy', 'evaluate', '--principal', 'arn:aws:iam::111122223333:user/alice', '--action', 's3:GetObject', '--resource', 'arn:aws:s3:::ml-datasets/restricted/labels.csv'];
  const yaml = await gatehouseInProcess([...args, '--policy', '-'], env, { stdin: await file('ml-data-reader.yaml') });
  assert.equal(yaml.code, 1, yaml.stdout + yaml.stderr);
  assert.match(yaml.stdout, /^ExplicitDeny: explicitly denied by an identity policy\n/);
  const json = await gatehouseInProcess([...args, '--policy', '-'], env, { stdin: await file('ml-data-reader.json') });
  assert.equal(json.code, 1, json.stdout + json.stderr);
  assert.equal(json.stdout, yaml.stdout);
});

test('gy2: a JSON document on standard input is still JSON, its errors where the JSON has them', async () => {
  const r = await gatehouseInProcess(['policy', 'validate', '-'], env, { stdin: await file('broken.json') });
  assert.equal(r.code, 3);
  assert.match(r.stdout, /^-:5:7: Statement\[0\]\.Effect: /m);
  assert.match(r.stdout, /^-:6:7: Statement\[0\]\.Action: /m);
});

test('gy2: a YAML document on standard input has its errors at its YAML lines', async () => {
  const r = await gatehouseInProcess(['policy', 'validate', '-'], env, { stdin: 'Version: "2012-10-17"\nStatement:\n  - Effect: allow\n    Action: s3:GetObject\n    Resource: "*"\n' });
  assert.equal(r.code, 3, r.stdout + r.stderr);
  assert.match(r.stdout, /^-:3:\d+: Statement\[0\]\.Effect: `Effect` must be `Allow` or `Deny`, got `allow`/m);
});

test('gy2: --help says what `-` reads', async () => {
  const r = await gatehouseInProcess(['policy', 'validate', '--help'], env);
  assert.equal(r.code, 0);
  assert.match(r.stdout.replace(/\s+/g, ' '), /- reads standard input: JSON when it starts with `\{`, else YAML/);
});
