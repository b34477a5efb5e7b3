/**
 * The reviews of what the audit log says of the key that signed a request (mi 4, nh 2): a server, for the suite this is
 * called in, whose root admin has a second access key (a rotation: both live at once), and users made with each key,
 * in order, with every record written before the suite's tests run.
 */
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { startTestServer, type Credentials, type TestServer } from './server.ts';
import { suiteWorld } from './suite-world.ts';

export interface TwoKeys {
  /** The server. Its `admin` is the first key. */
  readonly server: TestServer;
  /** The root admin's second key. */
  readonly second: Credentials;
}

/**
 * A new access key made by `server`'s root admin: the admin's own second key (a rotation: both are live at once), or,
 * with `userName`, one of that user's.
 */
export async function newAccessKey(server: Pick<TestServer, 'iam'>, userName?: string): Promise<Credentials> {
  const k = (await server.iam().send(new CreateAccessKeyCommand(userName === undefined ? {} : { UserName: userName }))).AccessKey;
  return { accessKeyId: k?.AccessKeyId ?? '', secretAccessKey: k?.SecretAccessKey ?? '' };
}

/**
 * `byFirst`: the users the admin's first key makes; `bySecond`: then those its second key makes. The world, read once
 * the suite's `before` has run (suite-world.ts).
 */
export function twoKeysSuite(made: { readonly byFirst: readonly string[]; readonly bySecond: readonly string[] }): () => TwoKeys {
  return suiteWorld('twoKeysSuite', async (cleanUp) => {
    const server = await startTestServer();
    cleanUp(() => server.stop());
    const second = await newAccessKey(server);
    for (const name of made.byFirst) await server.iam().send(new CreateUserCommand({ UserName: name }));
    for (const name of made.bySecond) await server.iam(second).send(new CreateUserCommand({ UserName: name }));
    await server.running.app.audit.flush();
    return { server, second };
  });
}
