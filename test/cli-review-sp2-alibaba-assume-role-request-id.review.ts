/**
 * Review sp, 2: `gatehouse sts assume-role --format alibaba --json` says (its --help) it prints "the answer of Alibaba's
 * AssumeRole", but left out its `RequestId`, which Alibaba's answer always carries (the AssumeRole API reference; the Go
 * SDK's `Response{Credentials, AssumedRoleUser, RequestId}`; ActionTrail's `responseElements`) and which `aliyun sts
 * AssumeRole` prints, and which this server's own Alibaba STS answers (src/adapters/http/alibaba-sts-api.ts). A script
 * keeping the id of the session it was issued (to find its audit record, or to quote it) had none. Now the document is
 * the answer's fields, `RequestId` first as Alibaba writes it: the id the server answered with, which the session's audit
 * record names (review sd, 1). `--format aws --json` is `aws sts assume-role`'s, which prints no request id, as before.
 *
 * The CLI in this process against a real server on 127.0.0.1, beside Alibaba's own STS client (`@alicloud/sts20150401`).
 *
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import StsModule from '@alicloud/sts20150401';
import { alibabaStsWorld } from './support/alibaba-sts.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const { AssumeRoleRequest } = StsModule;
const ACS = '350000000162';
const ROLE = `acs:ram::${ACS}:role/reader`;

describe('sp2: sts assume-role --format alibaba --json is Alibaba AssumeRole\'s answer, RequestId and all', () => {
  const w = alibabaStsWorld(ACS);
  const asBob = (args: readonly string[]) =>
    gatehouseInProcess(['sts', 'assume-role', '--role-arn', ROLE, '--role-session-name', 'sp2', ...args], { GATEHOUSE_ENDPOINT: w.server.url, ALIBABA_CLOUD_ACCESS_KEY_ID: w.bob.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: w.bob.accessKeySecret });

  it('the fields of the answer Alibaba\'s client reads, with the RequestId its audit record names', async () => {
    const r = await asBob(['--format', 'alibaba', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const printed = JSON.parse(r.stdout) as Record<string, unknown>;
    // What Alibaba's own client reads from this server's Alibaba STS AssumeRole.
    const sdk = await w.client(w.bob).assumeRole(new AssumeRoleRequest({ roleArn: ROLE, roleSessionName: 'sp2-sdk' }));
    const answer = sdk.body?.toMap() ?? {};
    assert.deepEqual(Object.keys(printed).sort(), Object.keys(answer).sort(), r.stdout);
    assert.match(String(printed['RequestId']), /^[0-9a-f-]{36}$/, r.stdout);
    const audit = await gatehouseInProcess(['audit', 'query', '--request-id', String(printed['RequestId']), '--json'], { GATEHOUSE_ENDPOINT: w.server.url, AWS_ACCESS_KEY_ID: w.server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: w.server.admin.secretAccessKey });
    assert.equal(audit.code, 0, audit.stderr);
    const rows = audit.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { action: string; decision?: string; session?: string });
    assert.deepEqual(rows.map((x) => [x.action, x.decision, x.session]), [['sts:AssumeRole', 'Allow', `${ROLE}/sp2`]], audit.stdout);
  });

  it('--format aws --json stays aws sts assume-role\'s answer, without a request id', async () => {
    const r = await asBob(['--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Object.keys(JSON.parse(r.stdout) as object), ['Credentials', 'AssumedRoleUser', 'PackedPolicySize']);
  });
});
