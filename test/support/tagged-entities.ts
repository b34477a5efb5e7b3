/**
 * The entities the reviews of IAM's tag requests tag (hw 1 and 3, nv 3; nv 1 takes its documents): a server, for the
 * suite this is called in, with role `app` (trusted by EC2), user `dev` and managed policy `p`, none of them tagged, an
 * IAM client of its root admin, and the tags each one carries.
 */
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './server.ts';
import { suiteWorld } from './suite-world.ts';

/** A trust policy letting EC2 assume the role. */
export const EC2_TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
/** A policy document allowing `s3:GetObject` on everything. */
export const READ_DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });

export interface TaggedEntities {
  readonly server: TestServer;
  /** The root admin's IAM client (one attempt a call). */
  readonly iam: I.IAMClient;
  /** The ARN of managed policy `p`. */
  readonly policyArn: string;
  /** The tags of role `app`, user `dev` and policy `p`, as ListRoleTags, ListUserTags and ListPolicyTags answer them. */
  tags(): Promise<{ role: I.Tag[] | undefined; user: I.Tag[] | undefined; policy: I.Tag[] | undefined }>;
}

/** The world, read once the suite's `before` has run (suite-world.ts). */
export function taggedEntities(): () => TaggedEntities {
  return suiteWorld('taggedEntities', async (cleanUp) => {
    const server = await startTestServer();
    cleanUp(() => server.stop());
    const iam = server.iam();
    await iam.send(new I.CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: EC2_TRUST }));
    await iam.send(new I.CreateUserCommand({ UserName: 'dev' }));
    const policyArn = (await iam.send(new I.CreatePolicyCommand({ PolicyName: 'p', PolicyDocument: READ_DOC }))).Policy?.Arn ?? '';
    return {
      server,
      iam,
      policyArn,
      tags: async () => ({
        role: (await iam.send(new I.ListRoleTagsCommand({ RoleName: 'app' }))).Tags,
        user: (await iam.send(new I.ListUserTagsCommand({ UserName: 'dev' }))).Tags,
        policy: (await iam.send(new I.ListPolicyTagsCommand({ PolicyArn: policyArn }))).Tags,
      }),
    };
  });
}
