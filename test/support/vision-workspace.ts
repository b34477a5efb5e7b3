/**
 * The world of the `jobs run` usage suites that submit nothing (reviews R 8, R 10 and bn 1): a test server with role
 * `trainer`, which the training service may assume, and workspace `vision`, whose member is the root admin.
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import * as I from '@aws-sdk/client-iam';
import { call } from '../../src/adapters/cli/client.ts';
import { connectionTo } from './processes.ts';
import { startTestServer, type TestServer } from './server.ts';

/**
 * Registers, in the file or describe it is called in, a `before` that starts that server (handed to `ready`) and an
 * `after` that stops it; answers `jobCount`, how many jobs the root admin lists there.
 */
export function visionWorkspace(ready: (server: TestServer) => void): { jobCount(): Promise<number> } {
  let s: TestServer | undefined;
  before(async () => {
    s = await startTestServer();
    ready(s);
    const trust = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'training.gatehouse.dev' }, Action: 'sts:AssumeRole' }] };
    await s.iam().send(new I.CreateRoleCommand({ RoleName: 'trainer', AssumeRolePolicyDocument: JSON.stringify(trust) }));
    const put = await call(connectionTo(s.url, s.admin), 'PUT', ['workspaces', 'vision'], { body: { members: [{ user: 'admin' }] } });
    assert.ok(put.ok, put.ok ? '' : put.message);
  });
  after(async () => {
    await s?.stop();
  });
  return {
    async jobCount() {
      const server = s as TestServer;
      const r = await call<{ jobs: unknown[] }>(connectionTo(server.url, server.admin), 'GET', ['jobs']);
      assert.ok(r.ok, r.ok ? '' : r.message);
      return r.value.jobs.length;
    },
  };
}
