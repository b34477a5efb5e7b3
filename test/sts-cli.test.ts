/**
 * STS through the Debian `aws` CLI (awscli 2.9, botocore) and a boto3 script, against a real server on
 * 127.0.0.1: `aws sts get-caller-identity`, `aws sts assume-role` then get-caller-identity with the temporary
 * credentials, an AccessDenied as the CLI prints it, and AssumeRole → GetCallerIdentity in boto3.
 * credential-protocols §3.5: `--endpoint-url` and a region are both needed. Each part skips, saying why, when
 * `/usr/bin/aws` or `/usr/bin/python3` with boto3 is absent (`apt-get install awscli python3-boto3`).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliMissing, boto3Missing, PYTHON, run } from './support/processes.ts';

const ACCT = '000000000000';

const awsMissing = awsCliMissing();
const botoMissing = boto3Missing();

let server: TestServer;
let home: string;
let alice: Credentials;
let roleId: string;

/** The environment of a child: no inherited AWS settings, no config files, this server's credentials. */
function env(c: Credentials & { sessionToken?: string }): NodeJS.ProcessEnv {
  return {
    PATH: '/usr/bin:/bin',
    HOME: home,
    LANG: 'C.UTF-8',
    AWS_CONFIG_FILE: join(home, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    AWS_ACCESS_KEY_ID: c.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
    ...(c.sessionToken !== undefined ? { AWS_SESSION_TOKEN: c.sessionToken } : {}),
  };
}

const aws = (c: Credentials & { sessionToken?: string }, ...args: string[]) => awsCli(['--endpoint-url', server.url, '--region', REGION, '--output', 'json', ...args], env(c));

before(async () => {
  if (awsMissing && botoMissing) return;
  home = await mkdtemp(join(tmpdir(), 'gh-sts-cli-'));
  server = await startTestServer();
  const admin = server.iam();
  await admin.send(new I.CreateUserCommand({ UserName: 'alice' }));
  await admin.send(
    new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'sts', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }) }),
  );
  const k = await admin.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }));
  alice = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
  const r = await admin.send(
    new I.CreateRoleCommand({
      RoleName: 'trainer',
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCT}:root` }, Action: 'sts:AssumeRole' }] }),
    }),
  );
  roleId = r.Role?.RoleId ?? '';
});

after(async () => {
  await server?.stop();
  if (home) await rm(home, { recursive: true, force: true });
});

describe('Debian aws CLI', { skip: awsMissing }, () => {
  it('aws sts get-caller-identity with long-term keys', async () => {
    const r = await aws(alice, 'sts', 'get-caller-identity');
    assert.equal(r.code, 0, r.stderr);
    const id = JSON.parse(r.stdout) as { UserId: string; Account: string; Arn: string };
    assert.equal(id.Arn, `arn:aws:iam::${ACCT}:user/alice`);
    assert.equal(id.Account, ACCT);
  });

  it('aws sts assume-role, then get-caller-identity with the temporary credentials', async () => {
    const r = await aws(alice, 'sts', 'assume-role', '--role-arn', `arn:aws:iam::${ACCT}:role/trainer`, '--role-session-name', 'cli-run', '--duration-seconds', '900');
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string }; AssumedRoleUser: { AssumedRoleId: string; Arn: string } };
    assert.match(out.Credentials.AccessKeyId, /^ASIA/);
    assert.equal(out.AssumedRoleUser.Arn, `arn:aws:sts::${ACCT}:assumed-role/trainer/cli-run`);
    assert.equal(out.AssumedRoleUser.AssumedRoleId, `${roleId}:cli-run`);
    assert.ok(Math.abs(Date.parse(out.Credentials.Expiration) - (Date.now() + 900_000)) < 10_000, out.Credentials.Expiration);

    const session = { accessKeyId: out.Credentials.AccessKeyId, secretAccessKey: out.Credentials.SecretAccessKey, sessionToken: out.Credentials.SessionToken };
    const who = await aws(session, 'sts', 'get-caller-identity');
    assert.equal(who.code, 0, who.stderr);
    const id = JSON.parse(who.stdout) as { UserId: string; Account: string; Arn: string };
    assert.equal(id.Arn, `arn:aws:sts::${ACCT}:assumed-role/trainer/cli-run`);
    assert.equal(id.UserId, `${roleId}:cli-run`);
    assert.equal(id.Account, ACCT);
  });

  it('prints the AWS error code and exits 254', async () => {
    const r = await aws(alice, 'sts', 'assume-role', '--role-arn', `arn:aws:iam::${ACCT}:role/missing`, '--role-session-name', 'cli-run');
    assert.equal(r.code, 254);
    assert.match(r.stderr, /An error occurred \(AccessDenied\) when calling the AssumeRole operation: /);
    const bad = await aws({ accessKeyId: 'AKIAUNKNOWNKEY000000', secretAccessKey: 'x'.repeat(40) }, 'sts', 'get-caller-identity');
    assert.equal(bad.code, 254);
    assert.match(bad.stderr, /\(InvalidClientTokenId\) when calling the GetCallerIdentity operation/);
  });
});

const BOTO3_SCRIPT = `
import json, os, sys
import boto3
from botocore.exceptions import ClientError
endpoint, role_arn = sys.argv[1], sys.argv[2]
base = boto3.client('sts', endpoint_url=endpoint, region_name='${REGION}')
out = {'caller': base.get_caller_identity()}
r = base.assume_role(RoleArn=role_arn, RoleSessionName='boto3-run', DurationSeconds=900)
c = r['Credentials']
out['assumed'] = {'Arn': r['AssumedRoleUser']['Arn'], 'AssumedRoleId': r['AssumedRoleUser']['AssumedRoleId'], 'AccessKeyId': c['AccessKeyId'], 'Expiration': c['Expiration'].isoformat()}
temp = boto3.client('sts', endpoint_url=endpoint, region_name='${REGION}', aws_access_key_id=c['AccessKeyId'], aws_secret_access_key=c['SecretAccessKey'], aws_session_token=c['SessionToken'])
out['session'] = temp.get_caller_identity()
try:
    base.assume_role(RoleArn=role_arn.replace('trainer', 'missing'), RoleSessionName='boto3-run')
    out['error'] = None
except ClientError as e:
    out['error'] = e.response['Error']
for k in ('caller', 'session'):
    out[k].pop('ResponseMetadata', None)
print(json.dumps(out))
`;

describe('boto3', { skip: botoMissing }, () => {
  it('AssumeRole → GetCallerIdentity', async () => {
    const r = await run(PYTHON, ['-c', BOTO3_SCRIPT, server.url, `arn:aws:iam::${ACCT}:role/trainer`], env(alice));
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as {
      caller: { Arn: string };
      assumed: { Arn: string; AssumedRoleId: string; AccessKeyId: string; Expiration: string };
      session: { Arn: string; UserId: string; Account: string };
      error: { Code: string; Type: string; Message: string } | null;
    };
    assert.equal(out.caller.Arn, `arn:aws:iam::${ACCT}:user/alice`);
    assert.equal(out.assumed.Arn, `arn:aws:sts::${ACCT}:assumed-role/trainer/boto3-run`);
    assert.equal(out.assumed.AssumedRoleId, `${roleId}:boto3-run`);
    assert.match(out.assumed.AccessKeyId, /^ASIA/);
    assert.match(out.assumed.Expiration, /\+00:00$/);
    assert.equal(out.session.Arn, `arn:aws:sts::${ACCT}:assumed-role/trainer/boto3-run`);
    assert.equal(out.session.UserId, `${roleId}:boto3-run`);
    assert.equal(out.session.Account, ACCT);
    assert.equal(out.error?.Code, 'AccessDenied');
    assert.equal(out.error?.Type, 'Sender');
  });
});
