/**
 * Review ad, finding ad6: a change through the IAM Query API whose COMMIT answer was lost is answered 500
 * InternalFailure (review aa1, docs/errors.md), and the AWS SDKs and the aws CLI retry every 500 as a transient error
 * (SDK v3: status 500, 502, 503, 504; botocore likewise): aa1's "not sent again" holds for the gatehouse CLI only. A
 * user with one access key; CreateAccessKey through SDK v3 (default retries) whose insert's COMMIT answer is lost: the
 * key is made, the SDK sends the request again, and the caller is answered LimitExceeded ("cannot exceed quota for
 * AccessKeysPerUser: 2") for a request that made a key, whose secret nobody will ever see. The test expects the SDK
 * not to send it again (one insert) and an error that says the outcome is unknown; the aws CLI likewise. Todo until
 * the src/adapters/http/server.ts patch in notes/review-ad.md is applied (a 409 OutcomeUnknown on the Query APIs).
 * A real server on PostgreSQL behind aa1's TCP proxy; SDK v3 IAM, the aws CLI.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { tmpdir } from 'node:os';
import { commitAnswerLost, serverBehindProxy, type ProxiedServer } from './support/pg-proxy.ts';
import { pgSkip } from './support/postgres.ts';
import { awsCli } from './support/aws-cli.ts';
import { awsCliMissing } from './support/processes.ts';

const skip = await pgSkip();

describe('review ad6: the SDKs do not send again an IAM change whose outcome is unknown', { skip, timeout: 90_000 }, () => {
  let s: ProxiedServer;
  let iam: I.IAMClient;
  before(async () => {
    s = await serverBehindProxy('review_ad6');
    iam = new I.IAMClient({ endpoint: s.running.url, region: 'us-east-1', credentials: { accessKeyId: s.admin.accessKeyId, secretAccessKey: s.admin.secretAccessKey } });
    for (const u of ['bob', 'carol']) {
      await iam.send(new I.CreateUserCommand({ UserName: u }));
      await iam.send(new I.CreateAccessKeyCommand({ UserName: u }));
    }
  });
  after(async () => {
    iam?.destroy();
    await s?.stop();
  });

  it('CreateAccessKey whose COMMIT answer was lost: not retried by SDK v3, and not answered LimitExceeded', async () => {
    s.fault = commitAnswerLost((text, readOnly) => !readOnly && /insert into access_keys/i.test(text));
    const e = await iam.send(new I.CreateAccessKeyCommand({ UserName: 'bob' })).then(() => undefined, (x: unknown) => x as { name?: string; message?: string; $metadata?: { attempts?: number; httpStatusCode?: number } });
    assert.equal(s.fired, 1, 'the proxy swallowed the COMMIT of the key');
    const keys = (await iam.send(new I.ListAccessKeysCommand({ UserName: 'bob' }))).AccessKeyMetadata ?? [];
    assert.equal(keys.length, 2, 'the key was made');
    assert.ok(e !== undefined, 'the secret was never shown: the call cannot have succeeded');
    assert.notEqual(e.name, 'LimitExceededException', `${e.name}: ${e.message}`);
    assert.equal(e.$metadata?.attempts, 1, `sent ${e.$metadata?.attempts} times: ${e.name}: ${e.message}`);
    assert.match(String(e.message), /may or may not/);
  });

  it('the aws CLI: create-access-key whose COMMIT answer was lost is sent once and fails saying so', { skip: awsCliMissing() }, async () => {
    const fired = s.fired;
    s.fault = commitAnswerLost((text, readOnly) => !readOnly && /insert into access_keys/i.test(text));
    const env = { PATH: '/usr/bin:/bin', HOME: tmpdir(), AWS_ACCESS_KEY_ID: s.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: s.admin.secretAccessKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true' };
    const r = await awsCli(['iam', 'create-access-key', '--user-name', 'carol', '--endpoint-url', s.running.url], env, { timeoutMs: 60_000 });
    assert.equal(s.fired, fired + 1, 'the proxy swallowed the COMMIT of the key');
    assert.notEqual(r.code, 0, r.stdout);
    assert.match(r.stderr, /OutcomeUnknown/, r.stderr);
    assert.doesNotMatch(r.stderr, /LimitExceeded/, r.stderr);
    const keys = (await iam.send(new I.ListAccessKeysCommand({ UserName: 'carol' }))).AccessKeyMetadata ?? [];
    assert.equal(keys.length, 2, 'the key was made, once');
  });
});
