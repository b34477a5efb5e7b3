/**
 * Review hp, 3: "a job runs as its role only" (DESIGN.md "Job environment"), and `jobs run` gives each job profile files
 * of its own so that the submitter's `~/.aws/credentials` does not become the job's identity. botocore (boto3, the aws
 * CLI; Debian 12's 1.29 and pip's 1.43 alike) reads two more places before the container endpoint and instance metadata
 * (`create_credential_resolver`: … `OriginalEC2Provider`, `BotoProvider`, container, IMDS): the file `AWS_CREDENTIAL_FILE`
 * names (the old EC2 tools' `AWSAccessKeyId=`/`AWSSecretKey=`), and the boto 2 config, `BOTO_CONFIG` or else
 * `/etc/boto.cfg` and `~/.boto` (`[Credentials] aws_access_key_id`). A submitter who keeps a key in `~/.boto` (gsutil
 * and boto 2 put it there) or sets `AWS_CREDENTIAL_FILE` had every boto3 rank sign as that key, not as the job's role.
 * Now `AWS_CREDENTIAL_FILE` and `BOTO_CONFIG` are credential variables the job does not inherit, and the job's profile
 * files include a boto config of its own, without credentials, which `BOTO_CONFIG` names, so `~/.boto` and
 * `/etc/boto.cfg` are not read either.
 *
 * The real CLI in process against a real server; the rank is Debian 12's python3 with its boto3, which says which
 * provider gave it credentials and whom GetCallerIdentity names.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';
import { ROLE_ARN, startJobsWorld, type JobsWorld } from './support/jobs-world.ts';

const PYTHON = '/usr/bin/python3';
const RANK = `
import boto3, json, os, sys
s = boto3.Session()
c = s.get_credentials()
who = s.client('sts', endpoint_url=os.environ['AWS_ENDPOINT_URL'], region_name='us-east-1').get_caller_identity()['Arn']
open(sys.argv[1], 'w').write(json.dumps({'method': c.method, 'arn': who, 'boto': os.environ.get('BOTO_CONFIG'), 'ec2': os.environ.get('AWS_CREDENTIAL_FILE')}))
`;

let world: JobsWorld;
before(async () => {
  world = await startJobsWorld('gh-hp3-');
});
after(async () => world?.close());

/** What a boto3 rank of alice's job with role `trainer` finds, `home` being the caller's HOME and `extra` added to its environment. */
async function rank(home: string, extra: Record<string, string> = {}): Promise<{ method: string; arn: string; boto: string | null; ec2: string | null }> {
  const out = join(home, 'rank.json');
  const r = await gatehouseInProcess(['jobs', 'run', '--workspace', 'vision', '--role', ROLE_ARN, '--no-imds', '--', PYTHON, '-c', RANK, out], {
    HOME: home,
    TMPDIR: home,
    PATH: process.env['PATH'],
    AWS_ACCESS_KEY_ID: world.alice.accessKeyId,
    AWS_SECRET_ACCESS_KEY: world.alice.secretAccessKey,
    GATEHOUSE_ENDPOINT: world.server.url,
    ...extra,
  });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(await readFile(out, 'utf8')) as { method: string; arn: string; boto: string | null; ec2: string | null };
}

const JOB_SESSION = /^arn:aws:sts::000000000000:assumed-role\/trainer\/job-/;

test("hp3: the submitter's ~/.boto is not a boto3 rank's identity", async () => {
  const home = await mkdtemp(join(world.home, 'boto-'));
  await writeFile(join(home, '.boto'), `[Credentials]\naws_access_key_id = ${world.alice.accessKeyId}\naws_secret_access_key = ${world.alice.secretAccessKey}\n`, { mode: 0o600 });
  const got = await rank(home);
  // Before the fix: {method: 'boto-config', arn: 'arn:aws:iam::000000000000:user/alice'}.
  assert.equal(got.method, 'container-role', JSON.stringify(got));
  assert.match(got.arn, JOB_SESSION);
});

test('hp3: neither are the files the caller names in BOTO_CONFIG and AWS_CREDENTIAL_FILE', async () => {
  const home = await mkdtemp(join(world.home, 'vars-'));
  const boto = join(home, 'mine.boto');
  const ec2 = join(home, 'ec2-credentials');
  await writeFile(boto, `[Credentials]\naws_access_key_id = ${world.alice.accessKeyId}\naws_secret_access_key = ${world.alice.secretAccessKey}\n`, { mode: 0o600 });
  await writeFile(ec2, `AWSAccessKeyId=${world.alice.accessKeyId}\nAWSSecretKey=${world.alice.secretAccessKey}\n`, { mode: 0o600 });
  for (const [variable, path] of [['AWS_CREDENTIAL_FILE', ec2], ['BOTO_CONFIG', boto]] as const) {
    const got = await rank(home, { [variable]: path });
    // Before the fix: 'ec2-credentials-file', then 'boto-config', both signing as alice.
    assert.equal(got.method, 'container-role', `${variable}: ${JSON.stringify(got)}`);
    assert.match(got.arn, JOB_SESSION, variable);
    assert.equal(got.ec2, null, variable);
    assert.notEqual(got.boto, path, variable);
  }
});
