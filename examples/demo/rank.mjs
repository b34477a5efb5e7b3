// One rank of the demo's training job, run by `gatehouse jobs run` (which `gatehouse demo` does for you).
//
// No key anywhere: the AWS SDK's default credential chain finds the job's temporary credentials by itself, at
// the container credentials endpoint the job's agent serves, exactly as in a real job. The S3 endpoint comes
// from AWS_ENDPOINT_URL_S3 (the Gatehouse S3 gateway), STS's from AWS_ENDPOINT_URL (the job environment).
//
//   node examples/demo/rank.mjs --data s3://vision-data/datasets/images/ --checkpoints s3://vision-data/checkpoints/ \
//       [--try s3://speech-data/datasets/speech/shard-00000.tar] [--report DIR]
//
// Each rank reads the dataset's shards i with i % WORLD_SIZE == RANK (checking each against the SHA-256 stored
// with it), writes `rank-N.pt` under --checkpoints, and rank 0 tries to read --try, which should be refused.
// A --data prefix that holds no shard (`*.tar`) is an error (exit 1): the dataset was not put there.
// With --report the rank writes what it saw to DIR/rank-N.json (for `gatehouse demo`), else it prints it.
import { createHash } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';

const { values: args } = parseArgs({ options: { data: { type: 'string' }, checkpoints: { type: 'string' }, try: { type: 'string' }, report: { type: 'string' } } });
const rank = Number(process.env.RANK ?? 0);
const world = Number(process.env.WORLD_SIZE ?? 1);

function s3Url(url, what) {
  const m = /^s3:\/\/([^/]+)\/(.*)$/.exec(url ?? '');
  if (!m) throw new Error(`${what} must be s3://BUCKET/KEY, got \`${url ?? ''}\``);
  return { bucket: m[1], key: m[2] };
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const errorOf = (e) => ({ name: e?.name ?? 'Error', message: e?.message ?? String(e), status: e?.$metadata?.httpStatusCode });

const report = { rank, worldSize: world, job: process.env.GATEHOUSE_JOB_ID, read: [] };
let status = 0;
try {
  const data = s3Url(args.data, '--data');
  const checkpoints = s3Url(args.checkpoints, '--checkpoints');
  // Path-style addressing: the gateway is one host, buckets are the first path segment.
  const s3 = new S3Client({ forcePathStyle: true });
  const sts = new STSClient({});

  const me = await sts.send(new GetCallerIdentityCommand({}));
  report.arn = me.Arn;
  report.account = me.Account;

  const listed = await s3.send(new ListObjectsV2Command({ Bucket: data.bucket, Prefix: data.key }));
  const shards = (listed.Contents ?? []).map((o) => o.Key).filter((k) => k.endsWith('.tar')).sort();
  // A dataset of no shard is a mistake (not uploaded, or under another prefix), not a job that trains on nothing.
  if (shards.length === 0) throw new Error(`no shard (*.tar) under ${args.data}: put the dataset there first (README §5)`);
  const mine = shards.filter((_, i) => i % world === rank);
  const digest = createHash('sha256');
  for (const key of mine) {
    const got = await s3.send(new GetObjectCommand({ Bucket: data.bucket, Key: key }));
    const bytes = Buffer.from(await got.Body.transformToByteArray());
    const intact = got.Metadata?.sha256 === sha256(bytes);
    digest.update(bytes);
    report.read.push({ key: `s3://${data.bucket}/${key}`, bytes: bytes.length, intact });
  }
  report.shards = shards.length;

  // A fake checkpoint: what a framework would save after training on these shards.
  const header = Buffer.from(`gatehouse-demo checkpoint rank ${rank} of ${world}, shards ${mine.length}, digest ${digest.digest('hex')}\n`);
  const body = Buffer.concat([header, Buffer.alloc(64 * 1024 - header.length, rank)]);
  const key = `${checkpoints.key.replace(/\/?$/, '/')}rank-${rank}.pt`;
  const put = await s3.send(new PutObjectCommand({ Bucket: checkpoints.bucket, Key: key, Body: body, Metadata: { rank: String(rank), job: String(report.job ?? '') } }));
  report.wrote = { key: `s3://${checkpoints.bucket}/${key}`, bytes: body.length, etag: put.ETag };

  if (args.try !== undefined && rank === 0) {
    const other = s3Url(args.try, '--try');
    try {
      const got = await s3.send(new GetObjectCommand({ Bucket: other.bucket, Key: other.key }));
      report.tried = { key: args.try, refused: false, bytes: (await got.Body.transformToByteArray()).length };
    } catch (e) {
      report.tried = { key: args.try, refused: true, error: errorOf(e) };
    }
  }

  // Kept only in the private report, so that the demo can show what these credentials are worth once the job
  // has ended (a copy that leaked out of a job is the case this shows).
  if (args.report !== undefined) report.credentials = await s3.config.credentials();
} catch (e) {
  report.error = errorOf(e);
  status = 1;
}

if (args.report !== undefined) {
  const path = join(args.report, `rank-${rank}.json`);
  // Written whole then renamed: whoever reads the report never sees half of it.
  await writeFile(`${path}.tmp`, JSON.stringify(report), { mode: 0o600 });
  await rename(`${path}.tmp`, path);
} else {
  console.log(`rank ${rank} of ${world}: ${report.arn ?? '?'}`);
  for (const r of report.read) console.log(`  read ${r.key} (${r.bytes} bytes${r.intact ? ', intact' : ', NOT matching its sha256'})`);
  if (report.wrote) console.log(`  wrote ${report.wrote.key} (${report.wrote.bytes} bytes)`);
  if (report.tried) console.log(`  ${report.tried.key}: ${report.tried.refused ? `refused: ${report.tried.error.name}: ${report.tried.error.message}` : 'READ (should have been refused)'}`);
  if (report.error) console.error(`rank ${rank}: ${report.error.name}: ${report.error.message}`);
}
process.exitCode = status;
