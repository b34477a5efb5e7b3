import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errorDocument, escapeText, parseComplete, parseCreateBucket, parseDelete, parseTagging, xmlDocument } from './xml.ts';

describe('S3 XML', () => {
  it('reads Delete with escaped keys, spaces kept, Quiet', () => {
    const d = parseDelete('<?xml version="1.0"?><Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Quiet>true</Quiet><Object><Key>a&amp;b &lt;c&gt;</Key></Object><Object><Key> lead</Key></Object></Delete>');
    assert.deepEqual(d, { keys: ['a&b <c>', ' lead'], objects: [{ key: 'a&b <c>' }, { key: ' lead' }], quiet: true });
    const v = parseDelete('<Delete><Object><Key>k</Key><VersionId>null</VersionId></Object><Object><Key>j</Key><VersionId>3HL4</VersionId></Object></Delete>');
    assert.deepEqual(v?.objects, [{ key: 'k', versionId: 'null' }, { key: 'j', versionId: '3HL4' }]);
    assert.equal(parseDelete('<Delete><Object><Key></Key></Object></Delete>'), undefined);
    assert.equal(parseDelete('<Delete></Delete>'), undefined);
    assert.equal(parseDelete('not xml <'), undefined);
  });

  it('refuses a DOCTYPE (no entity expansion)', () => {
    assert.equal(parseDelete('<!DOCTYPE d [<!ENTITY x "aaaa">]><Delete><Object><Key>&x;</Key></Object></Delete>'), undefined);
  });

  it('reads CompleteMultipartUpload (quoted or bare ETags) and Tagging; CreateBucketConfiguration may be empty', () => {
    assert.deepEqual(parseComplete('<CompleteMultipartUpload><Part><ETag>"abc"</ETag><PartNumber>1</PartNumber></Part><Part><PartNumber>2</PartNumber><ETag>def</ETag></Part></CompleteMultipartUpload>'), [
      { partNumber: 1, etag: 'abc' },
      { partNumber: 2, etag: 'def' },
    ]);
    assert.equal(parseComplete('<CompleteMultipartUpload><Part><PartNumber>x</PartNumber><ETag>a</ETag></Part></CompleteMultipartUpload>'), undefined);
    assert.deepEqual(parseTagging('<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>'), { k: 'v' });
    assert.deepEqual(parseTagging('<Tagging><TagSet></TagSet></Tagging>'), {});
    assert.equal(parseTagging('<Tagging><TagSet><Tag><Key>k</Key></Tag><Tag><Key>k</Key></Tag></TagSet></Tagging>'), undefined);
    assert.deepEqual(parseCreateBucket(''), { location: '' });
    assert.deepEqual(parseCreateBucket('<CreateBucketConfiguration><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>'), { location: 'eu-west-1' });
  });

  it('writes documents with S3’s namespace, escapes text and control characters; errors without a namespace', () => {
    assert.equal(escapeText('a<b>&"\'\r'), 'a&lt;b&gt;&amp;&quot;&apos;&#xD;');
    assert.equal(xmlDocument('R', { A: [{ K: 'x' }, { K: 'y' }], B: undefined, C: 1 }), '<?xml version="1.0" encoding="UTF-8"?>\n<R xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><A><K>x</K></A><A><K>y</K></A><C>1</C></R>');
    assert.equal(errorDocument('NoSuchKey', 'm', '/b/k', 'ID'), '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code><Message>m</Message><Resource>/b/k</Resource><RequestId>ID</RequestId></Error>');
  });
});
