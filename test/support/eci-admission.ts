/**
 * The ECI admission suites' world (reviews fm, 5 and X, 2 on pods): a server in a temporary directory whose pods are
 * sent to the S3 gateway's Service (as in deploy/kubernetes), an `acs` account with the ECI fixtures' roles
 * `ECIRamRoleTest` and `NotForPods`, users `deployer` (who may pass them, test/fixtures/kube/eci) and `intruder`, cluster
 * `eci` with an access entry of each; and the admission webhook as `gatehouse kube webhook-config` configures it (the
 * CLI's program in this process).
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { applyConfig } from '../../src/app/apply.ts';
import type { Caller } from '../../src/app/index.ts';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../../src/main/server.ts';
import { webhookFromKubeconfig, type WebhookTarget } from './apiserver.ts';
import { gatehouseInProcess } from './gatehouse-cli.ts';
import { sqliteTestEnv } from './server.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'kube');
/** The `acs` account of the ECI fixtures. */
export const ECI_ACCOUNT = '123456789012';
/** The S3 gateway's Service, where pods are sent. */
export const S3_SERVICE = 'https://gatehouse-s3.gatehouse.svc:8472';

export interface EciAdmission {
  readonly dir: string;
  readonly server: RunningServer;
  /** The admission webhook: its URL and bearer token. */
  readonly admit: WebhookTarget;
  /** The account's root access key. */
  readonly accountAdmin: { readonly AccessKeyId: string; readonly SecretAccessKey: string };
  /** The account's root, as the app's use cases take it. */
  readonly admin: Caller;
}

type Json = Record<string, unknown>;

/**
 * Registers, in the file it is called in, a `before` that sets that world up (the directory named `prefix…`, role
 * `ECIRamRoleTest` trusting by `podRoleTrust`, one statement of RAM's dialect) and hands it to `ready`, and an `after`
 * that stops the server and removes the directory. `more.agentAddress`: the server's `--agent-address` (pods' node agent).
 */
export function eciAdmission(prefix: string, podRoleTrust: Json, ready: (world: EciAdmission) => void, more: { readonly agentAddress?: string } = {}): void {
  let dir = '';
  let server: RunningServer | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
    server = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Address: S3_SERVICE, env: sqliteTestEnv({}), log: () => {}, ...(more.agentAddress !== undefined ? { agentAddress: more.agentAddress } : {}) });
    const app = server.app;
    const root = JSON.parse(await readFile(join(dir, 'data', ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string };
    const rootWho = await app.authenticate(root.AccessKeyId);
    assert.ok(rootWho.ok);
    const created = await applyConfig(app.deps, rootWho.value.caller, { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: ECI_ACCOUNT }, spec: { partition: 'acs' } }] });
    assert.ok(created.ok && created.value.credentials[0]);
    const accountAdmin = created.value.credentials[0];
    const who = await app.authenticate(accountAdmin.AccessKeyId);
    assert.ok(who.ok);
    const admin = who.value.caller;
    const passRole = JSON.parse(await readFile(join(FIXTURES, 'eci', 'passrole-policy.json'), 'utf8')) as Json;
    const doc = (kind: string, name: string, spec: Json) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
    const entry = (user: string) => doc('AccessEntry', user, { cluster: 'eci', principalArn: `acs:ram::${ECI_ACCOUNT}:user/${user}`, kubernetesGroups: [`${user}s`] });
    const setup = await applyConfig(app.deps, admin, {
      documents: [
        doc('Role', 'ECIRamRoleTest', { trustPolicy: { Version: '1', Statement: [podRoleTrust] } }),
        doc('Role', 'NotForPods', { trustPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['pai.aliyuncs.com'] } }] } }),
        doc('User', 'deployer', { inlinePolicies: { passrole: passRole, passAny: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'ram:PassRole', Resource: `acs:ram::${ECI_ACCOUNT}:role/NotForPods` }] } } }),
        doc('User', 'intruder', {}),
        doc('Cluster', 'eci', {}),
        entry('deployer'),
        entry('intruder'),
      ],
    });
    assert.ok(setup.ok, JSON.stringify(!setup.ok && setup.errors));
    const out = join(dir, 'webhooks');
    const r = await gatehouseInProcess(['kube', 'webhook-config', '--cluster', 'eci', '--out', out], { PATH: '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: accountAdmin.AccessKeyId, AWS_SECRET_ACCESS_KEY: accountAdmin.SecretAccessKey, GATEHOUSE_ENDPOINT: server.url }).then(({ code, stderr }) => ({ status: code === 0 ? 0 : 1, stderr }));
    assert.equal(r.status, 0, r.stderr);
    const authn = await webhookFromKubeconfig(join(out, 'authentication-webhook.kubeconfig'));
    const admit = { ...authn, url: new URL(authn.url.toString().replace(/authenticate$/, 'admit')) };
    const mutating = parse(await readFile(join(out, 'mutating-webhook.yaml'), 'utf8')) as { webhooks: { clientConfig: { url: string }; rules: { resources: string[]; operations: string[] }[] }[] };
    assert.equal(mutating.webhooks[0]?.clientConfig.url, admit.url.toString());
    assert.ok(mutating.webhooks[0]?.rules.some((x) => x.resources.includes('deployments')));
    ready({ dir, server, admit, accountAdmin, admin });
  });
  after(async () => {
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });
}
