/**
 * Review eb1 (a soak of `gatehouse server`, bench/soak.ts): the engine's matchers were interned in one table of the
 * process (src/core/iam/glob.ts) bounded by 200,000 entries and nothing else, and two kinds of pattern reached it from
 * requests rather than from the policies an administrator stores:
 *
 * - a policy variable resolved per request (`arn:aws:s3:::home/${aws:userid}/*`, AWS's own per-session folder): one
 *   entry per session a role ever had, kept after the session ended (its statement's cache of 256 was bounded; the
 *   table behind it was not), so a server issuing sessions grew for as long as it ran;
 * - every pattern of every SimulateCustomPolicy's policies: one call may carry a megabyte of them, and nothing bounded
 *   their length, so 200,000 patterns of 2,000 characters (some 440 MB) were kept before the table was cleared.
 *
 * Now a resolved pattern is held by its statement's cache alone, and the table is bounded by characters too
 * (`INTERN_MAX_CHARS`). Against a real server in this process, through the real SDK v3 clients; what is kept is read
 * as the heap used after a full collection (test/support/census.ts `collectGarbage`) and as live functions (each
 * matcher is one; `v8.queryObjects` collects garbage first).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { queryObjects } from 'node:v8';
import * as S3 from '@aws-sdk/client-s3';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { CreateRoleCommand, PutRolePolicyCommand, SimulateCustomPolicyCommand } from '@aws-sdk/client-iam';
import { RESOLVED_RESOURCES, RESOLVED_VALUES } from '../src/core/iam/variables.ts';
import { ACROSS_A_CENSUS, collectGarbage } from './support/census.ts';
import { sdkFailure, startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
  const iam = server.iam();
  try {
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'homes',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'homes',
        PolicyName: 'own-folder',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::homes/${aws:userid}/*' },
            { Effect: 'Allow', Action: 's3:ListBucket', Resource: 'arn:aws:s3:::homes', Condition: { StringLike: { 's3:prefix': '${aws:userid}/*' } } },
          ],
        }),
      }),
    );
  } finally {
    iam.destroy();
  }
  const s3 = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: 1 });
  await s3.send(new S3.CreateBucketCommand({ Bucket: 'homes' }));
  s3.destroy();
});
after(async () => {
  await server?.stop();
});

const heapUsed = (): number => {
  collectGarbage();
  return process.memoryUsage().heapUsed;
};
const liveFunctions = (): number => queryObjects(Function, { format: 'count' }) as number;

test('sessions of a role whose policy names ${aws:userid}: no matcher is kept per session once it is done', { timeout: 240_000 }, async () => {
  const SESSIONS = RESOLVED_RESOURCES;
  assert.equal(RESOLVED_RESOURCES % RESOLVED_VALUES, 0, 'a round spans whole cycles of both caches');
  const WARM = 20;
  const sts = server.sts(server.admin, ACROSS_A_CENSUS);
  const admin = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: server.admin, maxAttempts: ACROSS_A_CENSUS });
  // Each session's own object and own listing resolve its pattern into each statement's cache: what the rounds count.
  // The refusals of another's folder add nothing to either cache (the same session resolves the same pattern): they
  // are asked of the warm sessions and of every 32nd session, not of each.
  const asSession = async (i: number, refusals = i < WARM || i % 32 === 0): Promise<void> => {
    const a = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/homes', RoleSessionName: `eb1-${i}`, DurationSeconds: 900 }));
    const c = a.Credentials;
    // `aws:userid` of a role's session: `<role id>:<session name>`.
    const userId = a.AssumedRoleUser?.AssumedRoleId;
    assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken && userId);
    await admin.send(new S3.PutObjectCommand({ Bucket: 'homes', Key: `${userId}/notes`, Body: `of ${i}` }));
    const s3 = new S3.S3Client({ endpoint: server.running.s3Url, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken }, maxAttempts: 1 });
    try {
      // Its own folder is allowed (the resolved pattern matched), another's is not; the listing of its own folder is
      // allowed by the condition, another's is not.
      assert.equal(await (await s3.send(new S3.GetObjectCommand({ Bucket: 'homes', Key: `${userId}/notes` }))).Body?.transformToString(), `of ${i}`);
      if (refusals) assert.equal((await sdkFailure(s3.send(new S3.GetObjectCommand({ Bucket: 'homes', Key: 'someone-else/notes' })))).code, 'AccessDenied');
      assert.equal((await s3.send(new S3.ListObjectsV2Command({ Bucket: 'homes', Prefix: `${userId}/` }))).KeyCount, 1);
      if (refusals) assert.equal((await sdkFailure(s3.send(new S3.ListObjectsV2Command({ Bucket: 'homes', Prefix: 'someone-else/' })))).code, 'AccessDenied');
    } finally {
      s3.destroy();
    }
  };
  try {
    // Warm: the code paths compiled, what is made once made.
    for (let i = 0; i < WARM; i++) await asSession(i);
    // A statement's caches hold the matchers resolved from requests and are cleared when full (256 for the resource's,
    // 64 for the condition's): each session adds one to each, so live functions rise by two a session and fall by a
    // cache's size at its clearing. A round of 256 sessions ends where both caches' cycles began, whatever the phase it
    // starts at: without a leak it grows by about nothing. At 300 a round, as until stop 40, it passed or not by where
    // the cycles stood at its end (200 a round grew by 208 every time). Two matchers kept a session before, 512 and
    // more. Something made once during a round (a module's first use, a timer's first run) is told from a matcher per
    // session by measuring again: a per-session leak grows as much the second time.
    const grew: number[] = [];
    for (let round = 0; round < 2; round++) {
      const before = liveFunctions();
      for (let i = WARM + round * SESSIONS; i < WARM + (round + 1) * SESSIONS; i++) await asSession(i);
      grew.push(liveFunctions() - before);
      if ((grew.at(-1) ?? 0) < SESSIONS / 2) break;
    }
    assert.ok((grew.at(-1) ?? 0) < SESSIONS / 2, `live functions grew by ${grew.join(', then ')} over ${SESSIONS} sessions: a matcher is kept per session`);
  } finally {
    sts.destroy();
    admin.destroy();
  }
});

test('SimulateCustomPolicy with long distinct resources: what the engine keeps afterwards stays within its bound', { timeout: 120_000 }, async () => {
  const CALLS = 40;
  const PER_CALL = 360;
  const iam = server.iam(server.admin, ACROSS_A_CENSUS);
  const call = async (k: number): Promise<void> => {
    // 360 resources of about 2,000 characters, each named once: 720,000 characters of patterns a call.
    // Six policies of 60 (a policy is at most 131,072 characters).
    const Resource = Array.from({ length: PER_CALL }, (_, j) => `arn:aws:s3:::b${k}-${j}/${'k'.repeat(1_980)}`);
    const policies = Array.from({ length: 6 }, (_, p) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: Resource.slice(p * 60, p * 60 + 60) }] }));
    const r = await iam.send(
      new SimulateCustomPolicyCommand({
        PolicyInputList: policies,
        ActionNames: ['s3:GetObject'],
        ResourceArns: [`arn:aws:s3:::b${k}-0/${'k'.repeat(1_980)}`],
      }),
    );
    assert.equal(r.EvaluationResults?.[0]?.EvalDecision, 'allowed');
  };
  try {
    for (let k = 0; k < 4; k++) await call(k);
    const before = heapUsed();
    for (let k = 4; k < 4 + CALLS; k++) await call(k);
    const grown = heapUsed() - before;
    // 28.8 million characters of patterns: about 31 MB kept before; now at most INTERN_MAX_CHARS (8 Mi) and their matchers.
    assert.ok(grown < 16 * 1024 * 1024, `the heap kept ${(grown / 1048576).toFixed(1)} MB after ${CALLS} simulations: their patterns are kept`);
  } finally {
    iam.destroy();
  }
});
