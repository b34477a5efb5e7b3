/**
 * Dialects review ov, finding 3: the doors that decide a request against documents the caller gives — `gatehouse
 * policy evaluate` ("decide one request against policy files, as the server would") and the IAM API's
 * SimulateCustomPolicy — read them with the lenient grammar of stored documents (src/core/iam/parse.ts `written`), so
 * they decided documents every write refuses: a RAM (`Version: "1"`) bucket policy with `NotPrincipal` (RAM's grammar,
 * reference §A.2, has none; review ov, 1) was simulated as AWS reads one, an ExplicitDeny for everyone but the
 * principal it names, where the server refuses to store it. `policy validate` says it is invalid (review ov, 2); the
 * same CLI's `evaluate` answered a decision. Now both check a given document as a write does: `policy evaluate` exits
 * 3 (invalid policy) naming `NotPrincipal`, SimulateCustomPolicy answers MalformedPolicyDocument, as IAM answers a
 * simulation of a document it cannot read (API_SimulateCustomPolicy, Errors). A document the server takes is still
 * decided.
 * Before the fix 2 of 3 tests failed.
 * The CLI's program in this process (test/support/gatehouse-cli.ts) on temp files; a real server (SQLite), an `acs`
 * account and `@aws-sdk/client-iam` for SimulateCustomPolicy.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { accountAdmin, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '606147604051';
const BUCKET = 'acs:oss:*:*:ov3';
const ALLOW_OSS = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:*', Resource: '*' }] };
const NOT_PRINCIPAL = { Version: '1', Statement: [{ Effect: 'Deny', NotPrincipal: { RAM: [`acs:ram::${A}:user/keeper`] }, Action: 'oss:*', Resource: `${BUCKET}/*` }] };
const RAM_WAY = {
  Version: '1',
  Statement: [{ Effect: 'Deny', Principal: { RAM: '*' }, Action: 'oss:*', Resource: `${BUCKET}/*`, Condition: { StringNotEquals: { 'acs:PrincipalARN': `acs:ram::${A}:user/keeper` } } }],
};

let dir = '';
let s: TestServer;
let admin: Credentials;
const file = async (name: string, doc: object): Promise<string> => {
  const path = join(dir, name);
  await writeFile(path, JSON.stringify(doc, null, 2));
  return path;
};
const evaluate = async (resourcePolicy: object) =>
  gatehouseInProcess(
    ['policy', 'evaluate', '--policy', await file('id.json', ALLOW_OSS), '--resource-policy', await file('bucket.json', resourcePolicy), '--principal', `acs:ram::${A}:user/other`, '--action', 'oss:GetObject', '--resource', `${BUCKET}/x`],
    { PATH: process.env['PATH'] ?? '' },
  );
const simulate = (resourcePolicy: object) =>
  s.iam(admin).send(new I.SimulateCustomPolicyCommand({
    PolicyInputList: [JSON.stringify(ALLOW_OSS)],
    ResourcePolicy: JSON.stringify(resourcePolicy),
    CallerArn: `acs:ram::${A}:user/other`,
    ActionNames: ['oss:GetObject'],
    ResourceArns: [`${BUCKET}/x`],
  }));

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gh-ov3-'));
  s = await startTestServer();
  admin = await accountAdmin(s, A, 'acs');
});
after(async () => {
  await s?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('what-if doors check a given document as a write does (dialects review ov, 3)', () => {
  it('policy evaluate: a RAM bucket policy with NotPrincipal is an invalid policy (exit 3), not a decision', async () => {
    const r = await evaluate(NOT_PRINCIPAL);
    assert.equal(r.code, EXIT.invalidPolicy, r.stdout + r.stderr);
    assert.match(r.stdout + r.stderr, /Statement\[0\]\.NotPrincipal/);
    assert.doesNotMatch(r.stdout, /ExplicitDeny/);
  });

  it('SimulateCustomPolicy: the same ResourcePolicy is MalformedPolicyDocument, naming NotPrincipal', async () => {
    const f = await sdkFailure(simulate(NOT_PRINCIPAL));
    assert.equal(f.code, 'MalformedPolicyDocument', f.message);
    assert.match(f.message, /NotPrincipal/);
  });

  it('the RAM way is decided by both, as the server decides it', async () => {
    const r = await evaluate(RAM_WAY);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /ExplicitDeny/);
    const out = await simulate(RAM_WAY);
    assert.equal(out.EvaluationResults?.[0]?.EvalDecision, 'explicitDeny');
  });
});
