// The site bucket's policy: only this distribution, through CloudFront's service principal, may
// read. ListBucket too, so that a missing file is a 404 (S3 says 403 without it).
import { DeleteBucketPolicyCommand, GetBucketPolicyCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import type { Identity, Observed, ResourceContext, ResourceKind } from '../engine/types.ts';
import { ignoreNotFound } from './not-found.ts';
import { canonicalPolicy } from './iam.ts';

type PolicyDocument = Record<string, unknown>;

interface BucketPolicyDesired {
  bucket: string;
  policy: PolicyDocument;
}

interface BucketPolicyActual extends Observed {
  bucket: string;
  policy: unknown;
}

export function sitePolicy(bucket: string, distributionArn: string): PolicyDocument {
  const statement = (sid: string, action: string, resource: string) => ({
    Sid: sid,
    Effect: 'Allow',
    Principal: { Service: 'cloudfront.amazonaws.com' },
    Action: action,
    Resource: resource,
    Condition: { StringEquals: { 'AWS:SourceArn': distributionArn } },
  });
  return {
    Version: '2012-10-17',
    Statement: [
      statement('AllowCloudFrontRead', 's3:GetObject', `arn:aws:s3:::${bucket}/*`),
      statement('AllowCloudFrontList', 's3:ListBucket', `arn:aws:s3:::${bucket}`),
    ],
  };
}

async function findPolicy(ctx: ResourceContext, bucket: string): Promise<BucketPolicyActual | undefined> {
  const text = (await ignoreNotFound(['NoSuchBucketPolicy', 'NoSuchBucket'], () => ctx.aws.client(S3Client).send(new GetBucketPolicyCommand({ Bucket: bucket }))))?.Policy;
  if (!text) return undefined;
  let policy: unknown;
  try {
    policy = JSON.parse(text);
  } catch {
    policy = text;
  }
  return { id: bucket, outputs: { bucketName: bucket }, bucket, policy };
}

async function putPolicy(ctx: ResourceContext, desired: BucketPolicyDesired): Promise<Identity> {
  await ctx.aws.client(S3Client).send(new PutBucketPolicyCommand({ Bucket: desired.bucket, Policy: JSON.stringify(desired.policy) }));
  return { id: desired.bucket };
}

export const bucketPolicy: ResourceKind<BucketPolicyDesired, BucketPolicyActual> = {
  name: 'bucketPolicy',
  title: 'S3 bucket policy',
  readAfterWrite: 'bucketPolicyAfterPut',
  dependsOn: ['siteBucket', 'distribution'],

  label: (ctx) => `${ctx.names.siteBucket} policy`,

  desired: (ctx) => ({ bucket: ctx.names.siteBucket, policy: sitePolicy(ctx.names.siteBucket, ctx.output('distribution', 'distributionArn')) }),

  read: (ctx) => findPolicy(ctx, ctx.names.siteBucket),

  diff(desired, actual) {
    return canonicalPolicy(actual.policy) === canonicalPolicy(desired.policy) ? [] : [{ field: 'policy', from: actual.policy, to: desired.policy }];
  },

  create: (ctx, desired) => putPolicy(ctx, desired),

  async update(ctx, desired) {
    await putPolicy(ctx, desired);
  },

  async delete(ctx, actual) {
    await ignoreNotFound('NoSuchBucket', () => ctx.aws.client(S3Client).send(new DeleteBucketPolicyCommand({ Bucket: actual.bucket })));
  },
};
