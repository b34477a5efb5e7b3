// Run inside `gatehouse jobs run`: the AWS SDK's default chain finds the job's credentials by itself.
import { STSClient, GetCallerIdentityCommand } from '@aws-sdk/client-sts';

const sts = new STSClient({ endpoint: process.env.AWS_ENDPOINT_URL, region: process.env.AWS_REGION });
const me = await sts.send(new GetCallerIdentityCommand({}));
console.log(`rank ${process.env.RANK} of ${process.env.WORLD_SIZE}: ${me.Arn}`);
