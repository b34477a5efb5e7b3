/**
 * A job submitted to a test server (workspace `w`, the default role, no metadata endpoint), and an agent on another
 * instance beside it (test/support/instances.ts) whose store the test wraps: what reviews ig3 and ps1 fetch a job's
 * credentials through while the store fails or races.
 */
import assert from 'node:assert/strict';
import type { App } from '../../src/app/index.ts';
import type { Store } from '../../src/app/ports/store.ts';
import { createAgent, type Agent } from '../../src/adapters/agent/server.ts';
import { gatehouseJson } from './resource-server.ts';
import { instanceBeside } from './instances.ts';
import type { TestServer } from './server.ts';

/** Makes workspace `w`, whose member is the server's admin. */
export async function workspaceW(server: TestServer): Promise<void> {
  const put = await gatehouseJson(server.url, server.admin, 'PUT', '/v1/workspaces/w', { members: [{ user: 'admin' }] });
  assert.ok(put.status < 300, JSON.stringify(put.json));
}

export async function submitJob(server: TestServer): Promise<{ readonly id: string; readonly capability: string }> {
  const sub = await gatehouseJson(server.url, server.admin, 'POST', '/v1/jobs', { workspace: 'w', role: 'default', imds: false });
  assert.equal(sub.status, 201, JSON.stringify(sub.json));
  const { job, capability } = sub.json as { job: { id: string }; capability: string };
  return { id: job.id, capability };
}

export interface AgentBeside {
  readonly app: App;
  readonly store: Store;
  readonly agent: Agent;
  /** Where the agent's container-credentials endpoint listens on 127.0.0.1. */
  readonly port: number;
}

export async function agentBeside(server: TestServer, wrap: (store: Store) => Store, log: (line: string) => void = () => {}): Promise<AgentBeside> {
  const { app, store } = await instanceBeside(server, { now: () => Date.now(), wrap });
  const agent = createAgent({ app, log });
  const at = await agent.listen('127.0.0.1', 0);
  return { app, store, agent, port: at.port };
}

/** Closes what `agentBeside` made, if it made it. */
export async function closeBeside(beside: AgentBeside | undefined): Promise<void> {
  await beside?.agent.close();
  await beside?.store.close().catch(() => {});
}
