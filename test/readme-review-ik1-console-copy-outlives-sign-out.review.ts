/**
 * Review of the README's console section (review ik, 1): a copy of a console sign-in outlived Sign out.
 *
 * The README: "Sign out ends that sign-in on the server (`POST /v1/console/sign-out`): whatever copy of it was kept is
 * refused from then on". A console sign-in opened with a long-term key is temporary credentials (an `ASIA…` key id and
 * a session token), but the server took it for the long-term key itself: whoever held a copy (the tab's storage is
 * written to the profile on disk) called `aws sts get-session-token` with it and got a session of 12 hours (36 at
 * most) that Sign out did not end, and `aws sts get-federation-token` likewise; an AssumeRole with it was not role
 * chaining and got the role's whole maximum. AWS refuses both calls with session credentials ("Cannot call
 * GetSessionToken with session credentials", AccessDenied) and caps a role assumed with any temporary credentials at 1
 * hour (reference: GetSessionToken, GetFederationToken, "role chaining").
 *
 * What is now so: a console sign-in is session credentials for STS, as the session it was opened from would be.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetFederationTokenCommand, GetSessionTokenCommand } from '@aws-sdk/client-sts';
import { sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

type SignRequest = (r: { method: string; host: string; path: string; body?: string; credentials: Credentials }) => Promise<{ url: string; headers: Record<string, string> }>;
const CONSOLE_JS = pathToFileURL(join(import.meta.dirname, '..', 'web', 'console.js')).href;

describe('readme review ik1: a console sign-in is session credentials to STS', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(async () => {
    await server?.stop();
  });

  /** Signs in as the console does (web/console.js's signer); the sign-in's credentials. */
  async function signIn(c: Credentials): Promise<Credentials> {
    const { signRequest } = (await import(CONSOLE_JS)) as { signRequest: SignRequest };
    const signed = await signRequest({ method: 'POST', host: new URL(server.url).host, path: '/v1/console/sign-in', credentials: c });
    const res = await fetch(`${server.url}${signed.url}`, { method: 'POST', headers: signed.headers });
    const json = (await res.json()) as { credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string } };
    assert.equal(res.status, 200, JSON.stringify(json));
    const { accessKeyId, secretAccessKey, sessionToken } = json.credentials;
    return { accessKeyId, secretAccessKey, sessionToken };
  }

  it('GetSessionToken and GetFederationToken refuse it, as AWS refuses session credentials', async () => {
    const con = await signIn(server.admin);
    const st = await sdkFailure(server.sts(con).send(new GetSessionTokenCommand({})));
    assert.equal(st.code, 'AccessDenied', st.message);
    assert.match(st.message, /Cannot call GetSessionToken with session credentials/);
    const ft = await sdkFailure(server.sts(con).send(new GetFederationTokenCommand({ Name: 'ik1-broker' })));
    assert.equal(ft.code, 'AccessDenied', ft.message);
    assert.match(ft.message, /Cannot call GetFederationToken with session credentials/);
    // The key it was opened with still may.
    assert.ok((await server.sts().send(new GetSessionTokenCommand({ DurationSeconds: 900 }))).Credentials?.SessionToken);
  });

  it('a role it assumes is role chaining: at most 1 hour', async () => {
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: 'sts:AssumeRole' }] };
    const role = (await server.iam().send(new I.CreateRoleCommand({ RoleName: 'ik1-role', AssumeRolePolicyDocument: JSON.stringify(trust), MaxSessionDuration: 43200 }))).Role!;
    const con = await signIn(server.admin);
    const long = await sdkFailure(server.sts(con).send(new AssumeRoleCommand({ RoleArn: role.Arn!, RoleSessionName: 'ik1', DurationSeconds: 7200 })));
    assert.equal(long.code, 'ValidationError', long.message);
    assert.match(long.message, /1 hour session limit for roles assumed by role chaining/);
    const got = (await server.sts(con).send(new AssumeRoleCommand({ RoleArn: role.Arn!, RoleSessionName: 'ik1', DurationSeconds: 3600 }))).Credentials;
    assert.ok(got?.SessionToken);
  });
});
