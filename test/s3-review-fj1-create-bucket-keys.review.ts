/**
 * Review fj, 1, against a real server with the real `@aws-sdk/client-s3` (and the Debian aws CLI where installed):
 * CreateBucket is decided with its condition keys, as S3 decides it (Service Authorization Reference, "Actions,
 * resources, and condition keys for Amazon S3": `s3:CreateBucket` takes `s3:LocationConstraint`, `s3:x-amz-acl`,
 * `s3:x-amz-grant-*` and `s3:x-amz-object-ownership`).
 *
 * What was wrong: `s3:CreateBucket` was decided with none of them. The User Guide's "create buckets in one Region only"
 * (Amazon S3 condition key examples: Allow `s3:CreateBucket` when `StringLike s3:LocationConstraint sa-east-1`, and the
 * explicit Deny when `StringNotLike` it) found the key absent: the Allow never applied, and the Deny refused every
 * CreateBucket, the one that names sa-east-1 too (`aws s3api create-bucket --create-bucket-configuration
 * LocationConstraint=sa-east-1` was AccessDenied). A guard on the canned ACL or the Object Ownership a bucket is created
 * with ("Deny unless s3:x-amz-object-ownership is BucketOwnerEnforced") refused every bucket the same way.
 *
 * What is now so: the LocationConstraint the request's CreateBucketConfiguration names is `s3:LocationConstraint`, and
 * `x-amz-acl`, `x-amz-grant-*` and `x-amz-object-ownership` are their keys, each present only when the request carries
 * it, as in S3. A CreateBucket without a configuration (us-east-1's) has no `s3:LocationConstraint`, so the Deny of
 * `StringNotLike` refuses it, as the User Guide says. (The gateway's buckets are all in its own region, us-east-1 here,
 * so the request the policy allows, naming sa-east-1, is then refused IllegalLocationConstraintException, as S3's
 * regional endpoints refuse it: review fj, 4. Before this fix it was AccessDenied.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as I from '@aws-sdk/client-iam';
import * as S3 from '@aws-sdk/client-s3';
import { s3Clients } from './support/s3.ts';
import { startTestServer, type Credentials, type TestServer, sdkFailure as failure } from './support/server.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliEnv, awsCliMissing } from './support/processes.ts';

const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

let server: TestServer;

const s3 = s3Clients(() => server);

/** A user of the root account with `statements` inline, and its key. */
async function userWith(name: string, ...statements: object[]): Promise<Credentials> {
  const iam = server.iam();
  await iam.send(new I.CreateUserCommand({ UserName: name }));
  await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: doc(...statements) }));
  const k = await iam.send(new I.CreateAccessKeyCommand({ UserName: name }));
  return { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
}

/** The User Guide's policy: create buckets in sa-east-1 only, with the explicit Deny. */
const SA_EAST_ONLY = [
  { Sid: 'statement1', Effect: 'Allow', Action: 's3:CreateBucket', Resource: 'arn:aws:s3:::*', Condition: { StringLike: { 's3:LocationConstraint': 'sa-east-1' } } },
  { Sid: 'statement2', Effect: 'Deny', Action: 's3:CreateBucket', Resource: 'arn:aws:s3:::*', Condition: { StringNotLike: { 's3:LocationConstraint': 'sa-east-1' } } },
];

before(async () => {
  server = await startTestServer();
});

after(async () => {
  s3.destroyAll();
  await server?.stop();
});

describe('1: CreateBucket carries its condition keys', () => {
  it('s3:LocationConstraint: the User Guide\'s sa-east-1-only policy lets a CreateBucket naming sa-east-1 through and refuses the others', async () => {
    const dave = s3(await userWith('fj1-dave', ...SA_EAST_ONLY));
    // Allowed: the only refusal left is that this gateway's buckets are in us-east-1 (review fj, 4), no AccessDenied.
    assert.equal((await failure(dave.send(new S3.CreateBucketCommand({ Bucket: 'fj1-sao-paulo', CreateBucketConfiguration: { LocationConstraint: 'sa-east-1' } })))).code, 'IllegalLocationConstraintException');
    const refused = await failure(dave.send(new S3.CreateBucketCommand({ Bucket: 'fj1-ireland', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } })));
    assert.equal(refused.code, 'AccessDenied');
    assert.equal(refused.status, 403);
    assert.match(refused.message, /s3:CreateBucket .* explicit deny in an identity-based policy/);
    // No configuration (us-east-1): no key, so StringNotLike holds and the Deny applies.
    assert.equal((await failure(dave.send(new S3.CreateBucketCommand({ Bucket: 'fj1-virginia' })))).code, 'AccessDenied');
    const names = (await s3(server.admin).send(new S3.ListBucketsCommand({}))).Buckets?.map((b) => b.Name) ?? [];
    assert.deepEqual(names.filter((n) => n?.startsWith('fj1-')), []);
  });

  it('s3:x-amz-object-ownership and s3:x-amz-acl: a guard on them passes the requests that send the value asked and refuses the others', async () => {
    const erin = s3(
      await userWith(
        'fj1-erin',
        { Effect: 'Allow', Action: 's3:CreateBucket', Resource: '*', Condition: { StringEquals: { 's3:x-amz-object-ownership': 'BucketOwnerEnforced' } } },
        { Effect: 'Deny', Action: 's3:CreateBucket', Resource: '*', Condition: { StringNotEquals: { 's3:x-amz-acl': 'private' } } },
      ),
    );
    await erin.send(new S3.CreateBucketCommand({ Bucket: 'fj1-enforced', ObjectOwnership: 'BucketOwnerEnforced', ACL: 'private' }));
    assert.equal((await failure(erin.send(new S3.CreateBucketCommand({ Bucket: 'fj1-no-acl', ObjectOwnership: 'BucketOwnerEnforced' })))).code, 'AccessDenied');
    assert.equal((await failure(erin.send(new S3.CreateBucketCommand({ Bucket: 'fj1-no-ownership', ACL: 'private' })))).code, 'AccessDenied');
  });
});

describe('1: the Debian aws CLI', { skip: awsCliMissing() }, () => {
  let home: string;
  before(async () => {
    home = await mkdtemp(join(tmpdir(), 'gh-fj1-'));
  });
  after(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it('s3api create-bucket --create-bucket-configuration LocationConstraint=sa-east-1 passes the sa-east-1-only policy; s3 mb, which names none, does not', async () => {
    const key = await userWith('fj1-cli', ...SA_EAST_ONLY);
    const aws = (...args: string[]) => awsCli(['--endpoint-url', server.running.s3Url, '--region', 'us-east-1', '--output', 'json', ...args], awsCliEnv(home, key));
    const made = await aws('s3api', 'create-bucket', '--bucket', 'fj1-cli-sao-paulo', '--create-bucket-configuration', 'LocationConstraint=sa-east-1');
    assert.notEqual(made.code, 0);
    assert.match(made.stderr, /IllegalLocationConstraintException/);
    const mb = await aws('s3', 'mb', 's3://fj1-cli-virginia');
    assert.notEqual(mb.code, 0);
    assert.match(mb.stderr, /AccessDenied/);
  });
});
