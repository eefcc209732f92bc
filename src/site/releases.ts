// Site releases: every deploy of new content is a complete copy of the site under
// `releases/<id>/`, and the viewer-request function serves the live one. This module knows the
// bucket's layout: the release id, the manifest, where both live, and how to read them back.
//
// - The id is a hash of what visitors get: every file's key, MD5, Content-Type and Cache-Control
//   (generated `config.json` included). The same content is the same release, so a deploy of
//   unchanged files makes none; a change of a cache rule alone is a new release too, since the
//   objects' headers differ.
// - The manifest (`release-manifests/<id>.json`) is written after every file of the release, so a
//   release without one is incomplete and never switched to. Pruning deletes it first, for the
//   same reason. It sits outside `releases/`, where no visitor's path can reach it: the function
//   prefixes every path with `releases/<live>/`.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { GetObjectCommand, paginateListObjectsV2, type S3Client } from '@aws-sdk/client-s3';
import { RELEASE_ID_PATTERN } from '../edge/code.ts';
import { UserError } from '../errors.ts';
import { ignoreNotFound } from '../resources/not-found.ts';

export const RELEASES_PREFIX = 'releases/';
export const MANIFEST_PREFIX = 'release-manifests/';
/** The custom error page's key: the distribution fetches it from the bucket root (see decisions.md). */
export const ERROR_PAGE_KEY = '404.html';
const ID_LENGTH = 16;

export interface ReleaseFile {
  key: string;
  md5: string;
  size: number;
  contentType: string;
  cacheControl: string;
}

export interface GitInfo {
  commit: string;
  /** Uncommitted changes under the site directory when the release was made. */
  dirty: boolean;
}

export interface Manifest {
  id: string;
  createdAt: string;
  fileCount: number;
  bytes: number;
  git?: GitInfo;
  files: ReleaseFile[];
}

/** The release id of a set of files: 16 hex digits of a SHA-256 over their sorted keys, MD5s and headers. */
export function releaseId(files: readonly ReleaseFile[]): string {
  const lines = files.map((file) => `${file.key}\t${file.md5}\t${file.contentType}\t${file.cacheControl}\n`).sort();
  const hash = createHash('sha256');
  for (const line of lines) hash.update(line);
  return hash.digest('hex').slice(0, ID_LENGTH);
}

export function releaseKey(id: string, key: string): string {
  return `${RELEASES_PREFIX}${id}/${key}`;
}

export function manifestKey(id: string): string {
  return `${MANIFEST_PREFIX}${id}.json`;
}

/** Whether an object key belongs to the site as the root layout (before releases) had it. */
export function isRootLayoutKey(key: string): boolean {
  return !key.startsWith(RELEASES_PREFIX) && !key.startsWith(MANIFEST_PREFIX);
}

export function buildManifest(id: string, files: readonly ReleaseFile[], git: GitInfo | undefined, now = new Date()): Manifest {
  const sorted = [...files].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    id,
    createdAt: now.toISOString(),
    fileCount: sorted.length,
    bytes: sorted.reduce((total, file) => total + file.size, 0),
    ...(git ? { git } : {}),
    files: sorted,
  };
}

function parseManifest(body: string, id: string): Manifest | undefined {
  try {
    const parsed = JSON.parse(body) as Partial<Manifest>;
    if (parsed.id !== id || typeof parsed.createdAt !== 'string' || !Array.isArray(parsed.files)) return undefined;
    return parsed as Manifest;
  } catch {
    return undefined;
  }
}

/** The manifest of a release; undefined when it has none (never made, incomplete, or being pruned). */
export async function readManifest(s3: S3Client, bucket: string, id: string): Promise<Manifest | undefined> {
  const object = await ignoreNotFound('NoSuchKey', () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: manifestKey(id) })));
  const body = await object?.Body?.transformToString('utf8');
  return body === undefined ? undefined : parseManifest(body, id);
}

/** Every object under `prefix` with its ETag. */
export async function listObjects(s3: S3Client, bucket: string, prefix: string, delimiter?: string): Promise<{ objects: Array<{ key: string; etag: string }>; prefixes: string[] }> {
  const objects: Array<{ key: string; etag: string }> = [];
  const prefixes: string[] = [];
  try {
    for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket: bucket, Prefix: prefix, ...(delimiter ? { Delimiter: delimiter } : {}) })) {
      for (const object of page.Contents ?? []) if (object.Key !== undefined) objects.push({ key: object.Key, etag: object.ETag ?? '' });
      for (const common of page.CommonPrefixes ?? []) if (common.Prefix !== undefined) prefixes.push(common.Prefix);
    }
  } catch (error) {
    if ((error as { name?: string }).name === 'NoSuchBucket') throw new UserError(`site bucket "${bucket}" does not exist; run \`resume-infra up\` to create it`, { cause: error });
    throw error;
  }
  return { objects, prefixes };
}

/** The id a manifest key names, or undefined for anything else under the prefix. */
export function manifestId(key: string): string | undefined {
  const id = key.slice(MANIFEST_PREFIX.length).replace(/\.json$/, '');
  return key.startsWith(MANIFEST_PREFIX) && key.endsWith('.json') && RELEASE_ID_PATTERN.test(id) ? id : undefined;
}

/** These releases' manifests, oldest first (one that vanished meanwhile is left out). */
export async function readManifests(s3: S3Client, bucket: string, ids: Iterable<string>): Promise<Manifest[]> {
  const manifests = await Promise.all([...ids].map((id) => readManifest(s3, bucket, id)));
  return manifests.filter((manifest): manifest is Manifest => manifest !== undefined).sort(byCreation);
}

/** Every complete release's manifest, oldest first. */
export async function listManifests(s3: S3Client, bucket: string): Promise<Manifest[]> {
  const { objects } = await listObjects(s3, bucket, MANIFEST_PREFIX);
  return readManifests(s3, bucket, objects.map((object) => manifestId(object.key)).filter((id): id is string => id !== undefined));
}

export function byCreation(a: Manifest, b: Manifest): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1;
}

/** The release made just before `id` (by creation time), if any. */
export function predecessorOf(manifests: readonly Manifest[], id: string): Manifest | undefined {
  const sorted = [...manifests].sort(byCreation);
  const index = sorted.findIndex((manifest) => manifest.id === id);
  return index > 0 ? sorted[index - 1] : undefined;
}

/**
 * The releases to delete after a switch: all but the newest `keep`, never one in `protectedIds`
 * (the live one, the one before it, and the one a rollback left).
 */
export function releasesToPrune(manifests: readonly Manifest[], keep: number, protectedIds: ReadonlySet<string>): string[] {
  const newestFirst = [...manifests].sort(byCreation).reverse();
  return newestFirst.slice(keep).map((manifest) => manifest.id).filter((id) => !protectedIds.has(id));
}

const run = promisify(execFile);

/** The site directory's commit and whether it has uncommitted changes; undefined outside a git repository (or without git). */
export async function gitInfo(siteDir: string): Promise<GitInfo | undefined> {
  try {
    const [head, status] = await Promise.all([
      run('git', ['rev-parse', 'HEAD'], { cwd: siteDir }),
      run('git', ['status', '--porcelain', '--', '.'], { cwd: siteDir }),
    ]);
    const commit = head.stdout.trim();
    return /^[0-9a-f]{40,64}$/.test(commit) ? { commit, dirty: status.stdout.trim() !== '' } : undefined;
  } catch {
    return undefined;
  }
}
