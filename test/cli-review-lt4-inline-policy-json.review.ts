/**
 * Review lt, 4: `gatehouse iam roles create R --trust-policy '{"Version": …}'`, `iam policies create P --document
 * '{…}'` and `iam put-inline … --document '{…}'` took the JSON for a file's name: exit 5, "cannot read `{"Version":
 * "2012-10-17", …}`: no such file; check the path". The aws CLI takes a document option's JSON text as it is
 * (`aws iam create-role --assume-role-policy-document '{"Version": …}'`, `create-policy --policy-document '{…}'`,
 * `put-role-policy --policy-document '{…}'`, the form the IAM user guide's examples use; `file://PATH` for a file:
 * docs.aws.amazon.com/cli "Loading AWS CLI parameters from a file"), and gatehouse's own `sts assume-role --policy`
 * takes the JSON text too. An operator with those habits met a refusal that spoke of a file they never named.
 * Now a document option whose value starts with `{` is the document's JSON text (no policy file's name starts so),
 * read and checked as a file's would be, its errors placed at their line and column and named as the option's text;
 * a path, `file://PATH` and `-` are read as before.
 * The CLI in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1.
 * Before the fix 4 of 4 tests failed.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { GetRoleCommand, GetRolePolicyCommand, GetPolicyCommand, GetPolicyVersionCommand } from '@aws-sdk/client-iam';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

const cli = (args: string[]) => gatehouseCliInProcess(args, server.admin, { endpoint: server.url, home: server.dataDir });
const TRUST = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "training.gatehouse.dev"}, "Action": "sts:AssumeRole"}]}';
const READ = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::lt4/*"}]}';

test('lt4: iam roles create --trust-policy with the JSON itself, as aws iam create-role takes it', async () => {
  const r = await cli(['iam', 'roles', 'create', 'lt4-trainer', '--trust-policy', TRUST]);
  assert.equal(r.code, EXIT.ok, r.stderr);
  const role = await server.iam().send(new GetRoleCommand({ RoleName: 'lt4-trainer' }));
  assert.deepEqual(JSON.parse(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? '')), JSON.parse(TRUST));
});

test('lt4: iam policies create --document with the JSON itself', async () => {
  const r = await cli(['iam', 'policies', 'create', 'lt4-read', '--document', READ]);
  assert.equal(r.code, EXIT.ok, r.stderr);
  const arn = 'arn:aws:iam::000000000000:policy/lt4-read';
  const p = await server.iam().send(new GetPolicyCommand({ PolicyArn: arn }));
  const v = await server.iam().send(new GetPolicyVersionCommand({ PolicyArn: arn, VersionId: p.Policy?.DefaultVersionId }));
  assert.deepEqual(JSON.parse(decodeURIComponent(v.PolicyVersion?.Document ?? '')), JSON.parse(READ));
});

test('lt4: iam put-inline --document with the JSON itself', async () => {
  await cli(['iam', 'roles', 'create', 'lt4-inline', '--trust-policy', TRUST]);
  const r = await cli(['iam', 'put-inline', 'read', '--role', 'lt4-inline', '--document', READ]);
  assert.equal(r.code, EXIT.ok, r.stderr);
  const p = await server.iam().send(new GetRolePolicyCommand({ RoleName: 'lt4-inline', PolicyName: 'read' }));
  assert.deepEqual(JSON.parse(decodeURIComponent(p.PolicyDocument ?? '')), JSON.parse(READ));
});

test('lt4: JSON text with a syntax error is refused at its place, naming the option, not as a missing file', async () => {
  const r = await cli(['iam', 'policies', 'create', 'lt4-bad', '--document', '{"Version": "2012-10-17", "Statement": [}']);
  assert.equal(r.code, EXIT.invalidPolicy, r.stderr);
  assert.match(r.stderr, /^--document's JSON text:1:\d+: /m);
  assert.doesNotMatch(r.stderr, /no such file|cannot read/);
});
