/**
 * The entities the reviews of IAM's tag requests tag (hw 3, nv 3): a server, for the suite this is called in, with role
 * `app` (trusted by EC2), user `dev` and managed policy `p`, none of them tagged, an IAM client of its root admin, and
 * the tags each one carries.
 */
import { after, before } from 'node:test';
import * as I from '@aws-sdk/client-iam';
import { startTestServer, type TestServer } from './server.ts';

/** A trust policy letting EC2 assume the role. */
export const EC2_TRUST = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
/** A policy document allowing `s3:GetObject` on everything. */
export const READ_DOC = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] });

export interface TaggedEntities {
  /** The server; set once `before` has run. */
  readonly server: TestServer;
  /** The root admin's IAM client (one attempt a call). */
  readonly iam: I.IAMClient;
  /** The ARN of managed policy `p`. */
  readonly policyArn: string;
  /** The tags of role `app`, user `dev` and policy `p`, as ListRoleTags, ListUserTags and ListPolicyTags answer them. */
  tags(): Promise<{ role: I.Tag[] | undefined; user: I.Tag[] | undefined; policy: I.Tag[] | undefined }>;
}

export function taggedEntities(): TaggedEntities {
  let s: { server: TestServer; iam: I.IAMClient; policyArn: string } | undefined;
  before(async () => {
    const server = await startTestServer();
    const iam = server.iam();
    s = { server, iam, policyArn: '' };
    await iam.send(new I.CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: EC2_TRUST }));
    await iam.send(new I.CreateUserCommand({ UserName: 'dev' }));
    s.policyArn = (await iam.send(new I.CreatePolicyCommand({ PolicyName: 'p', PolicyDocument: READ_DOC }))).Policy?.Arn ?? '';
  });
  after(async () => {
    await s?.server.stop();
  });
  const got = (): { server: TestServer; iam: I.IAMClient; policyArn: string } => {
    if (s === undefined) throw new Error('the server is not started: taggedEntities is read before its suite began');
    return s;
  };
  return {
    get server() {
      return got().server;
    },
    get iam() {
      return got().iam;
    },
    get policyArn() {
      return got().policyArn;
    },
    async tags() {
      const { iam, policyArn } = got();
      return {
        role: (await iam.send(new I.ListRoleTagsCommand({ RoleName: 'app' }))).Tags,
        user: (await iam.send(new I.ListUserTagsCommand({ UserName: 'dev' }))).Tags,
        policy: (await iam.send(new I.ListPolicyTagsCommand({ PolicyArn: policyArn }))).Tags,
      };
    },
  };
}
