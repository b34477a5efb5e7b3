/**
 * The server-facing CLI as users run it: the `gatehouse` program (in this process, test/support/gatehouse-cli.ts:
 * the executable's code with the environment, working directory and output a process would have) against a server
 * started in this process (`startServer`, 127.0.0.1, random port, temp data dir). Covers `plan`/`apply` on
 * examples/config, `accounts create|list`, `iam` commands, credentials from the environment or the data dir,
 * exit statuses, and `--help` at every level.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { EXIT } from '../src/adapters/cli/exit-codes.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const ROOT = join(import.meta.dirname, '..');
const EXAMPLES = join(ROOT, 'examples', 'config');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

let server: RunningServer;
let dataDir = '';
let work = '';

/** Only what the CLI needs: no AWS_* variable or GATEHOUSE_* setting of the machine leaks in. */
function gatehouse(args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  return gatehouseInProcess(args, { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: work, ...env }, { cwd: ROOT });
}

/** As the root admin, through the data dir's admin-credentials.json (which also names the endpoint). */
const asAdmin = (...args: string[]): Promise<Run> => gatehouse([...args, '--data-dir', dataDir]);

before(async () => {
  work = await mkdtemp(join(tmpdir(), 'gatehouse-cli-iam-'));
  dataDir = join(work, 'data');
  server = await startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
});

after(async () => {
  await server.stop();
  await rm(work, { recursive: true, force: true });
});

describe('gatehouse plan / apply', () => {
  test('plan on examples/config lists creations and changes nothing', async () => {
    const r = await asAdmin('plan', '-f', EXAMPLES);
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.match(r.stdout, /^account 000000000000$/m);
    assert.match(r.stdout, /^ {2}\+ create Role\/training-default$/m);
    assert.match(r.stdout, /^ {2}\+ create Role\/training-eval$/m, 'JSON files in subdirectories are read');
    assert.match(r.stdout, /^plan: 13 to create, 0 to update, 0 to delete, 0 unchanged/m);
    const users = await asAdmin('iam', 'users', 'list');
    assert.doesNotMatch(users.stdout, /alice/);
  });

  test('apply creates, then a second apply is all unchanged', async () => {
    const first = await asAdmin('apply', '-f', EXAMPLES);
    assert.equal(first.code, EXIT.ok, first.stderr);
    assert.match(first.stdout, /^applied: 13 created, 0 updated, 0 deleted, 0 unchanged$/m);
    const again = await asAdmin('apply', '-f', EXAMPLES, '--json');
    assert.equal(again.code, EXIT.ok, again.stderr);
    const result = JSON.parse(again.stdout) as { summary: Record<string, number>; changes: { action: string }[] };
    assert.deepEqual(result.summary, { create: 0, update: 0, delete: 0, unchanged: 13 });
    const role = JSON.parse((await asAdmin('iam', 'roles', 'get', 'training-default', '--json')).stdout) as { trustPolicy: { Statement: { Principal: unknown }[] }; maxSessionDuration: number };
    assert.deepEqual(role.trustPolicy.Statement[0]?.Principal, { Service: 'training.gatehouse.dev' });
    assert.equal(role.maxSessionDuration, 7200);
  });

  test('an update shows the changed fields; --prune deletes what the files no longer name', async () => {
    const dir = join(work, 'config');
    await cp(EXAMPLES, dir, { recursive: true });
    await rm(join(dir, 'roles', 'evaluation.json'));
    await writeFile(
      join(dir, 'roles', 'training.yaml'),
      [
        'apiVersion: gatehouse.dev/v1',
        'kind: Role',
        'metadata: {name: training-default}',
        'spec:',
        '  description: Default role of training jobs',
        '  maxSessionDuration: 7200',
        '  trustPolicy: {Version: "2012-10-17", Statement: [{Effect: Allow, Principal: {Service: [training.gatehouse.dev, compute.gatehouse.dev]}, Action: sts:AssumeRole}]}',
        '  policies: [read-datasets]',
        '  tags: {purpose: training}',
        '',
      ].join('\n'),
    );
    const plan = await asAdmin('plan', '-f', dir, '--prune');
    assert.equal(plan.code, EXIT.ok, plan.stderr);
    assert.match(plan.stdout, /^ {2}~ update Role\/training-default \(trustPolicy, inlinePolicies\)$/m);
    assert.match(plan.stdout, /^ {2}- delete Role\/training-eval$/m);
    assert.match(plan.stdout, /^ {2}= unchanged User\/alice$/m);
    const apply = await asAdmin('apply', '-f', dir, '--prune');
    assert.equal(apply.code, EXIT.ok, apply.stderr);
    assert.match(apply.stdout, /^applied: 0 created, 1 updated, 1 deleted, 11 unchanged$/m);
    assert.equal((await asAdmin('iam', 'roles', 'get', 'training-eval')).code, EXIT.notFound);
  });

  test('an invalid document: nothing changes, and each error names file, line, document and field', async () => {
    const dir = join(work, 'bad');
    await cp(EXAMPLES, dir, { recursive: true });
    await writeFile(
      join(dir, 'more.yaml'),
      [
        'apiVersion: gatehouse.dev/v1',
        'kind: User',
        'metadata: {name: dave}',
        '---',
        'apiVersion: gatehouse.dev/v1',
        'kind: Role',
        'metadata: {name: broken}',
        'spec:',
        '  polices: [read-datasets]',
        '  trustPolicy:',
        '    Version: "2012-10-17"',
        '    Statement:',
        '      - {Effect: Alow, Principal: {Service: training.gatehouse.dev}, Action: sts:AssumeRole}',
        '',
      ].join('\n'),
    );
    const r = await asAdmin('apply', '-f', dir);
    assert.equal(r.code, EXIT.invalidInput);
    const file = join(dir, 'more.yaml');
    assert.ok(r.stderr.includes(`${file}:9:3: document 2 (Role broken): spec.polices: unknown field \`polices\``), r.stderr);
    assert.ok(r.stderr.includes(`${file}:13:10: document 2 (Role broken): spec.trustPolicy.Statement[0].Effect:`), r.stderr);
    assert.match(r.stderr, /nothing was changed/);
    assert.equal((await asAdmin('iam', 'users', 'get', 'dave')).code, EXIT.notFound);
  });

  test('an unreadable path exits 5', async () => {
    const r = await asAdmin('plan', '-f', join(work, 'missing'));
    assert.equal(r.code, EXIT.noInput);
    assert.match(r.stderr, /no such file or directory/);
  });
});

describe('gatehouse accounts and iam', () => {
  let acs: { AccountId: string; AccessKeyId: string; SecretAccessKey: string; UserName: string; Partition: string };

  test('accounts create --json prints the new admin key once; list shows the account; a second create conflicts', async () => {
    const r = await asAdmin('accounts', 'create', '--id', '123456789012', '--partition', 'acs', '--name', 'vision', '--json');
    assert.equal(r.code, EXIT.ok, r.stderr);
    acs = JSON.parse(r.stdout) as typeof acs;
    assert.equal(acs.AccountId, '123456789012');
    assert.equal(acs.UserName, 'admin');
    assert.equal(acs.Partition, 'acs');
    assert.match(acs.AccessKeyId, /^LTAI/);
    assert.ok(acs.SecretAccessKey.length >= 30);
    const list = await asAdmin('accounts', 'list');
    assert.match(list.stdout, /^123456789012 +acs +vision /m);
    assert.equal((await asAdmin('accounts', 'create', '--id', '123456789012', '--partition', 'acs')).code, EXIT.conflict);
  });

  test('iam users create/list with the credentials and endpoint from the environment', async () => {
    const env = { AWS_ACCESS_KEY_ID: acs.AccessKeyId, AWS_SECRET_ACCESS_KEY: acs.SecretAccessKey, GATEHOUSE_ENDPOINT: server.url };
    const created = await gatehouse(['iam', 'users', 'create', 'li', '--tag', 'team=nlp'], env);
    assert.equal(created.code, EXIT.ok, created.stderr);
    assert.match(created.stdout, /created user acs:ram::123456789012:user\/li/);
    const list = await gatehouse(['iam', 'users', 'list'], env);
    assert.match(list.stdout, /^NAME +ARN +CREATED$/m);
    assert.match(list.stdout, /^li +acs:ram::123456789012:user\/li /m);
    const json = JSON.parse((await gatehouse(['iam', 'users', 'list', '--json'], env)).stdout) as { users: { name: string }[] };
    assert.deepEqual(json.users.map((u) => u.name).sort(), ['admin', 'li']);
    const whoami = await gatehouse(['whoami'], env);
    assert.match(whoami.stdout, /^acs:ram::123456789012:user\/admin$/m);
  });

  test('exit statuses: NoSuchEntity 6, AccessDenied 9, no credentials 9, server unreachable 10', async () => {
    const missing = await asAdmin('iam', 'users', 'get', 'nobody');
    assert.equal(missing.code, EXIT.notFound);
    assert.match(missing.stderr, /NoSuchEntity/);

    // li has no policies: every administrative call is refused.
    const key = await gatehouse(['iam', 'access-keys', 'create', '--user', 'li', '--json'], { AWS_ACCESS_KEY_ID: acs.AccessKeyId, AWS_SECRET_ACCESS_KEY: acs.SecretAccessKey, GATEHOUSE_ENDPOINT: server.url });
    const li = JSON.parse(key.stdout) as { accessKeyId: string; secretAccessKey: string };
    const denied = await gatehouse(['iam', 'roles', 'create', 'r', '--trust-policy', 'examples/policies/training-trust.json'], { AWS_ACCESS_KEY_ID: li.accessKeyId, AWS_SECRET_ACCESS_KEY: li.secretAccessKey, GATEHOUSE_ENDPOINT: server.url });
    assert.equal(denied.code, EXIT.accessDenied);
    assert.match(denied.stderr, /AccessDenied: .*is not authorized to perform: ram:CreateRole/);
    // The refused call was still a use of li's key (signed and verified); a second key, never used, says so.
    const acsAdmin = { AWS_ACCESS_KEY_ID: acs.AccessKeyId, AWS_SECRET_ACCESS_KEY: acs.SecretAccessKey, GATEHOUSE_ENDPOINT: server.url };
    const unused = JSON.parse((await gatehouse(['iam', 'access-keys', 'create', '--user', 'li', '--json'], acsAdmin)).stdout) as { accessKeyId: string };
    const keys = await gatehouse(['iam', 'access-keys', 'list', '--user', 'li'], acsAdmin);
    assert.equal(keys.code, EXIT.ok, keys.stderr);
    assert.match(keys.stdout, /^ACCESS KEY ID +USER +STATUS +CREATED +LAST USED$/m);
    assert.match(keys.stdout, new RegExp(`^${li.accessKeyId} +li +Active +\\S+ +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ \\(gatehouse, [a-z0-9-]+\\)$`, 'm'));
    assert.match(keys.stdout, new RegExp(`^${unused.accessKeyId} +li +Active +\\S+ +never$`, 'm'));
    const deniedAccount = await gatehouse(['accounts', 'create', '--id', '222233334444', '--partition', 'aws'], { AWS_ACCESS_KEY_ID: acs.AccessKeyId, AWS_SECRET_ACCESS_KEY: acs.SecretAccessKey, GATEHOUSE_ENDPOINT: server.url });
    assert.equal(deniedAccount.code, EXIT.accessDenied);

    const none = await gatehouse(['iam', 'users', 'list', '--data-dir', join(work, 'nowhere')]);
    assert.equal(none.code, EXIT.accessDenied);
    assert.match(none.stderr, /no credentials: no server keeps its data in `[^`]+` \(it is `gatehouse server` that writes its admin's key to [^)]*\): .*set AWS_ACCESS_KEY_ID/);
    const unreachable = await gatehouse(['whoami', '--endpoint', 'http://127.0.0.1:9'], { AWS_ACCESS_KEY_ID: acs.AccessKeyId, AWS_SECRET_ACCESS_KEY: acs.SecretAccessKey });
    assert.equal(unreachable.code, EXIT.unavailable);
    assert.match(unreachable.stderr, /cannot reach the Gatehouse server/);
  });

  test('roles, policies, attachments, inline policies and groups through iam', async () => {
    const steps: [string[], RegExp][] = [
      [['iam', 'roles', 'create', 'trainer', '--trust-policy', 'examples/policies/training-trust.json'], /created role arn:aws:iam::000000000000:role\/trainer/],
      [['iam', 'attach', '--role', 'trainer', 'AmazonS3ReadOnlyAccess'], /attached arn:aws:iam::aws:policy\/AmazonS3ReadOnlyAccess to role trainer/],
      [['iam', 'put-inline', 'checkpoints', '--role', 'trainer', '--document', 'examples/policies/ml-data-reader.yaml'], /put inline policy checkpoints/],
      [['iam', 'list-policies', '--role', 'trainer'], /^managed +AmazonS3ReadOnlyAccess[\s\S]*^inline +checkpoints/m],
      [['iam', 'detach', '--role', 'trainer', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'], /detached/],
      [['iam', 'policies', 'create', 'reader', '--document', 'examples/policies/ml-data-reader.json'], /created policy arn:aws:iam::000000000000:policy\/reader/],
      [['iam', 'policies', 'get', 'arn:aws:iam::000000000000:policy/reader'], /^defaultVersion +v1$/m],
      [['iam', 'groups', 'create', 'ml+ops'], /created group/],
      [['iam', 'add-to-group', '--user', 'carol', '--group', 'ml+ops'], /added carol to ml\+ops/],
      [['iam', 'groups', 'get', 'ml+ops', '--json'], /"carol"/],
    ];
    for (const [args, expected] of steps) {
      const r = await asAdmin(...args);
      assert.equal(r.code, EXIT.ok, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, expected, args.join(' '));
    }
    const inUse = await asAdmin('iam', 'roles', 'delete', 'trainer');
    assert.equal(inUse.code, EXIT.conflict, 'a role with an inline policy cannot be deleted');
    const bad = await asAdmin('iam', 'put-inline', 'x', '--role', 'trainer', '--document', 'examples/policies/broken.json');
    assert.equal(bad.code, EXIT.invalidPolicy);
    assert.equal((await asAdmin('iam', 'attach', 'AmazonS3ReadOnlyAccess')).code, EXIT.usage, 'no --user/--group/--role');
  });

  test('--help at every level', async () => {
    const levels = [[], ['apply'], ['plan'], ['accounts'], ['accounts', 'create'], ['iam'], ['iam', 'users'], ['iam', 'users', 'create'], ['iam', 'roles', 'create'], ['iam', 'attach'], ['whoami']];
    const runs = await Promise.all(levels.map((l) => gatehouse([...l, '--help'])));
    runs.forEach((r, i) => {
      assert.equal(r.code, EXIT.ok, `${levels[i]?.join(' ')} --help`);
      assert.match(r.stdout, /^Usage: gatehouse/m);
    });
    assert.match(runs[0]?.stdout ?? '', /^ {2}apply /m);
    assert.match(runs[0]?.stdout ?? '', /^ {2}iam /m);
    assert.match(runs[1]?.stdout ?? '', /--prune/);
    assert.match(runs[5]?.stdout ?? '', /access-keys/);
  });
});
