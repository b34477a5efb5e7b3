/**
 * Review is, 1: Alibaba's API gateway answers a request signed with a RAM user's AccessKey that exists but is disabled
 * (`UpdateAccessKey … Inactive`) with `InvalidAccessKeyId.Inactive`, 400, "Specified access key is disabled." (the
 * OpenAPI common error codes; the STS/OSS troubleshooting page lists it beside `InvalidAccessKeyId.NotFound`). Gatehouse's
 * Alibaba STS answered it 404 `InvalidAccessKeyId.NotFound`, "Specified access key is not found.": an operator who
 * deactivated a key while rotating it, and sees it listed as Inactive, was told by the SDK that the key does not exist,
 * and went looking for a typo or the wrong account. The directory answers unknown, inactive and disabled alike so that an
 * answer does not tell an outsider which (docs/decisions.md, review ge); that holds still: the request must first be
 * signed with the key's own secret, so only the key's holder learns it is disabled. A request for an inactive key with
 * a wrong signature, an unknown key, and a key of a disabled user are still `InvalidAccessKeyId.NotFound`; the key made
 * Active again works. Through `@alicloud/sts20150401` (V3 signature) and a hand-signed signature version 1.0 request.
 * Before the fix 1 of 4 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import StsModule from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';
import * as I from '@aws-sdk/client-iam';
import { bobAndCarolSuite, callerIdentityV1 } from './support/alibaba-world.ts';
import { cliAgainst, type Credentials } from './support/server.ts';

// CommonJS modules: their ES default is `module.exports`.
const { default: Sts } = StsModule;
const { $OpenApiUtil } = OpenApi;

const ACS = '350000000091';

describe('is1: an inactive AccessKey is InvalidAccessKeyId.Inactive to its holder', () => {
  const world = bobAndCarolSuite(ACS);

  const client = (k: Credentials) =>
    new Sts(new $OpenApiUtil.Config({ accessKeyId: k.accessKeyId, accessKeySecret: k.secretAccessKey, endpoint: new URL(world().server.url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 10_000, connectTimeout: 5_000 }));
  const failure = async (p: Promise<unknown>): Promise<{ code?: string; statusCode?: number; message?: string }> => {
    try {
      await p;
    } catch (e) {
      return e as { code?: string; statusCode?: number; message?: string };
    }
    return { code: 'answered' };
  };
  /** GetCallerIdentity signed with signature version 1.0 under `secret` (the `@alicloud/credentials` form), as JSON. */
  const v1 = (accessKeyId: string, secret: string): Promise<{ status: number; body: Record<string, unknown> }> => callerIdentityV1(world().server.url, { accessKeyId, secretAccessKey: secret });

  it('a key made Inactive is InvalidAccessKeyId.Inactive (400) to a request signed with its secret', async () => {
    const { iam, bob } = world();
    await iam.send(new I.UpdateAccessKeyCommand({ UserName: 'bob', AccessKeyId: bob.accessKeyId, Status: 'Inactive' }));
    const e = await failure(client(bob).getCallerIdentity());
    assert.equal(e.code, 'InvalidAccessKeyId.Inactive', e.message);
    assert.equal(e.statusCode, 400);
    assert.match(e.message ?? '', /Specified access key is disabled\./);
    const r = await v1(bob.accessKeyId, bob.secretAccessKey);
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body['Code'], 'InvalidAccessKeyId.Inactive');
  });

  it('without its secret, an inactive key is not told from an unknown one', async () => {
    const { bob } = world();
    const wrong = await v1(bob.accessKeyId, 'not-the-secret');
    assert.equal(wrong.status, 404, JSON.stringify(wrong.body));
    assert.equal(wrong.body['Code'], 'InvalidAccessKeyId.NotFound');
    const unknown = await failure(client({ accessKeyId: 'LTAI5tUnknownKey00000000', secretAccessKey: bob.secretAccessKey }).getCallerIdentity());
    assert.equal(unknown.code, 'InvalidAccessKeyId.NotFound', unknown.message);
    assert.equal(unknown.statusCode, 404);
  });

  it('a key of a disabled user is still InvalidAccessKeyId.NotFound', async () => {
    const { server, admin, carol } = world();
    const off = await cliAgainst(server, ['users', 'disable', 'carol'], admin);
    assert.equal(off.status, 0, off.err);
    const e = await failure(client(carol).getCallerIdentity());
    assert.equal(e.code, 'InvalidAccessKeyId.NotFound', e.message);
  });

  it('made Active again, the key works', async () => {
    const { iam, bob } = world();
    await iam.send(new I.UpdateAccessKeyCommand({ UserName: 'bob', AccessKeyId: bob.accessKeyId, Status: 'Active' }));
    const who = await client(bob).getCallerIdentity();
    assert.equal(who.body?.arn, `acs:ram::${ACS}:user/bob`);
  });
});
