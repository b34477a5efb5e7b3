/** The IAM policy simulator suites' world (review fe, 1 to 5): a test server, its root admin's IAM client, and a home for the aws CLI. */
import { after, before } from 'node:test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IAMClient } from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './server.ts';

export interface SimulateWorld {
  readonly server: TestServer;
  /** The root admin's IAM client of `server`. */
  readonly iam: IAMClient;
  /** A temporary directory (named `prefix…`), the aws CLI's HOME. */
  readonly home: string;
}

/**
 * Registers, in the file it is called in, a `before` that sets that world up, hands it to `ready` and then runs
 * `setUp` (the suite's principals and policies) in it, and an `after` that stops the server and removes the home.
 */
export function simulateWorld(prefix: string, ready: (world: SimulateWorld) => void, setUp: (world: SimulateWorld) => Promise<void> = async () => {}): void {
  let server: TestServer | undefined;
  let home: string | undefined;
  before(async () => {
    server = await startTestServer();
    const iam = server.iam();
    home = await mkdtemp(join(tmpdir(), prefix));
    const world = { server, iam, home };
    ready(world);
    await setUp(world);
  });
  after(async () => {
    await server?.stop();
    if (home) await rm(home, { recursive: true, force: true });
  });
}
