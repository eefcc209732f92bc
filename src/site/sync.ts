// Uploads the site directory (plus generated files) to the site bucket and deletes what is gone.
//
// - What to upload is decided by content MD5 against the listed ETag (plan.ts); with nothing
//   changed a sync makes no PutObject and no DeleteObjects call.
// - Uploads run `concurrency` at a time; HTML goes last, after every other upload has finished,
//   so a page never references an asset that is not in the bucket yet. Deletes come after all
//   uploads, so the old assets stay until the new pages are in place.
// - Every PutObject carries Content-Type, Cache-Control and Content-MD5, so S3 rejects a body that
//   does not match the hash the plan was made from (e.g. a file edited during the sync).
// - Bodies up to `STREAM_THRESHOLD_BYTES` are read into memory, which lets the SDK retry them;
//   larger ones are streamed from disk, so memory stays under concurrency × threshold (128 MiB
//   at worst, with every one of 32 uploads in flight just under 4 MiB; a resume site's files are
//   mostly a few KB).
// - 32 uploads in flight: S3 answers a PutObject in tens of ms and takes thousands a second per
//   prefix, so a cold upload is bound by round trips and gains from each request kept in flight
//   (aws s3 sync keeps 10). It stays under the SDK's 50 sockets per host.
// - Deleting from a bucket that should hold only this site: every key without a local file goes.
// - An empty site directory is refused rather than treated as "delete the whole site".
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { DeleteObjectsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { UserError } from '../errors.ts';
import { cacheRules, type CacheRules } from './cache-control.ts';
import { mapBounded } from './concurrency.ts';
import { contentTypeFor, isHtml } from './content-type.ts';
import type { GeneratedFile } from './generate.ts';
import { listRemote, planSync, type SourceFile, type SyncPlan } from './plan.ts';
import { md5Hex, scanSite, type LocalFile } from './scan.ts';

export const DEFAULT_CONCURRENCY = 32;
export const STREAM_THRESHOLD_BYTES = 4 * 1024 * 1024;
// S3's limit for a single PutObject; larger files would need a multipart upload.
const MAX_SINGLE_PUT_BYTES = 5 * 1024 ** 3;
// DeleteObjects takes at most 1,000 keys per request.
const DELETE_BATCH_SIZE = 1000;

export interface SyncOptions {
  s3: S3Client;
  bucket: string;
  siteDir: string;
  /** The site directory already being scanned (see deploy-site), instead of scanning it here. */
  scanned?: Promise<LocalFile[]>;
  /** Files the tool writes at deploy time, such as `config.json`; they replace a scanned file with the same key. */
  generated?: readonly GeneratedFile[];
  /** The config's `cacheControl` globs. */
  cacheControl?: Record<string, string>;
  concurrency?: number;
  /** Files larger than this are streamed from disk instead of read into memory. */
  streamThresholdBytes?: number;
}

export interface SyncResult {
  uploaded: string[];
  deleted: string[];
  unchanged: number;
  bytesUploaded: number;
  /** Uploaded and deleted keys, sorted: what to invalidate. */
  changedKeys: string[];
  /** PutObject requests made. */
  puts: number;
  /** DeleteObjects requests made (each removes up to 1,000 keys). */
  deletes: number;
}

function generatedSource(file: GeneratedFile): SourceFile {
  return { key: file.key, body: file.body, size: file.body.length, md5: md5Hex(file.body) };
}

/** The local files (scanned and generated) and what the bucket holds, compared. Changes nothing. */
export async function planSiteSync(options: Pick<SyncOptions, 's3' | 'bucket' | 'siteDir' | 'generated' | 'scanned'>): Promise<SyncPlan> {
  const [scanned, remote] = await Promise.all([options.scanned ?? scanSite(options.siteDir), listRemote(options.s3, options.bucket)]);
  if (scanned.length === 0) {
    throw new UserError(`site directory "${options.siteDir}" has no files; add the site's files or fix "siteDir" (syncing it would delete the whole site)`);
  }
  const generated = (options.generated ?? []).map(generatedSource);
  const generatedKeys = new Set(generated.map((file) => file.key));
  const local: SourceFile[] = [...scanned.filter((file) => !generatedKeys.has(file.key)), ...generated];
  return planSync(local, remote);
}

export function assertUploadable(file: SourceFile): void {
  if (file.size > MAX_SINGLE_PUT_BYTES) {
    throw new UserError(`site file "${file.key}" is ${file.size} bytes, over the 5 GiB a single upload allows; keep large media out of the site directory`);
  }
}

/** One PutObject of a file under `key`, streamed from disk past `streamThreshold` bytes, with its Content-MD5. */
export async function putSourceFile(s3: S3Client, bucket: string, key: string, file: SourceFile, headers: { contentType: string; cacheControl: string }, streamThreshold = STREAM_THRESHOLD_BYTES): Promise<void> {
  const body = file.body !== undefined ? file.body : file.size > streamThreshold ? createReadStream(file.path) : await readFile(file.path);
  await s3.send(new PutObjectCommand({
    Bucket: bucket,
    Key: key,
    Body: body,
    ContentLength: file.size,
    ContentType: headers.contentType,
    CacheControl: headers.cacheControl,
    ContentMD5: Buffer.from(file.md5, 'hex').toString('base64'),
  }));
}

function putFile(s3: S3Client, bucket: string, file: SourceFile, rules: CacheRules, streamThreshold: number): Promise<void> {
  return putSourceFile(s3, bucket, file.key, file, { contentType: contentTypeFor(file.key), cacheControl: rules(file.key, file.body !== undefined) }, streamThreshold);
}

export async function deleteKeys(s3: S3Client, bucket: string, keys: readonly string[]): Promise<number> {
  let requests = 0;
  for (let start = 0; start < keys.length; start += DELETE_BATCH_SIZE) {
    const batch = keys.slice(start, start + DELETE_BATCH_SIZE);
    const response = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }));
    requests++;
    // Quiet mode reports only failures; DeleteObjects answers 200 even when some keys failed.
    const failures = response.Errors ?? [];
    if (failures.length > 0) {
      const detail = failures.map((failure) => `${failure.Key ?? '?'} (${failure.Code ?? 'unknown'})`).join(', ');
      throw new UserError(`deleting ${failures.length} site objects from bucket "${bucket}" failed: ${detail}; check the credentials allow s3:DeleteObject and run again`);
    }
  }
  return requests;
}

/** Makes the bucket match the site directory plus the generated files. */
export async function syncSite(options: SyncOptions): Promise<SyncResult> {
  const { s3, bucket } = options;
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  const streamThreshold = options.streamThresholdBytes ?? STREAM_THRESHOLD_BYTES;
  const rules = cacheRules(options.cacheControl);
  const plan = await planSiteSync(options);
  const files = plan.uploads.map((upload) => upload.file);
  files.forEach(assertUploadable);
  const upload = (file: SourceFile) => putFile(s3, bucket, file, rules, streamThreshold);
  await mapBounded(files.filter((file) => !isHtml(file.key)), concurrency, upload);
  await mapBounded(files.filter((file) => isHtml(file.key)), concurrency, upload);
  const deletes = await deleteKeys(s3, bucket, plan.deletes);
  const uploaded = files.map((file) => file.key);
  return {
    uploaded,
    deleted: plan.deletes,
    unchanged: plan.unchanged.length,
    bytesUploaded: files.reduce((total, file) => total + file.size, 0),
    changedKeys: [...uploaded, ...plan.deletes].sort(),
    puts: files.length,
    deletes,
  };
}
