/**
 * Dialects review ov, finding 2: `gatehouse policy validate` checked a document with the grammar Gatehouse reads a
 * stored document with, not the one it takes a document with (src/core/iam/parse.ts `written`, applied by the IAM
 * API, /v1 and apply). So it printed `valid` (exit 0) for documents every write refuses: a RAM (`Version: "1"`) bucket
 * policy with `NotPrincipal` (review ov, 1: RAM's grammar, reference §A.2, has none) and a RAM trust policy that grants
 * `oss:GetObject` (IAM and RAM: "AssumeRole policy may only specify STS AssumeRole actions"). A check run before an
 * apply, in CI, passed and the apply then failed. The CLI's contract (README, `policy validate`: "exit 3 invalid
 * policy") is the server's grammar: validate now checks a document as a write does, with the same errors and paths.
 * Before the fix 1 of 2 tests failed.
 * The CLI's program in this process (test/support/gatehouse-cli.ts) on temp files; a real server (SQLite) and an
 * `acs` account for what a write answers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { gatehouseJson } from './support/resource-server.ts';
import { accountAdmin, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '606147604050';
const BUCKET = 'acs:oss:*:*:ov2';
const NOT_PRINCIPAL = { Version: '1', Statement: [{ Effect: 'Deny', NotPrincipal: { RAM: [`acs:ram::${A}:user/keeper`] }, Action: 'oss:*', Resource: `${BUCKET}/*` }] };
const TRUST_GRANTS_READS = { Version: '1', Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'oss:GetObject'], Principal: { RAM: [`acs:ram::${A}:root`] } }] };
const TRUST = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${A}:root`] } }] };

let dir = '';
let s: TestServer;
let admin: Credentials;
const validate = async (kind: string, doc: object) => {
  const path = join(dir, `${kind}-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(path, JSON.stringify(doc, null, 2));
  return gatehouseInProcess(['policy', 'validate', '--kind', kind, path], { PATH: process.env['PATH'] ?? '' });
};

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-ov2-'));
  s = await startTestServer();
  admin = await accountAdmin(s, A, 'acs');
});
after(async () => {
  await s?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('policy validate checks a document as a write does (dialects review ov, 2)', () => {
  it('a RAM bucket policy with NotPrincipal and a RAM trust policy granting oss:GetObject: refused by the server, invalid to validate', async () => {
    const put = await gatehouseJson(s.url, admin, 'PUT', `/v1/resource-policies/${encodeURIComponent(BUCKET)}`, { document: NOT_PRINCIPAL });
    assert.equal(put.status, 400, JSON.stringify(put.json));
    const v1 = await validate('resource', NOT_PRINCIPAL);
    assert.equal(v1.code, EXIT.invalidPolicy, v1.stdout + v1.stderr);
    assert.match(v1.stdout, /Statement\[0\]\.NotPrincipal/);
    assert.match(v1.stdout, /POLICY_NOTPRINCIPAL_NOT_ALLOWED/);

    const iam = s.iam(admin);
    const refused = await sdkFailure(iam.send(new I.CreateRoleCommand({ RoleName: 'ov2', AssumeRolePolicyDocument: JSON.stringify(TRUST_GRANTS_READS) })));
    assert.equal(refused.code, 'MalformedPolicyDocument', refused.message);
    const v2 = await validate('trust', TRUST_GRANTS_READS);
    assert.equal(v2.code, EXIT.invalidPolicy, v2.stdout + v2.stderr);
    assert.match(v2.stdout, /Statement\[0\]\.Action\[1\]/);
    assert.match(v2.stdout, /oss:GetObject/);
  });

  it('what the server takes still validates', async () => {
    const iam = s.iam(admin);
    await iam.send(new I.CreateRoleCommand({ RoleName: 'ov2-ok', AssumeRolePolicyDocument: JSON.stringify(TRUST) }));
    const v = await validate('trust', TRUST);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /^valid$/m);
  });
});
