/**
 * The audit settings (review D #8, #3): GATEHOUSE_AUDIT_* take plain decimal numbers only (`0x1` is not 1),
 * `gatehouse server --help` lists every one of them, the server logs the settings in effect at start, and
 * GET /v1/audit/status shows the sampling rate, the retention and the rest of what is in effect.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUDIT_ENV, auditOptionsFromEnv } from '../src/app/audit.ts';
import { call } from '../src/adapters/cli/client.ts';
import { runCli } from '../src/adapters/cli/program.ts';
import { startServer } from '../src/main/server.ts';
import { startTestServer } from './support/server.ts';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('audit settings', () => {
  it('take plain decimal numbers: hex, exponents, signs, percentages and blanks are refused with a clear message', () => {
    const accepted: [string, string, number][] = [
      ['GATEHOUSE_AUDIT_ALLOW_SAMPLE', '0', 0],
      ['GATEHOUSE_AUDIT_ALLOW_SAMPLE', '0.25', 0.25],
      ['GATEHOUSE_AUDIT_ALLOW_SAMPLE', '.5', 0.5],
      ['GATEHOUSE_AUDIT_ALLOW_SAMPLE', '1', 1],
      ['GATEHOUSE_AUDIT_ALLOW_SAMPLE', '1.0', 1],
      ['GATEHOUSE_AUDIT_RETENTION_DAYS', '90', 90],
      ['GATEHOUSE_AUDIT_RETENTION_DAYS', '0.5', 0.5],
      ['GATEHOUSE_AUDIT_DRAIN_SECONDS', '0', 0],
      ['GATEHOUSE_AUDIT_DRAIN_SECONDS', '2.5', 2500],
    ];
    const field = { GATEHOUSE_AUDIT_ALLOW_SAMPLE: 'allowSample', GATEHOUSE_AUDIT_RETENTION_DAYS: 'retentionDays', GATEHOUSE_AUDIT_DRAIN_SECONDS: 'drainMs' } as const;
    for (const [name, value, want] of accepted) {
      const r = auditOptionsFromEnv({ [name]: value });
      assert.ok(r.ok, `${name}=${value}`);
      assert.equal(r.value[field[name as keyof typeof field]], want, `${name}=${value}`);
    }
    const refused: [string, string][] = [
      ['GATEHOUSE_AUDIT_ALLOW_SAMPLE', '0x1'],
      ['GATEHOUSE_AUDIT_ALLOW_SAMPLE', '0x0'],
      ['GATEHOUSE_AUDIT_ALLOW_SAMPLE', '0b1'],
      ['GATEHOUSE_AUDIT_ALLOW_SAMPLE', '1e-1'],
      ['GATEHOUSE_AUDIT_ALLOW_SAMPLE', '+0.5'],
      ['GATEHOUSE_AUDIT_ALLOW_SAMPLE', ' 0.5'],
      ['GATEHOUSE_AUDIT_ALLOW_SAMPLE', '50%'],
      ['GATEHOUSE_AUDIT_ALLOW_SAMPLE', '1.5'],
      ['GATEHOUSE_AUDIT_ALLOW_SAMPLE', 'Infinity'],
      ['GATEHOUSE_AUDIT_RETENTION_DAYS', '0x10'],
      ['GATEHOUSE_AUDIT_RETENTION_DAYS', '0'],
      ['GATEHOUSE_AUDIT_RETENTION_DAYS', '1e3'],
      ['GATEHOUSE_AUDIT_DRAIN_SECONDS', '-1'],
      ['GATEHOUSE_AUDIT_DRAIN_SECONDS', '0x5'],
      ['GATEHOUSE_AUDIT_DRAIN_SECONDS', '3601'],
    ];
    for (const [name, value] of refused) {
      const r = auditOptionsFromEnv({ [name]: value });
      assert.equal(r.ok, false, `${name}=${value} was accepted`);
      assert.match(r.ok ? '' : (r.errors[0]?.message ?? ''), new RegExp(`^${name} must be a .*decimal number.*, got \`${value.replace(/[+.]/g, '\\$&')}\`$`));
    }
  });

  it('GATEHOUSE_AUDIT_JOURNAL is on or off, nothing else', () => {
    const on = auditOptionsFromEnv({ GATEHOUSE_AUDIT_JOURNAL: 'on' });
    assert.ok(on.ok && on.value.journal === true);
    const off = auditOptionsFromEnv({ GATEHOUSE_AUDIT_JOURNAL: 'off' });
    assert.ok(off.ok && off.value.journal === false);
    for (const v of ['0', 'false', 'OFF', 'yes']) {
      const r = auditOptionsFromEnv({ GATEHOUSE_AUDIT_JOURNAL: v });
      assert.equal(r.ok, false, v);
      assert.match(r.ok ? '' : (r.errors[0]?.message ?? ''), new RegExp(`^GATEHOUSE_AUDIT_JOURNAL must be \`on\` or \`off\`, got \`${v}\`$`));
    }
  });

  it('a server refuses to start with GATEHOUSE_AUDIT_ALLOW_SAMPLE=0x1, saying why', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'gh-audit-settings-'));
    dirs.push(dataDir);
    const started = startServer({ dataDir, listen: '127.0.0.1:0', agentListen: '127.0.0.1:0', s3Listen: 'off', env: { GATEHOUSE_AUDIT_ALLOW_SAMPLE: '0x1' }, log: () => {} });
    // A server that did start is stopped before the test fails, so the run does not hang on it.
    await assert.rejects(
      started.then(async (s) => {
        await s.stop();
        return s;
      }),
      /GATEHOUSE_AUDIT_ALLOW_SAMPLE must be a decimal number from 0 to 1 .*got `0x1`/,
    );
  });

  it('gatehouse server --help lists every audit setting', async () => {
    let out = '';
    await runCli(['server', '--help'], {
      out: (t) => void (out += t),
      err: (t) => void (out += t),
      readFile: async () => {
        throw new Error('no file');
      },
      now: () => Date.now(),
      version: 'test',
      env: {},
    }).catch(() => undefined);
    const names = Object.keys(AUDIT_ENV);
    assert.deepEqual(names.sort(), ['GATEHOUSE_AUDIT_ALLOW_SAMPLE', 'GATEHOUSE_AUDIT_DRAIN_SECONDS', 'GATEHOUSE_AUDIT_FAILURE', 'GATEHOUSE_AUDIT_JOURNAL', 'GATEHOUSE_AUDIT_RETENTION_DAYS']);
    for (const name of names) assert.ok(out.includes(name), `${name} is not in the help:\n${out}`);
    assert.match(out, /DIR\/audit-spool/);
  });

  it('the server logs the audit settings in effect at start, and /v1/audit/status shows them', async () => {
    const s = await startTestServer({ audit: { failure: 'open', allowSample: 0.25, retentionDays: 30, drainMs: 4000 } });
    try {
      const line = s.logs.find((l) => l.startsWith('audit: failure policy'));
      assert.equal(
        line,
        `audit: failure policy open (GATEHOUSE_AUDIT_FAILURE); allowed decisions are recorded at random, at 0.25 (denials always) (GATEHOUSE_AUDIT_ALLOW_SAMPLE); records are kept 30 day(s) (GATEHOUSE_AUDIT_RETENTION_DAYS); on stop, unwritten records are retried for 4 s (GATEHOUSE_AUDIT_DRAIN_SECONDS), then spooled to ${join(s.dataDir, 'audit-spool')}; sessions, changes and jobs are journaled to ${join(s.dataDir, 'audit-spool')} as they happen (GATEHOUSE_AUDIT_JOURNAL)`,
      );
      const r = await call<Record<string, unknown>>({ endpoint: new URL(s.url), credentials: s.admin, region: 'us-east-1', credentialsSource: 'test' }, 'GET', ['audit', 'status']);
      assert.ok(r.ok);
      assert.equal(r.value['policy'], 'open');
      assert.equal(r.value['allowSample'], 0.25);
      assert.equal(r.value['retentionDays'], 30);
      assert.equal(r.value['drainSeconds'], 4);
      assert.equal(r.value['oldestUnwrittenSeconds'], 0);
      assert.equal(typeof r.value['sampledOut'], 'number');
      assert.equal(r.value['gateRefusals'], 0);
      assert.equal(r.value['journal'], join(s.dataDir, 'audit-spool'));
    } finally {
      await s.stop();
    }
    const d = await startTestServer();
    try {
      const r = await call<Record<string, unknown>>({ endpoint: new URL(d.url), credentials: d.admin, region: 'us-east-1', credentialsSource: 'test' }, 'GET', ['audit', 'status']);
      assert.ok(r.ok);
      assert.deepEqual([r.value['policy'], r.value['allowSample'], r.value['retentionDays'], r.value['drainSeconds']], ['closed', 1, null, 10]);
    } finally {
      await d.stop();
    }
  });
});
