/**
 * Review `gh` (a new user follows the README's tour), 6: §1's `policy evaluate` "decides a request the way the server
 * would", and its resource.
 *
 * Given a resource that is not an ARN (`--resource ml-datasets/restricted/labels.csv`, the bucket path for
 * `arn:aws:s3:::ml-datasets/restricted/labels.csv`), `policy evaluate` decided it: no statement's `Resource` matched
 * the path, so it answered `ImplicitDeny: no policy allows this request`, exit 1, for a request the policy explicitly
 * denies (§1's example, written as an ARN, is ExplicitDeny) and would allow elsewhere; the user read the typo's answer as
 * the policy's. The server refuses such a question (`gatehouse authorize`, `simulate`: 400 ValidationError "`resource`
 * must be an ARN … or `*`", exit 8), as AWS's policy simulator does ("not in a valid ARN format"). Now `policy
 * evaluate` refuses it with the server's words and status, before deciding; `*` and ARNs of either dialect are decided
 * as before. The CLI run in process, offline, on the repository's example policy; the server's answer to the same
 * question is asked of a real one (startTestServer) through the CLI.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { cliAgainst, startTestServer, type TestServer } from './support/server.ts';

const ENV = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: '/nonexistent' };
const ALICE = 'arn:aws:iam::111122223333:user/alice';
const evaluate = (resource: string, ...more: string[]) =>
  gatehouseInProcess(['policy', 'evaluate', '--policy', 'examples/policies/ml-data-reader.json', '--principal', ALICE, '--action', 's3:GetObject', '--resource', resource, ...more], ENV);
const REFUSAL = /--resource: `resource` must be an ARN \(arn:partition:service:… or acs:service:…\) or `\*`, at most 2048 characters, got `ml-datasets\/restricted\/labels.csv` \[VALIDATION_ERROR\]/;

let s: TestServer;

before(async () => {
  s = await startTestServer();
});

after(async () => {
  await s?.stop();
});

test('gh6: policy evaluate refuses a resource that is not an ARN, as the server does, rather than deciding it', async () => {
  const r = await evaluate('ml-datasets/restricted/labels.csv');
  assert.equal(r.code, EXIT.invalidInput, r.stdout + r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, REFUSAL);
  const json = await evaluate('ml-datasets/restricted/labels.csv', '--json');
  assert.equal(json.code, EXIT.invalidInput);
  assert.deepEqual((JSON.parse(json.stderr) as { errors: { code: string; path: string }[] }).errors.map((e) => [e.code, e.path]), [['VALIDATION_ERROR', 'resource']]);

  const server = await cliAgainst(s, ['authorize', '--principal', 'arn:aws:iam::000000000000:user/admin', '--action', 's3:GetObject', '--resource', 'ml-datasets/restricted/labels.csv']);
  assert.equal(server.status, r.code, server.err);
  assert.match(server.err, /`resource` must be an ARN \(arn:partition:service:… or acs:service:…\) or `\*`, at most 2048 characters, got `ml-datasets\/restricted\/labels.csv`/);
});

test('gh6: an ARN, of either dialect, or * is decided as before', async () => {
  const arn = await evaluate('arn:aws:s3:::ml-datasets/restricted/labels.csv');
  assert.equal(arn.code, EXIT.denied, arn.stderr);
  assert.match(arn.stdout, /^ExplicitDeny: explicitly denied by an identity policy/);
  const allowed = await evaluate('arn:aws:s3:::ml-datasets/train/x');
  assert.equal(allowed.code, EXIT.ok, allowed.stderr);
  const any = await evaluate('*');
  assert.equal(any.stderr, '');
  const acs = await evaluate('acs:oss:*:111122223333:ml-datasets/x');
  assert.equal(acs.stderr, '');
});
