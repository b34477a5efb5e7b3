/**
 * The world of reviews oa 1 and 2: a test server with workspace `w` (its admin a member) and a node agent (createRelay)
 * in front of the server's credential endpoints; jobs submitted as the submit answer gives them (the launcher's
 * capability, and the ranks' token in their environment), and the AWS SDK v3 reading a metadata endpoint.
 */
import assert from 'node:assert/strict';
import { fromInstanceMetadata } from '@aws-sdk/credential-providers';
import { createRelay, type Relay } from '../../src/adapters/agent/relay.ts';
import { call } from '../../src/adapters/cli/client.ts';
import { connectionTo } from './processes.ts';
import { startTestServer, type TestServer } from './server.ts';

/** A job as the submit answer gives it, with the ranks' token (`AWS_CONTAINER_AUTHORIZATION_TOKEN`). */
export interface SubmittedJob {
  readonly job: { readonly id: string; readonly role: { readonly arn: string } };
  readonly capability: string;
  readonly environment: Record<string, string>;
  readonly rankToken: string;
}

export interface RelayWorld {
  readonly server: TestServer;
  readonly relay: Relay;
  /** The node agent's base URL. */
  readonly agentUrl: string;
  /** A default-role job in `w`, without a metadata endpoint of the server's. */
  submit(): Promise<SubmittedJob>;
  stop(): Promise<void>;
}

export async function startRelayWorld(): Promise<RelayWorld> {
  const server = await startTestServer();
  assert.ok((await call(connectionTo(server.url, server.admin), 'PUT', ['workspaces', 'w'], { body: { members: [{ user: 'admin' }] } })).ok);
  const relay = createRelay({ upstream: server.running.agentUrl, revalidateMs: 60_000 });
  const agentUrl = `http://127.0.0.1:${(await relay.listen('127.0.0.1', 0)).port}`;
  return {
    server,
    relay,
    agentUrl,
    async submit() {
      const r = await call<Omit<SubmittedJob, 'rankToken'>>(connectionTo(server.url, server.admin), 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', imds: false } });
      assert.ok(r.ok, JSON.stringify(r));
      return { ...r.value, rankToken: r.value.environment['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? assert.fail('no token in the environment') };
    },
    async stop() {
      await relay.close();
      await server.stop();
    },
  };
}

/** The credentials the AWS SDK v3 reads (IMDSv2) at the metadata endpoint `endpoint`, given 10 s as CI needs. */
export async function imdsCredentials(endpoint: string): Promise<Awaited<ReturnType<ReturnType<typeof fromInstanceMetadata>>>> {
  const previous = process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'];
  process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = endpoint;
  try {
    return await fromInstanceMetadata({ ec2MetadataV1Disabled: true, timeout: 10_000 })();
  } finally {
    if (previous === undefined) delete process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'];
    else process.env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] = previous;
  }
}
