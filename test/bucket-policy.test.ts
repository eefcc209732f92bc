// src/resources/bucket-policy.ts: the site bucket's policy, against the emulator.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { SITE_BUCKET, upOk, onlyDistribution, bucketPolicyStatements } from './helpers/cdn-stack.ts';

describe('up without a domain', () => {
  test('the bucket policy lets only this distribution read, through GetObject and ListBucket', async () => {
    await upOk();
    const { arn } = await onlyDistribution();
    const statements = await bucketPolicyStatements();
    assert.equal(statements.length, 2);
    const byAction = new Map(statements.map((statement) => [JSON.stringify(statement.Action), statement]));
    const read = byAction.get('"s3:GetObject"');
    const list = byAction.get('"s3:ListBucket"');
    assert.ok(read && list, JSON.stringify(statements));
    for (const statement of [read, list]) {
      assert.equal(statement.Effect, 'Allow');
      assert.deepEqual(statement.Principal, { Service: 'cloudfront.amazonaws.com' });
      assert.deepEqual(statement.Condition, { StringEquals: { 'AWS:SourceArn': arn } });
    }
    assert.equal(read.Resource, `arn:aws:s3:::${SITE_BUCKET}/*`);
    assert.equal(list.Resource, `arn:aws:s3:::${SITE_BUCKET}`);
  });
});
