/**
 * Review cq, finding 4: `gatehouse plan` said that a policy document would change (`~ update Policy/data-rw
 * (document)`) but not how, so a reviewer of a plan in CI could not tell a typo from a grant of `s3:*` without reading
 * the stored version and diffing it by hand; `kubectl diff` and `terraform plan` show the change. Now an update of a
 * policy document (a Policy's document, a Role's trust policy, the inline policies of a user, group or role, a
 * ResourcePolicy's document) lists under its line what changes inside, at its JSON path (`~ path: old → new`, `+ path:
 * value`, `- path: value`), compared as JSON values (key order and layout do not count); `--json` has the same as
 * `diff`. The real CLI in process against a real server on 127.0.0.1 (SQLite).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_DOCUMENT_CHANGES } from '../src/app/apply.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const BEFORE = `apiVersion: gatehouse.dev/v1
kind: Policy
metadata: {name: data-rw}
spec:
  document:
    Version: "2012-10-17"
    Statement:
      - {Sid: Read, Effect: Allow, Action: s3:GetObject, Resource: "arn:aws:s3:::data/*"}
      - {Sid: List, Effect: Allow, Action: s3:ListBucket, Resource: "arn:aws:s3:::data"}
---
apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: trainer}
spec:
  policies: [data-rw]
  trustPolicy:
    Version: "2012-10-17"
    Statement: [{Effect: Allow, Principal: {Service: training.gatehouse.dev}, Action: sts:AssumeRole}]
  inlinePolicies:
    logs: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "logs:*", Resource: "*"}]}
`;

// The same documents with keys in another order (no change), one statement's Action widened, a statement added, the
// trust widened, an inline policy replaced by another.
const AFTER = `apiVersion: gatehouse.dev/v1
kind: Policy
metadata: {name: data-rw}
spec:
  document:
    Statement:
      - {Effect: Allow, Sid: Read, Resource: "arn:aws:s3:::data/*", Action: [s3:GetObject, s3:PutObject]}
      - {Sid: List, Effect: Allow, Action: s3:ListBucket, Resource: "arn:aws:s3:::data"}
      - {Effect: Deny, Action: s3:DeleteObject, Resource: "*"}
    Version: "2012-10-17"
---
apiVersion: gatehouse.dev/v1
kind: Role
metadata: {name: trainer}
spec:
  policies: [data-rw]
  trustPolicy:
    Version: "2012-10-17"
    Statement: [{Effect: Allow, Principal: {Service: [training.gatehouse.dev, compute.gatehouse.dev]}, Action: sts:AssumeRole}]
  inlinePolicies:
    metrics: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "cloudwatch:PutMetricData", Resource: "*"}]}
`;

describe('review cq4: plan shows how a policy document changes', () => {
  let s: TestServer;
  let dir: string;
  const cli = (...args: string[]) => cliAgainst(s, args);
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-cq4-'));
    await writeFile(join(dir, 'before.yaml'), BEFORE);
    await writeFile(join(dir, 'after.yaml'), AFTER);
    const applied = await cli('apply', '-f', join(dir, 'before.yaml'));
    assert.equal(applied.status, 0, applied.err);
  });
  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('each change inside the documents, under its object', async () => {
    const r = await cli('plan', '-f', join(dir, 'after.yaml'));
    assert.equal(r.status, 0, r.err);
    assert.equal(
      r.out,
      [
        'account 000000000000',
        '  ~ update Policy/data-rw (document)',
        '      ~ document.Statement[0].Action: "s3:GetObject" → ["s3:GetObject","s3:PutObject"]',
        '      + document.Statement[2]: {"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}',
        '  ~ update Role/trainer (trustPolicy, inlinePolicies)',
        '      ~ trustPolicy.Statement[0].Principal.Service: "training.gatehouse.dev" → ["training.gatehouse.dev","compute.gatehouse.dev"]',
        '      - inlinePolicies.logs: {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:*","Resource":"*"}]}',
        '      + inlinePolicies.metrics: {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cloudwatch:PutMetricData","Resource":"*"}]}',
        'plan: 0 to create, 2 to update, 0 to delete, 0 unchanged (nothing changed; `gatehouse apply` applies it)',
        '',
      ].join('\n'),
    );
    const json = await cli('plan', '-f', join(dir, 'after.yaml'), '--json');
    const changes = (JSON.parse(json.out) as { changes: { kind: string; diff?: { op: string; path: string }[] }[] }).changes;
    assert.deepEqual(
      changes.find((c) => c.kind === 'Policy')?.diff?.map((d) => `${d.op} ${d.path}`),
      ['~ document.Statement[0].Action', '+ document.Statement[2]'],
    );
  });

  it('applied, the same files plan nothing; a statement removed is one line', async () => {
    assert.equal((await cli('apply', '-f', join(dir, 'after.yaml'))).status, 0);
    const again = await cli('plan', '--exit-code', '-f', join(dir, 'after.yaml'));
    assert.equal(again.status, 0, again.out);
    assert.doesNotMatch(again.out, /^ {6}/m);
    const back = await cli('plan', '-f', join(dir, 'before.yaml'));
    assert.match(back.out, /^ {6}- document\.Statement\[2\]: \{"Effect":"Deny",/m);
    assert.match(back.out, /^ {6}~ document\.Statement\[0\]\.Action: \["s3:GetObject","s3:PutObject"\] → "s3:GetObject"\n/m);
  });

  it('a long list of differences is cut, saying how many more there are', async () => {
    const statements = Array.from({ length: MAX_DOCUMENT_CHANGES + 10 }, (_, i) => `      - {Sid: S${i}, Effect: Allow, Action: s3:GetObject, Resource: "arn:aws:s3:::b${i}/*"}`);
    await writeFile(join(dir, 'many.yaml'), `apiVersion: gatehouse.dev/v1\nkind: Policy\nmetadata: {name: many}\nspec:\n  document:\n    Version: "2012-10-17"\n    Statement:\n${statements.slice(0, 1).join('\n')}\n`);
    assert.equal((await cli('apply', '-f', join(dir, 'many.yaml'))).status, 0);
    await writeFile(join(dir, 'many.yaml'), `apiVersion: gatehouse.dev/v1\nkind: Policy\nmetadata: {name: many}\nspec:\n  document:\n    Version: "2012-10-17"\n    Statement:\n${statements.join('\n')}\n`);
    const r = await cli('plan', '-f', join(dir, 'many.yaml'));
    assert.equal(r.status, 0, r.err);
    const lines = r.out.split('\n').filter((l) => l.startsWith('      '));
    assert.equal(lines.length, MAX_DOCUMENT_CHANGES + 1);
    assert.equal(lines[0], '      + document.Statement[1]: {"Sid":"S1","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b1/*"}');
    assert.equal(lines.at(-1), '      … and 9 more differences');
    const json = JSON.parse((await cli('plan', '-f', join(dir, 'many.yaml'), '--json')).out) as { changes: { diff: unknown[]; diffOmitted: number }[] };
    assert.deepEqual([json.changes[0]?.diff.length, json.changes[0]?.diffOmitted], [MAX_DOCUMENT_CHANGES, 9]);
  });
});
