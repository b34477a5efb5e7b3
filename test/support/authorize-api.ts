/** Questions to the authorize API (`POST /v1/authorize`) through the admin API client the CLI uses (`call`). */
import assert from 'node:assert/strict';
import { call } from '../../src/adapters/cli/client.ts';
import { connectionTo } from './processes.ts';
import type { Credentials, TestServer } from './server.ts';

/**
 * The authorize API's decision (`Allow`, `ImplicitDeny`, `ExplicitDeny`) on `body` (principal, action, resource,
 * context…), asked as `as` (the root admin unless given); fails the test, with the whole answer, when it is refused.
 */
export async function authorizeDecision(s: Pick<TestServer, 'url' | 'admin'>, body: Record<string, unknown>, as: Credentials = s.admin): Promise<string> {
  const r = await call<{ decision: string }>(connectionTo(s.url, as), 'POST', ['authorize'], { body });
  assert.ok(r.ok, JSON.stringify(r));
  return r.value.decision;
}
