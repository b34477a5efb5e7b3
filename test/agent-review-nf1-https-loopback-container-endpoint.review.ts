/**
 * An https container endpoint on a loopback host was said to be refused by botocore 1.29, which takes https to
 * 127.0.0.1, localhost and 169.254.170.2 (credential-protocols §3.1); only SDK v3's fromContainerMetadata fails on it,
 * asking it over plain http (§2.1). Review mu's note, mended in stop 56.
 * Before the fix 2 of 3 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerEndpointRefusal } from '../src/core/jobs/jobs.ts';

test('https://localhost: only fromContainerMetadata fails on it', () => {
  const why = containerEndpointRefusal('https://localhost:8471/v1/credentials');
  assert.equal(why, 'the AWS SDK v3 fromContainerMetadata fails on it (it asks over plain http)');
});

test('https://127.0.0.1: the same', () => {
  assert.doesNotMatch(containerEndpointRefusal('https://127.0.0.1:8471/x') ?? '', /botocore/);
});

test('https to another host: botocore 1.29 refuses it too', () => {
  assert.match(containerEndpointRefusal('https://agent.internal:8471') ?? '', /^botocore 1\.29 \(Debian 12\) and the AWS SDK v3 fromContainerMetadata refuse it$/);
});
