/**
 * Policy review ir, finding 2: the decoded authorization failure message of an explicit deny (STS
 * `DecodeAuthorizationMessage`, the blob after `Encoded authorization failure message:`) did not name the deciding
 * statement as AWS's does. Gatehouse builds it "in the shape AWS decodes to" (`allowed`, `explicitDeny`,
 * `matchedStatements.items`…), but
 *   - `matchedStatements` listed every statement that matched, the Allow statements the Deny overrode among them, in
 *     policy order (the Allow first). AWS's API reference (EvaluationResult, MatchedStatements): "even if multiple
 *     statements allow the operation on the resource, if only one statement denies that operation, then the explicit
 *     deny overrides any allow. In addition, the deny statement is the only entry included in the result";
 *   - each item's `effect` read `Allow`/`Deny`, where AWS's decoded messages write `"effect":"DENY"` (the STS
 *     DecodeAuthorizationMessage example), so a script selecting `.effect == "DENY"` found nothing.
 * A reader taking the first matched statement as the one that refused was sent to an Allow. Now an explicit deny's
 * `matchedStatements` holds the Deny statements alone, `effect` `DENY`; Gatehouse's own `explanation` beside them still
 * lists every matched statement, and a message of an implicit deny is as before but for the effect's spelling.
 *
 * Before the fix 2 of 2 tests failed. Real server (SQLite), AWS SDK v3 (`@aws-sdk/client-sts`, `@aws-sdk/client-iam`).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, DecodeAuthorizationMessageCommand } from '@aws-sdk/client-sts';
import { iamUserWith, sdkFailure, startTestServer, type Credentials, type TestServer } from './support/server.ts';

const V = '2012-10-17';
const ACCOUNT = '000000000000';
const role = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`;

interface Item {
  readonly statementId: string;
  readonly effect: string;
  readonly policyType: string;
}

describe('policy review ir2: a decoded explicit deny names the Deny statement alone', () => {
  let s: TestServer;
  let erin: Credentials;
  let frank: Credentials;
  before(async () => {
    s = await startTestServer();
    const iam = s.iam();
    // erin may assume every role but `vault`: her own Deny refuses it.
    erin = await iamUserWith(iam, 'erin', {
      Version: V,
      Statement: [
        { Sid: 'AssumeAny', Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:DecodeAuthorizationMessage'], Resource: '*' },
        { Sid: 'NotTheVault', Effect: 'Deny', Action: 'sts:AssumeRole', Resource: role('vault') },
      ],
    });
    // frank may assume anything, but `ledger`'s trust policy denies him after allowing the account.
    frank = await iamUserWith(iam, 'frank', { Version: V, Statement: [{ Sid: 'All', Effect: 'Allow', Action: '*', Resource: '*' }] });
    const trustAccount = { Sid: 'Account', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sts:AssumeRole' };
    await iam.send(new CreateRoleCommand({ RoleName: 'vault', AssumeRolePolicyDocument: JSON.stringify({ Version: V, Statement: [trustAccount] }) }));
    await iam.send(new CreateRoleCommand({
      RoleName: 'ledger',
      AssumeRolePolicyDocument: JSON.stringify({ Version: V, Statement: [trustAccount, { Sid: 'NotFrank', Effect: 'Deny', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/frank` }, Action: 'sts:AssumeRole' }] }),
    }));
  });
  after(() => s?.stop());

  /** The decoded message of `as`'s refused AssumeRole of `name`, decoded by `as`. */
  async function decodedRefusal(as: Credentials, name: string): Promise<Record<string, unknown>> {
    const f = await sdkFailure(s.sts(as).send(new AssumeRoleCommand({ RoleArn: role(name), RoleSessionName: 'ir2' })));
    assert.equal(f.code, 'AccessDenied');
    const blob = /Encoded authorization failure message: (\S+)$/.exec(f.message)?.[1];
    assert.ok(blob, f.message);
    const d = await s.sts(as).send(new DecodeAuthorizationMessageCommand({ EncodedMessage: blob }));
    return JSON.parse(d.DecodedMessage ?? '{}') as Record<string, unknown>;
  }
  const items = (m: Record<string, unknown>): Item[] => (m['matchedStatements'] as { items: Item[] }).items;

  it('a Deny of the caller’s identity policy: its statement is the only entry, effect DENY', async () => {
    const m = await decodedRefusal(erin, 'vault');
    assert.equal(m['explicitDeny'], true);
    assert.deepEqual(items(m).map((x) => [x.policyType, x.statementId, x.effect]), [['identity', 'NotTheVault', 'DENY']]);
    // Gatehouse's own explanation still shows what else matched.
    assert.match(String(m['explanation']), /denied by identity policy .*NotTheVault[\s\S]*Allow .*AssumeAny/);
  });

  it('a Deny of the role trust policy: its statement is the only entry, effect DENY', async () => {
    const m = await decodedRefusal(frank, 'ledger');
    assert.equal(m['explicitDeny'], true);
    assert.deepEqual(items(m).map((x) => [x.policyType, x.statementId, x.effect]), [['trust', 'NotFrank', 'DENY']]);
  });
});
