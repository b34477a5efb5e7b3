/**
 * Review ik, finding 4: `jobs run --agent` echoed a refused URL with its password.
 *
 * What was wrong: URLs the server and the agent refuse are echoed without their user and password (review agent, U5;
 * src/core/shown-url.ts), but `jobs run` and `clusters run-node` refused `--agent http://u:PASSWORD@host:8471`
 * (or GATEHOUSE_AGENT_URL so, or the same without `http://`) with "must be the base URL of a node agent
 * (http://HOST:PORT), got `http://u:PASSWORD@host:8471`": the password on the terminal and in the CI log.
 *
 * What is now so: the refusal shows the URL as every other refusal does (the password `…`, or nothing before the last
 * `@` of a URL without `scheme://`), with the same exit status, 2.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gatehouseCliInProcess } from './support/gatehouse-cli.ts';
import { startTestServer, type TestServer } from './support/server.ts';

describe('cli review ik4: a refused --agent URL is echoed without its password', () => {
  let s: TestServer;
  before(async () => {
    s = await startTestServer();
  });
  after(() => s?.stop());

  const cases: readonly (readonly [string[], Record<string, string>, RegExp])[] = [
    [['jobs', 'run', '--workspace', 'w', '--role', 'none', '--agent', 'http://u:AgentPW@127.0.0.1:9', '--', 'true'], {}, /--agent must be the base URL of a node agent \(http:\/\/HOST:PORT\), got `http:\/\/u:…@127\.0\.0\.1:9`/],
    [['jobs', 'run', '--workspace', 'w', '--role', 'none', '--', 'true'], { GATEHOUSE_AGENT_URL: 'u:AgentPW@127.0.0.1:9' }, /GATEHOUSE_AGENT_URL must be the base URL of a node agent \(http:\/\/HOST:PORT\), got `…@127\.0\.0\.1:9`/],
    [['clusters', 'run-node', '--cluster', 'c', '--agent', 'http://u:Agent PW@127.0.0.1:9/x', '--', 'true'], {}, /--agent must be the base URL of a node agent/],
  ];
  for (const [args, env, expected] of cases) {
    it(args.slice(0, 2).join(' ') + (Object.keys(env).length ? ' (GATEHOUSE_AGENT_URL)' : ''), async () => {
      const r = await gatehouseCliInProcess(args, s.admin, { endpoint: s.url, home: s.dataDir, extraEnv: env });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, expected);
      assert.doesNotMatch(r.stderr, /AgentPW|Agent PW/);
    });
  }
});
