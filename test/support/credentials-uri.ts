/**
 * What the reviews of a job's credentials URI on its metadata endpoint (tn 1, tv 2) share: the real Alibaba clients that
 * read it (`@alicloud/credentials`' `credentials_uri` type and its legacy `URICredential`, whose error names the URI),
 * a default-role job submitted with a launcher uid, and the refusal of a process of another uid.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { call } from '../../src/adapters/cli/client.ts';
import { connectionTo } from './processes.ts';
import type { Credentials, TestServer } from './server.ts';

const require = createRequire(import.meta.url);
export const Credential = (require('@alicloud/credentials') as { default: new (config: Record<string, unknown>) => { getCredential(): Promise<{ accessKeyId: string; securityToken: string }> } }).default;
export const URICredential = (require('@alicloud/credentials/dist/src/uri_credential.js') as { default: new (uri: string) => { getAccessKeyId(): Promise<string> } }).default;

/** This process's uid: the launcher's, when a test submits as `jobs run` would. */
export const UID = process.getuid?.() ?? 0;

export type Submitted = { job: { id: string }; capability: string; environment: Record<string, string> };

/** A default-role job in workspace `w` of `admin`'s account, whose launcher reported `uid`. */
export async function submitWithUid(s: Pick<TestServer, 'url'>, admin: Credentials, uid: number): Promise<Submitted> {
  const r = await call<Submitted>(connectionTo(s.url, admin), 'POST', ['jobs'], { body: { workspace: 'w', role: 'default', launcherUid: uid } });
  assert.ok(r.ok, JSON.stringify(r));
  return r.value;
}

/** `uri` read by this process, which is not of the uid its job's launcher reported: 403 Forbidden naming this uid. */
export async function refusedToThisUid(uri: string): Promise<void> {
  const r = await fetch(uri);
  const body = (await r.json()) as { Code?: string; Message?: string };
  assert.equal(r.status, 403, JSON.stringify(body));
  assert.equal(body.Code, 'Forbidden');
  assert.match(body.Message ?? '', new RegExp(`not uid ${UID}`));
}

/**
 * The job's two credentials URI variables hold neither its ranks' capability nor its launcher's, and are on its metadata
 * endpoint (`AWS_EC2_METADATA_SERVICE_ENDPOINT`'s origin).
 */
export function uriOnEndpointWithoutCapability(j: Submitted): void {
  const env = j.environment;
  const ranks = env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] ?? assert.fail('no token');
  for (const k of ['ALIBABA_CLOUD_CREDENTIALS_URI', 'ALIBABACLOUD_CREDENTIALS_URI']) {
    const uri = env[k] ?? assert.fail(`no ${k}`);
    assert.ok(!uri.includes(ranks) && !uri.includes(encodeURIComponent(ranks)), `${k} holds the ranks' capability: ${uri}`);
    assert.ok(!uri.includes(j.capability), `${k} holds the launcher's capability`);
    assert.equal(new URL(uri).origin, new URL(env['AWS_EC2_METADATA_SERVICE_ENDPOINT'] ?? '').origin);
  }
}
