/**
 * The reviews of what the audit log says of the key that signed a request (mi 4, nh 2): a server, for the suite this is
 * called in, whose root admin has a second access key (a rotation: both live at once), and users made with each key,
 * in order, with every record written before the suite's tests run.
 */
import { after, before } from 'node:test';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './server.ts';

export interface TwoKeys {
  /** The server; set once `before` has run. Its `admin` is the first key. */
  readonly server: TestServer;
  /** The root admin's second key; set once `before` has run. */
  readonly second: Credentials;
}

/** `byFirst`: the users the admin's first key makes; `bySecond`: then those its second key makes. */
export function twoKeysSuite(made: { readonly byFirst: readonly string[]; readonly bySecond: readonly string[] }): TwoKeys {
  let world: TwoKeys | undefined;
  before(async () => {
    const server = await startTestServer();
    const k = (await server.iam().send(new CreateAccessKeyCommand({}))).AccessKey;
    world = { server, second: { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' } };
    for (const name of made.byFirst) await server.iam().send(new CreateUserCommand({ UserName: name }));
    for (const name of made.bySecond) await server.iam(world.second).send(new CreateUserCommand({ UserName: name }));
    await server.running.app.audit.flush();
  });
  after(async () => {
    await world?.server.stop();
  });
  const got = (): TwoKeys => {
    if (world === undefined) throw new Error('the server is not started: twoKeysSuite is read before its suite began');
    return world;
  };
  return {
    get server() {
      return got().server;
    },
    get second() {
      return got().second;
    },
  };
}
