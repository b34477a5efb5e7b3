/**
 * Review `rq` (the README tour and the docs against what happens), 4: the Kubernetes manifests set up the node agent
 * where the server itself warns that pods may get no AWS credentials.
 *
 * deploy/kubernetes/node-agent.yaml ran `gatehouse agent --listen=169.254.170.2:8471`, and its comment and
 * deploy/kubernetes/README.md told the operator, once it runs on every node, to start the server with
 * `--agent-address=http://169.254.170.2:8471`. With that address the server warns at start: "is not a container
 * credentials endpoint every AWS SDK accepts (the AWS SDK v3 fromContainerMetadata takes … 169.254.170.2 only on port
 * 80, as AWS_CONTAINER_CREDENTIALS_RELATIVE_URI): pods may get no AWS credentials from it; give the node agent
 * http://169.254.170.2 on port 80" (review hk, 1), and README.md §4 says the same ("give the agent that link-local
 * address on each node, port 80"): pods were given a full URI on 169.254.170.2:8471, which SDK v3's
 * fromContainerMetadata refuses, and no relative URI, which the AWS SDK for Java 1.x reads. The agent now listens on
 * 169.254.170.2:80 and the docs name `--agent-address=http://169.254.170.2`; port 80 needs NET_BIND_SERVICE, which
 * Kubernetes makes effective only for root (no ambient capabilities), so the agent runs as root with every other
 * capability dropped, as README §4 advises for a node shared by several users (a port under 1024, which no other user
 * can take while the agent restarts).
 * Contract: README.md §4 (port 80 for pods); the server's start warning (src/core/jobs podContainerAddressRefusal).
 * Before the fix 3 of 3 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { podContainerAddressRefusal } from '../src/core/jobs/jobs.ts';

const DEPLOY = join(import.meta.dirname, '..', 'deploy', 'kubernetes');

type Container = { args: string[]; securityContext?: { runAsUser?: number; runAsNonRoot?: boolean; capabilities?: { add?: string[]; drop?: string[] } } };
const agentContainer = async (): Promise<Container> => {
  const ds = parse(await readFile(join(DEPLOY, 'node-agent.yaml'), 'utf8')) as { spec: { template: { spec: { containers: Container[] } } } };
  const c = ds.spec.template.spec.containers[0];
  assert.ok(c);
  return c;
};

test('rq4: the node agent listens where the server gives pods credentials without its warning', async () => {
  const listen = (await agentContainer()).args.find((a) => a.startsWith('--listen='))?.slice('--listen='.length);
  assert.ok(listen !== undefined);
  const [host, port] = listen.split(':');
  const url = `http://${host}${port === '80' ? '' : `:${port}`}`;
  assert.equal(podContainerAddressRefusal(url), undefined, `--agent-address ${url}: the server warns of it`);
});

test('rq4: every --agent-address the Kubernetes docs name for the node agent is one the server takes without warning', async () => {
  const named: string[] = [];
  for (const file of ['README.md', 'node-agent.yaml', 'deployment.yaml']) {
    const text = await readFile(join(DEPLOY, file), 'utf8');
    for (const [, url] of text.matchAll(/--agent-address[= ]`?(http:\/\/169\.254\.170\.2[^\s`)"',]*)/g)) named.push(`${file}: ${url}`);
  }
  assert.ok(named.length > 0, 'the docs say which --agent-address to give once the agents run');
  const refused = named.filter((n) => podContainerAddressRefusal(n.slice(n.indexOf(' ') + 1)) !== undefined);
  assert.deepEqual(refused, []);
});

test('rq4: the agent may bind its privileged port: root with NET_BIND_SERVICE alone', async () => {
  const c = await agentContainer();
  const port = Number(c.args.find((a) => a.startsWith('--listen='))?.split(':')[1]);
  assert.ok(port < 1024, 'a port under 1024 (README §4: none other than root can take it while the agent restarts)');
  const sc = c.securityContext ?? {};
  assert.equal(sc.runAsUser, 0, 'Kubernetes gives an added capability to root only');
  assert.deepEqual(sc.capabilities?.add, ['NET_BIND_SERVICE']);
  assert.deepEqual(sc.capabilities?.drop, ['ALL']);
});
