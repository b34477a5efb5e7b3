/**
 * Review hv, 2 (found by review hr). The admission webhook gives each container of a job's pod the job's container
 * credentials endpoint and its capability (`AWS_CONTAINER_AUTHORIZATION_TOKEN`, the bearer token the endpoint takes).
 * A container that names its own endpoint (`AWS_CONTAINER_CREDENTIALS_FULL_URI` or `…_RELATIVE_URI`: a sidecar of
 * its own, another credentials broker) kept its URI (review hk, 1), but was still given the token: every AWS SDK sends
 * the token in the `Authorization` header to the container URI, so the job's capability went to that other endpoint
 * with its first credentials request, and whoever runs it could read the job's sessions from Gatehouse.
 *
 * Now a container that names either URI itself is given neither the token nor a token file. The patch is the webhook's
 * own (`envPatch`, what the admission answer carries). Before the fix 2 of 3 tests failed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { envPatch } from '../src/core/kube/admission.ts';

const JOB_ENV = { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v1/container-credentials', AWS_CONTAINER_AUTHORIZATION_TOKEN: 'capability-of-the-job', GATEHOUSE_JOB_ID: 'j' };
type Op = { op: string; path: string; value?: unknown };
const added = (ops: readonly Op[], container: number): string[] =>
  ops.filter((o) => o.path.startsWith(`/spec/containers/${container}/env`)).flatMap((o) => (Array.isArray(o.value) ? o.value : [o.value]) as { name: string }[]).map((e) => e.name);

test('a container naming its own full URI is not given the job capability', () => {
  const ops = envPatch({ containers: [{ name: 'own', env: [{ name: 'AWS_CONTAINER_CREDENTIALS_FULL_URI', value: 'http://127.0.0.1:9911/creds' }] }] }, '/spec', JOB_ENV) as Op[];
  assert.deepEqual(added(ops, 0), ['GATEHOUSE_JOB_ID']);
});

test('a container naming its own relative URI is not given the job capability', () => {
  const ops = envPatch({ containers: [{ name: 'own', env: [{ name: 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', value: '/broker/creds' }] }] }, '/spec', JOB_ENV) as Op[];
  assert.deepEqual(added(ops, 0), ['GATEHOUSE_JOB_ID']);
});

test('a container naming neither gets the endpoint and its capability, as before', () => {
  const ops = envPatch({ containers: [{ name: 'plain' }] }, '/spec', JOB_ENV) as Op[];
  assert.deepEqual(added(ops, 0), ['AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN', 'GATEHOUSE_JOB_ID']);
});
