// The bucket that holds the site's files: private (Block Public Access, BucketOwnerEnforced),
// SSE-S3 encrypted, tagged. Only CloudFront reads it, through the bucket policy (bucket-policy.ts).
// Not versioned: the files are rebuilt from the repository on every deploy, and old versions
// would only cost money. Delete still removes every version, in case someone turned it on.
import {
  CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, GetBucketEncryptionCommand, GetBucketOwnershipControlsCommand,
  GetBucketTaggingCommand, GetPublicAccessBlockCommand, HeadBucketCommand, ListObjectVersionsCommand, PutBucketEncryptionCommand,
  PutBucketOwnershipControlsCommand, PutBucketTaggingCommand, PutPublicAccessBlockCommand, S3Client, type BucketLocationConstraint,
  type ObjectIdentifier,
} from '@aws-sdk/client-s3';
import type { Change, Observed, ResourceContext, ResourceKind } from '../engine/types.ts';
import { errorName, httpStatus, UserError } from '../errors.ts';
import type { RecordedResource } from '../state/document.ts';
import { ignoreNotFound } from './not-found.ts';
import { readAhead } from './read-ahead.ts';
import { hasChange, tagChanges, tagList, tagRecord } from './tags.ts';

const BLOCK_ALL = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } as const;
type BlockSetting = keyof typeof BLOCK_ALL;
const BLOCK_SETTINGS = Object.keys(BLOCK_ALL) as BlockSetting[];
const OWNERSHIP = 'BucketOwnerEnforced';
const ENCRYPTION = 'AES256';

interface SiteBucketDesired {
  name: string;
  region: string;
  tags: Record<string, string>;
}

interface SiteBucketActual extends Observed {
  name: string;
  region: string;
  publicAccessBlock: Record<BlockSetting, boolean>;
  ownership: string | undefined;
  encryption: string | undefined;
  tags: Record<string, string>;
}

/** The bucket's regional REST endpoint: CloudFront's S3 origin domain with OAC. */
export function regionalDomainName(bucket: string, region: string): string {
  return `${bucket}.s3.${region}.amazonaws.com`;
}

/** Runs a GetBucket* call; the "not configured" error of that setting reads as undefined. */
async function optional<T>(call: Promise<T>, notConfigured: string): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (errorName(error) === notConfigured) return undefined;
    throw error;
  }
}

async function bucketRegion(s3: S3Client, name: string): Promise<string | undefined> {
  try {
    const head = await s3.send(new HeadBucketCommand({ Bucket: name }));
    return head.BucketRegion ?? 'us-east-1';
  } catch (error) {
    const status = httpStatus(error);
    if (errorName(error) === 'NotFound' || errorName(error) === 'NoSuchBucket' || status === 404) return undefined;
    if (status === 301) throw new UserError(`site bucket ${name} exists in another region than the project's; set "region" back to the bucket's region, or destroy with that region first`);
    if (status === 403) throw new UserError(`site bucket name ${name} belongs to another account or denies access; check the credentials' account`);
    throw error;
  }
}

async function findSiteBucket(ctx: ResourceContext, name: string, recorded: RecordedResource | undefined): Promise<SiteBucketActual | undefined> {
  const s3 = ctx.aws.client(S3Client);
  // The state records the bucket: its settings are read along with HeadBucket, and used once
  // HeadBucket has found it in the project's region.
  const settingsRead = readAhead(recorded !== undefined, () => Promise.all([
    optional(s3.send(new GetPublicAccessBlockCommand({ Bucket: name })), 'NoSuchPublicAccessBlockConfiguration'),
    optional(s3.send(new GetBucketOwnershipControlsCommand({ Bucket: name })), 'OwnershipControlsNotFoundError'),
    optional(s3.send(new GetBucketEncryptionCommand({ Bucket: name })), 'ServerSideEncryptionConfigurationNotFoundError'),
    optional(s3.send(new GetBucketTaggingCommand({ Bucket: name })), 'NoSuchTagSet'),
  ]));
  const region = await bucketRegion(s3, name);
  if (!region) return undefined;
  try {
    const [block, ownership, encryption, tagging] = await settingsRead();
    const blockConfig = block?.PublicAccessBlockConfiguration ?? {};
    const arn = `arn:aws:s3:::${name}`;
    return {
      id: name,
      arn,
      outputs: { bucketName: name, bucketArn: arn, region, regionalDomainName: regionalDomainName(name, region) },
      name,
      region,
      publicAccessBlock: Object.fromEntries(BLOCK_SETTINGS.map((key) => [key, blockConfig[key] === true])) as Record<BlockSetting, boolean>,
      ownership: ownership?.OwnershipControls?.Rules?.[0]?.ObjectOwnership,
      encryption: encryption?.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm,
      tags: tagRecord(tagging?.TagSet),
    };
  } catch (error) {
    // Deleted between HeadBucket and the reads.
    if (errorName(error) === 'NoSuchBucket') return undefined;
    throw error;
  }
}

/**
 * Deletes every object version and delete marker, a page (at most 1,000 keys) per DeleteObjects
 * call. The SDK has no paginator for ListObjectVersions (it pages on two markers), hence the loop.
 */
async function emptyBucket(s3: S3Client, name: string): Promise<void> {
  let markers: { KeyMarker?: string; VersionIdMarker?: string } = {};
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: name, ...markers }));
    const objects: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
      .filter((entry): entry is typeof entry & { Key: string } => entry.Key !== undefined)
      .map((entry) => ({ Key: entry.Key, ...(entry.VersionId ? { VersionId: entry.VersionId } : {}) }));
    const result = objects.length > 0 ? await s3.send(new DeleteObjectsCommand({ Bucket: name, Delete: { Objects: objects, Quiet: true } })) : undefined;
    const failed = result?.Errors ?? [];
    if (failed.length > 0) {
      const first = failed[0];
      throw new Error(`emptying S3 bucket (${name}): ${failed.length} objects not deleted, e.g. ${first?.Key ?? '?'}: ${first?.Code ?? ''} ${first?.Message ?? ''}`);
    }
    if (!page.IsTruncated) return;
    markers = { ...(page.NextKeyMarker ? { KeyMarker: page.NextKeyMarker } : {}), ...(page.NextVersionIdMarker ? { VersionIdMarker: page.NextVersionIdMarker } : {}) };
  }
}

export const siteBucket: ResourceKind<SiteBucketDesired, SiteBucketActual> = {
  name: 'siteBucket',
  title: 'S3 site bucket',
  readAfterWrite: 'bucketReadAfterCreate',
  dependsOn: [],

  label: (ctx) => ctx.names.siteBucket,

  desired: (ctx) => ({ name: ctx.names.siteBucket, region: ctx.names.region, tags: ctx.tags }),

  read: (ctx, recorded) => findSiteBucket(ctx, ctx.names.siteBucket, recorded),

  diff(desired, actual) {
    const changes: Change[] = [];
    if (actual.region !== desired.region) changes.push({ field: 'region', from: actual.region, to: desired.region });
    for (const key of BLOCK_SETTINGS) {
      if (!actual.publicAccessBlock[key]) changes.push({ field: `publicAccessBlock.${key}`, from: false, to: true });
    }
    if (actual.ownership !== OWNERSHIP) changes.push({ field: 'ownership', from: actual.ownership, to: OWNERSHIP });
    if (actual.encryption !== ENCRYPTION) changes.push({ field: 'encryption', from: actual.encryption, to: ENCRYPTION });
    return [...changes, ...tagChanges(desired.tags, actual.tags)];
  },

  async create(ctx, desired) {
    const s3 = ctx.aws.client(S3Client);
    try {
      await s3.send(new CreateBucketCommand({
        Bucket: desired.name,
        ObjectOwnership: OWNERSHIP,
        // AWS rejects a bucket outside us-east-1 without its LocationConstraint (moto does not).
        ...(desired.region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: desired.region as BucketLocationConstraint } }),
      }));
    } catch (error) {
      if (errorName(error) === 'BucketAlreadyExists') {
        throw new UserError(`site bucket name ${desired.name} is taken by another account; rename the project`);
      }
      // A crashed run made it: the settings below converge it.
      if (errorName(error) !== 'BucketAlreadyOwnedByYou') throw error;
    }
    return { id: desired.name };
  },

  async update(ctx, desired, actual, changes) {
    const s3 = ctx.aws.client(S3Client);
    const Bucket = actual.name;
    if (hasChange(changes, 'region')) {
      throw new UserError(`site bucket ${Bucket} is in ${actual.region}, not ${desired.region}; set "region" back to ${actual.region}, or run destroy with --region ${actual.region} first`);
    }
    if (hasChange(changes, 'publicAccessBlock')) {
      await s3.send(new PutPublicAccessBlockCommand({ Bucket, PublicAccessBlockConfiguration: { ...BLOCK_ALL } }));
    }
    if (hasChange(changes, 'ownership')) {
      await s3.send(new PutBucketOwnershipControlsCommand({ Bucket, OwnershipControls: { Rules: [{ ObjectOwnership: OWNERSHIP }] } }));
    }
    if (hasChange(changes, 'encryption')) {
      await s3.send(new PutBucketEncryptionCommand({
        Bucket,
        ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: ENCRYPTION }, BucketKeyEnabled: true }] },
      }));
    }
    if (hasChange(changes, 'tags')) {
      // PutBucketTagging replaces the whole set: keep tags someone added by hand.
      await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: tagList({ ...actual.tags, ...desired.tags }) } }));
    }
  },

  async delete(ctx, actual) {
    const s3 = ctx.aws.client(S3Client);
    await ignoreNotFound('NoSuchBucket', async () => {
      await emptyBucket(s3, actual.name);
      await s3.send(new DeleteBucketCommand({ Bucket: actual.name }));
    });
  },
};
