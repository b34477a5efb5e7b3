/**
 * Review ck, finding 1: an OSS bucket policy whose `Principal` is a plain list, the form OSS documents and its console
 * writes (`"Principal": ["20214760404935xxxx"]`, `"Principal": ["*"]`; OSS "Policy syntax and elements":
 * `"Principal": ["UID|*"]`), was refused: `principal must be "*" or an object such as {"RAM": "…"}, got a list`. So a
 * bucket policy copied from OSS could not be attached at all. In a RAM (`Version: "1"`) resource policy the list now
 * reads as the values of `RAM`: a UID names that account, `*` everyone, an `acs:ram::` ARN that user, role or session.
 * The list form answers to the same existence check (a user that does not exist is refused) and the same rewrite when
 * a user it names is deleted, as `{"RAM": [...]}` does. OSS reads an empty list as everyone; Gatehouse refuses it, so
 * that a list emptied by mistake does not open the bucket. The AWS dialect and RAM trust policies keep the object form.
 * Real server (SQLite): `acs` accounts made through /v1/apply, SigV4-signed /v1/ requests.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteUserCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '202147604049';
const B = '303147604049';
const C = '404147604049';
let s: TestServer;
const admins = new Map<string, Credentials>();

const apply = async (caller: Credentials, documents: unknown[]): Promise<Record<string, unknown>> => {
  const r = await gatehouseJson(s.url, caller, 'POST', '/v1/apply', { documents });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
};

const putPolicy = (bucket: string, statement: Record<string, unknown>) =>
  gatehouseJson(s.url, admins.get(A) as Credentials, 'PUT', `/v1/resource-policies/${encodeURIComponent(`acs:oss:*:*:${bucket}`)}`, {
    document: { Version: '1', Statement: [{ Action: 'oss:GetObject', Resource: `acs:oss:*:*:${bucket}/*`, ...statement }] },
  });

const ask = async (principal: string, resource: string): Promise<string> => {
  const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/authorize', { principal, action: 'oss:GetObject', resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json['decision'] as string;
};

before(async () => {
  s = await startTestServer();
  for (const id of [A, B, C]) {
    const made = await apply(s.admin, [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: id }, spec: { partition: 'acs' } }]);
    const c = (made['credentials'] as { AccessKeyId: string; SecretAccessKey: string }[])[0];
    admins.set(id, { accessKeyId: c?.AccessKeyId ?? '', secretAccessKey: c?.SecretAccessKey ?? '' });
  }
  const reader = { Version: '1', Statement: [{ Effect: 'Allow', Action: 'oss:GetObject', Resource: '*' }] };
  for (const id of [A, B, C]) {
    await apply(admins.get(id) as Credentials, [{ apiVersion: 'gatehouse.dev/v1', kind: 'User', metadata: { name: 'bo' }, spec: { inlinePolicies: { reader } } }]);
  }
});
after(() => s?.stop());

describe('an OSS bucket policy with a plain list as Principal (review ck, 1)', () => {
  it('a list of UIDs is accepted and names those accounts (a user of another account with its own grant is allowed)', async () => {
    const put = await putPolicy('ck-uids', { Effect: 'Allow', Principal: [B] });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.equal(await ask(`acs:ram::${B}:user/bo`, 'acs:oss:*:*:ck-uids/x'), 'Allow');
    assert.equal(await ask(`acs:ram::${C}:user/bo`, 'acs:oss:*:*:ck-uids/x'), 'ImplicitDeny');
  });

  it('["*"] names everyone, and a Deny in list form names its UIDs', async () => {
    const open = await putPolicy('ck-open', { Effect: 'Allow', Principal: ['*'] });
    assert.equal(open.status, 200, JSON.stringify(open.json));
    assert.equal(await ask('anonymous', 'acs:oss:*:*:ck-open/x'), 'Allow');
    const deny = await gatehouseJson(s.url, admins.get(A) as Credentials, 'PUT', `/v1/resource-policies/${encodeURIComponent('acs:oss:*:*:ck-deny')}`, {
      document: {
        Version: '1',
        Statement: [
          { Effect: 'Allow', Principal: ['*'], Action: 'oss:GetObject', Resource: 'acs:oss:*:*:ck-deny/*' },
          { Effect: 'Deny', Principal: [`acs:ram::${C}:user/bo`], Action: 'oss:*', Resource: 'acs:oss:*:*:ck-deny/*' },
        ],
      },
    });
    assert.equal(deny.status, 200, JSON.stringify(deny.json));
    assert.equal(await ask(`acs:ram::${B}:user/bo`, 'acs:oss:*:*:ck-deny/x'), 'Allow');
    assert.equal(await ask(`acs:ram::${C}:user/bo`, 'acs:oss:*:*:ck-deny/x'), 'ExplicitDeny');
  });

  it('a user that does not exist is refused in the list form too, at its place in the list', async () => {
    const put = await putPolicy('ck-ghost', { Effect: 'Allow', Principal: [B, `acs:ram::${B}:user/ghost`] });
    assert.equal(put.status, 400, JSON.stringify(put.json));
    assert.match(JSON.stringify(put.json), /Invalid principal in policy: \\"RAM\\":\\"acs:ram::303147604049:user\/ghost\\"/);
    assert.match(JSON.stringify(put.json), /Statement\[0\]\.Principal\[1\]/);
  });

  it('an empty list, a bad value and the list form outside RAM resource policies are refused with a hint', async () => {
    const empty = await putPolicy('ck-empty', { Effect: 'Allow', Principal: [] });
    assert.equal(empty.status, 400, JSON.stringify(empty.json));
    assert.match(JSON.stringify(empty.json), /principal list is empty/);
    const bad = await putPolicy('ck-bad', { Effect: 'Allow', Principal: [B, 'bob'] });
    assert.equal(bad.status, 400, JSON.stringify(bad.json));
    assert.match(JSON.stringify(bad.json), /`bob` is not a valid RAM principal/);
    const aws = await gatehouseJson(s.url, s.admin, 'PUT', `/v1/resource-policies/${encodeURIComponent('arn:aws:s3:::ck-aws')}`, {
      document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: [B], Action: 's3:GetObject', Resource: 'arn:aws:s3:::ck-aws/*' }] },
    });
    assert.equal(aws.status, 400, JSON.stringify(aws.json));
  });

  it('deleting a user the list names rewrites it, so a new user of that name is not granted', async () => {
    const put = await putPolicy('ck-gone', { Effect: 'Allow', Principal: [`acs:ram::${B}:user/temp`] });
    assert.equal(put.status, 400, 'no such user yet');
    const iam = s.iam(admins.get(B));
    await iam.send(new CreateUserCommand({ UserName: 'temp' }));
    const ok = await putPolicy('ck-gone', { Effect: 'Allow', Principal: [`acs:ram::${B}:user/temp`] });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    await iam.send(new DeleteUserCommand({ UserName: 'temp' }));
    await iam.send(new CreateUserCommand({ UserName: 'temp' }));
    const got = await gatehouseJson(s.url, admins.get(A) as Credentials, 'GET', `/v1/resource-policies/${encodeURIComponent('acs:oss:*:*:ck-gone')}`);
    assert.equal(got.status, 200, JSON.stringify(got.json));
    assert.doesNotMatch(JSON.stringify(got.json), /user\/temp/, 'the deleted user is kept by its id, as in the object form');
  });
});
