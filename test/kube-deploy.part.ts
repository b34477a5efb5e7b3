/**
 * deploy/kubernetes: the manifests parse, the server StatefulSet (a claim per replica for the audit spool) takes its database and master key from the
 * Secret and serves HTTPS, and the MutatingWebhookConfiguration shown there is the one `gatehouse kube
 * webhook-config` writes (same webhooks, rules, policies and selectors); the node agent's DaemonSet takes options the
 * command accepts and relays the server's Service.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { apiserverFlags, webhookFiles } from '../src/adapters/cli/commands/kube.ts';
import { runCli } from '../src/adapters/cli/index.ts';
import type { AgentCommandOptions } from '../src/adapters/cli/context.ts';

const DEPLOY = join(import.meta.dirname, '..', 'deploy', 'kubernetes');
type Json = Record<string, unknown>;

test('every manifest is valid YAML with apiVersion and kind', async () => {
  for (const dir of [DEPLOY, join(DEPLOY, 'apiserver')]) {
    for (const f of (await readdir(dir)).filter((x) => /\.(ya?ml|kubeconfig)$/.test(x))) {
      for (const d of parseAllDocuments(await readFile(join(dir, f), 'utf8'))) {
        assert.deepEqual(d.errors, [], f);
        const v = d.toJS() as Json;
        if (f === 'kube-apiserver-flags.yaml') continue;
        assert.ok(typeof v['apiVersion'] === 'string' && typeof v['kind'] === 'string', `${f} has apiVersion and kind`);
      }
    }
  }
});

test('the server runs on HTTPS with PostgreSQL and the master key from the Secret', async () => {
  const d = parse(await readFile(join(DEPLOY, 'deployment.yaml'), 'utf8')) as { spec: { template: { spec: { containers: { args: string[]; env: { name: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[] }[] } } } };
  const c = d.spec.template.spec.containers[0];
  assert.ok(c);
  assert.ok(c.args.includes('server'));
  assert.ok(c.args.some((a) => a.startsWith('--tls-cert=')) && c.args.some((a) => a.startsWith('--tls-key=')));
  const env = new Map(c.env.map((e) => [e.name, e.valueFrom?.secretKeyRef]));
  assert.deepEqual(env.get('GATEHOUSE_DATABASE_URL'), { name: 'gatehouse', key: 'database-url' });
  assert.deepEqual(env.get('GATEHOUSE_MASTER_KEY'), { name: 'gatehouse', key: 'master-key' });
});

test('each server replica keeps its data dir (the audit spool) on its own claim, and no replica is special', async () => {
  type Set = { kind: string; spec: { serviceName: string; podManagementPolicy?: string; template: { spec: { containers: { args: string[]; volumeMounts: { name: string; mountPath: string }[] }[]; volumes?: { name: string; emptyDir?: unknown }[] } }; volumeClaimTemplates?: { metadata: { name: string } }[] } };
  const d = parse(await readFile(join(DEPLOY, 'deployment.yaml'), 'utf8')) as Set;
  assert.equal(d.kind, 'StatefulSet', 'a replaced pod must come back to the spool it wrote at SIGTERM');
  assert.equal(d.spec.podManagementPolicy, 'Parallel');
  const c = d.spec.template.spec.containers[0];
  assert.ok(c);
  const dataDir = c.args.find((a) => a.startsWith('--data-dir='))?.slice('--data-dir='.length);
  assert.ok(dataDir !== undefined && c.volumeMounts.some((m) => m.name === 'data' && m.mountPath === dataDir), 'the data dir is mounted from `data`');
  assert.ok(d.spec.volumeClaimTemplates?.some((v) => v.metadata.name === 'data'), '`data` is a claim per replica');
  assert.ok(!(d.spec.template.spec.volumes ?? []).some((v) => v.name === 'data'), 'not also a pod volume (an emptyDir goes with the pod)');
  const services = parseAllDocuments(await readFile(join(DEPLOY, 'service.yaml'), 'utf8')).map((x) => x.toJS() as { metadata: { name: string } });
  assert.ok(services.some((x) => x.metadata.name === d.spec.serviceName), `serviceName ${d.spec.serviceName} is a Service of service.yaml`);
});

test('the MutatingWebhookConfiguration shown is the one webhook-config writes', async () => {
  const shown = parse(await readFile(join(DEPLOY, 'mutating-webhook.yaml'), 'utf8')) as { webhooks: Json[] };
  const files = webhookFiles({ base: new URL('https://gatehouse.gatehouse.svc'), cluster: 'CLUSTER', token: 't', caBundle: 'BASE64-OF-THE-CA-CERTIFICATE', dir: '/etc/kubernetes/gatehouse' });
  const written = parse(files['mutating-webhook.yaml'] as string) as { metadata: { name: string }; webhooks: Json[] };
  assert.equal(written.metadata.name, 'gatehouse-cluster');
  assert.deepEqual(shown.webhooks, written.webhooks);
  const admission = parse(files['admission-configuration.yaml'] as string) as Json;
  assert.deepEqual(admission, parse(await readFile(join(DEPLOY, 'apiserver', 'admission-configuration.yaml'), 'utf8')));
  assert.deepEqual(parse(files['admission-kubeconfig.yaml'] as string), { apiVersion: 'v1', kind: 'Config', users: [{ name: 'gatehouse.gatehouse.svc', user: { token: 't' } }] });
});

test('kube-apiserver asks the webhook before its RBAC, in the flags shown and in what webhook-config prints (review I, C1)', async () => {
  const generated = apiserverFlags('/etc/kubernetes/gatehouse');
  assert.ok(generated.includes('--authorization-mode=Node,Webhook,RBAC'), generated.join(' '));
  const pod = parse(await readFile(join(DEPLOY, 'apiserver', 'kube-apiserver-flags.yaml'), 'utf8')) as { spec: { containers: { command: string[] }[] } };
  const command = pod.spec.containers[0]?.command ?? [];
  for (const flag of generated) assert.ok(command.includes(flag), `kube-apiserver-flags.yaml has ${flag}`);
  const mode = command.find((f) => f.startsWith('--authorization-mode='))?.slice('--authorization-mode='.length).split(',') ?? [];
  assert.ok(mode.indexOf('Webhook') >= 0 && mode.indexOf('Webhook') < mode.indexOf('RBAC'), `Webhook before RBAC: ${mode.join(',')}`);
  for (const f of ['README.md', join('apiserver', 'authorization-webhook.kubeconfig')]) {
    const text = await readFile(join(DEPLOY, f), 'utf8');
    assert.ok(text.includes('--authorization-mode=Node,Webhook,RBAC'), `${f} recommends Node,Webhook,RBAC`);
    assert.ok(!/authorization-mode=Node,RBAC,Webhook/.test(text), `${f} no longer recommends Node,RBAC,Webhook`);
  }
});

test('the S3 gateway runs apart, on a volume; the API replicas send jobs and pods to its Service', async () => {
  type Container = { args: string[]; ports: { name: string; containerPort: number }[]; volumeMounts: { name: string; mountPath: string }[]; env: { name: string; valueFrom?: { secretKeyRef: { name: string; key: string } } }[] };
  type Workload = { kind: string; spec: { replicas: number; selector: { matchLabels: Json }; template: { metadata: { labels: Json }; spec: { containers: Container[] } }; volumeClaimTemplates?: { metadata: { name: string } }[] } };
  type Service = { kind: string; metadata: { name: string }; spec: { selector: Json; ports: { name: string; port: number; targetPort: string }[] } };
  const [sts, svc] = parseAllDocuments(await readFile(join(DEPLOY, 's3-gateway.yaml'), 'utf8')).map((d) => d.toJS()) as [Workload, Service];
  const api = parse(await readFile(join(DEPLOY, 'deployment.yaml'), 'utf8')) as Workload;
  const services = parseAllDocuments(await readFile(join(DEPLOY, 'service.yaml'), 'utf8')).map((d) => d.toJS() as Service);
  const arg = (c: Container, flag: string) => c.args.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);

  // The gateway: one replica, its data dir on the claim, the gateway port exposed by gatehouse-s3.
  assert.equal(sts.kind, 'StatefulSet');
  assert.equal(sts.spec.replicas, 1);
  const gw = sts.spec.template.spec.containers[0];
  assert.ok(gw);
  const dataDir = arg(gw, '--data-dir');
  assert.ok(sts.spec.volumeClaimTemplates?.some((v) => v.metadata.name === 'data'));
  assert.ok(gw.volumeMounts.some((m) => m.name === 'data' && m.mountPath === dataDir), 'the data dir is on the claim');
  const s3Port = gw.ports.find((p) => p.name === 's3')?.containerPort;
  assert.equal(arg(gw, '--s3-listen'), `0.0.0.0:${s3Port}`);
  assert.deepEqual(new Map(gw.env.map((e) => [e.name, e.valueFrom?.secretKeyRef])).get('GATEHOUSE_MASTER_KEY'), { name: 'gatehouse', key: 'master-key' }, 'the same master key as the API replicas');
  assert.equal(svc.metadata.name, 'gatehouse-s3');
  assert.deepEqual(svc.spec.selector, sts.spec.template.metadata.labels);
  assert.deepEqual(svc.spec.ports, [{ name: 's3', port: Number(s3Port), targetPort: 's3' }]);

  // The API replicas: no gateway of their own; jobs get the gateway's Service, over HTTPS with the shared certificate.
  const c = api.spec.template.spec.containers[0];
  assert.ok(c);
  assert.equal(arg(c, '--s3-listen'), 'off');
  assert.equal(arg(c, '--s3-address'), `https://${svc.metadata.name}.gatehouse.svc:${s3Port}`);
  assert.equal(arg(gw, '--s3-address'), arg(c, '--s3-address'));

  // Selectors do not overlap: the API Services never route to the gateway pod, nor the gateway's to an API pod.
  const selects = (selector: Json, labels: Json) => Object.entries(selector).every(([k, v]) => labels[k] === v);
  for (const s of services) {
    assert.ok(selects(s.spec.selector, api.spec.template.metadata.labels), `${s.metadata.name} selects the API pods`);
    assert.ok(!selects(s.spec.selector, sts.spec.template.metadata.labels), `${s.metadata.name} must not select the gateway pod`);
  }
  assert.ok(!selects(svc.spec.selector, api.spec.template.metadata.labels));
  assert.deepEqual(api.spec.selector.matchLabels, api.spec.template.metadata.labels);
  assert.deepEqual(sts.spec.selector.matchLabels, sts.spec.template.metadata.labels);
});

test('the node agent runs on every node at the link-local address, relaying the server’s credential Service, with options the command takes', async () => {
  type Probe = { httpGet: { host: string; path: string; port: number } };
  type DaemonSet = {
    kind: string;
    spec: {
      selector: { matchLabels: Json };
      template: {
        metadata: { labels: Json };
        spec: { hostNetwork: boolean; dnsPolicy: string; initContainers: { command: string[] }[]; containers: { args: string[]; readinessProbe: Probe; livenessProbe: Probe }[] };
      };
    };
  };
  type Service = { metadata: { name: string; namespace: string }; spec: { selector: Json; ports: { port: number }[] } };
  const ds = parse(await readFile(join(DEPLOY, 'node-agent.yaml'), 'utf8')) as DaemonSet;
  assert.equal(ds.kind, 'DaemonSet');
  assert.deepEqual(ds.spec.selector.matchLabels, ds.spec.template.metadata.labels);
  const pod = ds.spec.template.spec;
  assert.equal(pod.hostNetwork, true);
  assert.equal(pod.dnsPolicy, 'ClusterFirstWithHostNet', 'resolves the Service from the host network');
  const c = pod.containers[0];
  assert.ok(c);
  // The real command line parser takes the manifest's arguments as they are.
  let taken: AgentCommandOptions | undefined;
  const stderr: string[] = [];
  const status = await runCli(c.args, {
    out: () => {},
    err: (s) => void stderr.push(s),
    readFile: async () => '',
    now: () => 0,
    version: 'test',
    env: {},
    runAgent: async (o) => {
      taken = o;
      return 0;
    },
  });
  assert.equal(status, 0, stderr.join(''));
  assert.ok(taken);
  // Where it listens: the address the init container gives the node, which the SDKs accept for plain HTTP.
  const [host, port] = taken.listen.split(':');
  assert.equal(host, '169.254.170.2');
  assert.ok(pod.initContainers.some((i) => i.command.join(' ').includes(`${host}/32`)));
  for (const p of [c.readinessProbe, c.livenessProbe]) assert.deepEqual([p.httpGet.host, p.httpGet.port, p.httpGet.path], [host, Number(port), '/healthz']);
  // What it relays: the server's credential endpoints, through the Service that selects the server's pods.
  const upstream = new URL(taken.upstream);
  const services = parseAllDocuments(await readFile(join(DEPLOY, 'service.yaml'), 'utf8')).map((d) => d.toJS() as Service);
  const svc = services.find((s) => upstream.hostname === `${s.metadata.name}.${s.metadata.namespace}.svc`);
  assert.ok(svc, `${upstream.hostname} is a Service of service.yaml`);
  assert.ok(svc.spec.ports.some((p) => p.port === Number(upstream.port)));
  const api = parse(await readFile(join(DEPLOY, 'deployment.yaml'), 'utf8')) as { spec: { template: { metadata: { labels: Json } } } };
  assert.deepEqual(svc.spec.selector, api.spec.template.metadata.labels);
  // The agent's pods are not the server's: no Service of the server routes to them.
  for (const s of services) assert.ok(Object.entries(s.spec.selector).some(([k, v]) => ds.spec.template.metadata.labels[k] !== v), `${s.metadata.name} must not select the node agents`);
});
