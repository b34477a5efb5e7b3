/**
 * Review U, U1, for the admission webhook (`POST /k8s/{cluster}/admit`): a pod naming a role is admitted only if
 * its author may pass the role, and a Deny that spells the role or PassRole in the other dialect
 * (`arn:aws:iam::A:role/x` for an `acs` role, `iam:PassRole` for `ram:PassRole`) refuses, as it does for STS and
 * jobs (app/principals.ts `decideOnRole`). An `acs` account, role `ECIRamRoleTest` trusting the compute service;
 * every user below is allowed `ram:PassRole` on `*`; `denyarn` also denies it on the role's `aws` ARN, `denyaction`
 * denies `iam:PassRole` on the role's own ARN.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { applyConfig } from '../src/app/apply.ts';
import type { Caller } from '../src/app/index.ts';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { IAMClient } from '@aws-sdk/client-iam';
import { webhookFromKubeconfig, type WebhookTarget } from './support/apiserver.ts';
import { reviewedAs } from './support/admission.ts';

const ROOT_DIR = resolve(import.meta.dirname, '..');
const FIXTURES = join(import.meta.dirname, 'fixtures', 'kube');
const ACCT = '123456789012';

let dir = '';
let server: RunningServer;
let admit: WebhookTarget;
/** The account's IAM API, as its admin (makes the users' keys for `reviewedAs`). */
let account: { url: string; iam(): IAMClient };
let iam: IAMClient | undefined;

type Json = Record<string, unknown>;

function http(method: string, url: string, opts: { body?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; text: string }> {
  return new Promise((done, fail) => {
    const text = opts.body === undefined ? '' : JSON.stringify(opts.body);
    const req = request(url, { method, headers: { ...(text ? { 'content-type': 'application/json' } : {}), ...opts.headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', fail);
    req.end(text);
  });
}

/** The fixture pod (annotated with `ECIRamRoleTest`), created by `user`, as the TokenReview of a token of its own makes it. */
async function podBy(user: string): Promise<Json> {
  const text = (await readFile(join(FIXTURES, 'admission', 'pod-create.json'), 'utf8')).replaceAll('{{ACCOUNT}}', ACCT);
  const body = JSON.parse(text.replaceAll('user/deployer', `user/${user}`).replaceAll(':deployer"', `:${user}"`).replaceAll('"deployers"', `"${user}s"`)) as Json;
  (body['request'] as Json)['userInfo'] = await reviewedAs(account, 'eci', admit.token, user);
  return body;
}

async function review(body: Json): Promise<Json> {
  const r = await http('POST', admit.url.toString(), { body, headers: { authorization: `Bearer ${admit.token}` } });
  assert.equal(r.status, 200, r.text);
  return ((JSON.parse(r.text) as Json)['response'] ?? {}) as Json;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-kube-passrole-'));
  server = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', env: {}, log: () => {} });
  const app = server.app;
  const root = JSON.parse(await readFile(join(dir, 'data', ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string };
  const rootWho = await app.authenticate(root.AccessKeyId);
  assert.ok(rootWho.ok);
  const created = await applyConfig(app.deps, rootWho.value.caller, { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: ACCT }, spec: { partition: 'acs' } }] });
  assert.ok(created.ok && created.value.credentials[0]);
  const accountAdmin = created.value.credentials[0];
  const who = await app.authenticate(accountAdmin.AccessKeyId);
  assert.ok(who.ok);
  const admin: Caller = who.value.caller;
  const doc = (kind: string, name: string, spec: Json) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const allowAll = { Effect: 'Allow', Action: 'ram:PassRole', Resource: '*' };
  const user = (name: string, deny?: Json) => doc('User', name, { inlinePolicies: { pass: { Version: '1', Statement: [allowAll, ...(deny ? [{ Effect: 'Deny', ...deny }] : [])] } } });
  const entry = (name: string) => doc('AccessEntry', name, { cluster: 'eci', principalArn: `acs:ram::${ACCT}:user/${name}`, kubernetesGroups: [`${name}s`] });
  const setup = await applyConfig(app.deps, admin, {
    documents: [
      doc('Role', 'ECIRamRoleTest', { trustPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] } }] } }),
      user('passer'),
      user('denyarn', { Action: 'ram:PassRole', Resource: `arn:aws:iam::${ACCT}:role/ECIRamRoleTest` }),
      user('denyaction', { Action: 'iam:PassRole', Resource: `acs:ram::${ACCT}:role/ECIRamRoleTest` }),
      doc('Cluster', 'eci', {}),
      entry('passer'),
      entry('denyarn'),
      entry('denyaction'),
    ],
  });
  assert.ok(setup.ok, JSON.stringify(!setup.ok && setup.errors));
  const out = join(dir, 'webhooks');
  const r = await new Promise<{ status: number; stderr: string }>((done) =>
    execFile(
      process.execPath,
      [join(ROOT_DIR, 'bin', 'gatehouse.js'), 'kube', 'webhook-config', '--cluster', 'eci', '--out', out],
      { env: { PATH: '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: accountAdmin.AccessKeyId, AWS_SECRET_ACCESS_KEY: accountAdmin.SecretAccessKey, GATEHOUSE_ENDPOINT: server.url } },
      (err, _stdout, stderr) => done({ status: err ? 1 : 0, stderr }),
    ),
  );
  assert.equal(r.status, 0, r.stderr);
  const authn = await webhookFromKubeconfig(join(out, 'authentication-webhook.kubeconfig'));
  admit = { ...authn, url: new URL(authn.url.toString().replace(/authenticate$/, 'admit')) };
  iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: accountAdmin.AccessKeyId, secretAccessKey: accountAdmin.SecretAccessKey }, maxAttempts: 1 });
  account = { url: server.url, iam: () => iam as IAMClient };
});

after(async () => {
  iam?.destroy();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a pod naming a role, by a user allowed ram:PassRole on * (review U, U1)', () => {
  test('with no Deny: admitted', async () => {
    const r = await review(await podBy('passer'));
    assert.equal(r['allowed'], true, JSON.stringify(r['status']));
  });

  test('with a Deny on the role’s arn:aws:iam ARN: refused', async () => {
    const r = await review(await podBy('denyarn'));
    assert.equal(r['allowed'], false);
    const status = r['status'] as { code: number; message: string };
    assert.equal(status.code, 403);
    assert.match(status.message, /^check permission for ram role failed: acs:ram::123456789012:user\/denyarn is not allowed to perform ram:PassRole on acs:ram::123456789012:role\/ECIRamRoleTest/);
    assert.equal(r['patch'], undefined);
  });

  test('with a Deny of iam:PassRole on the role: refused', async () => {
    const r = await review(await podBy('denyaction'));
    assert.equal(r['allowed'], false);
    const status = r['status'] as { code: number; message: string };
    assert.equal(status.code, 403);
    assert.match(status.message, /user\/denyaction is not allowed to perform ram:PassRole on acs:ram::123456789012:role\/ECIRamRoleTest/);
    assert.equal(r['patch'], undefined);
  });
});
