/**
 * A server with user `dora` for the suite `doraConditions` is called in, and what the reviews of binding conditions
 * written at `/v1/iam-policies` ask (gx 6, gx 7): a policy on bucket `data` granting dora
 * `roles/storage.objectViewer` under a condition, the refusal's details, and dora's decision on an object of `data`.
 */
import * as I from '@aws-sdk/client-iam';
import { authorizeDecision } from './authorize-api.ts';
import { gatehouseJson } from './resource-server.ts';
import { startTestServer, type TestServer } from './server.ts';
import { suiteWorld } from './suite-world.ts';

export const ROOT = '000000000000';

/** A refusal's detail as the admin API answers it. */
export interface Detail {
  readonly code: string;
  readonly path: string;
  readonly message: string;
  readonly column?: number;
}

export interface DoraConditions {
  /** The server; set once `before` has run. */
  readonly server: TestServer;
  /** PUT the policy on `arn:aws:s3:::data` with the condition `expression` (titled `title`). */
  put(expression: string): Promise<{ status: number; json: Record<string, unknown> }>;
  /** dora's decision on `s3:GetObject` of `arn:aws:s3:::data/<key>`, asked by the root admin. */
  reads(key: string): Promise<unknown>;
}

export function doraConditions(title: string): DoraConditions {
  const server = suiteWorld('doraConditions', async (cleanUp) => {
    const s = await startTestServer();
    cleanUp(() => s.stop());
    await s.iam().send(new I.CreateUserCommand({ UserName: 'dora' }));
    return s;
  });
  return {
    get server() {
      return server();
    },
    put: (expression) =>
      gatehouseJson(server().url, server().admin, 'PUT', '/v1/iam-policies', { resource: 'arn:aws:s3:::data', bindings: [{ role: 'roles/storage.objectViewer', members: ['user:dora'], condition: { title, expression } }] }),
    reads: async (key) => (await gatehouseJson(server().url, server().admin, 'POST', '/v1/authorize', { principal: `arn:aws:iam::${ROOT}:user/dora`, action: 's3:GetObject', resource: `arn:aws:s3:::data/${key}` })).json['decision'],
  };
}

/** The users `ossReaders` makes, as principals of the authorize API. */
export const BOB = `arn:aws:iam::${ROOT}:user/bob`;
export const CAROL = `arn:aws:iam::${ROOT}:user/carol`;

export interface OssReaders {
  /** The server; set once `before` has run. */
  readonly server: TestServer;
  /** `principal`'s decision on `oss:GetObject` of `resource` (an OSS ARN, spelt as given), asked by the root admin. */
  decision(principal: string, resource: string): Promise<string>;
}

/**
 * A server for the suite this is called in, with users `bob` and `carol` of the root account (no policy of their own)
 * and whatever `setUp` then adds (their policies, the bucket's), for the reviews of how an OSS object's ARN is read
 * (gk 1, nt 1).
 */
export function ossReaders(setUp: (server: TestServer) => Promise<void>): OssReaders {
  const server = suiteWorld('ossReaders', async (cleanUp) => {
    const s = await startTestServer();
    cleanUp(() => s.stop());
    await s.iam().send(new I.CreateUserCommand({ UserName: 'bob' }));
    await s.iam().send(new I.CreateUserCommand({ UserName: 'carol' }));
    await setUp(s);
    return s;
  });
  return {
    get server() {
      return server();
    },
    decision: (principal, resource) => authorizeDecision(server(), { principal, action: 'oss:GetObject', resource }),
  };
}

/** The details of an admin API refusal (none when it has none). */
export const details = (json: Record<string, unknown>): readonly Detail[] => (json['error'] as { details?: Detail[] } | undefined)?.details ?? [];
