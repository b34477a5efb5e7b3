/**
 * The escalation-paths report (`POST /v1/escalation-paths`) as the escalation review tests read it: the gains one
 * principal can come to; and who-can's answer (`POST /v1/who-can`).
 */
import assert from 'node:assert/strict';
import { call } from '../../src/adapters/cli/client.ts';
import { connectionTo } from './processes.ts';
import { gatehouseJson } from './resource-server.ts';
import type { TestServer } from './server.ts';

/** One gain of a report: who can make it, as whom, by which action on what, and what it gives. */
export interface Gain {
  readonly by: string;
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly gives: string;
  readonly reasons: readonly string[];
  readonly policy?: string;
}

/** The gains `server`'s escalation-paths reports for the principal of ARN `principal`, asked by its admin. */
export async function escalationGains(server: Pick<TestServer, 'url' | 'admin'>, principal: string): Promise<Gain[]> {
  const r = await call<{ reports: { canGain: { gain: Gain }[] }[] }>(connectionTo(server.url, server.admin), 'POST', ['escalation-paths'], { body: { principal } });
  assert.ok(r.ok, r.ok ? '' : `${r.code} ${r.message}`);
  return (r.value.reports[0]?.canGain ?? []).map((g) => g.gain);
}

/** A grant of who-can's answer: a principal beyond the account a resource policy (a trust policy) lets in, and by what. */
export interface WhoCanGrant {
  readonly principal: string;
  readonly action?: string;
}

/** One principal of who-can's `allowed`, and who its trust lets in from beyond the account. */
export interface WhoCanAllowed {
  readonly kind: string;
  readonly name: string;
  readonly trustedBeyond?: readonly WhoCanGrant[];
}

/** Who-can's answer on `server` about `action` on `resource`, asked by its admin (200 asserted). */
export async function whoCan(server: Pick<TestServer, 'url' | 'admin'>, action: string, resource: string): Promise<Record<string, unknown>> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/who-can', { action, resource });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json;
}

/** A subject of who-can's `grantedByRbac`: a Kubernetes subject a cluster's RBAC lets in beyond the account, with its binding and role. */
export interface RbacGrant {
  readonly kind: string;
  readonly name: string;
  readonly binding: string;
  readonly role: string;
}

/** Who-can's `grantedByRbac` of `answer`, each as `[kind, name, binding, role]`. */
export const rbacSubjects = (answer: Record<string, unknown>): string[][] => ((answer['grantedByRbac'] ?? []) as RbacGrant[]).map((g) => [g.kind, g.name, g.binding, g.role]);
