// src/resources/iam.ts: comparing IAM policy documents (no emulator calls).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalPolicy } from '../src/resources/iam.ts';

describe('role', () => {
  test('policies compare equal whatever form IAM returns them in', () => {
    const written = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:ListBucket'], Resource: 'arn:aws:s3:::b' }] };
    const returned = { Statement: { Resource: ['arn:aws:s3:::b'], Action: ['s3:ListBucket', 's3:GetObject'], Effect: 'Allow' }, Version: '2012-10-17' };
    assert.equal(canonicalPolicy(returned), canonicalPolicy(written));
    assert.notEqual(canonicalPolicy({ ...written, Statement: [{ ...written.Statement[0], Resource: '*' }] }), canonicalPolicy(written));
  });
});
