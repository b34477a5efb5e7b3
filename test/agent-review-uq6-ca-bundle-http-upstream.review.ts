/**
 * Review uq, 6: `gatehouse agent --ca-bundle FILE` with a plain-HTTP `--upstream` is not used (review tv, 1: as the
 * CLI ignores it for an http endpoint), and nothing said so: its operator, who named a CA for the upstream, took the
 * link for one TLS protects while every job's credentials crossed it in clear. The start now says it in a warning
 * line, naming the option, the file and the upstream, and what to give instead; PEM text given for the path is not
 * shown. AWS_CA_BUNDLE, which a host sets for every tool, is still passed over unsaid, and an https upstream uses the
 * bundle as before.
 *
 * Before the fix 1 of 2 tests failed.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startAgent } from '../src/main/agent.ts';

/** What the agent's start logs with `caBundle` and `--upstream` `upstream` (nothing listens there: it is not waited for). */
async function startLogs(upstream: string, caBundle: { file: string; from: string }): Promise<string[]> {
  const logs: string[] = [];
  const agent = await startAgent({ upstream, listen: '127.0.0.1:0', revalidateSeconds: 30, metadataHost: '127.0.0.1', caBundle, log: (l) => void logs.push(l) });
  await agent.stop();
  return logs;
}

describe('review uq6: --ca-bundle with an http upstream is said, not silently ignored', () => {
  it('--ca-bundle with an http upstream: a warning naming the option, the file and the upstream', async () => {
    const logs = await startLogs('http://127.0.0.1:9/', { file: '/etc/ssl/private-ca.pem', from: '--ca-bundle' });
    const said = logs.find((l) => l.includes('--ca-bundle'));
    assert.ok(said !== undefined, logs.join('\n'));
    assert.match(said, /^gatehouse agent: warning: --ca-bundle `\/etc\/ssl\/private-ca\.pem` is not used: --upstream http:\/\/127\.0\.0\.1:9\/? is plain HTTP, so no certificate is checked and the jobs' credentials travel unencrypted/);
    const pem = await startLogs('http://127.0.0.1:9/', { file: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----', from: '--ca-bundle' });
    const text = pem.find((l) => l.includes('--ca-bundle')) ?? '';
    assert.match(text, /--ca-bundle \(PEM text, not shown\) is not used/);
    assert.doesNotMatch(text, /MIIB/);
  });

  it('AWS_CA_BUNDLE with an http upstream is passed over unsaid', async () => {
    const logs = await startLogs('http://127.0.0.1:9/', { file: '/etc/ssl/host-bundle.pem', from: 'AWS_CA_BUNDLE' });
    assert.equal(logs.find((l) => /CA_BUNDLE|ca-bundle/.test(l)), undefined, logs.join('\n'));
  });
});
