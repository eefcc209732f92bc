// Decides what a sync uploads and deletes by content hash, never by size or mtime.
//
// A single-part upload's ETag is the quoted hex MD5 of the content, which ListObjectsV2 returns
// for free, so no HeadObject per file is needed. Two cases where the ETag is not an MD5 make the
// file look changed, and one upload fixes it for good (this tool always uploads in one part):
// - a multipart ETag (`"<md5 of part md5s>-<parts>"`), from objects uploaded by other tools;
//   recomputing it would need the uploader's part size, which S3 does not record;
// - SSE-KMS, whose ETags are not MD5s at all. The site bucket uses SSE-S3, so this does not arise
//   for buckets this tool made.
import { paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { errorName, UserError } from '../errors.ts';
import type { LocalFile } from './scan.ts';

export interface RemoteObject {
  key: string;
  etag: string;
}

/** A file to upload: from disk (`path`) or generated in memory (`body`). */
export type SourceFile = (LocalFile & { body?: undefined }) | { key: string; body: Buffer; size: number; md5: string; path?: undefined };

export type UploadReason = 'new' | 'changed' | 'etag is not an md5';

export interface PlannedUpload {
  file: SourceFile;
  reason: UploadReason;
}

export interface SyncPlan {
  uploads: PlannedUpload[];
  /** Remote keys with no local file. */
  deletes: string[];
  unchanged: SourceFile[];
}

/** `"3f9a…"` → `3f9a…`, or undefined when the ETag is not a plain MD5 (multipart, SSE-KMS). */
export function etagMd5(etag: string): string | undefined {
  const unquoted = etag.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
  return /^[0-9a-f]{32}$/.test(unquoted) ? unquoted : undefined;
}

export function planSync(local: readonly SourceFile[], remote: readonly RemoteObject[]): SyncPlan {
  const remoteByKey = new Map(remote.map((object) => [object.key, object.etag]));
  const localKeys = new Set(local.map((file) => file.key));
  const plan: SyncPlan = { uploads: [], deletes: [], unchanged: [] };
  for (const file of local) {
    const etag = remoteByKey.get(file.key);
    if (etag === undefined) {
      plan.uploads.push({ file, reason: 'new' });
      continue;
    }
    const remoteMd5 = etagMd5(etag);
    if (remoteMd5 === undefined) plan.uploads.push({ file, reason: 'etag is not an md5' });
    else if (remoteMd5 !== file.md5) plan.uploads.push({ file, reason: 'changed' });
    else plan.unchanged.push(file);
  }
  plan.deletes = remote.map((object) => object.key).filter((key) => !localKeys.has(key)).sort();
  return plan;
}

/** Every object in the bucket with its ETag, through the SDK paginator. */
export async function listRemote(s3: S3Client, bucket: string): Promise<RemoteObject[]> {
  const objects: RemoteObject[] = [];
  try {
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket })) {
      for (const object of page.Contents ?? []) {
        if (object.Key !== undefined) objects.push({ key: object.Key, etag: object.ETag ?? '' });
      }
    }
  } catch (error) {
    if (errorName(error) === 'NoSuchBucket') throw new UserError(`site bucket "${bucket}" does not exist; run \`resume-infra up\` to create it`, { cause: error });
    throw error;
  }
  return objects;
}
