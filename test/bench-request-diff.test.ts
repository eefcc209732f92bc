// bench/request-diff.ts: how bench/floor.ts tells whether the SDK-alone baseline made `plan`'s requests.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { operationCounts, requestDifferences } from '../bench/request-diff.ts';

const timeline = (...operations: string[]) => operations.map((name) => {
  const [service = '', operation = ''] = name.split(':');
  return { service, operation };
});

test('counts requests by service and operation', () => {
  const counted = operationCounts(timeline('s3:GetObject', 'iam:GetRole', 's3:GetObject', 'cloudfront:ListTagsForResource', 'ssm:ListTagsForResource'));
  assert.deepEqual([...counted].sort(), [['cloudfront:ListTagsForResource', 1], ['iam:GetRole', 1], ['s3:GetObject', 2], ['ssm:ListTagsForResource', 1]]);
});

test('finds no difference between the same requests in another order', () => {
  assert.deepEqual(requestDifferences(operationCounts(timeline('s3:GetObject', 'sts:GetCallerIdentity', 's3:GetObject')), operationCounts(timeline('s3:GetObject', 's3:GetObject', 'sts:GetCallerIdentity'))), []);
});

test('names each operation made a different number of times, or by one run only', () => {
  const plan = operationCounts(timeline('s3:ListObjectsV2', 's3:ListObjectsV2', 's3:ListObjectsV2', 'iam:GetRole', 'acm:ListCertificates'));
  const alone = operationCounts(timeline('s3:ListObjectsV2', 'iam:GetRole', 'lambda:GetFunction'));
  assert.deepEqual(requestDifferences(plan, alone), ['acm:ListCertificates 1 against 0', 'lambda:GetFunction 0 against 1', 's3:ListObjectsV2 3 against 1']);
});
