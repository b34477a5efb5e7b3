/**
 * The escalation-paths report (`POST /v1/escalation-paths`) as the escalation review tests read it: the gains one
 * principal can come to; and who-can's answer (`POST /v1/who-can`).
 */
import assert from 'node:assert/strict';
import { call } from '../../src/adapters/cli/client.ts';
import { connectionTo } from './processes.ts';
import { gatehouseJson } from './resource-server.ts';
import * as I from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { startOidcIssuer, type OidcIssuer } from './oidc-issuer.ts';
import { REGION, startTestServer, type Credentials, type TestServer } from './server.ts';

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

/** A step of an escalation-paths report's `canBecome` path: the actions taken at it. */
export interface PathStep {
  readonly actions: readonly string[];
}

/** An escalation-paths report as the attach-then-assume reviews read it: whom the principal can become, and whether any right. */
export interface PathsReport {
  readonly canBecome: { principal: string; path: PathStep[] }[];
  readonly anyRight: boolean;
}

/** `server`'s escalation-paths report for the principal of ARN `principal`, asked by its admin (200 asserted). */
export async function pathsReport(server: Pick<TestServer, 'url' | 'admin'>, principal: string): Promise<PathsReport> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/escalation-paths', { principal });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return (r.json['reports'] as PathsReport[])[0] as PathsReport;
}

/** The path in `r` to the principal of ARN `to`, each step its actions joined by `+`; undefined when there is none. */
export const pathTo = (r: PathsReport, to: string): string[] | undefined => r.canBecome.find((b) => b.principal === to)?.path.map((st) => st.actions.join('+'));

/**
 * A server whose account 000000000000 has role `adm` (AdministratorAccess, trusting the account) and managed policies
 * `hop` (`sts:AssumeRole` on adm) and `read` (`s3:GetObject`): the world of the attach-then-assume reviews (sx3, tg1),
 * which add the principals that may attach them; with `trainingRole`, also that role, trusting the training service
 * and allowed `s3:*` (`serviceRole`). Stop it.
 */
export async function startHopWorld(trainingRole?: string): Promise<TestServer> {
  const A = '000000000000';
  const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
  const s = await startTestServer();
  const iam = s.iam();
  await iam.send(new I.CreateRoleCommand({ RoleName: 'adm', AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'sts:AssumeRole' }) }));
  await iam.send(new I.AttachRolePolicyCommand({ RoleName: 'adm', PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' }));
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'hop', PolicyDocument: doc({ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: `arn:aws:iam::${A}:role/adm` }) }));
  await iam.send(new I.CreatePolicyCommand({ PolicyName: 'read', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }) }));
  if (trainingRole !== undefined) await serviceRole(iam, trainingRole, 'training.gatehouse.dev');
  return s;
}

/** A path taken for real: AssumeRole of `role` by `credentials` refused, then answered with credentials once `step` (the path's first call) is made. */
export async function assumeRefusedUntil(server: Pick<TestServer, 'url'>, credentials: Credentials, role: string, step: () => Promise<unknown>): Promise<void> {
  const sts = new STSClient({ endpoint: server.url, region: 'us-east-1', credentials, maxAttempts: 1 });
  await assert.rejects(sts.send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: 'path' })), /AccessDenied|not authorized|not allowed/);
  await step();
  const got = await sts.send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: 'path' }));
  assert.ok(got.Credentials?.AccessKeyId);
}

/** The names who-can (`action` on `resource`, asked by the admin) lists in `through` of the role named `role`: who comes to act as it. */
export async function reachedThrough(server: Pick<TestServer, 'url' | 'admin'>, action: string, resource: string, role: string): Promise<string[]> {
  const w = await whoCan(server, action, resource);
  const allowed = (w['allowed'] as { name: string; through?: { name: string }[] }[]).find((a) => a.name === role);
  assert.ok(allowed, JSON.stringify(w['allowed']));
  return (allowed.through ?? []).map((t) => t.name);
}

/** Role `name` of the server's account, trusting `service` (`training.gatehouse.dev`, `compute.gatehouse.dev`) and allowed `s3:*`. */
export async function serviceRole(iam: I.IAMClient, name: string, service: string): Promise<void> {
  const doc = (...Statement: object[]) => JSON.stringify({ Version: '2012-10-17', Statement });
  await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: doc({ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }) }));
  await iam.send(new I.PutRolePolicyCommand({ RoleName: name, PolicyName: 'all', PolicyDocument: doc({ Effect: 'Allow', Action: 's3:*', Resource: '*' }) }));
}

/** A step of a `canBecome` path as the gain-then-pass reviews read it: how it is taken, its actions, and via what. */
export interface HowStep extends PathStep {
  readonly how: string;
  readonly via?: string;
}

/** The path of `server`'s escalation-paths report for `principal` (an ARN) to the principal of ARN `to`, asked by its admin (200 asserted); undefined when there is none. */
export async function pathSteps(server: Pick<TestServer, 'url' | 'admin'>, principal: string, to: string): Promise<readonly HowStep[] | undefined> {
  const r = await gatehouseJson(server.url, server.admin, 'POST', '/v1/escalation-paths', { principal });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return (r.json['reports'] as { canBecome: { principal: string; path: HowStep[] }[] }[])[0]?.canBecome.find((b) => b.principal === to)?.path;
}

/** Users of `iam`'s account, each with inline policy `p` of its statements (name → statements) and an access key: the keys by name. */
export async function usersWithKeys(iam: I.IAMClient, users: Readonly<Record<string, readonly object[]>>): Promise<Record<string, Credentials>> {
  const keys: Record<string, Credentials> = {};
  for (const [name, statements] of Object.entries(users)) {
    await iam.send(new I.CreateUserCommand({ UserName: name }));
    await iam.send(new I.PutUserPolicyCommand({ UserName: name, PolicyName: 'p', PolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: statements }) }));
    const k = (await iam.send(new I.CreateAccessKeyCommand({ UserName: name }))).AccessKey;
    keys[name] = { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
  }
  return keys;
}

/**
 * The two ways to come to pass role `role` (an ARN) of the gain-then-pass reviews (tg2, tg4, tk1): group `passers`,
 * whose inline policy `pass` allows `iam:PassRole` on it, and managed policy `policy` allowing the same.
 */
export async function passRoleGrants(iam: I.IAMClient, role: string, policy: string): Promise<void> {
  const pass = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: role }] });
  await iam.send(new I.CreateGroupCommand({ GroupName: 'passers' }));
  await iam.send(new I.PutGroupPolicyCommand({ GroupName: 'passers', PolicyName: 'pass', PolicyDocument: pass }));
  await iam.send(new I.CreatePolicyCommand({ PolicyName: policy, PolicyDocument: pass }));
}

/** `startTrustWorld`'s world; `stop` ends the STS client, the issuer and the server. */
export interface TrustWorld {
  readonly server: TestServer;
  readonly issuer: OidcIssuer;
  /** The issuer's OIDC provider ARN in the server's account (client ID sts.amazonaws.com). */
  readonly provider: string;
  /** The admin of account `partner`. */
  readonly partner: Credentials;
  /** An STS client of the server that signs nothing (AssumeRoleWithWebIdentity). */
  readonly anonymous: STSClient;
  stop(): Promise<void>;
}

/**
 * The world of the who-can reviews on roles trusted beyond the account (fl3, te2): an OIDC issuer; a server with aws
 * account `partner` and its admin; the issuer's provider in account 000000000000; there, a role of each of
 * `trusts(provider, issuer)` (name → the trust policy's one statement), with `inline` as its inline policy when given.
 */
export async function startTrustWorld(partner: string, trusts: (provider: string, issuer: OidcIssuer) => Record<string, object>, inline?: { readonly name: string; readonly document: string }): Promise<TrustWorld> {
  const issuer = await startOidcIssuer();
  let server: TestServer | undefined;
  let anonymous: STSClient | undefined;
  const stop = async (): Promise<void> => {
    anonymous?.destroy();
    await issuer.close();
    await server?.stop();
  };
  try {
    const s = (server = await startTestServer());
    const r = await gatehouseJson(s.url, s.admin, 'POST', '/v1/accounts', { id: partner, partition: 'aws' });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    const partnerAdmin = { accessKeyId: String(r.json['AccessKeyId']), secretAccessKey: String(r.json['SecretAccessKey']) };
    const iam = s.iam();
    const provider = (await iam.send(new I.CreateOpenIDConnectProviderCommand({ Url: issuer.url, ClientIDList: ['sts.amazonaws.com'] }))).OpenIDConnectProviderArn ?? '';
    for (const [name, trust] of Object.entries(trusts(provider, issuer))) {
      await iam.send(new I.CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [trust] }) }));
      if (inline !== undefined) await iam.send(new I.PutRolePolicyCommand({ RoleName: name, PolicyName: inline.name, PolicyDocument: inline.document }));
    }
    anonymous = new STSClient({ endpoint: s.url, region: REGION, maxAttempts: 1, credentials: () => Promise.reject(new Error('unsigned')) });
    return { server: s, issuer, provider, partner: partnerAdmin, anonymous, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
