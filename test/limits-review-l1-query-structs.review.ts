/**
 * The Query API reads `Name.member.N.Field` structures (AssumeRole's Tags and PolicyArns, SimulatePrincipalPolicy's
 * ContextEntries) in time linear in the body (review limits, L1). They were looked up one N at a time by scanning
 * every parameter: an unsigned AssumeRoleWithWebIdentity of 700 KB (20,000 `PolicyArns.member.N.arn`, under the 1 MiB
 * bound) held the event loop 50 s, and every other client of the server waited. 10,000 members are read in
 * milliseconds (seconds before); against a real server, an unsigned request of 4,000 members is refused for its bad
 * token while `/healthz` is answered; structures keep their order (1, 2, … to the first missing index), and AssumeRole with tags still works through the SDK.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { Params } from '../src/adapters/http/query-params.ts';
import { startTestServer, type TestServer } from './support/server.ts';

let server: TestServer;

before(async () => {
  server = await startTestServer();
});
after(async () => {
  await server?.stop();
});

describe('Query API member structures (review limits, L1)', () => {
  it('10,000 members are read in well under a second (they were looked up by scanning every parameter, once per member)', () => {
    const parts: string[] = [];
    for (let i = 1; i <= 10_000; i++) parts.push(`PolicyArns.member.${i}.arn=arn:aws:iam::aws:policy/P${i}`);
    const p = Params.parse(parts.join('&'), '');
    const started = performance.now();
    const structs = p.structs('PolicyArns');
    const ms = performance.now() - started;
    assert.equal(structs.length, 10_000);
    assert.equal(structs[9_999]?.get('arn'), 'arn:aws:iam::aws:policy/P10000');
    assert.ok(ms < 1000, `reading them took ${Math.round(ms)} ms`);
  });

  it('an unsigned request with 4,000 PolicyArns members is refused for its token at once, and does not hold other clients', async () => {
    const parts = ['Action=AssumeRoleWithWebIdentity', 'Version=2011-06-15', 'RoleArn=arn:aws:iam::000000000000:role/nope', 'RoleSessionName=flood', 'WebIdentityToken=not-a-token'];
    for (let i = 1; i <= 4000; i++) parts.push(`PolicyArns.member.${i}.arn=arn:aws:iam::aws:policy/P${i}`);
    const body = parts.join('&');
    const started = performance.now();
    const flood = fetch(new URL('/', server.url), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const health = await fetch(new URL('/healthz', server.url));
    const healthMs = performance.now() - started;
    const r = await flood;
    assert.equal(health.status, 200);
    assert.equal(r.status, 400);
    assert.match(await r.text(), /<Code>(ValidationError|InvalidIdentityToken)<\/Code>/);
    assert.ok(healthMs < 2000, `/healthz waited ${Math.round(healthMs)} ms`);
  });

  it('structures keep their order and stop at the first missing index', () => {
    const p = Params.parse('Tags.member.2.Key=b&Tags.member.1.Value=1&Tags.member.1.Key=a&Tags.member.2.Value=2&Tags.member.4.Key=d&Tags.member.01.Key=z&Other.member.1.Key=x', '');
    assert.deepEqual(p.structs('Tags').map((m) => Object.fromEntries(m)), [{ Value: '1', Key: 'a' }, { Key: 'b', Value: '2' }]);
    assert.deepEqual(p.structs('Missing'), []);
  });

  it('AssumeRole with tags still works through the SDK', async () => {
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: ['sts:AssumeRole', 'sts:TagSession'] }] });
    await server.iam().send(new CreateRoleCommand({ RoleName: 'tagged', AssumeRolePolicyDocument: trust }));
    const r = await server.sts().send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/tagged', RoleSessionName: 'tags', Tags: [{ Key: 'team', Value: 'vision' }, { Key: 'project', Value: 'x' }] }));
    assert.ok(r.Credentials?.AccessKeyId);
  });
});
