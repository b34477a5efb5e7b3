/**
 * Review gp, finding 1 (left open by review gj): a job's credential endpoint served the session it had cached until its
 * refresh time (about 6 h) even after the job's role was deleted and created again under its name. A session names its
 * role by id, so every request signed with it is refused (InvalidClientTokenId) as the new role is not the one it was
 * issued for; a rank started after the role was made again got those dead credentials for hours. The cached session is
 * now served only while its role is the one the directory holds; else a session of the role as it is now is issued.
 *
 * A real server: a job with a custom role reads its credentials, the role is deleted and created again, and the next
 * read gets a new session that STS accepts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, DeleteRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { call, type Connection } from '../src/adapters/cli/client.ts';
import { startServer, type RunningServer } from '../src/main/server.ts';
import { connectionTo, keysOf } from './support/processes.ts';

let home: string;
let server: RunningServer;
let conn: Connection;
let iam: IAMClient;

const TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] });

before(async () => {
  home = await mkdtemp(join(tmpdir(), 'gh-jobs-review-gp1-'));
  server = await startServer({ dataDir: join(home, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  assert.ok(server.adminCredentials);
  const keys = keysOf(server.adminCredentials);
  conn = connectionTo(server.url, keys);
  iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: keys, maxAttempts: 1 });
  await iam.send(new CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: TRUST }));
  assert.ok((await call(conn, 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
});
after(async () => {
  iam?.destroy();
  await server?.stop();
  await rm(home, { recursive: true, force: true });
});

interface Served {
  readonly AccessKeyId: string;
  readonly SecretAccessKey: string;
  readonly Token: string;
}

test('gp1: after the role is deleted and created again, the job is served a session of the new role, not the cached one', async () => {
  const account = server.adminCredentials?.AccountId ?? '';
  const submitted = await call<{ job: { id: string }; capability: string; environment: Record<string, string> }>(conn, 'POST', ['jobs'], { body: { workspace: 'w', role: `arn:aws:iam::${account}:role/trainer`, imds: false } });
  assert.ok(submitted.ok, JSON.stringify(submitted));
  const { capability, environment } = submitted.value;
  const endpoint = environment['AWS_CONTAINER_CREDENTIALS_FULL_URI'] ?? '';
  const read = async (): Promise<Served> => {
    const r = await fetch(endpoint, { headers: { authorization: capability } });
    assert.equal(r.status, 200, await r.clone().text());
    return (await r.json()) as Served;
  };
  const whoIs = async (c: Served): Promise<string> => {
    const sts = new STSClient({ endpoint: server.url, region: 'us-east-1', maxAttempts: 1, credentials: { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.Token } });
    try {
      return (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? '';
    } catch (e) {
      return `refused: ${(e as { name?: string }).name}`;
    } finally {
      sts.destroy();
    }
  };

  const first = await read();
  assert.match(await whoIs(first), /:assumed-role\/trainer\//);
  // Served from the cache while the role stands.
  assert.equal((await read()).AccessKeyId, first.AccessKeyId);

  await iam.send(new DeleteRoleCommand({ RoleName: 'trainer' }));
  await iam.send(new CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: TRUST }));
  // The old session is dead for STS: it names the deleted role.
  assert.equal(await whoIs(first), 'refused: InvalidClientTokenId');

  const next = await read();
  assert.notEqual(next.AccessKeyId, first.AccessKeyId, 'the job was served the cached session of the deleted role');
  assert.match(await whoIs(next), /:assumed-role\/trainer\//);
});
