/**
 * Review rt, 3: the IAM simulator read an OIDC provider's tags (review qa, 2) only when the resource named it by the ARN
 * of the account's own dialect. Both dialects are accepted everywhere (DESIGN.md, "Names and formats"): the Query API
 * finds `acs:ram::A:oidc-provider/<host>` in an `aws` account (and `arn:aws:iam::A:oidc-provider/<host>` in an `acs`
 * one) and decides the call with the provider's tags, and POST /v1/authorize reads them for either spelling (review nk,
 * 2). So with "Deny iam:* where aws:ResourceTag/protected is true", DeleteOpenIDConnectProvider naming the protected
 * provider in RAM's spelling was refused AccessDenied and the authorize API answered ExplicitDeny, while
 * SimulatePrincipalPolicy and SimulateCustomPolicy answered `allowed`, `aws:ResourceTag/protected` reported missing.
 *
 * Contract: issue 8, "simulation … answering from the same code path as enforcement"; DESIGN.md ("Both dialects are
 * accepted everywhere"; "it decides every access request the same way"); docs/semantics.md (an administrative action
 * is decided in the other dialect's spelling too). Now the simulator reads the tags of the caller's account's provider
 * named in either spelling, for a caller that may read them (ListOpenIDConnectProviderTags on its ARN, review oc, 2).
 * SDK v3 against a real server, an OIDC issuer on loopback (test/support/oidc-issuer.ts).
 *
 * Before the fix 2 of 3 tests failed.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { startOidcIssuer, type OidcIssuer } from './support/oidc-issuer.ts';
import { iamUserWith, sdkException, startTestServer, type TestServer } from './support/server.ts';
import { authorizeDecision } from './support/authorize-api.ts';

const ACCOUNT = '000000000000';
const OPS = `arn:aws:iam::${ACCOUNT}:user/ops`;
const POLICY = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: 'iam:*', Resource: '*' },
    { Effect: 'Deny', Action: 'iam:*', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/protected': 'true' } } },
  ],
};

let server: TestServer;
let issuer: OidcIssuer;
/** The protected provider in RAM's spelling, which the account's own (`arn:aws:iam::…`) is not. */
let ramSpelling: string;
let ops: I.IAMClient;

before(async () => {
  [server, issuer] = await Promise.all([startTestServer(), startOidcIssuer()]);
  const iam = server.iam();
  const arn = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'], Tags: [{ Key: 'protected', Value: 'true' }] }))).OpenIDConnectProviderArn as string;
  ramSpelling = arn.replace(/^arn:aws:iam::/, 'acs:ram::');
  ops = server.iam(await iamUserWith(iam, 'ops', POLICY));
});
after(async () => {
  await issuer?.close();
  await server?.stop();
});

describe('review rt, 3: an OIDC provider named in the other dialect’s spelling is simulated with its tags', () => {
  test('enforcement refuses the deletion named so, and the authorize API answers ExplicitDeny', async () => {
    assert.equal((await sdkException(ops.send(new I.DeleteOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: ramSpelling })))).code, 'AccessDenied');
    assert.equal(await authorizeDecision(server, { principal: OPS, action: 'iam:DeleteOpenIDConnectProvider', resource: ramSpelling }), 'ExplicitDeny');
  });

  test('SimulatePrincipalPolicy answers explicitDeny, the tag read', async () => {
    const r = await server.iam().send(new I.SimulatePrincipalPolicyCommand({ PolicySourceArn: OPS, ActionNames: ['iam:DeleteOpenIDConnectProvider'], ResourceArns: [ramSpelling] }));
    assert.deepEqual((r.EvaluationResults ?? []).map((e) => [e.EvalResourceName, e.EvalDecision, e.MissingContextValues]), [[ramSpelling, 'explicitDeny', []]]);
  });

  test('SimulateCustomPolicy answers explicitDeny, the tag read', async () => {
    const r = await server.iam().send(new I.SimulateCustomPolicyCommand({ PolicyInputList: [JSON.stringify(POLICY)], ActionNames: ['iam:DeleteOpenIDConnectProvider'], ResourceArns: [ramSpelling] }));
    assert.deepEqual((r.EvaluationResults ?? []).map((e) => [e.EvalResourceName, e.EvalDecision, e.MissingContextValues]), [[ramSpelling, 'explicitDeny', []]]);
  });
});
