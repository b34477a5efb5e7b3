/**
 * `GetAccessKeyLastUsed` across a restart, through the real `@aws-sdk/client-iam` and `@aws-sdk/client-sts`
 * against a real server on 127.0.0.1: a use noted by one server is written when it stops, so the next server on
 * the same data dir answers with it (service and region of the signature's scope, the date to the second);
 * temporary credentials leave their user's key untouched; the admin JSON API's listing shows a use at once.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { REGION, startTestServer, type Credentials, type TestServer } from './support/server.ts';
import { gatehouseJson } from './support/resource-server.ts';

const servers: TestServer[] = [];
after(async () => {
  for (const s of servers) await s.stop();
});

describe('access keys: last used', () => {
  it('survives a restart: the stopping server writes what it noted', async () => {
    const first = await startTestServer({ keepDir: true });
    servers.push(first);
    const admin = first.iam();
    await admin.send(new I.CreateUserCommand({ UserName: 'ops' }));
    await admin.send(new I.PutUserPolicyCommand({ UserName: 'ops', PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sts:GetSessionToken', 'iam:ListAccessKeys'], Resource: '*' }] }) }));
    const k = (await admin.send(new I.CreateAccessKeyCommand({ UserName: 'ops' }))).AccessKey!;
    const key: Credentials = { accessKeyId: k.AccessKeyId!, secretAccessKey: k.SecretAccessKey! };
    const usedFrom = Math.floor(Date.now() / 1000) * 1000;
    const ops = first.sts(key);
    assert.match((await ops.send(new GetCallerIdentityCommand({}))).Arn ?? '', /:user\/ops$/);
    // Temporary credentials of ops, used: a use of the session, not of ops's key.
    const session = (await ops.send(new GetSessionTokenCommand({}))).Credentials!;
    const usedUntil = Date.now();
    await new Promise((r) => setTimeout(r, 1100));
    const temp = first.sts({ accessKeyId: session.AccessKeyId!, secretAccessKey: session.SecretAccessKey!, sessionToken: session.SessionToken! });
    assert.match((await temp.send(new GetCallerIdentityCommand({}))).Arn ?? '', /:user\/ops$/);

    await first.stopServer();
    const second = await startTestServer({ dataDir: first.dataDir });
    servers.push(second);
    const answer = await second.iam().send(new I.GetAccessKeyLastUsedCommand({ AccessKeyId: key.accessKeyId }));
    assert.equal(answer.UserName, 'ops');
    assert.equal(answer.AccessKeyLastUsed?.ServiceName, 'sts');
    assert.equal(answer.AccessKeyLastUsed?.Region, REGION);
    const at = answer.AccessKeyLastUsed?.LastUsedDate?.getTime() ?? 0;
    assert.ok(at >= usedFrom && at <= usedUntil, `last used ${answer.AccessKeyLastUsed?.LastUsedDate?.toISOString()}: the key's own calls, not the session's a second later`);

    // ops lists its own keys through the admin JSON API: that request is itself a use (scope `gatehouse`), seen at
    // once on this server though not yet written.
    const listed = await gatehouseJson(second.url, key, 'GET', '/v1/access-keys');
    assert.equal(listed.status, 200, JSON.stringify(listed.json));
    const keys = listed.json['accessKeys'] as { accessKeyId: string; lastUsed: { at: string; service: string; region: string } | null }[];
    assert.deepEqual(keys.map((x) => [x.accessKeyId, x.lastUsed?.service, x.lastUsed?.region]), [[key.accessKeyId, 'gatehouse', REGION]]);
    assert.ok(Date.parse(keys[0]?.lastUsed?.at ?? '') > at, 'a later use than the stored one');
    // The same with a query string, signed as a resource server would sign it (the query is part of the signature).
    const byName = await gatehouseJson(second.url, key, 'GET', '/v1/access-keys?userName=ops');
    assert.equal(byName.status, 200, JSON.stringify(byName.json));
    assert.deepEqual((byName.json['accessKeys'] as { accessKeyId: string }[]).map((x) => x.accessKeyId), [key.accessKeyId]);
  });
});
