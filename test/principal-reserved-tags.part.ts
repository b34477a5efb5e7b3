/**
 * A `gatehouse:` tag stored on a user or role before the prefix was reserved on entities (review X, X5) is not one of
 * its principal tags: `aws:PrincipalTag/gatehouse:workspace` is Gatehouse's to set on job and node sessions, and a
 * stored one would give the user, and every session of the role, what policies scoped to that workspace's jobs allow.
 * Against a real server: the tags are written through the store (the IAM API refuses them now), then the user itself
 * and a session of the role ask the authorize API about an action allowed only under that tag.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { startTestServer, type Credentials, type TestServer } from './support/server.ts';

const A = '000000000000';
const V = '2012-10-17';
const scoped = (key: string) =>
  JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::ws-data/*', Condition: { StringEquals: { [`aws:PrincipalTag/${key}`]: 'team-a' } } }] });

describe('stored gatehouse: tags are not principal tags', () => {
  let s: TestServer;
  let u: Credentials;
  let control: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    const userWith = async (name: string, key: string): Promise<Credentials> => {
      await iam.send(new I.CreateUserCommand({ UserName: name }));
      await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: scoped(key) }));
      const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
      return { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
    };
    u = await userWith('legacy', 'gatehouse:workspace');
    control = await userWith('plain', 'team');
    const trust = { Version: V, Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:user/legacy` }, Action: 'sts:AssumeRole' }] };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'legacy-role', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await iam.send(new I.PutRolePolicyCommand({ RoleName: 'legacy-role', PolicyName: 'p', PolicyDocument: scoped('gatehouse:workspace') }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: 'legacy', PolicyName: 'assume', PolicyDocument: JSON.stringify({ Version: V, Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] }) }));
    // As a server of before the rule stored them.
    const app = await s.openApp();
    await app.deps.store.write(async (tx) => {
      assert.ok((await tx.users.update(A, 'legacy', { tags: [{ key: 'gatehouse:workspace', value: 'team-a' }] })).ok);
      assert.ok((await tx.users.update(A, 'plain', { tags: [{ key: 'team', value: 'team-a' }] })).ok);
      assert.ok((await tx.roles.update(A, 'legacy-role', { tags: [{ key: 'gatehouse:workspace', value: 'team-a' }] })).ok);
    });
    // The server picks the change up from the change log (polled every second).
    const until = Date.now() + 10_000;
    const ask = () => gatehouseJson(s.url, control, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::ws-data/k' });
    while ((await ask()).json['decision'] !== 'Allow' && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
  });
  after(async () => {
    await s?.stop();
  });

  it('an ordinary stored tag is a principal tag (the control)', async () => {
    const r = await gatehouseJson(s.url, control, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::ws-data/k' });
    assert.equal(r.json['decision'], 'Allow', JSON.stringify(r.json));
  });

  it('the user: its stored gatehouse:workspace tag does not satisfy aws:PrincipalTag/gatehouse:workspace', async () => {
    const r = await gatehouseJson(s.url, u, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::ws-data/k' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['decision'], 'ImplicitDeny', JSON.stringify(r.json));
  });

  it('a session of the role: neither', async () => {
    const a = await s.sts(u).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${A}:role/legacy-role`, RoleSessionName: 's1' }));
    const c = a.Credentials;
    assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken);
    const session = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
    const r = await gatehouseJson(s.url, session, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::ws-data/k' });
    assert.equal(r.status, 200, JSON.stringify(r.json));
    assert.equal(r.json['decision'], 'ImplicitDeny', JSON.stringify(r.json));
  });
});
