/**
 * Review ns, 2: a session issued to a user (GetSessionToken, GetFederationToken) that was renamed since
 * (`UpdateUser NewUserName`) failed verification with 503 ServiceUnavailable while PostgreSQL could not be reached:
 * GetCallerIdentity and every request signed with it. Issue 7: with PostgreSQL stopped, "decisions and session
 * verification keep working from the compiled state", and a renamed user is the same user (IAM keeps its unique id;
 * docs/decisions.md, review ei, 1), whom the compiled state holds under its new name. The session names the user by
 * the name and unique id it had when it was issued; not held under that name, the instance read the whole change log
 * and then the user by id from the database on every request (an outage: 503). The user held under another name with
 * that unique id is now found in memory; only one held nowhere is looked for in the database, as before.
 *
 * Before the fix 2 of 2 tests failed.
 *
 * A real server on the test PostgreSQL through a TCP proxy that the test takes down (test/support/pg-outage-jobs.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand, UpdateUserCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, GetFederationTokenCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { call } from '../src/adapters/cli/client.ts';
import { pgSkip } from './support/postgres.ts';
import { pgOutageJobsWorld, type PgOutageJobsWorld } from './support/pg-outage-jobs.ts';

const skip = await pgSkip();
const ROOT = '000000000000';

interface Creds {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

describe('review ns2: a session of a user renamed since it was issued verifies during a database outage', { skip, timeout: 60_000 }, () => {
  let world: PgOutageJobsWorld;
  let session: Creds;
  let federated: Creds;
  const clients: { destroy(): void }[] = [];
  const sts = (credentials: Creds): STSClient => {
    const c = new STSClient({ endpoint: world.running.url, region: 'us-east-1', credentials, maxAttempts: 1 });
    clients.push(c);
    return c;
  };
  const whoAmI = (c: Creds): Promise<string> =>
    sts(c)
      .send(new GetCallerIdentityCommand({}))
      .then((r) => r.Arn ?? '', (e: { name?: string; $metadata?: { httpStatusCode?: number } }) => `${e.$metadata?.httpStatusCode ?? ''} ${e.name ?? String(e)}`);

  before(async () => {
    world = await pgOutageJobsWorld('ns2');
    const iam = new IAMClient({ endpoint: world.running.url, region: 'us-east-1', credentials: world.admin, maxAttempts: 1 });
    clients.push(iam);
    await iam.send(new CreateUserCommand({ UserName: 'ns2-before' }));
    const allow = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 'sts:GetFederationToken'], Resource: '*' }] };
    await iam.send(new PutUserPolicyCommand({ UserName: 'ns2-before', PolicyName: 'p', PolicyDocument: JSON.stringify(allow) }));
    const k = await iam.send(new CreateAccessKeyCommand({ UserName: 'ns2-before' }));
    const key: Creds = { accessKeyId: k.AccessKey?.AccessKeyId ?? '', secretAccessKey: k.AccessKey?.SecretAccessKey ?? '' };
    const t = await sts(key).send(new GetSessionTokenCommand({}));
    session = { accessKeyId: t.Credentials?.AccessKeyId ?? '', secretAccessKey: t.Credentials?.SecretAccessKey ?? '', sessionToken: t.Credentials?.SessionToken ?? '' };
    const f = await sts(key).send(new GetFederationTokenCommand({ Name: 'ns2-fed', Policy: JSON.stringify(allow) }));
    federated = { accessKeyId: f.Credentials?.AccessKeyId ?? '', secretAccessKey: f.Credentials?.SecretAccessKey ?? '', sessionToken: f.Credentials?.SessionToken ?? '' };
    await iam.send(new UpdateUserCommand({ UserName: 'ns2-before', NewUserName: 'ns2-after' }));
    // Both verify as the renamed user before the outage.
    assert.equal(await whoAmI(session), `arn:aws:iam::${ROOT}:user/ns2-after`);
    assert.equal(await whoAmI(federated), `arn:aws:sts::${ROOT}:federated-user/ns2-fed`);
    await world.running.app.audit.flush();
    world.takeDown();
  });
  after(async () => {
    for (const c of clients) c.destroy();
    await world?.close();
  });

  it('GetSessionToken’s session: GetCallerIdentity names the user by its new name, and a decision is made, not 503', async () => {
    assert.equal(await whoAmI(session), `arn:aws:iam::${ROOT}:user/ns2-after`);
    const r = await call<Record<string, unknown>>({ endpoint: new URL(world.running.url), credentials: session, region: 'us-east-1', credentialsSource: 'test' }, 'POST', ['authorize'], { body: { action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' } });
    assert.equal(r.ok ? String(r.value['decision']) : `${r.httpStatus} ${r.code}`, 'Allow');
  });

  it('GetFederationToken’s session: GetCallerIdentity answers, not 503', async () => {
    assert.equal(await whoAmI(federated), `arn:aws:sts::${ROOT}:federated-user/ns2-fed`);
  });
});
