/**
 * The S3 gateway driven by the clients training jobs use (issue "Data access for real", "How it is shown"):
 * a real server (startServer on 127.0.0.1, random ports, SQLite and objects in a temporary data dir, the
 * gateway on `s3Listen: '127.0.0.1:0'`), set up through the IAM API and the admin REST; jobs launched by the
 * real CLI (`process.execPath bin/gatehouse.js jobs run …`) as a workspace member. Inside each job no keys
 * are passed: the tools find the job's credentials through the agent's container endpoint.
 *
 * The job's role `trainer` may read `vision-data/datasets/*`, read, write and delete `vision-data/checkpoints/*`, and
 * list the bucket under those two prefixes; nothing else (the bucket `other-data` of the same account, the
 * bucket root, writes to the dataset are refused).
 * - the aws CLI (Debian awscli 2.9, `--endpoint-url`; region and path style from the profile the job is given): `s3 cp` up and down
 *   (a 20 MiB file as the CLI's own multipart upload, and bucket to bucket), `s3 ls`, `s3 sync` both ways,
 *   refused copies and listings (exit status and message);
 * - boto3 (Debian python3-boto3 1.26): get/put/list with prefix, delimiter and continuation, s3transfer's
 *   threaded multipart upload and ranged download, copy, a presigned URL, DeleteObjects with a refused key,
 *   refused calls raising ClientError AccessDenied;
 * - `@aws-sdk/client-s3` in a rank script (test/fixtures/jobs/s3-sdk.ts): a 200 MiB multipart upload, ranged
 *   and full reads checked against the computed bytes (test/fixtures/jobs/s3-pattern.ts), the `-N` ETag, an
 *   aborted upload gone; the job's session refused (ExpiredToken) once the job has ended;
 * - cross-account: a bucket of the root account whose bucket policy names a role of account 111111111111;
 *   that role's session (AssumeRole) reads it, and is refused once the grant is gone from either side.
 * Tests needing /usr/bin/aws or boto3 are skipped, saying so, when the tool is absent.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as I from '@aws-sdk/client-iam';
import * as S from '@aws-sdk/client-s3';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { AWS_CLI, awsCliMissing, boto3Missing, connectionTo, GATEHOUSE_BIN, gatehouseCliEnv, PYTHON, run, type Keys, type Run } from './support/processes.ts';
import { bytesAt, pattern } from './fixtures/jobs/s3-pattern.ts';

const STEPS = fileURLToPath(new URL('./fixtures/jobs/s3-steps.ts', import.meta.url));
const SDK_RANK = fileURLToPath(new URL('./fixtures/jobs/s3-sdk.ts', import.meta.url));
const ACCT = '000000000000';
const PARTNER = '111111111111';
const REGION = 'us-east-1';
const ROLE_ARN = `arn:aws:iam::${ACCT}:role/trainer`;
const BUCKET = 'vision-data';
const OTHER = 'other-data';
const SHARED = 'shared-results';
/** A key that each client escapes differently in paths, query strings and signatures. */
const ODD_KEY = 'checkpoints/odd/a b+c%d ünï/x=1&y=2 (final)~.txt';
const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });

interface Step extends Run {
  readonly name: string;
}

const awsMissing = awsCliMissing();
const botoMissing = boto3Missing();

let home: string;
let server: RunningServer;
let s3Url: string;
let admin: Keys;
let alice: Keys;
const clients: { destroy(): void }[] = [];

function s3(credentials: Keys): S.S3Client {
  const c = new S.S3Client({ endpoint: s3Url, region: REGION, credentials, forcePathStyle: true, maxAttempts: 1 });
  clients.push(c);
  return c;
}
function iam(credentials: Keys): I.IAMClient {
  const c = new I.IAMClient({ endpoint: server.url, region: REGION, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
}
const conn = (c: Keys): Connection => connectionTo(server.url, c, REGION);

/** `gatehouse jobs run --workspace vision --role trainer -- CMD…` as alice; the job's env gets nothing but hers and the job's. */
function job(command: readonly string[]): Promise<Run> {
  // PATH as CI's: the Debian clients, not a pyenv or pip copy earlier on this machine's PATH.
  const env = gatehouseCliEnv(alice, { endpoint: server.url, home, extraEnv: { PATH: '/usr/bin:/bin' } });
  return run(process.execPath, [GATEHOUSE_BIN, 'jobs', 'run', '--workspace', 'vision', '--role', ROLE_ARN, '--', ...command], env, { timeoutMs: 120_000, maxBuffer: 16 << 20 });
}

async function errorName(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).name;
  }
  return 'no error';
}

async function getBytes(client: S.S3Client, Bucket: string, Key: string): Promise<Buffer> {
  const r = await client.send(new S.GetObjectCommand({ Bucket, Key }));
  return Buffer.from((await r.Body?.transformToByteArray()) ?? new Uint8Array());
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
/** Dataset shards: deterministic, so any reader can be checked. */
const shard = (name: string, size = 100 * 1024): Buffer => bytesAt(pattern(`dataset/${name}`), 0, size);
const DATASET: Record<string, Buffer> = {
  'datasets/README.txt': Buffer.from('imagenet-mini, 5 training shards and 1 validation shard\n'),
  'datasets/train/shard-0.bin': shard('train-0'),
  'datasets/train/shard-1.bin': shard('train-1'),
  'datasets/train/shard-2.bin': shard('train-2'),
  'datasets/train/shard-3.bin': shard('train-3'),
  'datasets/train/shard-4.bin': shard('train-4'),
  'datasets/val/shard-0.bin': shard('val-0', 10_000),
};

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-s3c-'));
  server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: '127.0.0.1:0', env: {}, log: () => {} });
  s3Url = server.s3Url;
  assert.match(s3Url, /^http:\/\/127\.0\.0\.1:\d+$/);
  const a = server.adminCredentials;
  assert.ok(a);
  admin = { accessKeyId: a.AccessKeyId, secretAccessKey: a.SecretAccessKey };

  const root = iam(admin);
  const trust = doc({ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' });
  await root.send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: trust }));
  const grants = doc(
    { Sid: 'ReadDataset', Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/datasets/*` },
    { Sid: 'Checkpoints', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'], Resource: `arn:aws:s3:::${BUCKET}/checkpoints/*` },
    { Sid: 'ListOwnPrefixes', Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}`, Condition: { StringLike: { 's3:prefix': ['datasets/*', 'checkpoints/*'] } } },
  );
  await root.send(new I.PutRolePolicyCommand({ RoleName: 'trainer', PolicyName: 'data', PolicyDocument: grants }));
  await root.send(new I.CreateUserCommand({ UserName: 'alice' }));
  const submit = doc({ Effect: 'Allow', Action: 'training:*', Resource: '*' }, { Effect: 'Allow', Action: 'iam:PassRole', Resource: ROLE_ARN });
  await root.send(new I.PutUserPolicyCommand({ UserName: 'alice', PolicyName: 'submit', PolicyDocument: submit }));
  const k = (await root.send(new I.CreateAccessKeyCommand({ UserName: 'alice' }))).AccessKey;
  alice = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  const ws = await call(conn(admin), 'PUT', ['workspaces', 'vision'], { body: { members: [{ user: 'alice' }], defaultBucket: `arn:aws:s3:::${BUCKET}` } });
  assert.ok(ws.ok, ws.ok ? '' : ws.message);

  const s = s3(admin);
  await s.send(new S.CreateBucketCommand({ Bucket: BUCKET }));
  await s.send(new S.CreateBucketCommand({ Bucket: OTHER }));
  for (const [Key, Body] of Object.entries(DATASET)) await s.send(new S.PutObjectCommand({ Bucket: BUCKET, Key, Body }));
  await s.send(new S.PutObjectCommand({ Bucket: OTHER, Key: 'secret.txt', Body: 'not for vision jobs\n' }));
});

after(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await server?.stop();
  await rm(home, { recursive: true, force: true });
});

describe('aws CLI inside a job', { skip: awsMissing ?? false }, () => {
  it('cp up and down (multipart both ways), mv, rm, ls, sync both ways; refused outside the grant', async () => {
    const dir = join(home, 'aws');
    await mkdir(join(dir, 'sync-src', 'epoch-1'), { recursive: true });
    const up = randomBytes(300 * 1024);
    await writeFile(join(dir, 'up.bin'), up);
    // Above the CLI's 8 MiB multipart threshold: it uploads 3 parts of 8 MiB (Content-MD5 on each).
    const big = bytesAt(pattern('cli-big'), 0, 20 * 1024 * 1024);
    await writeFile(join(dir, 'big.bin'), big);
    const synced: Record<string, Buffer> = { 'metrics.json': Buffer.from('{"loss":0.42}\n'), 'epoch-1/weights.bin': randomBytes(70_000), 'epoch-1/optimizer.bin': randomBytes(5_000) };
    for (const [k, v] of Object.entries(synced)) await writeFile(join(dir, 'sync-src', k), v);
    await writeFile(join(dir, 'odd.txt'), 'a key every client encodes its own way\n');

    const e = ['--endpoint-url', s3Url];
    // `ls` runs as /usr/bin/aws of its own inside the job; the others in one Python that the step runner keeps (hosted),
    // each given the job's environment whole, as its own process would inherit it.
    const steps = [
      { name: 'cp-up', args: ['s3', 'cp', join(dir, 'up.bin'), `s3://${BUCKET}/checkpoints/cli/up.bin`] },
      { name: 'cp-back', args: ['s3', 'cp', `s3://${BUCKET}/checkpoints/cli/up.bin`, join(dir, 'up.back.bin')] },
      { name: 'cp-big', args: ['s3', 'cp', join(dir, 'big.bin'), `s3://${BUCKET}/checkpoints/cli/big.bin`] },
      { name: 'cp-big-back', args: ['s3', 'cp', `s3://${BUCKET}/checkpoints/cli/big.bin`, join(dir, 'big.back.bin')] },
      { name: 'mv', args: ['s3', 'mv', `s3://${BUCKET}/checkpoints/cli/up.bin`, `s3://${BUCKET}/checkpoints/cli/up-moved.bin`] },
      { name: 'cp-s3-to-s3', args: ['s3', 'cp', `s3://${BUCKET}/checkpoints/cli/up-moved.bin`, `s3://${BUCKET}/checkpoints/cli/up-copy.bin`] },
      { name: 'rm', args: ['s3', 'rm', `s3://${BUCKET}/checkpoints/cli/up-moved.bin`] },
      { name: 'refused-rm', args: ['s3', 'rm', `s3://${BUCKET}/datasets/README.txt`] },
      { name: 'cp-odd', args: ['s3', 'cp', join(dir, 'odd.txt'), `s3://${BUCKET}/${ODD_KEY}`] },
      { name: 'cp-odd-back', args: ['s3', 'cp', `s3://${BUCKET}/${ODD_KEY}`, '-'] },
      { name: 'cp-down', args: ['s3', 'cp', `s3://${BUCKET}/datasets/train/shard-2.bin`, join(dir, 'shard-2.bin')] },
      { name: 'ls', args: ['s3', 'ls', `s3://${BUCKET}/datasets/`] },
      { name: 'ls-recursive', args: ['s3', 'ls', '--recursive', `s3://${BUCKET}/datasets/train/`] },
      { name: 'sync-up', args: ['s3', 'sync', join(dir, 'sync-src'), `s3://${BUCKET}/checkpoints/run-1/`] },
      { name: 'sync-up-again', args: ['s3', 'sync', join(dir, 'sync-src'), `s3://${BUCKET}/checkpoints/run-1/`] },
      { name: 'sync-down', args: ['s3', 'sync', `s3://${BUCKET}/checkpoints/run-1/`, join(dir, 'sync-dst')] },
      { name: 'refused-put', args: ['s3', 'cp', join(dir, 'up.bin'), `s3://${BUCKET}/datasets/train/poisoned.bin`] },
      { name: 'refused-get', args: ['s3', 'cp', `s3://${OTHER}/secret.txt`, join(dir, 'secret.txt')] },
      { name: 'refused-ls', args: ['s3', 'ls', `s3://${BUCKET}/`] },
    ].map((s) => ({ name: s.name, cmd: AWS_CLI, args: [...s.args, ...e], hosted: s.name !== 'ls' }));
    await writeFile(join(dir, 'steps.json'), JSON.stringify(steps));

    const r = await job([process.execPath, STEPS, join(dir, 'steps.json'), join(dir, 'out.json')]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(await readFile(join(dir, 'out.json'), 'utf8')) as { env: Record<string, boolean>; steps: Step[] };
    // No keys were handed to the job: the CLI found the credentials at the container endpoint.
    assert.deepEqual(out.env, { AWS_ACCESS_KEY_ID: false, AWS_SECRET_ACCESS_KEY: false, AWS_SESSION_TOKEN: false, AWS_CONTAINER_CREDENTIALS_FULL_URI: true });
    const step = (name: string): Step => out.steps.find((s) => s.name === name) ?? assert.fail(`no step ${name}`);
    for (const name of ['cp-up', 'cp-back', 'cp-big', 'cp-big-back', 'mv', 'cp-s3-to-s3', 'rm', 'cp-odd', 'cp-odd-back', 'cp-down', 'ls', 'ls-recursive', 'sync-up', 'sync-up-again', 'sync-down']) {
      assert.equal(step(name).code, 0, `${name}: ${step(name).stderr}`);
    }

    // cp: the bytes went up and came back whole; the dataset shard came down whole.
    assert.ok((await readFile(join(dir, 'up.back.bin'))).equals(up));
    const bigHead = await s3(admin).send(new S.HeadObjectCommand({ Bucket: BUCKET, Key: 'checkpoints/cli/big.bin' }));
    assert.equal(bigHead.ContentLength, big.length);
    assert.match(bigHead.ETag ?? '', /^"[0-9a-f]{32}-3"$/);
    assert.equal(sha256(await getBytes(s3(admin), BUCKET, 'checkpoints/cli/big.bin')), sha256(big));
    // Spaces, `+`, `%`, `&`, `=` and non-ASCII in a key: signed, stored and served under the same name.
    assert.equal(step('cp-odd-back').stdout, 'a key every client encodes its own way\n');
    assert.equal((await getBytes(s3(admin), BUCKET, ODD_KEY)).toString(), 'a key every client encodes its own way\n');
    // Above 8 MiB the CLI downloads in concurrent ranged GETs.
    assert.equal(sha256(await readFile(join(dir, 'big.back.bin'))), sha256(big));
    // mv is a copy then a delete; rm deletes; the copy of the moved object is whole.
    assert.ok((await getBytes(s3(admin), BUCKET, 'checkpoints/cli/up-copy.bin')).equals(up));
    for (const gone of ['checkpoints/cli/up.bin', 'checkpoints/cli/up-moved.bin']) {
      assert.equal(await errorName(s3(admin).send(new S.HeadObjectCommand({ Bucket: BUCKET, Key: gone }))), 'NotFound', gone);
    }
    assert.equal(sha256(await readFile(join(dir, 'shard-2.bin'))), sha256(DATASET['datasets/train/shard-2.bin'] ?? Buffer.alloc(0)));

    // ls: one level with the delimiter (PRE lines), every key with --recursive, sizes as stored.
    const ls = step('ls').stdout;
    assert.match(ls, /^\s+PRE train\/$/m);
    assert.match(ls, /^\s+PRE val\/$/m);
    assert.match(ls, new RegExp(`\\s${DATASET['datasets/README.txt']?.length} README\\.txt$`, 'm'));
    const keys = step('ls-recursive').stdout.trim().split('\n').map((l) => l.trim().split(/\s+/));
    assert.deepEqual(keys.map((f) => f[3]), [0, 1, 2, 3, 4].map((i) => `datasets/train/shard-${i}.bin`));
    assert.ok(keys.every((f) => f[2] === String(100 * 1024)), step('ls-recursive').stdout);

    // sync: three uploads, then nothing to do (sizes and times listed back agree), then three downloads.
    assert.equal(step('sync-up').stdout.match(/^upload: /gm)?.length, 3, step('sync-up').stdout);
    assert.equal(step('sync-up-again').stdout.trim(), '');
    assert.equal(step('sync-down').stdout.match(/^download: /gm)?.length, 3, step('sync-down').stdout);
    for (const [k, v] of Object.entries(synced)) assert.ok((await readFile(join(dir, 'sync-dst', k))).equals(v), k);

    // Refused: a write to the dataset (the S3 error body names AccessDenied), a read of another bucket
    // (HEAD first: a 403 without a body, which the CLI prints as Forbidden), listing the bucket root.
    assert.notEqual(step('refused-put').code, 0);
    // The message names the job's session and what it may not do.
    assert.match(step('refused-put').stderr, /\(AccessDenied\) when calling the PutObject operation: User: arn:aws:sts::000000000000:assumed-role\/trainer\/job-[a-z0-9]+ is not authorized to perform: s3:PutObject/);
    assert.notEqual(step('refused-get').code, 0);
    assert.match(step('refused-get').stderr, /\(403\) when calling the HeadObject operation: Forbidden/);
    assert.notEqual(step('refused-rm').code, 0);
    assert.match(step('refused-rm').stderr, /\(AccessDenied\) when calling the DeleteObject operation/);
    assert.notEqual(step('refused-ls').code, 0);
    assert.match(step('refused-ls').stderr, /\(AccessDenied\) when calling the ListObjectsV2 operation/);
    assert.equal(await errorName(s3(admin).send(new S.HeadObjectCommand({ Bucket: BUCKET, Key: 'datasets/train/poisoned.bin' }))), 'NotFound');
    assert.equal(existsSync(join(dir, 'secret.txt')), false);

    // Each refusal is in the audit log under the job, with the resource and the explanation.
    const jobId = /gatehouse: job ([a-z0-9]+) /.exec(r.stderr)?.[1] ?? assert.fail(`no job id in: ${r.stderr}`);
    await server.app.audit.flush();
    interface Rec { action: string; resource: string; principal: string; decision: string; detail: unknown }
    const audit = await call<{ records: Rec[] }>(conn(admin), 'GET', ['audit'], { query: { job: jobId, decision: 'ImplicitDeny', limit: '100' } });
    assert.ok(audit.ok, audit.ok ? '' : audit.message);
    const denied = (action: string, resource: string): Rec | undefined => audit.value.records.find((x) => x.action === action && x.resource === resource);
    for (const [action, resource] of [
      ['s3:PutObject', `arn:aws:s3:::${BUCKET}/datasets/train/poisoned.bin`],
      ['s3:GetObject', `arn:aws:s3:::${OTHER}/secret.txt`],
      ['s3:DeleteObject', `arn:aws:s3:::${BUCKET}/datasets/README.txt`],
      ['s3:ListBucket', `arn:aws:s3:::${BUCKET}`],
    ] as const) {
      const rec = denied(action, resource);
      assert.ok(rec, `${action} on ${resource} is not in the job's audited refusals: ${JSON.stringify(audit.value.records.map((x) => [x.action, x.resource]))}`);
      assert.match(rec.principal, new RegExp(`assumed-role/trainer/job-${jobId}$`));
      assert.ok(JSON.stringify(rec.detail).length > 2, 'the refusal carries its explanation');
    }
  });
});

describe('boto3 inside a job', { skip: botoMissing ?? false }, () => {
  it('get, put, list with prefix, delimiter and continuation, transfers, copy, presigned, batch delete; refused calls raise ClientError AccessDenied', async () => {
    const script = `
import boto3, hashlib, json, os, sys
from botocore.config import Config
from botocore.exceptions import ClientError
session = boto3.session.Session()
s3 = session.client('s3', endpoint_url=sys.argv[1], region_name=os.environ['AWS_REGION'],
                    config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}))
out = {'method': session.get_credentials().method}
body = s3.get_object(Bucket='${BUCKET}', Key='datasets/train/shard-1.bin')['Body'].read()
out['get'] = {'size': len(body), 'sha256': hashlib.sha256(body).hexdigest()}
ckpt = bytes(range(256)) * 4096
put = s3.put_object(Bucket='${BUCKET}', Key='checkpoints/boto/step-100.pt', Body=ckpt, Metadata={'epoch': '3'})
out['put'] = {'etag': put['ETag'], 'md5': hashlib.md5(ckpt).hexdigest()}
head = s3.head_object(Bucket='${BUCKET}', Key='checkpoints/boto/step-100.pt')
out['head'] = {'size': head['ContentLength'], 'metadata': head['Metadata']}
top = s3.list_objects_v2(Bucket='${BUCKET}', Prefix='datasets/', Delimiter='/')
out['top'] = {'prefixes': [p['Prefix'] for p in top.get('CommonPrefixes', [])], 'keys': [o['Key'] for o in top.get('Contents', [])]}
pages, token = [], None
while True:
    kw = {'Bucket': '${BUCKET}', 'Prefix': 'datasets/train/', 'MaxKeys': 2}
    if token: kw['ContinuationToken'] = token
    page = s3.list_objects_v2(**kw)
    pages.append({'keys': [o['Key'] for o in page.get('Contents', [])], 'truncated': page['IsTruncated'], 'count': page['KeyCount']})
    token = page.get('NextContinuationToken')
    if not page['IsTruncated']: break
out['pages'] = pages
paginated = [o['Key'] for p in s3.get_paginator('list_objects_v2').paginate(Bucket='${BUCKET}', Prefix='datasets/', PaginationConfig={'PageSize': 3}) for o in p.get('Contents', [])]
out['paginator'] = paginated
from boto3.s3.transfer import TransferConfig
import urllib.request
big = sys.argv[2]
transfer = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024, max_concurrency=4)
s3.upload_file(big, '${BUCKET}', 'checkpoints/boto/big.bin', Config=transfer)
s3.download_file('${BUCKET}', 'checkpoints/boto/big.bin', big + '.back', Config=transfer)
out['transfer'] = {'etag': s3.head_object(Bucket='${BUCKET}', Key='checkpoints/boto/big.bin')['ETag'], 'sha256': hashlib.sha256(open(big + '.back', 'rb').read()).hexdigest()}
s3.copy_object(Bucket='${BUCKET}', Key='checkpoints/boto/step-100.copy.pt', CopySource={'Bucket': '${BUCKET}', 'Key': 'checkpoints/boto/step-100.pt'})
url = s3.generate_presigned_url('get_object', Params={'Bucket': '${BUCKET}', 'Key': 'checkpoints/boto/step-100.copy.pt'}, ExpiresIn=300)
out['presigned'] = hashlib.md5(urllib.request.urlopen(url).read()).hexdigest()
deleted = s3.delete_objects(Bucket='${BUCKET}', Delete={'Objects': [{'Key': 'checkpoints/boto/step-100.copy.pt'}, {'Key': 'datasets/README.txt'}]})
out['deleteObjects'] = {'deleted': [d['Key'] for d in deleted.get('Deleted', [])], 'errors': [[e['Key'], e['Code']] for e in deleted.get('Errors', [])]}
odd = '${ODD_KEY}'
s3.put_object(Bucket='${BUCKET}', Key=odd, Body=b'odd')
out['odd'] = {'body': s3.get_object(Bucket='${BUCKET}', Key=odd)['Body'].read().decode(), 'prefixes': [p['Prefix'] for p in s3.list_objects_v2(Bucket='${BUCKET}', Prefix='checkpoints/odd/a b+', Delimiter='/').get('CommonPrefixes', [])]}
def refused(f):
    try:
        f()
        return {'error': None}
    except ClientError as e:
        return {'error': e.response['Error']['Code'], 'status': e.response['ResponseMetadata']['HTTPStatusCode'], 'message': e.response['Error'].get('Message', '')}
out['refusedPut'] = refused(lambda: s3.put_object(Bucket='${BUCKET}', Key='datasets/val/poisoned.bin', Body=b'x'))
out['refusedGet'] = refused(lambda: s3.get_object(Bucket='${OTHER}', Key='secret.txt'))
out['refusedList'] = refused(lambda: s3.list_objects_v2(Bucket='${BUCKET}', Prefix='', Delimiter='/'))
out['refusedDelete'] = refused(lambda: s3.delete_object(Bucket='${BUCKET}', Key='datasets/README.txt'))
print(json.dumps(out))
`;
    const big = bytesAt(pattern('boto-big'), 0, 20 * 1024 * 1024);
    await writeFile(join(home, 'boto-big.bin'), big);
    const r = await job([PYTHON, '-c', script, s3Url, join(home, 'boto-big.bin')]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    // botocore names the provider that answered: the container endpoint, not keys in the environment.
    assert.equal(out['method'], 'container-role');
    const shard1 = DATASET['datasets/train/shard-1.bin'] ?? Buffer.alloc(0);
    assert.deepEqual(out['get'], { size: shard1.length, sha256: sha256(shard1) });
    const put = out['put'] as { etag: string; md5: string };
    assert.equal(put.etag, `"${put.md5}"`);
    assert.deepEqual(out['head'], { size: 256 * 4096, metadata: { epoch: '3' } });
    assert.deepEqual(out['top'], { prefixes: ['datasets/train/', 'datasets/val/'], keys: ['datasets/README.txt'] });
    const train = [0, 1, 2, 3, 4].map((i) => `datasets/train/shard-${i}.bin`);
    assert.deepEqual(out['pages'], [
      { keys: train.slice(0, 2), truncated: true, count: 2 },
      { keys: train.slice(2, 4), truncated: true, count: 2 },
      { keys: train.slice(4), truncated: false, count: 1 },
    ]);
    assert.deepEqual(out['paginator'], Object.keys(DATASET).sort());
    assert.deepEqual(out['odd'], { body: 'odd', prefixes: ['checkpoints/odd/a b+c%d ünï/'] });
    // s3transfer: a threaded multipart upload (3 parts of 8 MiB) and a ranged, threaded download.
    const transfer = out['transfer'] as { etag: string; sha256: string };
    assert.match(transfer.etag, /^"[0-9a-f]{32}-3"$/);
    assert.equal(transfer.sha256, sha256(big));
    // A presigned URL (botocore 1.29 signs S3 presigned URLs with SigV2 by default) fetched by plain urllib.
    assert.equal(out['presigned'], put.md5);
    // DeleteObjects decides each key: the checkpoint goes, the dataset file is refused in the answer.
    assert.deepEqual(out['deleteObjects'], { deleted: ['checkpoints/boto/step-100.copy.pt'], errors: [['datasets/README.txt', 'AccessDenied']] });
    for (const k of ['refusedPut', 'refusedGet', 'refusedList', 'refusedDelete']) {
      const f = out[k] as { error: string | null; status: number; message: string };
      assert.equal(f.error, 'AccessDenied', `${k}: ${JSON.stringify(f)}`);
      assert.equal(f.status, 403, k);
      assert.match(f.message, /assumed-role\/trainer\/job-[a-z0-9]+ is not authorized to perform: s3:/, k);
    }
    // The dataset is as it was.
    assert.equal(await errorName(s3(admin).send(new S.HeadObjectCommand({ Bucket: BUCKET, Key: 'datasets/val/poisoned.bin' }))), 'NotFound');
    assert.ok((await getBytes(s3(admin), BUCKET, 'datasets/README.txt')).equals(DATASET['datasets/README.txt'] ?? Buffer.alloc(0)));
  });
});

describe('@aws-sdk/client-s3 inside a job', () => {
  it('a 200 MiB multipart checkpoint, ranged reads of the computed bytes, the -N ETag; refused on the dataset and after the job', async () => {
    const outFile = join(home, 'sdk.json');
    const r = await job([process.execPath, SDK_RANK, s3Url, outFile, '200']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(await readFile(outFile, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(out['credentialVariables'], []);
    const shard0 = DATASET['datasets/train/shard-0.bin'] ?? Buffer.alloc(0);
    assert.deepEqual(out['dataset'], { size: shard0.length, sha256: sha256(shard0) });
    // `new S3Client({})`: the job's AWS_ENDPOINT_URL_S3, region and profile lead it to the gateway.
    assert.deepEqual(out['unconfigured'], { size: shard0.length, sha256: sha256(shard0) });

    const mp = out['multipart'] as { parts: number; listedParts: number; etag: string; expectedEtag: string; partEtagsMatch: boolean; sha256: string };
    assert.equal(mp.parts, 25, JSON.stringify(mp));
    assert.equal(mp.listedParts, 25);
    assert.ok(mp.partEtagsMatch, 'each UploadPart answers the MD5 of its bytes');
    assert.match(mp.etag, /^"[0-9a-f]{32}-25"$/);
    assert.equal(mp.etag, mp.expectedEtag);
    assert.deepEqual(out['head'], { size: 200 * 1024 * 1024, etag: mp.etag, metadata: { step: '1000' } });

    const ranges = out['ranges'] as { range: string; contentRange: string; expectedContentRange: string; length: number; matches: boolean }[];
    assert.equal(ranges.length, 5, JSON.stringify(out['ranges']));
    for (const g of ranges) {
      assert.equal(g.contentRange, g.expectedContentRange, g.range);
      assert.ok(g.matches, `${g.range}: the bytes served are not the bytes uploaded`);
    }
    assert.deepEqual(out['fullRead'], { size: 200 * 1024 * 1024, sha256: mp.sha256, etag: mp.etag });
    assert.deepEqual(out['aborted'], { listedAfterAbort: 'NoSuchUpload' });
    assert.equal((out['refusedPut'] as { error: string }).error, 'AccessDenied');
    assert.equal((out['refusedPut'] as { status: number }).status, 403);

    // The job has ended: its session is refused by the gateway as by every other service.
    const ended = s3(out['session'] as Keys);
    const f = await ended.send(new S.GetObjectCommand({ Bucket: BUCKET, Key: 'datasets/train/shard-0.bin' })).then(() => 'no error', (e: Error) => `${e.name}: ${e.message}`);
    assert.match(f, /^ExpiredToken: /, f);

    // Seen from outside the job: the same object, and a range checked here too.
    const admin3 = s3(admin);
    const h = await admin3.send(new S.HeadObjectCommand({ Bucket: BUCKET, Key: 'checkpoints/sdk/model.ckpt' }));
    assert.equal(h.ETag, mp.etag);
    const g = await admin3.send(new S.GetObjectCommand({ Bucket: BUCKET, Key: 'checkpoints/sdk/model.ckpt', Range: 'bytes=123456789-123456888' }));
    assert.ok(Buffer.from((await g.Body?.transformToByteArray()) ?? []).equals(bytesAt(pattern('checkpoint'), 123_456_789, 100)));
    const uploads = await admin3.send(new S.ListMultipartUploadsCommand({ Bucket: BUCKET }));
    assert.deepEqual(uploads.Uploads ?? [], [], 'no upload left behind');
  });
});

describe('cross-account bucket policy', () => {
  it('a role of another account reads through the bucket policy, and is refused without it or without its own grant', async () => {
    const created = await call<{ AccessKeyId: string; SecretAccessKey: string }>(conn(admin), 'POST', ['accounts'], { body: { id: PARTNER, partition: 'aws', name: 'partner-co' } });
    assert.ok(created.ok, created.ok ? '' : created.message);
    const partnerAdmin = { accessKeyId: created.value.AccessKeyId, secretAccessKey: created.value.SecretAccessKey };
    const pIam = iam(partnerAdmin);
    const trust = doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${PARTNER}:root` }, Action: 'sts:AssumeRole' });
    const reads = doc({ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: [`arn:aws:s3:::${SHARED}`, `arn:aws:s3:::${SHARED}/*`] });
    for (const RoleName of ['auditor', 'intern']) await pIam.send(new I.CreateRoleCommand({ RoleName, AssumeRolePolicyDocument: trust }));
    await pIam.send(new I.PutRolePolicyCommand({ RoleName: 'auditor', PolicyName: 'read-shared', PolicyDocument: reads }));

    // The root account's bucket, shared with the partner's `auditor` and `intern` roles by its bucket policy.
    const owner = s3(admin);
    await owner.send(new S.CreateBucketCommand({ Bucket: SHARED }));
    await owner.send(new S.PutObjectCommand({ Bucket: SHARED, Key: 'eval/summary.json', Body: '{"top1":0.81}' }));
    const grant = doc({
      Sid: 'PartnerRead',
      Effect: 'Allow',
      Principal: { AWS: [`arn:aws:iam::${PARTNER}:role/auditor`, `arn:aws:iam::${PARTNER}:role/intern`] },
      Action: ['s3:GetObject', 's3:ListBucket'],
      Resource: [`arn:aws:s3:::${SHARED}`, `arn:aws:s3:::${SHARED}/*`],
    });
    await owner.send(new S.PutBucketPolicyCommand({ Bucket: SHARED, Policy: grant }));
    const stored = await owner.send(new S.GetBucketPolicyCommand({ Bucket: SHARED }));
    assert.deepEqual(JSON.parse(stored.Policy ?? '{}'), JSON.parse(grant));

    const sts = new STSClient({ endpoint: server.url, region: REGION, credentials: partnerAdmin, maxAttempts: 1 });
    clients.push(sts);
    const session = async (role: string): Promise<S.S3Client> => {
      const c = (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${PARTNER}:role/${role}`, RoleSessionName: 'x-acct' }))).Credentials;
      return s3({ accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '', sessionToken: c?.SessionToken ?? '' });
    };
    const auditor = await session('auditor');
    assert.equal((await getBytes(auditor, SHARED, 'eval/summary.json')).toString(), '{"top1":0.81}');
    const listed = await auditor.send(new S.ListObjectsV2Command({ Bucket: SHARED, Prefix: 'eval/' }));
    assert.deepEqual(listed.Contents?.map((o) => o.Key), ['eval/summary.json']);
    // The bucket policy grants reads only; and the partner's own admin is not named in it.
    assert.equal(await errorName(auditor.send(new S.PutObjectCommand({ Bucket: SHARED, Key: 'eval/forged.json', Body: '{}' }))), 'AccessDenied');
    assert.equal(await errorName(s3(partnerAdmin).send(new S.GetObjectCommand({ Bucket: SHARED, Key: 'eval/summary.json' }))), 'AccessDenied');
    // Cross-account needs both sides: `intern` is named by the bucket policy but its own account grants nothing.
    const intern = await session('intern');
    assert.equal(await errorName(intern.send(new S.GetObjectCommand({ Bucket: SHARED, Key: 'eval/summary.json' }))), 'AccessDenied');
    // Both sides again, the other way: without the bucket policy the auditor's own grant is not enough.
    await owner.send(new S.DeleteBucketPolicyCommand({ Bucket: SHARED }));
    assert.equal(await errorName(auditor.send(new S.GetObjectCommand({ Bucket: SHARED, Key: 'eval/summary.json' }))), 'AccessDenied');
    assert.equal(await errorName(auditor.send(new S.ListObjectsV2Command({ Bucket: SHARED }))), 'AccessDenied');
    // The owner is unaffected.
    assert.equal((await getBytes(owner, SHARED, 'eval/summary.json')).toString(), '{"top1":0.81}');
  });
});
