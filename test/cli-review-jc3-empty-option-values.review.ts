/**
 * Review jc, 3 (cli): an empty name given as an option's value or in a request body (`--user "$USER_NAME"` with the
 * variable unset) was sent as it was, and the refusal that came back was wrong about the cause. docs/errors.md promises
 * `EmptyArgument` (exit 2) for "an empty or blank name or id …, refused before anything is sent", but only names in the
 * request's path were checked:
 * - `iam access-keys list|create|update|delete --user ''`, run as the admin user, answered `ValidationError: UserName:
 *   UserName is required when the caller is not a user` (exit 8): the caller is a user, and the option is `--user`;
 * - `iam attach '' --role R` and `iam users|roles create … --permissions-boundary ''` answered `NoSuchEntity: Policy
 *   arn:aws:iam::000000000000:policy/ does not exist or is not attachable` (exit 6), a policy nobody named;
 * - `jobs run --workspace ''` printed `` `workspace` is required `` (exit 8), the API's field, not the option;
 * - `sts revoke-sessions --role-arn ''` (or `--session-arn`, `--job`) and `kube access-entry create --principal-arn ''`
 *   named the API's fields (`roleArn`, `principalArn`), exit 8.
 * Why it matters: a script's unset variable is the common cause, and the message sent the reader to the wrong place
 * (exit 6 even reads as "not there" to a script that then creates it). Now each of these options and `attach`'s
 * argument refuses an empty or blank value as a usage error naming the option (exit 2), as `jobs list --workspace ''`
 * and `kube token --cluster ''` already did; nothing is sent.
 *
 * The CLI in this process (test/support/gatehouse-cli.ts) against a real server on 127.0.0.1.
 *
 * Before the fix 5 of 5 tests failed.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('jc3: an empty option value is a usage error naming the option', () => {
  let s: TestServer;
  let dir: string;
  let trust: string;
  before(async () => {
    s = await startTestServer();
    dir = await mkdtemp(join(tmpdir(), 'gh-jc3-'));
    trust = join(dir, 'trust.json');
    await writeFile(trust, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] }));
    for (const args of [['iam', 'roles', 'create', 'trainer', '--trust-policy', trust], ['workspaces', 'put', 'vision', '--member', 'user:admin'], ['apply', '-f', '-']]) {
      const r = await cli(args, args[0] === 'apply' ? 'apiVersion: gatehouse.dev/v1\nkind: Cluster\nmetadata:\n  name: c1\nspec:\n  instanceRole: trainer\n' : undefined);
      assert.equal(r.code, 0, r.stderr);
    }
  });
  after(async () => {
    await s?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const cli = (args: readonly string[], stdin?: string) => gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir }, stdin === undefined ? {} : { stdin });
  const refused = async (args: readonly string[], option: string) => {
    const r = await cli(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.equal(r.stdout, '');
    assert.ok(r.stderr.includes(`${option} is empty`), `${args.join(' ')}: ${r.stderr}`);
  };

  it('iam access-keys list, create, update and delete --user \'\'', async () => {
    await refused(['iam', 'access-keys', 'list', '--user', ''], '--user');
    await refused(['iam', 'access-keys', 'create', '--user', ' '], '--user');
    await refused(['iam', 'access-keys', 'update', 'AKIAAAAAAAAAAAAAAAAA', '--status', 'Inactive', '--user', ''], '--user');
    await refused(['iam', 'access-keys', 'delete', 'AKIAAAAAAAAAAAAAAAAA', '--user', ''], '--user');
  });

  it('iam attach \'\' and --permissions-boundary \'\'; nothing is created', async () => {
    await refused(['iam', 'attach', '', '--role', 'trainer'], 'the policy');
    await refused(['iam', 'users', 'create', 'x', '--permissions-boundary', ''], '--permissions-boundary');
    await refused(['iam', 'roles', 'create', 'y', '--trust-policy', trust, '--permissions-boundary', ''], '--permissions-boundary');
    assert.equal((await cli(['iam', 'users', 'get', 'x'])).code, 6);
  });

  it('jobs run --workspace \'\': nothing is submitted', async () => {
    await refused(['jobs', 'run', '--workspace', '', '--', 'true'], '--workspace');
    const jobs = await cli(['jobs', 'list', '--json']);
    assert.deepEqual((JSON.parse(jobs.stdout) as { jobs: unknown[] }).jobs, []);
  });

  it('sts revoke-sessions --role-arn, --session-arn, --job \'\'', async () => {
    await refused(['sts', 'revoke-sessions', '--role-arn', ''], '--role-arn');
    await refused(['sts', 'revoke-sessions', '--session-arn', ''], '--session-arn');
    await refused(['sts', 'revoke-sessions', '--job', ''], '--job');
  });

  it('kube access-entry create and describe --principal-arn \'\'', async () => {
    await refused(['kube', 'access-entry', 'create', '--cluster', 'c1', '--principal-arn', ''], '--principal-arn');
    await refused(['kube', 'access-entry', 'describe', '--cluster', 'c1', '--principal-arn', ''], '--principal-arn');
  });
});
