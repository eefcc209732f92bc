// src/resources/site-bucket.ts: the site bucket, against the emulator.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { GetBucketEncryptionCommand, GetBucketLocationCommand, GetBucketOwnershipControlsCommand, GetBucketTaggingCommand, GetPublicAccessBlockCommand } from '@aws-sdk/client-s3';
import { region, s3, PROJECT, SITE_BUCKET, upOk } from './helpers/cdn-stack.ts';

describe('up without a domain', () => {
  test('up on an empty account makes a private, encrypted, tagged site bucket in the project region', async () => {
    await upOk();
    assert.equal((await s3.send(new GetBucketLocationCommand({ Bucket: SITE_BUCKET }))).LocationConstraint, region);
    const block = await s3.send(new GetPublicAccessBlockCommand({ Bucket: SITE_BUCKET }));
    assert.deepEqual(block.PublicAccessBlockConfiguration, { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    const ownership = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: SITE_BUCKET }));
    assert.deepEqual(ownership.OwnershipControls?.Rules?.map((rule) => rule.ObjectOwnership), ['BucketOwnerEnforced']);
    const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket: SITE_BUCKET }));
    assert.equal(encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm, 'AES256');
    const tags = (await s3.send(new GetBucketTaggingCommand({ Bucket: SITE_BUCKET }))).TagSet ?? [];
    assert.deepEqual(tags.filter((tag) => tag.Key === 'resume-infra:project' || tag.Key === 'owner').sort((a, b) => (a.Key ?? '').localeCompare(b.Key ?? '')), [
      { Key: 'owner', Value: 'jane' },
      { Key: 'resume-infra:project', Value: PROJECT },
    ]);
  });
});
