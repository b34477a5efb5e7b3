/**
 * The suites of Alibaba's own STS client (`@alicloud/sts20150401`, on `@alicloud/openapi-core`, V3 signature) against
 * a real server on 127.0.0.1. Called inside a `describe`, it starts `readerSuite` (alibaba-world.ts) in `acs` account
 * `account` for that suite, its server started with `options`.
 */
import StsModule from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';
import { readerSuite } from './alibaba-world.ts';
import type { TestServer } from './server.ts';

// CommonJS modules: their ES default is `module.exports`, whose `default` is the class.
const { default: Sts } = StsModule;
const { $OpenApiUtil } = OpenApi;

/** An Alibaba AccessKey as the client takes it. */
export interface AlibabaKey {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface AlibabaStsWorld {
  /** The running server; only after the `before` hooks ran. */
  readonly server: TestServer;
  /** RAM user bob's access key, who may assume role `reader`; only after the `before` hooks ran. */
  readonly bob: AlibabaKey;
  /** An STS client of the server signing with `key`. */
  client(key: AlibabaKey): InstanceType<typeof Sts>;
}

export function alibabaStsWorld(account: string, options: Parameters<typeof readerSuite>[1] = {}): AlibabaStsWorld {
  const world = readerSuite(account, options);
  const w: AlibabaStsWorld = {
    get server(): TestServer {
      return world().server;
    },
    get bob(): AlibabaKey {
      const { bob } = world();
      return { accessKeyId: bob.accessKeyId, accessKeySecret: bob.secretAccessKey };
    },
    client: (key) => alibabaStsClient(w.server, key),
  };
  return w;
}

/** Alibaba's STS client (V3 signature) of server `server`, signing with `key`. */
export function alibabaStsClient(server: Pick<TestServer, 'url'>, key: AlibabaKey): InstanceType<typeof Sts> {
  return new Sts(new $OpenApiUtil.Config({ ...key, endpoint: new URL(server.url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 10_000, connectTimeout: 5_000 }));
}
