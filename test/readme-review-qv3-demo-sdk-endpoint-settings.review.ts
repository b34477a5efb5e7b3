/**
 * Review `readme`, qv3: the demo keeps this machine's AWS settings away from its commands and ranks (their AWS_*
 * variables dropped, the ranks' HOME empty), but its own S3 and STS clients, made in the demo's process (the admin's
 * buckets and datasets, the ended job's credentials tried), took the machine's AWS_USE_FIPS_ENDPOINT /
 * AWS_USE_DUALSTACK_ENDPOINT and `use_fips_endpoint` / `use_dualstack_endpoint` of ~/.aws/config, as the AWS SDK
 * reads them, and the SDK refuses either with a custom endpoint: on a machine set up for GovCloud's FIPS endpoints
 * or for dual-stack, `gatehouse demo` failed at step 3 (`A custom endpoint cannot be combined with FIPS`, `Cannot
 * set dual-stack in combination with a custom endpoint.`), every later step not run. Those clients now say
 * neither, as the demo's endpoints on 127.0.0.1 are neither, whatever the machine sets.
 *
 * Before the fix 1 of 1 tests failed. The demo as a user runs it (`bin/gatehouse.js demo --json`), with
 * AWS_USE_FIPS_ENDPOINT=true and a HOME whose ~/.aws/config sets use_dualstack_endpoint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/gatehouse.js', import.meta.url));

test('qv3: the demo on a machine set for FIPS and dual-stack endpoints: every step has its outcome', { timeout: 120_000 }, async () => {
  const home = await mkdtemp(join(tmpdir(), 'qv3-home-'));
  try {
    await mkdir(join(home, '.aws'));
    await writeFile(join(home, '.aws', 'config'), '[default]\nregion = us-gov-west-1\nuse_dualstack_endpoint = true\n');
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!/^(AWS_|ALIBABA_CLOUD_|GATEHOUSE_|NODE_TEST_CONTEXT)/.test(k)) env[k] = v;
    Object.assign(env, { HOME: home, AWS_USE_FIPS_ENDPOINT: 'true' });
    const child = spawn(process.execPath, [BIN, 'demo', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => void (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => void (err += d));
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    const report = JSON.parse(out) as { ok: boolean; steps: { id: string; ok: boolean; summary: string; error?: string }[] };
    const failed = report.steps.filter((s) => !s.ok).map((s) => `${s.id}: ${s.summary}${s.error !== undefined ? ` (${s.error})` : ''}`);
    assert.deepEqual(failed, [], err);
    assert.equal(code, 0);
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
