/**
 * Review gm, 4: two more refusals a principal with no permission could make as large as a request is.
 * - SetDefaultPolicyVersion, DeletePolicy, DeletePolicyVersion, TagPolicy, UntagPolicy (and the reads) took a PolicyArn
 *   of any length, where the IAM API reference bounds it to 20-2,048 characters: a 900 kB ARN was decided, refused
 *   AccessDenied naming it, and recorded with it as the resource and again in the message, 1.8 MB a request. Now one
 *   over 2,048 characters is a ValidationError, checked before anything decides, echoes or records it (as review fx 5
 *   bounded OpenIDConnectProviderArn).
 * - TagOpenIDConnectProvider and AddClientIDToOpenIDConnectProvider decide the permission before they check the tags or
 *   the client id, and the refusal recorded the request whole (900 kB). Now a refused OIDC provider request over 64 KiB
 *   is recorded as its length, SHA-256 and field names, as review gm 3 records the directory's.
 * Real server (SQLite) on 127.0.0.1, the AWS SDK's IAM client.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  AddClientIDToOpenIDConnectProviderCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  IAMClient,
  SetDefaultPolicyVersionCommand,
  TagOpenIDConnectProviderCommand,
  TagPolicyCommand,
} from '@aws-sdk/client-iam';
import type { AuditRecord } from '../src/core/audit/index.ts';
import { rootAdminCaller } from './support/callers.ts';
import { sdkFailure, startTestServer, type TestServer, userWithKey } from './support/server.ts';

const ACCT = '000000000000';
const BIG = 'x'.repeat(900_000);
const MAX_RECORD_CHARS = 80_000;
const JWKS = JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', kid: 'k1', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }] });

describe('review gm4: a long policy ARN is refused first, and a refused OIDC provider request is recorded bounded', () => {
  let s: TestServer;
  let iam: IAMClient;
  let provider: string;
  before(async () => {
    s = await startTestServer();
    iam = s.iam(await userWithKey(s, 'gm4-nobody'));
    await s.iam().send(new CreatePolicyCommand({ PolicyName: 'gm4', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }));
    const p = await s.running.app.oidc.createProvider(rootAdminCaller, { url: 'https://gm4.example.com', clientIds: ['a'], jwks: JWKS });
    assert.ok(p.ok, JSON.stringify(p));
    provider = `arn:aws:iam::${ACCT}:oidc-provider/gm4.example.com`;
  });
  after(async () => s?.stop());

  const records = async (): Promise<readonly AuditRecord[]> => {
    await s.running.app.audit.flush();
    const page = await s.running.app.audit.query(rootAdminCaller, { principal: `arn:aws:iam::${ACCT}:user/gm4-nobody` }, 0, 1000);
    assert.ok(page.ok);
    return page.value.records;
  };

  it('a PolicyArn over 2,048 characters: ValidationError, not decided, echoed or recorded', async () => {
    const arn = `arn:aws:iam::${ACCT}:policy/${BIG}`;
    const before = (await records()).length;
    for (const send of [
      () => iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: arn, VersionId: 'v1' })),
      () => iam.send(new DeletePolicyCommand({ PolicyArn: arn })),
      () => iam.send(new TagPolicyCommand({ PolicyArn: arn, Tags: [{ Key: 'k', Value: 'v' }] })),
    ]) {
      const r = await sdkFailure(send());
      assert.equal(r.code, 'ValidationError', r.message.slice(0, 200));
      assert.ok(r.message.length < 1000, `the refusal holds ${r.message.length} characters`);
    }
    const after = await records();
    assert.equal(after.length, before, 'nothing is recorded of a request refused as malformed');
    // A PolicyArn within the bound is decided as before: refused AccessDenied, recorded.
    const r = await sdkFailure(iam.send(new SetDefaultPolicyVersionCommand({ PolicyArn: `arn:aws:iam::${ACCT}:policy/gm4`, VersionId: 'v1' })));
    assert.equal(r.code, 'AccessDenied');
    assert.equal((await records()).at(-1)?.action, 'iam:SetDefaultPolicyVersion');
  });

  for (const [what, send] of [
    ['TagOpenIDConnectProvider', () => iam.send(new TagOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: provider, Tags: [{ Key: 'k', Value: BIG }] }))],
    ['AddClientIDToOpenIDConnectProvider', () => iam.send(new AddClientIDToOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: provider, ClientID: BIG }))],
  ] as const) {
    it(`${what} refused with 900 kB: recorded, by its size and digest, not whole`, async () => {
      const r = await sdkFailure(send());
      assert.equal(r.code, 'AccessDenied', r.message.slice(0, 200));
      const rec = (await records()).at(-1);
      assert.equal(rec?.action, `iam:${what}`);
      assert.equal(rec?.decision, 'ACCESS_DENIED');
      const size = JSON.stringify(rec).length;
      assert.ok(size < MAX_RECORD_CHARS, `the record of a refused ${what} holds ${size} characters`);
      assert.match(String((rec?.detail['request'] as Record<string, unknown>)['sha256']), /^[0-9a-f]{64}$/);
    });
  }
});
