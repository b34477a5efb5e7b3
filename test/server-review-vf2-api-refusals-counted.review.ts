/**
 * Review vf, 2: `/metrics` counts "decisions by result" (README; issue 7, "Prometheus metrics: decisions by result") in
 * `gatehouse_decisions_total{result}`, but only those of the authorize API, the S3 gateway and the Kubernetes webhook.
 * The IAM, STS and admin APIs' own refusals (AccessDenied: a ListUsers, CreateUser or AssumeRole the caller may not
 * make, `GET /v1/users` without `gatehouse:ListUsers`) were counted nowhere: a principal probing what its stolen key
 * may do through the IAM API, or a role's trust refusing every AssumeRole after a change, showed in the audit log and
 * in no series an alert could watch.
 *
 * Now they are counted in the same family with an `api` label (`iam`, `sts`, `admin`) and their verdict (`ExplicitDeny`,
 * `ImplicitDeny`, or `Deny` for a refusal no policy evaluation made), every such series at 0 from the start; the
 * series without `api` (the authorize API, S3, Kubernetes) are unchanged, under the same names and labels, so a
 * dashboard or alert on them reads as before.
 *
 * Real in-process server (SQLite), AWS SDK v3 clients (an unsigned AssumeRoleWithWebIdentity with a token of a loopback
 * OIDC issuer), a SigV4-signed `/v1/` request; the exposition read with the strict parser of test/support/prometheus-text.ts.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand, CreateUserCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { gatehouseJson } from './support/resource-server.ts';
import { lintExposition, parseExposition, sampleValue, type Family } from './support/prometheus-text.ts';
import { errorName, sdkFailure, userWithKey, userWithPolicy, type Credentials, type TestServer } from './support/server.ts';
import { startWebIdentityWorld, type WebIdentityWorld } from './support/web-identity.ts';

const NAME = 'gatehouse_decisions_total';

describe('review vf2: the IAM, STS and admin APIs\' refusals are counted in gatehouse_decisions_total', () => {
  let w: WebIdentityWorld;
  let s: TestServer;
  let nobody: Credentials;
  let denied: Credentials;
  const scrape = async (): Promise<Family[]> => {
    const r = await fetch(`${s.url}/metrics`);
    assert.equal(r.status, 200);
    const families = parseExposition(await r.text());
    assert.deepEqual(lintExposition(families), []);
    return families;
  };
  before(async () => {
    // A role whose trust lets the provider's identities in by AssumeRole only: AssumeRoleWithWebIdentity is refused.
    w = await startWebIdentityWorld({ roles: (provider) => ({ elsewhere: { trust: { Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRole' } } }) });
    s = w.server;
    nobody = await userWithKey(s, 'nobody');
    denied = await userWithPolicy(s, 'denied', JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }, { Effect: 'Deny', Action: 'iam:CreateUser', Resource: '*' }] }));
    await s.iam().send(new CreateRoleCommand({ RoleName: 'closed', AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:user/denied' }, Action: 'sts:AssumeRole' }] }) }));
  });
  after(async () => w?.close());

  it('every api and verdict has its series at 0 from the start, beside the unlabelled ones', async () => {
    const families = await scrape();
    for (const api of ['iam', 'sts', 'admin']) for (const result of ['ExplicitDeny', 'ImplicitDeny', 'Deny']) assert.equal(sampleValue(families, NAME, { api, result }), 0, `${api} ${result}`);
    for (const result of ['Allow', 'ExplicitDeny', 'ImplicitDeny', 'NoOpinion']) assert.equal(sampleValue(families, NAME, { result }), 0, result);
  });

  it('refusals of IAM, STS and the admin API, by verdict; the authorize API\'s series unchanged', async () => {
    assert.equal((await sdkFailure(s.iam(nobody).send(new ListUsersCommand({})))).code, 'AccessDenied');
    assert.equal((await sdkFailure(s.iam(nobody).send(new ListUsersCommand({})))).code, 'AccessDenied');
    assert.equal((await sdkFailure(s.iam(denied).send(new CreateUserCommand({ UserName: 'mallory' })))).code, 'AccessDenied');
    assert.equal((await sdkFailure(s.sts(nobody).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/closed', RoleSessionName: 'probe' })))).code, 'AccessDenied');
    assert.equal(await errorName(w.exchange('elsewhere', 'probe', await w.issuer.mint())), 'AccessDenied');
    const listed = await gatehouseJson(s.url, nobody, 'GET', '/v1/users');
    assert.equal(listed.status, 403, JSON.stringify(listed.json));
    const asked = await gatehouseJson(s.url, nobody, 'POST', '/v1/authorize', { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' });
    assert.equal(asked.status, 200, JSON.stringify(asked.json));
    const families = await scrape();
    assert.equal(sampleValue(families, NAME, { api: 'iam', result: 'ImplicitDeny' }), 2);
    assert.equal(sampleValue(families, NAME, { api: 'iam', result: 'ExplicitDeny' }), 1);
    assert.equal(sampleValue(families, NAME, { api: 'sts', result: 'ImplicitDeny' }), 2);
    assert.equal(sampleValue(families, NAME, { api: 'admin', result: 'ImplicitDeny' }), 1);
    // The authorize API's question, counted as before, and only there.
    assert.equal(sampleValue(families, NAME, { result: 'ImplicitDeny' }), 1);
    assert.equal(sampleValue(families, NAME, { api: 'admin', result: 'Deny' }), 0);
  });
});
