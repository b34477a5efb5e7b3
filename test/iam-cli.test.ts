/**
 * The IAM Query API driven by the tools people actually use: `aws iam … --endpoint-url` (the Debian
 * `awscli` package) and boto3 (`python3-boto3`), against a real server on 127.0.0.1. Each tool runs a
 * representative set of calls, error paths included (exit status and AWS error code for the CLI, the
 * botocore error code for boto3). Skipped, saying so, when the tool is not installed. The CLI's commands run in one
 * Python for the file (test/support/aws-cli.ts, whose own tests are here); one runs as `/usr/bin/aws` too, to show that
 * both answer alike.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { awsCli } from './support/aws-cli.ts';
import { AWS_CLI, awsCliMissing, boto3Missing, PYTHON, run, type Run } from './support/processes.ts';
import { startTestServer, REGION, type Credentials, type TestServer } from './support/server.ts';

/** Only what the tools need: no AWS_* variable, profile or config file of the machine leaks in. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/tmp', LANG: 'C.UTF-8' };
  if (process.env['PYENV_ROOT']) env['PYENV_ROOT'] = process.env['PYENV_ROOT'];
  return env;
}

const awsMissing = awsCliMissing();
const botoMissing = boto3Missing();

/** The aws CLI's environment as `c`: region us-east-1, one attempt, no config, credentials file, metadata or pager. */
const cliEnv = (c: Credentials): NodeJS.ProcessEnv => ({
  ...baseEnv(),
  AWS_ACCESS_KEY_ID: c.accessKeyId,
  AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
  AWS_DEFAULT_REGION: REGION,
  AWS_CONFIG_FILE: '/dev/null',
  AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  AWS_PAGER: '',
  AWS_MAX_ATTEMPTS: '1',
  AWS_EC2_METADATA_DISABLED: 'true',
});

const ACCT = '000000000000';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });

let server: TestServer | undefined;
before(async () => {
  if (awsMissing === undefined || botoMissing === undefined) server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

describe('aws CLI', { skip: awsMissing ?? false }, () => {
  const cli = (args: readonly string[], creds?: Credentials): Promise<Run> => {
    const s = server as TestServer;
    const c = creds ?? s.admin;
    return awsCli(['iam', ...args, '--endpoint-url', s.url, '--output', 'json'], cliEnv(c), { timeoutMs: 90_000 });
  };
  const json = (r: Run): Record<string, any> => {
    assert.equal(r.code, 0, `aws failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim() === '' ? {} : (JSON.parse(r.stdout) as Record<string, any>);
  };
  /** A failed call: non-zero exit and the AWS error code in the CLI's message. */
  const failed = (r: Run, code: string): void => {
    // awscli v2 exits 254 on a service error; v1 exits 255.
    assert.ok(r.code === 254 || r.code === 255, `expected ${code} (exit 254/255), got exit ${r.code}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, new RegExp(`An error occurred \\(${code}\\)`), r.stderr);
  };

  it('manages users, roles, policies and keys, with the errors AWS gives', async () => {
    const [user, role] = await Promise.all([
      cli(['create-user', '--user-name', 'cli-user', '--tags', 'Key=team,Value=vision']),
      cli(['create-role', '--role-name', 'cli-role', '--assume-role-policy-document', TRUST, '--description', 'from the cli']),
    ]);
    assert.equal(json(user)['User']['Arn'], `arn:aws:iam::${ACCT}:user/cli-user`);
    assert.equal(json(role)['Role']['Arn'], `arn:aws:iam::${ACCT}:role/cli-role`);
    // awscli decodes the URL-encoded policy documents IAM returns into JSON.
    assert.deepEqual(json(role)['Role']['AssumeRolePolicyDocument'], JSON.parse(TRUST));

    const policy = doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data/*' });
    const [dup, missing, malformed, badName, put, created] = await Promise.all([
      cli(['create-user', '--user-name', 'cli-user']),
      cli(['get-user', '--user-name', 'nobody']),
      cli(['create-policy', '--policy-name', 'broken', '--policy-document', '{"Statement": [']),
      cli(['create-user', '--user-name', 'bad name!']),
      cli(['put-user-policy', '--user-name', 'cli-user', '--policy-name', 'read', '--policy-document', policy]),
      cli(['create-policy', '--policy-name', 'cli-policy', '--policy-document', policy]),
    ]);
    failed(dup, 'EntityAlreadyExists');
    failed(missing, 'NoSuchEntity');
    failed(malformed, 'MalformedPolicyDocument');
    failed(badName, 'ValidationError');
    json(put);
    const policyArn = json(created)['Policy']['Arn'] as string;
    assert.equal(policyArn, `arn:aws:iam::${ACCT}:policy/cli-policy`);

    const [inline, users, attach, key] = await Promise.all([
      cli(['get-user-policy', '--user-name', 'cli-user', '--policy-name', 'read']),
      cli(['list-users']),
      cli(['attach-role-policy', '--role-name', 'cli-role', '--policy-arn', policyArn]),
      cli(['create-access-key', '--user-name', 'cli-user']),
    ]);
    assert.deepEqual(json(inline)['PolicyDocument'], JSON.parse(policy));
    assert.deepEqual((json(users)['Users'] as { UserName: string }[]).map((u) => u.UserName).sort(), ['admin', 'cli-user']);
    json(attach);
    const k = json(key)['AccessKey'];
    assert.match(k['AccessKeyId'], /^AKIA/);

    const userKey = { accessKeyId: k['AccessKeyId'] as string, secretAccessKey: k['SecretAccessKey'] as string };
    const [denied, deleteAttached, sim, details, unknownKey] = await Promise.all([
      cli(['list-users'], userKey),
      cli(['delete-policy', '--policy-arn', policyArn]),
      cli(['simulate-principal-policy', '--policy-source-arn', `arn:aws:iam::${ACCT}:user/cli-user`, '--action-names', 's3:GetObject', 's3:PutObject', '--resource-arns', 'arn:aws:s3:::data/x']),
      cli(['get-account-authorization-details', '--filter', 'User', 'Role']),
      cli(['list-users'], { accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) }),
    ]);
    failed(denied, 'AccessDenied');
    failed(deleteAttached, 'DeleteConflict');
    failed(unknownKey, 'InvalidClientTokenId');
    const results = json(sim)['EvaluationResults'] as { EvalActionName: string; EvalDecision: string; MatchedStatements: { SourcePolicyId: string }[] }[];
    assert.deepEqual(results.map((r) => [r.EvalActionName, r.EvalDecision]), [['s3:GetObject', 'allowed'], ['s3:PutObject', 'implicitDeny']]);
    assert.equal(results[0]?.MatchedStatements[0]?.SourcePolicyId, 'read');
    const d = json(details);
    assert.ok((d['UserDetailList'] as { UserName: string }[]).some((u) => u.UserName === 'cli-user'));
    assert.ok((d['RoleDetailList'] as { RoleName: string }[]).some((r) => r.RoleName === 'cli-role'));
    assert.deepEqual(d['GroupDetailList'], []);
  });
});

/**
 * test/support/aws-cli.ts: the CLI's driver in one Python for the whole file. It must answer as `/usr/bin/aws` does
 * (this file's one real IAM command checks that), and give no command anything of the one before it.
 */
describe('aws CLI in one Python (test/support/aws-cli.ts)', { skip: awsMissing ?? false }, () => {
  const args = (s: TestServer) => ['iam', 'get-user', '--user-name', 'nobody', '--endpoint-url', s.url, '--output', 'json'];

  it('fails as /usr/bin/aws does: the same exit status, stdout and stderr', async () => {
    const s = server as TestServer;
    const real = await run(AWS_CLI, args(s), cliEnv(s.admin), { timeoutMs: 90_000 });
    const hosted = await awsCli(args(s), cliEnv(s.admin), { timeoutMs: 90_000 });
    assert.equal(real.code, 254, real.stderr);
    assert.match(real.stderr, /An error occurred \(NoSuchEntity\) when calling the GetUser operation/);
    assert.deepEqual(hosted, real);
    // A usage error is argparse's SystemExit inside the driver: 252, as the process exits.
    const usage = await awsCli(['iam', 'no-such-operation'], cliEnv(s.admin));
    assert.equal(usage.code, 252, usage.stderr);
    assert.match(usage.stderr, /aws: error: argument operation: Invalid choice/);
  });

  it('gives a command nothing of the environment, config or credentials of the one before', async () => {
    const s = server as TestServer;
    const home = await mkdtemp(join(tmpdir(), 'gh-aws-host-'));
    try {
      const config = join(home, 'config');
      await writeFile(config, '[default]\nregion = us-east-1\ncli_pager =\n');
      const list = ['iam', 'list-users', '--endpoint-url', s.url, '--output', 'json'];
      const { AWS_ACCESS_KEY_ID: _k, AWS_SECRET_ACCESS_KEY: _s, AWS_DEFAULT_REGION: _r, ...bare } = cliEnv(s.admin);
      // 1: keys in the environment, the region from a config file.
      const first = await awsCli(list, { ...bare, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, AWS_CONFIG_FILE: config });
      assert.equal(first.code, 0, first.stderr);
      assert.ok((JSON.parse(first.stdout) as { Users: unknown[] }).Users.length > 0);
      // 2: no keys; region given. A process of its own finds none, and so must this one.
      const second = await awsCli([...list, '--region', REGION], bare);
      assert.equal(second.code, 253, second.stderr);
      assert.match(second.stderr, /Unable to locate credentials/);
      // 3: keys, no config file and no region: the first command's config is gone too.
      const third = await awsCli(list, { ...bare, AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey });
      assert.equal(third.code, 253, third.stderr);
      assert.match(third.stderr, /You must specify a region/);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });

  it('gives a command past its time -1, and the next one a new Python', async () => {
    const s = server as TestServer;
    const held: Socket[] = [];
    const silent = createServer((c) => held.push(c)); // takes the request, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      assert.equal((await awsCli(['--version'], cliEnv(s.admin))).code, 0); // the host is up before the clock starts
      const hung = await awsCli(['iam', 'list-users', '--endpoint-url', `http://127.0.0.1:${port}`], cliEnv(s.admin), { timeoutMs: 5_000 });
      assert.equal(hung.code, -1, hung.stderr);
      assert.match(hung.stderr, /killed after 5000 ms/);
      assert.ok(held.length > 0, 'the command reached the silent server');
      const after = await awsCli(args(s), cliEnv(s.admin), { timeoutMs: 90_000 });
      assert.equal(after.code, 254, after.stderr);
    } finally {
      for (const c of held) c.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});

describe('boto3', { skip: botoMissing ?? false }, () => {
  const SCRIPT = String.raw`
import json, os, sys
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

endpoint = os.environ['GH_ENDPOINT']
cfg = Config(retries={'total_max_attempts': 1})
def client(key=None, secret=None):
    return boto3.client('iam', endpoint_url=endpoint, region_name='us-east-1', config=cfg,
                        aws_access_key_id=key or os.environ['GH_KEY'], aws_secret_access_key=secret or os.environ['GH_SECRET'])
iam = client()
out = {}
def err(name, fn):
    try:
        fn()
        out[name] = 'no error'
    except ClientError as e:
        out[name] = e.response['Error']['Code']

out['user_arn'] = iam.create_user(UserName='boto-user', Path='/py/')['User']['Arn']
err('dup_user', lambda: iam.create_user(UserName='boto-user'))
err('bad_name', lambda: iam.create_user(UserName='bad name!'))
err('no_user', lambda: iam.get_user(UserName='nobody'))
out['users'] = sorted(u['UserName'] for u in iam.list_users(PathPrefix='/py/')['Users'])

doc = lambda n: json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 's3:GetObject', 'Resource': 'arn:aws:s3:::b%d/*' % n}]})
arn = iam.create_policy(PolicyName='boto-policy', PolicyDocument=doc(1))['Policy']['Arn']
for n in range(2, 6):
    iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc(n), SetAsDefault=(n == 3))
err('sixth_version', lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=doc(6)))
err('delete_default', lambda: iam.delete_policy_version(PolicyArn=arn, VersionId='v3'))
out['default'] = iam.get_policy(PolicyArn=arn)['Policy']['DefaultVersionId']
out['versions'] = [v['VersionId'] for v in iam.list_policy_versions(PolicyArn=arn)['Versions']]

trust = json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Principal': {'Service': 'training.gatehouse.dev'}, 'Action': 'sts:AssumeRole'}]})
iam.create_role(RoleName='boto-role', AssumeRolePolicyDocument=trust)
iam.put_role_policy(RoleName='boto-role', PolicyName='inline', PolicyDocument=doc(7))
out['role_policy'] = iam.get_role_policy(RoleName='boto-role', PolicyName='inline')['PolicyDocument']
out['trust'] = iam.get_role(RoleName='boto-role')['Role']['AssumeRolePolicyDocument']
err('malformed', lambda: iam.put_role_policy(RoleName='boto-role', PolicyName='x', PolicyDocument='{"Statement": 1}'))
err('delete_role_with_policy', lambda: iam.delete_role(RoleName='boto-role'))

iam.put_user_policy(UserName='boto-user', PolicyName='list', PolicyDocument=json.dumps({'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', 'Action': 'iam:ListUsers', 'Resource': '*'}]}))
k1 = iam.create_access_key(UserName='boto-user')['AccessKey']
iam.create_access_key(UserName='boto-user')
err('third_key', lambda: iam.create_access_key(UserName='boto-user'))
as_user = client(k1['AccessKeyId'], k1['SecretAccessKey'])
out['as_user_list'] = len(as_user.list_users()['Users']) > 0
err('as_user_create', lambda: as_user.create_user(UserName='nope'))
iam.update_access_key(UserName='boto-user', AccessKeyId=k1['AccessKeyId'], Status='Inactive')
err('inactive_key', lambda: as_user.list_users())
err('unknown_key', lambda: client('AKIAUNKNOWNKEY000000', 'x' * 40).list_users())
err('wrong_secret', lambda: client(os.environ['GH_KEY'], os.environ['GH_SECRET'][:-1] + ('B' if os.environ['GH_SECRET'].endswith('A') else 'A')).list_users())

sim = iam.simulate_custom_policy(PolicyInputList=[doc(1)], ActionNames=['s3:GetObject', 's3:PutObject'], ResourceArns=['arn:aws:s3:::b1/k'])
out['simulate'] = [[r['EvalActionName'], r['EvalDecision']] for r in sim['EvaluationResults']]
out['positions'] = [[s['StartPosition'], s['EndPosition']] for s in sim['EvaluationResults'][0]['MatchedStatements']]
details = iam.get_account_authorization_details(Filter=['LocalManagedPolicy'])
out['detail_policies'] = [[p['PolicyName'], len(p['PolicyVersionList'])] for p in details['Policies']]
print(json.dumps(out))
`;

  it('drives the same server through boto3, error codes included', async () => {
    const s = server as TestServer;
    const r = await run(PYTHON, ['-c', SCRIPT], { ...baseEnv(), GH_ENDPOINT: s.url, GH_KEY: s.admin.accessKeyId, GH_SECRET: s.admin.secretAccessKey, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null', AWS_EC2_METADATA_DISABLED: 'true' });
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(out['user_arn'], `arn:aws:iam::${ACCT}:user/py/boto-user`);
    assert.equal(out['dup_user'], 'EntityAlreadyExists');
    assert.equal(out['bad_name'], 'ValidationError');
    assert.equal(out['no_user'], 'NoSuchEntity');
    assert.deepEqual(out['users'], ['boto-user']);
    assert.equal(out['sixth_version'], 'LimitExceeded');
    assert.equal(out['delete_default'], 'DeleteConflict');
    assert.equal(out['default'], 'v3');
    assert.deepEqual(out['versions'], ['v5', 'v4', 'v3', 'v2', 'v1']);
    // botocore decodes the URL-encoded documents into dicts.
    assert.deepEqual(out['role_policy'], JSON.parse(doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b7/*' })));
    assert.deepEqual(out['trust'], JSON.parse(TRUST));
    assert.equal(out['malformed'], 'MalformedPolicyDocument');
    assert.equal(out['delete_role_with_policy'], 'DeleteConflict');
    assert.equal(out['third_key'], 'LimitExceeded');
    assert.equal(out['as_user_list'], true);
    assert.equal(out['as_user_create'], 'AccessDenied');
    assert.equal(out['inactive_key'], 'InvalidClientTokenId');
    assert.equal(out['unknown_key'], 'InvalidClientTokenId');
    assert.equal(out['wrong_secret'], 'SignatureDoesNotMatch');
    assert.deepEqual(out['simulate'], [['s3:GetObject', 'allowed'], ['s3:PutObject', 'implicitDeny']]);
    const positions = out['positions'] as { Line: number; Column: number }[][];
    assert.equal(positions.length, 1);
    assert.equal(positions[0]?.[0]?.Line, 1);
    assert.ok((positions[0]?.[1]?.Column ?? 0) > (positions[0]?.[0]?.Column ?? 0));
    assert.deepEqual((out['detail_policies'] as [string, number][]).find(([n]) => n === 'boto-policy'), ['boto-policy', 5]);
  });
});
