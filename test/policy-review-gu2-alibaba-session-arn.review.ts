/**
 * Review gu, 2: the ARN Alibaba's GetCallerIdentity gives a RAM role session, `acs:ram::<uid>:assumed-role/<role>/
 * <session>` (what this server's own Alibaba STS answers too, review fn, 5), was refused as a principal by the
 * authorize API: 400 REQUEST_INVALID_PRINCIPAL "is not a principal ARN". A resource server that learns who its caller
 * is from GetCallerIdentity, as Alibaba's clients identify a session, could not ask about that caller, though STS
 * (`parseSessionArn`, session revocation) already took the form. Now the engine reads it as the same session as
 * `acs:ram::<uid>:role/<role>/<session>` (the form AssumeRole's `AssumedRoleUser.Arn` carries, and policies match),
 * decides alike, and the answer names the session in that form.
 *
 * A real server; the session made and identified with Alibaba's own STS client (`@alicloud/sts20150401`); the
 * question SigV4-signed to /v1/authorize.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import StsModule from '@alicloud/sts20150401';
import { alibabaStsWorld } from './support/alibaba-sts.ts';
import { gatehouseJson } from './support/resource-server.ts';

const { AssumeRoleRequest } = StsModule;
const ACS = '350000000061';

describe('gu2: a RAM session named as Alibaba’s GetCallerIdentity names it', () => {
  const w = alibabaStsWorld(ACS);

  it('is a principal of the authorize API, decided as the same session', async () => {
    const assumed = await w.client(w.bob).assumeRole(new AssumeRoleRequest({ roleArn: `acs:ram::${ACS}:role/reader`, roleSessionName: 'etl-7' }));
    const c = assumed.body?.credentials;
    assert.equal(assumed.body?.assumedRoleUser?.arn, `acs:ram::${ACS}:role/reader/etl-7`);
    const who = await w.client({ accessKeyId: c?.accessKeyId ?? '', accessKeySecret: c?.accessKeySecret ?? '', securityToken: c?.securityToken ?? '' }).getCallerIdentity();
    const arn = who.body?.arn ?? '';
    assert.equal(arn, `acs:ram::${ACS}:assumed-role/reader/etl-7`);

    const question = { action: 'sts:AssumeRole', resource: `acs:ram::${ACS}:role/reader` };
    const asked = await gatehouseJson(w.server.url, w.server.admin, 'POST', '/v1/authorize', { principal: arn, ...question });
    assert.equal(asked.status, 200, JSON.stringify(asked.json));
    const same = await gatehouseJson(w.server.url, w.server.admin, 'POST', '/v1/authorize', { principal: `acs:ram::${ACS}:role/reader/etl-7`, ...question });
    assert.equal(same.status, 200, JSON.stringify(same.json));
    assert.equal(asked.json['decision'], same.json['decision']);
    assert.equal(asked.json['principal'], `acs:ram::${ACS}:role/reader/etl-7`);
  });

  it('a session of a role that does not exist is still no one', async () => {
    const r = await gatehouseJson(w.server.url, w.server.admin, 'POST', '/v1/authorize', { principal: `acs:ram::${ACS}:assumed-role/ghost/etl-7`, action: 'oss:GetObject', resource: 'acs:oss:*:*:b/k' });
    assert.notEqual(r.json['decision'], 'Allow', JSON.stringify(r.json));
    assert.doesNotMatch(JSON.stringify(r.json), /is not a principal ARN/);
  });
});
