/**
 * The suites of Alibaba's own STS client (`@alicloud/sts20150401`, on `@alicloud/openapi-core`, V3 signature) against
 * a real server on 127.0.0.1. Called inside a `describe`, it registers a `before` that starts a test server and sets up
 * `readerWorld` (alibaba-world.ts) in `acs` account `account`, and an `after` that stops the server.
 */
import { after, before } from 'node:test';
import StsModule from '@alicloud/sts20150401';
import OpenApi from '@alicloud/openapi-core';
import { readerWorld } from './alibaba-world.ts';
import { startTestServer, type TestServer } from './server.ts';

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

export function alibabaStsWorld(account: string): AlibabaStsWorld {
  let s: TestServer | undefined;
  let bob: AlibabaKey | undefined;
  before(async () => {
    s = await startTestServer();
    const key = await readerWorld(s, account);
    bob = { accessKeyId: key.accessKeyId, accessKeySecret: key.secretAccessKey };
  });
  after(async () => {
    await s?.stop();
  });
  const w: AlibabaStsWorld = {
    get server(): TestServer {
      if (!s) throw new Error('alibabaStsWorld: the server is started in before()');
      return s;
    },
    get bob(): AlibabaKey {
      if (!bob) throw new Error('alibabaStsWorld: bob is made in before()');
      return bob;
    },
    client: (key) => new Sts(new $OpenApiUtil.Config({ ...key, endpoint: new URL(w.server.url).host, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 10_000, connectTimeout: 5_000 })),
  };
  return w;
}
