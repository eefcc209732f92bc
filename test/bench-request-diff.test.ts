// bench/request-diff.ts: how bench/floor.ts and bench/run.ts tell whether the SDK-alone baseline made `plan`'s requests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requestDifferences } from '../bench/request-diff.ts';

/** The proxy's counts, from `service:operation` names, one request each. */
const counts = (...operations: string[]) => {
  const table = new Map<string, number>();
  for (const name of operations) table.set(name, (table.get(name) ?? 0) + 1);
  return [...table].map(([name, count]) => {
    const [service = '', operation = ''] = name.split(':');
    return { service, operation, count };
  });
};

test('tells operations of the same name in different services apart', () => {
  assert.deepEqual(requestDifferences(counts('cloudfront:ListTagsForResource', 'ssm:ListTagsForResource'), counts('cloudfront:ListTagsForResource', 'logs:ListTagsForResource')),
    ['logs:ListTagsForResource 0 against 1', 'ssm:ListTagsForResource 1 against 0']);
});

test('finds no difference between the same requests in another order', () => {
  assert.deepEqual(requestDifferences(counts('s3:GetObject', 'sts:GetCallerIdentity', 's3:GetObject'), counts('s3:GetObject', 's3:GetObject', 'sts:GetCallerIdentity')), []);
});

test('names each operation made a different number of times, or by one run only', () => {
  const plan = counts('s3:ListObjectsV2', 's3:ListObjectsV2', 's3:ListObjectsV2', 'iam:GetRole', 'acm:ListCertificates');
  const alone = counts('s3:ListObjectsV2', 'iam:GetRole', 'lambda:GetFunction');
  assert.deepEqual(requestDifferences(plan, alone), ['acm:ListCertificates 1 against 0', 'lambda:GetFunction 0 against 1', 's3:ListObjectsV2 3 against 1']);
});
