/**
 * The admission webhook (`POST /k8s/{cluster}/admit`) with AdmissionReview fixtures (test/fixtures/kube/
 * admission), against a real server, for the ECI example (test/fixtures/kube/eci): an `acs` account, role
 * `ECIRamRoleTest` trusting the compute service, user `deployer` with the example's PassRole policy, user
 * `intruder` without. The README's cases: the annotated pod gets the credential environment (no metadata
 * endpoint: AWS_EC2_METADATA_DISABLED), and inside it the credentials URI and the container endpoint serve
 * `Code: Success` credentials with an `STS.` key; the intruder is
 * refused with `check permission for ram role failed: …`; an annotation added by an UPDATE changes nothing; a
 * role that does not exist is refused with its name. Plus the example's Deployment: its `spec.template` is
 * granted for its author, so the pod the ReplicaSet controller creates from it runs as the role; and a deleted
 * pod's credentials stop.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { applyConfig } from '../src/app/apply.ts';
import type { Caller } from '../src/app/index.ts';
import { ADMIN_CREDENTIALS_FILE, startServer, type RunningServer } from '../src/main/server.ts';
import { IAMClient } from '@aws-sdk/client-iam';
import { webhookFromKubeconfig, type WebhookTarget } from './support/apiserver.ts';
import { reviewedAs, type UserInfo } from './support/admission.ts';
import { gatehouseInProcess } from './support/gatehouse-cli.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'kube');
const ACCT = '123456789012';
const ROLE_ARN = `acs:ram::${ACCT}:role/ECIRamRoleTest`;
const S3_SERVICE = 'https://gatehouse-s3.gatehouse.svc:8472';

let dir = '';
let server: RunningServer;
let admit: WebhookTarget;
let accountAdmin: { AccessKeyId: string; SecretAccessKey: string };
/** The account's IAM API, as its admin (makes the users' keys for `reviewedAs`). */
let iam: IAMClient | undefined;
let account: { url: string; iam(): IAMClient };

type Json = Record<string, unknown>;
type Patch = { op: string; path: string; value?: unknown }[];

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

/** The user `user` of the account as kube-apiserver hands it to admission: the TokenReview of a token of its own. */
const as = (user: 'deployer' | 'intruder'): Promise<UserInfo> => reviewedAs(account, 'eci', admit.token, user);

/** A fixture; a request by deployer is by deployer as its own token's TokenReview made it (its sealed identity in `extra`). */
async function fixture(name: string, vars: Record<string, string> = {}): Promise<Json> {
  let text = await readFile(join(FIXTURES, 'admission', name), 'utf8');
  for (const [k, v] of Object.entries({ ACCOUNT: ACCT, ...vars })) text = text.replaceAll(`{{${k}}}`, v);
  const body = JSON.parse(text) as Json;
  const req = body['request'] as Json | undefined;
  if ((req?.['userInfo'] as { username?: string } | undefined)?.username === `acs:ram::${ACCT}:user/deployer`) (req as Json)['userInfo'] = await as('deployer');
  return body;
}

async function review(body: Json, token = admit.token): Promise<{ status: number; response: Json; patch: Patch; raw: Json }> {
  const r = await http('POST', admit.url.toString(), { body, headers: { authorization: `Bearer ${token}` } });
  const raw = JSON.parse(r.text) as Json;
  const response = (raw['response'] ?? {}) as Json;
  const patch = typeof response['patch'] === 'string' ? (JSON.parse(Buffer.from(response['patch'], 'base64').toString('utf8')) as Patch) : [];
  return { status: r.status, response, patch, raw };
}

/** RFC 6902 add/replace/remove, as the API server applies the webhook's patch. */
function applyPatch(doc: unknown, patch: Patch): Json {
  const out = structuredClone(doc) as Json;
  for (const op of patch) {
    const keys = op.path.split('/').slice(1).map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = keys.pop() as string;
    let parent: unknown = out;
    for (const k of keys) parent = Array.isArray(parent) ? parent[Number(k)] : (parent as Json)[k];
    if (Array.isArray(parent)) {
      if (op.op === 'add') parent.splice(last === '-' ? parent.length : Number(last), 0, op.value);
      else if (op.op === 'replace') parent[Number(last)] = op.value;
      else parent.splice(Number(last), 1);
    } else {
      const p = parent as Json;
      if (op.op === 'remove') delete p[last];
      else {
        if (op.op === 'add' && op.path.endsWith('/env') && Object.hasOwn(p, last)) throw new Error(`add of an existing array ${op.path}`);
        p[last] = op.value;
      }
    }
  }
  return out;
}

function envOf(pod: Json, container = 0): Record<string, string> {
  const c = ((pod['spec'] as Json)['containers'] as Json[])[container] as Json;
  return Object.fromEntries(((c['env'] ?? []) as { name: string; value: string }[]).map((e) => [e.name, e.value]));
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gatehouse-kube-admit-'));
  // As in deploy/kubernetes: pods are sent to the S3 gateway's Service, not to this instance's own gateway.
  server = await startServer({ dataDir: join(dir, 'data'), listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Address: S3_SERVICE, env: {}, log: () => {} });
  const app = server.app;
  const root = JSON.parse(await readFile(join(dir, 'data', ADMIN_CREDENTIALS_FILE), 'utf8')) as { AccessKeyId: string };
  const rootWho = await app.authenticate(root.AccessKeyId);
  assert.ok(rootWho.ok);
  const created = await applyConfig(app.deps, rootWho.value.caller, { documents: [{ apiVersion: 'gatehouse.dev/v1', kind: 'Account', metadata: { name: ACCT }, spec: { partition: 'acs' } }] });
  assert.ok(created.ok && created.value.credentials[0]);
  accountAdmin = created.value.credentials[0];
  const who = await app.authenticate(accountAdmin.AccessKeyId);
  assert.ok(who.ok);
  const admin: Caller = who.value.caller;
  const passRole = JSON.parse(await readFile(join(FIXTURES, 'eci', 'passrole-policy.json'), 'utf8')) as Json;
  const doc = (kind: string, name: string, spec: Json) => ({ apiVersion: 'gatehouse.dev/v1', kind, metadata: { name }, spec });
  const entry = (user: string) => doc('AccessEntry', user, { cluster: 'eci', principalArn: `acs:ram::${ACCT}:user/${user}`, kubernetesGroups: [`${user}s`] });
  const setup = await applyConfig(app.deps, admin, {
    documents: [
      doc('Role', 'ECIRamRoleTest', { trustPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['ecs.aliyuncs.com'] } }] } }),
      doc('Role', 'NotForPods', { trustPolicy: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { Service: ['pai.aliyuncs.com'] } }] } }),
      doc('User', 'deployer', { inlinePolicies: { passrole: passRole, passAny: { Version: '1', Statement: [{ Effect: 'Allow', Action: 'ram:PassRole', Resource: `acs:ram::${ACCT}:role/NotForPods` }] } } }),
      doc('User', 'intruder', {}),
      doc('Cluster', 'eci', {}),
      entry('deployer'),
      entry('intruder'),
    ],
  });
  assert.ok(setup.ok, JSON.stringify(!setup.ok && setup.errors));
  const out = join(dir, 'webhooks');
  // In this process (test/support/gatehouse-cli.ts): the files it writes to `--out` are the point, not the process.
  const r = await gatehouseInProcess(['kube', 'webhook-config', '--cluster', 'eci', '--out', out], { PATH: '/usr/bin:/bin', HOME: dir, AWS_ACCESS_KEY_ID: accountAdmin.AccessKeyId, AWS_SECRET_ACCESS_KEY: accountAdmin.SecretAccessKey, GATEHOUSE_ENDPOINT: server.url });
  assert.equal(r.code, 0, r.stderr);
  const authn = await webhookFromKubeconfig(join(out, 'authentication-webhook.kubeconfig'));
  admit = { ...authn, url: new URL(authn.url.toString().replace(/authenticate$/, 'admit')) };
  iam = new IAMClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: accountAdmin.AccessKeyId, secretAccessKey: accountAdmin.SecretAccessKey }, maxAttempts: 1 });
  account = { url: server.url, iam: () => iam as IAMClient };
  const mutating = parse(await readFile(join(out, 'mutating-webhook.yaml'), 'utf8')) as { webhooks: { clientConfig: { url: string }; rules: { resources: string[]; operations: string[] }[] }[] };
  assert.equal(mutating.webhooks[0]?.clientConfig.url, admit.url.toString());
  assert.ok(mutating.webhooks[0]?.rules.some((x) => x.resources.includes('deployments')));
});

after(async () => {
  iam?.destroy();
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('pods naming a role (the ECI example)', () => {
  let jobId = '';
  let pod: Json = {};

  test('deployer creates the annotated pod: admitted, with the credential environment', async () => {
    const body = await fixture('pod-create.json');
    const r = await review(body);
    assert.equal(r.status, 200);
    assert.equal(r.raw['apiVersion'], 'admission.k8s.io/v1');
    assert.equal(r.raw['kind'], 'AdmissionReview');
    assert.equal(r.response['uid'], '0b3c1f1e-6f7a-4c55-9d0e-000000000001');
    assert.equal(r.response['allowed'], true);
    assert.equal(r.response['patchType'], 'JSONPatch');
    pod = applyPatch(((body['request'] as Json)['object']), r.patch);
    jobId = ((pod['metadata'] as Json)['annotations'] as Record<string, string>)['gatehouse.dev/job'] ?? '';
    assert.match(jobId, /^[a-z0-9]+$/);
    const env = envOf(pod);
    for (const k of ['ALIBABA_CLOUD_CREDENTIALS_URI', 'ALIBABACLOUD_CREDENTIALS_URI', 'ALIBABA_CLOUD_ECS_METADATA_DISABLED', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN', 'AWS_EC2_METADATA_DISABLED', 'AWS_ENDPOINT_URL', 'AWS_REGION', 'GATEHOUSE_JOB_ID']) {
      assert.ok(env[k], `${k} is set`);
    }
    assert.equal(env['GATEHOUSE_JOB_ID'], jobId);
    // No metadata endpoint (review I, S1): it would listen on the server's loopback and answer without the capability.
    assert.equal(env['AWS_EC2_METADATA_SERVICE_ENDPOINT'], undefined);
    assert.equal(env['AWS_EC2_METADATA_DISABLED'], 'true');
    const record = JSON.parse((await server.app.deps.store.read((tx) => tx.kv.get(`job/${jobId}`))) ?? '{}') as { metadataEndpoint?: unknown };
    assert.equal(record.metadataEndpoint, undefined, 'no metadata port was opened for the pod');
    assert.ok(env['ALIBABA_CLOUD_CREDENTIALS_URI']?.startsWith(server.agentUrl));
    assert.equal(env['AWS_ENDPOINT_URL_S3'], S3_SERVICE, 'the pod reaches objects through --s3-address');
    // A variable the container sets itself is left alone; the rest are added to its list.
    const sidecar = envOf(pod, 1);
    assert.equal(sidecar['AWS_REGION'], 'cn-hangzhou');
    assert.equal(sidecar['GATEHOUSE_JOB_ID'], jobId);
    assert.deepEqual(r.response['auditAnnotations'], { role: ROLE_ARN, 'passed-by': `acs:ram::${ACCT}:user/deployer`, job: jobId });
  });

  test('inside the pod, the credentials URI and the container endpoint serve the role’s credentials', async () => {
    const env = envOf(pod);
    const uri = await http('GET', env['ALIBABA_CLOUD_CREDENTIALS_URI'] as string);
    assert.equal(uri.status, 200);
    const c = JSON.parse(uri.text) as Record<string, string>;
    assert.equal(c['Code'], 'Success');
    assert.match(c['AccessKeyId'] ?? '', /^STS\./);
    for (const k of ['AccessKeySecret', 'SecurityToken', 'Expiration', 'LastUpdated']) assert.ok(c[k], k);
    assert.match(c['Expiration'] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const container = await http('GET', env['AWS_CONTAINER_CREDENTIALS_FULL_URI'] as string, { headers: { authorization: env['AWS_CONTAINER_AUTHORIZATION_TOKEN'] as string } });
    assert.equal((JSON.parse(container.text) as Record<string, string>)['AccessKeyId'], c['AccessKeyId'], 'every endpoint serves the same session');
    // The session is the role's, for the pod's job.
    const who = await server.app.authenticate(c['AccessKeyId'] as string, c['SecurityToken']);
    assert.ok(who.ok);
    assert.equal(who.value.caller.principal.arn, `${ROLE_ARN}/node-${jobId}`);
  });

  test('intruder creates the same pod: refused, check permission for ram role failed', async () => {
    const body = await fixture('pod-create.json');
    (body['request'] as Json)['userInfo'] = await as('intruder');
    const r = await review(body);
    assert.equal(r.response['allowed'], false);
    const status = r.response['status'] as { code: number; message: string };
    assert.equal(status.code, 403);
    assert.match(status.message, /^check permission for ram role failed: acs:ram::123456789012:user\/intruder is not allowed to perform ram:PassRole on acs:ram::123456789012:role\/ECIRamRoleTest/);
    assert.equal(r.response['patch'], undefined);
  });

  // Once mapped back through the access entry whose username matched (review ch, 1): `kubectl --as=<deployer's ARN>`,
  // which needs only RBAC `impersonate`, then passed roles with deployer's IAM rights. Neither the username nor
  // `extra.arn` (`--as-user-extra arn=…`) names an IAM principal now; only the identity the TokenReview sealed does.
  test('a user known only by username, or by an unsealed extra.arn (impersonation), is no IAM principal: refused, saying to get a fresh token', async () => {
    const body = await fixture('pod-create.json');
    const req = body['request'] as Json;
    req['userInfo'] = { username: `acs:ram::${ACCT}:user/deployer`, groups: ['deployers', 'system:authenticated'] };
    const r = await review(body);
    assert.equal(r.response['allowed'], false);
    assert.match((r.response['status'] as { message: string }).message, /^check permission for ram role failed: Kubernetes user `acs:ram::123456789012:user\/deployer` maps to no IAM principal: it carries no IAM identity sealed by Gatehouse's TokenReview for cluster eci .*gatehouse kube token/);
    req['userInfo'] = { username: `acs:ram::${ACCT}:user/deployer`, groups: ['deployers', 'system:authenticated'], extra: { arn: [`acs:ram::${ACCT}:user/deployer`] } };
    const impersonated = await review(body);
    assert.equal(impersonated.response['allowed'], false);
    assert.match((impersonated.response['status'] as { message: string }).message, /^check permission for ram role failed: acs:ram::123456789012:user\/deployer carries no IAM identity sealed by Gatehouse's TokenReview for cluster eci/);
    req['userInfo'] = { username: 'someone-else', groups: ['system:authenticated'] };
    const unknown = await review(body);
    assert.match((unknown.response['status'] as { message: string }).message, /^check permission for ram role failed: Kubernetes user `someone-else` maps to no IAM principal/);
  });

  test('a pod created without the annotation, then updated to add it: the update changes nothing', async () => {
    const r = await review(await fixture('pod-update-annotation.json'));
    assert.equal(r.response['allowed'], true);
    assert.equal(r.response['patch'], undefined);
    assert.match(String((r.response['warnings'] as string[])[0]), /counts only when the pod is created/);
  });

  test('the annotation names a role that does not exist: refused with the role name', async () => {
    const body = await fixture('pod-create.json');
    (((body['request'] as Json)['object'] as Json)['metadata'] as { annotations: Record<string, string> }).annotations['k8s.aliyun.com/eci-ram-role-name'] = 'ECIRamRoleTset';
    const r = await review(body);
    assert.equal(r.response['allowed'], false);
    // Refused as a role deployer may not pass: PassRole is decided before whether the role exists (review ag), so a pod's
    // creator cannot list the account's role names; the platform gives both causes under this one message.
    assert.match((r.response['status'] as { message: string }).message, new RegExp(`^check permission for ram role failed: acs:ram::${ACCT}:user/deployer is not allowed to perform ram:PassRole on acs:ram::${ACCT}:role/ECIRamRoleTset \\(passed to ecs\\.aliyuncs\\.com\\): `));
  });

  test('a role that does not trust the compute service: refused, with the statement to add', async () => {
    const body = await fixture('pod-create.json');
    (((body['request'] as Json)['object'] as Json)['metadata'] as { annotations: Record<string, string> }).annotations = { 'gatehouse.dev/role': `acs:ram::${ACCT}:role/NotForPods` };
    const r = await review(body);
    assert.equal(r.response['allowed'], false);
    assert.match((r.response['status'] as { message: string }).message, /^Failed to assume role for user: .*ecs\.aliyuncs\.com/);
  });

  test('a dry run is answered without making a job', async () => {
    const body = await fixture('pod-create.json');
    (body['request'] as Json)['dryRun'] = true;
    const r = await review(body);
    assert.equal(r.response['allowed'], true);
    const patched = applyPatch(((body['request'] as Json)['object']), r.patch);
    assert.equal(envOf(patched)['GATEHOUSE_JOB_ID'], 'dry-run');
  });

  test('the pod is deleted: its job ends and its credentials stop', async () => {
    const env = envOf(pod);
    const r = await review(await fixture('pod-delete.json', { JOB: jobId }));
    assert.equal(r.response['allowed'], true);
    const after = await http('GET', env['ALIBABA_CLOUD_CREDENTIALS_URI'] as string);
    assert.equal(after.status, 410);
    const job = await server.app.deps.store.read((tx) => tx.kv.get(`job/${jobId}`));
    assert.equal((JSON.parse(job ?? '{}') as { state: string }).state, 'Stopped');
  });

  test('admissions and refusals are in the audit log, with the role, the passer and the job', async () => {
    await server.app.audit.flush();
    const who = await server.app.authenticate(accountAdmin.AccessKeyId);
    assert.ok(who.ok);
    const page = await server.app.audit.query(who.value.caller, { action: 'training:AdmitPod' });
    assert.ok(page.ok);
    const admitted = page.value.records.find((r) => r.decision === 'Allow' && r.job === jobId);
    assert.equal(admitted?.role, ROLE_ARN);
    assert.equal(admitted?.principal, `acs:ram::${ACCT}:user/deployer`);
    const refused = page.value.records.find((r) => r.decision === 'Deny' && /user\/intruder is not allowed/.test(String(r.detail['error'])));
    assert.ok(refused);
    // The refusal names the role the pod asked to run as, so audit query --role finds the attempt (review V, P4).
    assert.equal(refused.role?.toLowerCase(), ROLE_ARN.toLowerCase());
    const byRole = await server.app.audit.query(who.value.caller, { action: 'training:AdmitPod', role: refused.role ?? '' });
    assert.ok(byRole.ok && byRole.value.records.some((r) => r.decision === 'Deny'));
  });

  test('the webhook needs the cluster’s bearer token', async () => {
    const r = await http('POST', admit.url.toString(), { body: await fixture('pod-create.json'), headers: { authorization: 'Bearer nope' } });
    assert.equal(r.status, 401);
  });
});

describe('the ECI Deployment: spec.template', () => {
  let deployment: Json = {};

  before(async () => {
    deployment = parse(await readFile(join(FIXTURES, 'eci', 'deployment.yaml'), 'utf8')) as Json;
  });

  test('deployer creates the Deployment: its template gets a grant; intruder’s is refused', async () => {
    const body = await fixture('deployment-create.json', { DEPLOYMENT: JSON.stringify(deployment) });
    const r = await review(body);
    assert.equal(r.response['allowed'], true);
    assert.deepEqual(r.patch.map((p) => [p.op, p.path]), [['add', '/spec/template/metadata/annotations/gatehouse.dev~1role-grant']]);
    deployment = applyPatch(deployment, r.patch);
    const intruder = await fixture('deployment-create.json', { DEPLOYMENT: JSON.stringify(deployment) });
    (intruder['request'] as Json)['userInfo'] = await as('intruder');
    const refused = await review(intruder);
    assert.equal(refused.response['allowed'], false);
    assert.match((refused.response['status'] as { message: string }).message, /^check permission for ram role failed: .*user\/intruder/);
  });

  test('scaling the Deployment (template unchanged) needs no PassRole', async () => {
    const scaled = structuredClone(deployment);
    (scaled['spec'] as Json)['replicas'] = 3;
    const body = await fixture('deployment-create.json', { DEPLOYMENT: JSON.stringify(scaled) });
    const req = body['request'] as Json;
    req['operation'] = 'UPDATE';
    req['oldObject'] = deployment;
    req['userInfo'] = { username: `acs:ram::${ACCT}:user/intruder`, groups: ['system:authenticated'], extra: { arn: [`acs:ram::${ACCT}:user/intruder`] } };
    const r = await review(body);
    assert.equal(r.response['allowed'], true);
    assert.equal(r.response['patch'], undefined);
  });

  test('the pod the ReplicaSet controller creates from the template runs as the role, on the deployer’s authority', async () => {
    const grant = (((deployment['spec'] as Json)['template'] as Json)['metadata'] as { annotations: Record<string, string> }).annotations['gatehouse.dev/role-grant'] as string;
    const body = await fixture('pod-from-replicaset.json', { GRANT: grant });
    const r = await review(body);
    assert.equal(r.response['allowed'], true, JSON.stringify(r.response));
    assert.equal((r.response['auditAnnotations'] as Record<string, string>)['passed-by'], `acs:ram::${ACCT}:user/deployer`);
    const pod = applyPatch((body['request'] as Json)['object'], r.patch);
    assert.ok(envOf(pod)['ALIBABA_CLOUD_CREDENTIALS_URI']);
  });

  test('a grant copied onto a pod its creator makes directly counts for nothing', async () => {
    const grant = (((deployment['spec'] as Json)['template'] as Json)['metadata'] as { annotations: Record<string, string> }).annotations['gatehouse.dev/role-grant'] as string;
    const body = await fixture('pod-from-replicaset.json', { GRANT: grant });
    (body['request'] as Json)['userInfo'] = await as('intruder');
    const r = await review(body);
    assert.equal(r.response['allowed'], false);
    assert.match((r.response['status'] as { message: string }).message, /user\/intruder is not allowed to perform ram:PassRole/);
  });

  test('a forged or foreign grant counts for nothing, even from a controller', async () => {
    const body = await fixture('pod-from-replicaset.json', { GRANT: 'v1.eyJwIjoiYWNzOnJhbTo6MTIzNDU2Nzg5MDEyOnVzZXIvZGVwbG95ZXIiLCJyIjoiYWNzOnJhbTo6MTIzNDU2Nzg5MDEyOnJvbGUvRUNJUmFtUm9sZVRlc3QiLCJucyI6ImRlZmF1bHQifQ.AAAA' });
    const r = await review(body);
    assert.equal(r.response['allowed'], false);
    // Said to not verify (review qc, 1); it was "… maps to no IAM principal", as for a pod carrying no grant.
    assert.match((r.response['status'] as { message: string }).message, /Kubernetes user `system:serviceaccount:kube-system:replicaset-controller` is a controller cluster eci trusts, but its grant does not verify/);
  });
});

test('a review past its size limit is answered 413 with a Kubernetes Status, before it is read whole', async () => {
  // The admission limit is 4 MiB (a pod and its old object); a declared body past it is refused on its headers.
  const big = { padding: 'x'.repeat((4 << 20) + 1) };
  const r = await http('POST', admit.url.toString(), { body: big, headers: { authorization: `Bearer ${admit.token}` } });
  assert.equal(r.status, 413);
  const status = JSON.parse(r.text) as Json;
  assert.equal(status['kind'], 'Status');
  assert.equal(status['reason'], 'RequestEntityTooLarge');
  // The server goes on answering.
  const again = await review(await fixture('pod-from-replicaset.json', { GRANT: 'none' }));
  assert.equal(again.status, 200);
});
