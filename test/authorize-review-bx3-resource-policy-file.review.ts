/**
 * Review bx, 3. `gatehouse resource-policies put RESOURCE --file F` sent the file's text as it was, so a policy in
 * YAML — which `gatehouse apply` takes for a ResourcePolicy's document, and `gatehouse policy validate`, `gatehouse iam
 * … --document` read as well (src/adapters/cli/policy-files.ts) — was refused with `MalformedPolicyDocument: line 1,
 * column 1: unexpected character \`V\``; and an error the server found in a JSON file was printed without the file,
 * and without a line when the element is missing (`Statement[0].Principal: a resource-based policy statement needs a
 * \`Principal\``), where every other command that sends a policy file prints `FILE:LINE:COLUMN: PATH: MESSAGE [CODE]`.
 *
 * Now the file is read as those commands read it (JSON as written, YAML by its value, a scalar YAML would misread
 * refused before anything is sent), and each error of the document the server refuses is printed at its place in
 * the file, then `gatehouse resource-policies put: N errors; nothing was changed`. Real server (SQLite), the CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { gatehouseJson } from './support/resource-server.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';

const BUCKET = 'arn:aws:s3:::bx3-data';

describe('gatehouse resource-policies put: a policy file in YAML or JSON, errors at their place', () => {
  let s: TestServer;
  let dir: string;
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'bx3-'));
  });
  after(async () => {
    await s?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a YAML policy is attached as its value', async () => {
    const file = join(dir, 'policy.yaml');
    await writeFile(file, ['Version: "2012-10-17"', 'Statement:', '  - Sid: Readers', '    Effect: Allow', '    Principal: "*"', '    Action: s3:GetObject', `    Resource: ${BUCKET}/*`, ''].join('\n'));
    const r = await cliAgainst(s, ['resource-policies', 'put', BUCKET, '--file', file]);
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, /policy attached to arn:aws:s3:::bx3-data/);
    const got = await gatehouseJson(s.url, s.admin, 'GET', `/v1/resource-policies/${encodeURIComponent(BUCKET)}`);
    assert.deepEqual((got.json['document'] as { Statement: unknown[] }).Statement, [{ Sid: 'Readers', Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: `${BUCKET}/*` }]);
  });

  it('an error in a JSON file is printed at its place in the file', async () => {
    const file = join(dir, 'missing-principal.json');
    await writeFile(file, ['{', '  "Version": "2012-10-17",', '  "Statement": [', '    {', '      "Effect": "Allow",', '      "Action": "s3:GetObject",', `      "Resource": "${BUCKET}/*"`, '    }', '  ]', '}', ''].join('\n'));
    const r = await cliAgainst(s, ['resource-policies', 'put', BUCKET, '--file', file]);
    assert.equal(r.status, EXIT.invalidPolicy, `${r.status}: ${r.err}`);
    assert.match(r.err, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:4:5: Statement\\[0\\]\\.Principal: a resource-based policy statement needs a \`Principal\` \\[POLICY_PRINCIPAL_REQUIRED\\]$`, 'm'));
    assert.match(r.err, /gatehouse resource-policies put: MalformedPolicyDocument: 1 error; nothing was changed/);
  });

  it('an error in a YAML file is printed at its line there, not the server’s rendering of it', async () => {
    const file = join(dir, 'bad.yml');
    await writeFile(file, ['Version: "2012-10-17"', 'Statement:', '  - Effect: Allow', '    Principal:', '      AWS: "arn:aws:iam::*:root"', '    Action: s3:GetObject', `    Resource: ${BUCKET}/*`, ''].join('\n'));
    const r = await cliAgainst(s, ['resource-policies', 'put', BUCKET, '--file', file]);
    assert.equal(r.status, EXIT.invalidPolicy, `${r.status}: ${r.err}`);
    assert.match(r.err, /bad\.yml:5:7: Statement\[0\]\.Principal\.AWS: principal `arn:aws:iam::\*:root` has a partial wildcard/);
  });

  it('a YAML scalar that would be misread is refused before anything is sent', async () => {
    const file = join(dir, 'lossy.yaml');
    // 012345678901 is the number 12345678901 in YAML: the condition would never match the account.
    await writeFile(file, ['Version: "2012-10-17"', 'Statement:', '  - Effect: Allow', '    Principal: "*"', '    Action: s3:GetObject', `    Resource: ${BUCKET}/*`, '    Condition:', '      StringEquals:', '        aws:PrincipalAccount: 012345678901', ''].join('\n'));
    const r = await cliAgainst(s, ['resource-policies', 'put', BUCKET, '--file', file]);
    assert.equal(r.status, EXIT.invalidPolicy, `${r.status}: ${r.err}`);
    assert.match(r.err, /lossy\.yaml:9:\d+: Statement\[0\]\.Condition\.StringEquals\.aws:PrincipalAccount: /);
  });

  it('a refusal that is not about the document (the resource argument) is printed as before', async () => {
    const file = join(dir, 'ok.json');
    await writeFile(file, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::bx3-data/*' }] }));
    const r = await cliAgainst(s, ['resource-policies', 'put', 'arn:aws:s3:::bx3-data/', '--file', file]);
    assert.notEqual(r.status, 0);
    assert.match(r.err, /^gatehouse: ValidationError: resource: resource `arn:aws:s3:::bx3-data\/` ends in `\/`/);
  });
});
