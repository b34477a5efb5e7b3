/**
 * Where an error of the admin API (`/v1/`) is, for a single error as for several, against a real server
 * (startTestServer, SQLite in a temporary directory):
 *
 * - the JSON answer lists every error in `error.details`, each with its code, JSON path and, where known, line
 *   and column — one error too (a broken condition of the only binding of an IAM policy, the only statement of a
 *   resource policy without `Resource`);
 * - `gatehouse iam-policy set` and `gatehouse resource-policies put` (the CLI's program, in this process) name the path, line and column
 *   in their message, for one error as for several;
 * - the IAM Query API at `POST /` keeps AWS's XML error shape (no path, no details).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { encodeSegment, report, type ClientFailure } from '../src/adapters/cli/client.ts';
import type { CommandContext } from '../src/adapters/cli/context.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, REGION, type TestServer } from './support/server.ts';

const MODEL = 'arn:aws:training::000000000000:model/located';
const BUCKET = 'arn:aws:s3:::located-errors';
/** Column 29 of the expression is where the `)` is missing. */
const BROKEN = { role: 'roles/ml.viewer', members: ['user:admin'], condition: { title: 'broken', expression: 'resource.name.startsWith("x"' } };
const CONDITION_MESSAGE = /^expected `\)` to close the call of `startsWith`/;

interface Detail {
  readonly code: string;
  readonly message: string;
  readonly path: string;
  readonly line?: number;
  readonly column?: number;
}
interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly gatehouseCode: string; readonly details?: readonly Detail[] };
}

let server: TestServer;
let home: string;

before(async () => {
  server = await startTestServer();
  home = await mkdtemp(join(tmpdir(), 'gh-admin-errors-'));
});

after(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

/** A SigV4-signed `/v1/` request, read as it came: status and JSON body. */
async function v1(method: string, segments: readonly string[], body: unknown): Promise<{ status: number; json: ErrorBody }> {
  const u = new URL(server.url);
  const path = `/v1/${segments.map(encodeSegment).join('/')}`;
  const text = JSON.stringify(body);
  const signer = new SignatureV4({ service: 'gatehouse', region: REGION, credentials: server.admin, sha256: Sha256 });
  const signed = await signer.sign({ method, protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path, query: {}, headers: { host: u.host, 'content-type': 'application/json' }, body: text });
  const r = await fetch(new URL(path, u), { method, headers: signed.headers, body: text });
  return { status: r.status, json: (await r.json()) as ErrorBody };
}

function gh(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    GATEHOUSE_ENDPOINT: server.url,
    AWS_ACCESS_KEY_ID: server.admin.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey,
  };
  // The command's program in this process (test/support/gatehouse-cli.ts): what it prints, not the executable, is the point.
  return gatehouseInProcess(args, env, { cwd: home });
}

const statements = (...s: Record<string, unknown>[]): string => JSON.stringify({ Version: '2012-10-17', Statement: s }, null, 2);
const NO_RESOURCE = { Effect: 'Allow', Principal: '*', Action: 's3:GetObject' };

describe('the answer of /v1/ names where a single error is, as it does for several', () => {
  test('an IAM policy whose only binding has a broken condition: its path, line and column', async () => {
    const one = await v1('PUT', ['iam-policies'], { resource: MODEL, bindings: [BROKEN] });
    assert.equal(one.status, 400);
    assert.equal(one.json.error.code, 'MalformedPolicyDocument');
    assert.equal(one.json.error.gatehouseCode, 'BINDINGS_INVALID_CONDITION');
    assert.match(one.json.error.message, CONDITION_MESSAGE);
    assert.equal(one.json.error.details?.length, 1, JSON.stringify(one.json));
    const [d] = one.json.error.details ?? [];
    assert.deepEqual({ code: d?.code, path: d?.path, line: d?.line, column: d?.column }, { code: 'BINDINGS_INVALID_CONDITION', path: 'bindings[0].condition.expression', line: 1, column: 29 });
    assert.equal(d?.message, one.json.error.message);

    const two = await v1('PUT', ['iam-policies'], { resource: MODEL, bindings: [BROKEN, BROKEN] });
    assert.deepEqual(two.json.error.details?.map((x) => [x.path, x.line, x.column]), [
      ['bindings[0].condition.expression', 1, 29],
      ['bindings[1].condition.expression', 1, 29],
    ]);
  });

  test('a resource policy whose only statement has no Resource, or a bad Effect: the statement is named', async () => {
    const missing = await v1('PUT', ['resource-policies', BUCKET], { document: statements(NO_RESOURCE) });
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error.gatehouseCode, 'POLICY_MISSING_ELEMENT');
    assert.deepEqual(missing.json.error.details?.map((x) => x.path), ['Statement[0].Resource'], JSON.stringify(missing.json));
    const effect = await v1('PUT', ['resource-policies', BUCKET], { document: statements({ ...NO_RESOURCE, Resource: `${BUCKET}/*`, Effect: 'Alow' }) });
    assert.equal(effect.status, 400);
    const [d] = effect.json.error.details ?? [];
    assert.equal(effect.json.error.details?.length, 1, JSON.stringify(effect.json));
    // `"Effect": "Alow"` is line 5 of the document as sent, its key at column 7.
    assert.deepEqual({ code: d?.code, path: d?.path, line: d?.line, column: d?.column }, { code: 'POLICY_INVALID_EFFECT', path: 'Statement[0].Effect', line: 5, column: 7 });
  });

  test('the IAM Query API keeps its XML error shape for the same kind of error', async () => {
    const u = new URL(server.url);
    const body = new URLSearchParams({ Action: 'CreatePolicy', Version: '2010-05-08', PolicyName: 'located', PolicyDocument: statements({ Effect: 'Alow', Action: 's3:GetObject', Resource: '*' }) }).toString();
    const signer = new SignatureV4({ service: 'iam', region: REGION, credentials: server.admin, sha256: Sha256 });
    const signed = await signer.sign({ method: 'POST', protocol: u.protocol, hostname: u.hostname, port: Number(u.port), path: '/', query: {}, headers: { host: u.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, body });
    const r = await fetch(new URL('/', u), { method: 'POST', headers: signed.headers, body });
    assert.equal(r.status, 400);
    const xml = await r.text();
    assert.match(
      xml,
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<ErrorResponse xmlns="https:\/\/iam\.amazonaws\.com\/doc\/2010-05-08\/"><Error><Type>Sender<\/Type><Code>MalformedPolicyDocument<\/Code><Message>[^<]*<\/Message><\/Error><RequestId>[0-9a-f-]+<\/RequestId><\/ErrorResponse>\n$/,
    );
  });
});

describe('the CLI names where a single error is, as it does for several', () => {
  test('gatehouse iam-policy set: the binding, line and column of its condition', async () => {
    const one = join(home, 'one.json');
    const two = join(home, 'two.json');
    await writeFile(one, JSON.stringify({ bindings: [BROKEN] }));
    await writeFile(two, JSON.stringify({ bindings: [BROKEN, BROKEN] }));
    const [single, several] = [await gh(['iam-policy', 'set', MODEL, '--file', one]), await gh(['iam-policy', 'set', MODEL, '--file', two])];
    assert.equal(single.code, 3, single.stderr);
    // The place of the expression in the file, then the place within the expression (test/cli-iam-policy-file-positions.part.ts).
    assert.match(single.stderr, /^[^\n]*\/one\.json:1:\d+: bindings\[0\]\.condition\.expression \(line 1, column 29\): expected `\)` to close the call of `startsWith`.* \[BINDINGS_INVALID_CONDITION\]\ngatehouse iam-policy set: MalformedPolicyDocument: 1 error; nothing was changed\n$/);
    assert.equal(several.code, 3, several.stderr);
    assert.match(several.stderr, /^[^\n]*\/two\.json:1:\d+: bindings\[0\]\.condition\.expression \(line 1, column 29\): expected .* \[BINDINGS_INVALID_CONDITION\]$/m);
    assert.match(several.stderr, /^[^\n]*\/two\.json:1:\d+: bindings\[1\]\.condition\.expression \(line 1, column 29\): expected .* \[BINDINGS_INVALID_CONDITION\]$/m);
    // With --json the error is a JSON document, on stderr as every error (review F, F4).
    const json = await gh(['iam-policy', 'set', MODEL, '--file', one, '--json']);
    assert.equal(json.stdout, '');
    const body = JSON.parse(json.stderr) as ErrorBody;
    assert.deepEqual(body.error.details?.map((d) => [d.path, d.line, d.column]), [['bindings[0].condition.expression', 1, 29]]);
  });

  test('gatehouse resource-policies put: the statement at fault', async () => {
    const one = join(home, 'one-statement.json');
    const two = join(home, 'two-statements.json');
    await writeFile(one, statements(NO_RESOURCE));
    await writeFile(two, statements(NO_RESOURCE, NO_RESOURCE));
    const [single, several] = [await gh(['resource-policies', 'put', BUCKET, '--file', one]), await gh(['resource-policies', 'put', BUCKET, '--file', two])];
    // At its place in the file, as `policy validate` and `apply` print errors (review bx, 3).
    assert.equal(single.code, 3, single.stderr);
    assert.equal(single.stderr, `${one}:4:5: Statement[0].Resource: statement needs \`Resource\` or \`NotResource\` [POLICY_MISSING_ELEMENT]\ngatehouse resource-policies put: MalformedPolicyDocument: 1 error; nothing was changed\n`);
    assert.equal(several.code, 3, several.stderr);
    assert.ok(several.stderr.includes(`${two}:9:5: Statement[1].Resource: statement needs \`Resource\` or \`NotResource\` [POLICY_MISSING_ELEMENT]\n`), several.stderr);
  });

  test('report: no path and no position, or a message that is not the error\'s own, print as before', () => {
    const lines: string[] = [];
    const ctx = { out: (s: string) => void lines.push(s), err: (s: string) => void lines.push(s), exit: () => {} } as unknown as CommandContext;
    const failure = (message: string, errors: ClientFailure['errors']): ClientFailure => ({ ok: false, status: 3, httpStatus: 400, code: 'MalformedPolicyDocument', message, errors });
    report(ctx, failure('m', []));
    report(ctx, failure('m', [{ code: 'POLICY_EMPTY', message: 'm', path: '' }]));
    report(ctx, failure('m', [{ code: 'POLICY_EMPTY', message: 'm', path: '', line: 2, column: 3 }]));
    report(ctx, failure('summary', [{ code: 'POLICY_EMPTY', message: 'm', path: 'Statement' }]));
    assert.deepEqual(lines, ['gatehouse: MalformedPolicyDocument: m\n', 'gatehouse: MalformedPolicyDocument: m\n', 'gatehouse: MalformedPolicyDocument: line 2, column 3: m\n', 'gatehouse: MalformedPolicyDocument: summary\n']);
  });
});
