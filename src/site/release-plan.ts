// What a site deploy will do, from reads only: the local files and their release id, the live
// release (from the function itself), and a snapshot of the site bucket. `plan` prints it, and
// publish.ts carries it out, so the two never disagree.
//
// The snapshot costs the same three requests whatever the site's size, made together: listings by
// `/` of the bucket root and of `releases/` (release ids, not their files), and the manifests'
// listing. Only a new release to build lists files: the live layout's (copy sources) and its own
// prefix (what a crashed attempt wrote). Deleting a release lists its files then.
import { UserError } from '../errors.ts';
import { readStage } from '../edge/function-api.ts';
import { ignoreNotFound } from '../resources/not-found.ts';
import type { EdgeSettings } from '../edge/code.ts';
import type { Project } from '../project/project.ts';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { cacheRules } from './cache-control.ts';
import { contentTypeFor } from './content-type.ts';
import { mapBounded } from './concurrency.ts';
import { siteConfigJson } from './generate.ts';
import { etagMd5, type SourceFile } from './plan.ts';
import {
  ERROR_PAGE_KEY, isRootLayoutKey, listObjects, manifestId, MANIFEST_PREFIX, predecessorOf, readManifests, releaseKey, releasesToPrune, releaseId, RELEASES_PREFIX,
  type Manifest, type ReleaseFile,
} from './releases.ts';
import { md5Hex, scanSite, type LocalFile } from './scan.ts';

export interface SiteTarget {
  bucket: string;
  distributionId: string;
  apiUrl: string | undefined;
}

export type LocalReleaseFile = ReleaseFile & { source: SourceFile };

export interface LocalRelease {
  id: string;
  files: LocalReleaseFile[];
}

/** What the site bucket holds, in a constant number of requests: the root layout's objects, the release ids, the complete releases. */
export interface BucketSnapshot {
  /** Keys outside `releases/` and `release-manifests/` → MD5 ('' when the ETag is not one). */
  root: Map<string, string>;
  /** Ids with objects under `releases/<id>/`, complete or not. */
  releases: Set<string>;
  /** Ids with a manifest. */
  complete: Set<string>;
}

/** What building a release reads in full, each as file key → MD5 ('' when the ETag is not one). */
export interface BuildListing {
  /** The live layout's objects (a release's, or the bucket root's): the sources of copies. */
  live: Map<string, string>;
  /** What a crashed earlier attempt already wrote under `releases/<new id>/`. */
  built: Map<string, string>;
}

export interface CopyFile {
  file: LocalReleaseFile;
  /** The object copied on S3's side. */
  sourceKey: string;
}

export type SiteStep =
  | { kind: 'unchanged' }
  /** The local files are the release a rollback switched away from: left alone (see decisions.md). */
  | { kind: 'kept-rollback' }
  | { kind: 'switch' }
  | { kind: 'build'; upload: LocalReleaseFile[]; copy: CopyFile[]; present: number };

/** Work a finished switch leaves; a crash can leave it undone, and any later deploy finishes it. */
export interface Leftovers {
  /** The root copy of the live release's 404 page is missing or stale. */
  errorPage: boolean;
  /** Root-layout objects still there after the switch to a release (never `404.html`). */
  rootFiles: string[];
  /** Releases under `releases/` with no manifest (a crashed build or prune), not the one being built. */
  incomplete: string[];
}

export interface ReleasePlan {
  local: LocalRelease;
  live: string;
  settings: EdgeSettings;
  rolledBackFrom: string | undefined;
  snapshot: BucketSnapshot;
  /** MD5 of the live release's `404.html` when the step keeps that release (undefined: it has none, or the step switches). */
  liveErrorPage: string | undefined;
  step: SiteStep;
  /** Whether the live layout is the bucket root (a site deployed before releases). */
  migrates: boolean;
}

function compareKeys(a: { key: string }, b: { key: string }): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** The files a release of the site directory holds, with their headers and the release id. */
export async function localRelease(project: Project, target: SiteTarget, scanned?: Promise<LocalFile[]>): Promise<LocalRelease> {
  const siteDir = project.config.siteDir;
  const files = await (scanned ?? scanSite(siteDir));
  if (files.length === 0) throw new UserError(`site directory "${siteDir}" has no files; add the site's files or fix "siteDir"`);
  const generated = [siteConfigJson(target.apiUrl)];
  const generatedKeys = new Set<string>(generated.map((file) => file.key));
  const rules = cacheRules(project.config.cacheControl);
  const sources: Array<{ source: SourceFile; generated: boolean }> = [
    ...files.filter((file) => !generatedKeys.has(file.key)).map((source) => ({ source, generated: false })),
    ...generated.map((file) => ({ source: { key: file.key, body: file.body, size: file.body.length, md5: md5Hex(file.body) }, generated: true })),
  ];
  const releaseFiles = sources
    .map(({ source, generated: isGenerated }) => ({
      key: source.key, md5: source.md5, size: source.size, contentType: contentTypeFor(source.key), cacheControl: rules(source.key, isGenerated), source,
    }))
    .sort(compareKeys);
  return { id: releaseId(releaseFiles), files: releaseFiles };
}

/** Every object under `prefix`, by key relative to it → MD5 ('' when the ETag is not one). */
export async function listTree(s3: S3Client, bucket: string, prefix: string): Promise<Map<string, string>> {
  const { objects } = await listObjects(s3, bucket, prefix);
  return new Map(objects.map(({ key, etag }) => [key.slice(prefix.length), etagMd5(etag) ?? '']));
}

/** The keys of release `id`'s files, listed now (for deleting it). */
export async function releaseObjectKeys(s3: S3Client, bucket: string, id: string): Promise<string[]> {
  return [...(await listTree(s3, bucket, releaseKey(id, ''))).keys()].map((key) => releaseKey(id, key));
}

const LISTING_CONCURRENCY = 4;

/**
 * The bucket's layout from three listings of constant size, made together: the root by `/` (its
 * files; a root layout's folders are listed after it, only when there are some), `releases/` by
 * `/` (the ids), and the manifests.
 */
export async function snapshotBucket(s3: S3Client, bucket: string): Promise<BucketSnapshot> {
  const [top, releases, manifests] = await Promise.all([
    listObjects(s3, bucket, '', '/'),
    listObjects(s3, bucket, RELEASES_PREFIX, '/'),
    listObjects(s3, bucket, MANIFEST_PREFIX),
  ]);
  const root = new Map(top.objects.map(({ key, etag }) => [key, etagMd5(etag) ?? '']));
  // Folders of the root layout: only a migration (or a crash after one) leaves them.
  const folders = top.prefixes.filter(isRootLayoutKey);
  for (const [prefix, files] of await mapBounded(folders, LISTING_CONCURRENCY, async (prefix) => [prefix, await listTree(s3, bucket, prefix)] as const)) {
    for (const [key, md5] of files) root.set(`${prefix}${key}`, md5);
  }
  const ids = releases.prefixes.map((prefix) => prefix.slice(RELEASES_PREFIX.length, -1)).filter((id) => id !== '');
  const complete = manifests.objects.map((object) => manifestId(object.key)).filter((id): id is string => id !== undefined);
  return { root, releases: new Set(ids), complete: new Set(complete) };
}

/** The MD5 of a release's 404 page; undefined when it has none. */
export function errorPageOf(release: LocalRelease): string | undefined {
  return release.files.find((file) => file.key === ERROR_PAGE_KEY)?.md5;
}

/** The MD5 of one object from its ETag ('' when the ETag is not one); undefined when it does not exist. */
async function objectMd5(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
  // HeadObject has no body, so a missing key is `NotFound` (404), not `NoSuchKey`.
  const head = await ignoreNotFound(['NotFound', 'NoSuchKey'], () => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
  return head === undefined ? undefined : etagMd5(head.ETag ?? '') ?? '';
}

/**
 * The MD5 of the live release's 404 page, for a step that keeps it. When the local files are that
 * release (`local`; its id hashes every key and MD5) and the root copy matches them, no request is
 * needed; otherwise the object itself is read, as the copy to the root would take it.
 */
async function keptErrorPage(s3: S3Client, bucket: string, snapshot: BucketSnapshot, live: string, local: LocalRelease | undefined): Promise<string | undefined> {
  if (live === '') return undefined;
  const expected = local && errorPageOf(local);
  if (local && (expected === undefined || snapshot.root.get(ERROR_PAGE_KEY) === expected)) return expected;
  return objectMd5(s3, bucket, releaseKey(live, ERROR_PAGE_KEY));
}

/** The full listings a build of `id` needs; a prefix with no objects is not listed. */
export async function buildListing(s3: S3Client, bucket: string, snapshot: BucketSnapshot, live: string, id: string): Promise<BuildListing> {
  const under = (release: string): Promise<Map<string, string>> =>
    snapshot.releases.has(release) ? listTree(s3, bucket, releaseKey(release, '')) : Promise.resolve(new Map<string, string>());
  const [liveObjects, built] = await Promise.all([live === '' ? Promise.resolve(snapshot.root) : under(live), under(id)]);
  return { live: liveObjects, built };
}

/** The objects of the live layout (a release, or the bucket root) by MD5, for copies on S3's side. */
function copySources(objects: Map<string, string>, live: string): Map<string, string> {
  const byMd5 = new Map<string, string>();
  for (const [key, md5] of objects) {
    if (md5 === '') continue;
    byMd5.set(md5, live === '' ? key : releaseKey(live, key));
  }
  return byMd5;
}

/**
 * A new release's files: what a crashed earlier attempt already wrote stays, a file whose content
 * the live layout holds (under any name) is copied, the rest is uploaded.
 */
export function buildStep(local: LocalRelease, listing: BuildListing, live: string): SiteStep & { kind: 'build' } {
  const already = listing.built;
  const sources = copySources(listing.live, live);
  const step: SiteStep & { kind: 'build' } = { kind: 'build', upload: [], copy: [], present: 0 };
  for (const file of local.files) {
    if (already.get(file.key) === file.md5) {
      step.present += 1;
      continue;
    }
    const sourceKey = sources.get(file.md5);
    if (sourceKey !== undefined) step.copy.push({ file, sourceKey });
    else step.upload.push(file);
  }
  return step;
}

/**
 * The live stage's settings; a missing function or hand-edited code is a UserError naming the fix,
 * or undefined with `missingOk` (for `plan`, where `up` would create or restore the function first).
 */
export async function liveSettings(project: Project, options: { missingOk?: boolean; read?: ReturnType<typeof readStage> } = {}): Promise<EdgeSettings | undefined> {
  const name = project.names.edgeFunction;
  const stage = await (options.read ?? readStage(project.aws, name, 'LIVE'));
  if (!stage) {
    if (options.missingOk) return undefined;
    throw new UserError(`the CloudFront function ${name} that serves the site's releases does not exist (or is not published); run \`${project.hint('up')}\` to create it`);
  }
  if (!stage.settings) {
    if (options.missingOk) return undefined;
    throw new UserError(`the CloudFront function ${name} has code resume-infra did not write (edited in the console?); run \`${project.hint('up')}\` to restore it`);
  }
  return stage.settings;
}

/**
 * The site step's reads, started before the stack's outputs are known (the bucket and function
 * names are the project's own): the site directory's scan, the function's LIVE stage and the
 * bucket's snapshot. For a run that changes nothing before its site step (a no-change `up`,
 * `plan`), so they go along with the stack's reads instead of after them.
 */
export interface EarlySiteReads {
  bucket: string;
  scanned: Promise<LocalFile[]>;
  stage: ReturnType<typeof readStage>;
  snapshot: Promise<BucketSnapshot>;
}

export function startSiteReads(project: Project): EarlySiteReads {
  const bucket = project.names.siteBucket;
  const reads = {
    bucket,
    scanned: scanSite(project.config.siteDir),
    stage: readStage(project.aws, project.names.edgeFunction, 'LIVE'),
    snapshot: snapshotBucket(project.aws.client(S3Client), bucket),
  };
  // Each is awaited (and its error raised) by planRelease, if the run gets there.
  for (const read of [reads.scanned, reads.stage, reads.snapshot]) read.catch(() => undefined);
  return reads;
}

/**
 * Reads what the site step needs and decides it. `settings` undefined: the function does not
 * exist yet (only `plan` before the first `up`), so the whole release is new.
 */
export async function planRelease(
  project: Project, target: SiteTarget, rolledBackFrom: string | undefined, scanned?: Promise<LocalFile[]>, options: { missingFunctionOk?: boolean; early?: EarlySiteReads } = {},
): Promise<ReleasePlan> {
  const s3 = project.aws.client(S3Client);
  const early = options.early?.bucket === target.bucket ? options.early : undefined;
  const [local, found, snapshot] = await Promise.all([
    localRelease(project, target, scanned ?? early?.scanned),
    liveSettings(project, { missingOk: options.missingFunctionOk === true, ...(early ? { read: early.stage } : {}) }),
    early?.snapshot ?? snapshotBucket(s3, target.bucket),
  ]);
  const settings = found ?? { domain: null, redirectFrom: [], release: '' };
  const live = settings.release;
  const migrates = live === '' && snapshot.root.size > (snapshot.root.has(ERROR_PAGE_KEY) ? 1 : 0);
  let step: SiteStep;
  // The live release must still be there, complete: one deleted from the bucket (emptied by hand)
  // is built again, under the same id, so the function needs no switch.
  if (local.id === live && snapshot.complete.has(live) && snapshot.releases.has(live)) step = { kind: 'unchanged' };
  else if (local.id === rolledBackFrom) step = { kind: 'kept-rollback' };
  else if (snapshot.complete.has(local.id)) step = { kind: 'switch' };
  else step = buildStep(local, await buildListing(s3, target.bucket, snapshot, live, local.id), live);
  const liveErrorPage = step.kind === 'unchanged' || step.kind === 'kept-rollback' ? await keptErrorPage(s3, target.bucket, snapshot, live, step.kind === 'unchanged' ? local : undefined) : undefined;
  return { local, live, settings, rolledBackFrom, snapshot, liveErrorPage, step, migrates };
}

/**
 * What a finished switch to `live` would still have to do in the bucket. `errorPageMd5`: the MD5 of
 * the live release's 404 page (undefined when it has none).
 */
export function leftovers(snapshot: BucketSnapshot, live: string, errorPageMd5: string | undefined): Leftovers {
  if (live === '') return { errorPage: false, rootFiles: [], incomplete: [] };
  const rootErrorPage = snapshot.root.get(ERROR_PAGE_KEY);
  return {
    errorPage: errorPageMd5 !== undefined && rootErrorPage !== errorPageMd5,
    rootFiles: [...snapshot.root.keys()].filter((key) => key !== ERROR_PAGE_KEY).sort(),
    incomplete: [...snapshot.releases].filter((id) => !snapshot.complete.has(id) && id !== live).sort(),
  };
}

/** The ids never pruned: the live release, the one made before it, and the one a rollback left. */
export function protectedReleases(manifests: readonly Manifest[], live: string, also: ReadonlyArray<string | undefined>): Set<string> {
  const kept = new Set<string>([live]);
  const before = predecessorOf(manifests, live);
  if (before) kept.add(before.id);
  for (const id of also) if (id) kept.add(id);
  return kept;
}

/** Complete releases past `keep`, oldest first; reads the manifests only when there are more than `keep`. */
export async function prunable(s3: S3Client, bucket: string, snapshot: BucketSnapshot, live: string, keep: number, also: ReadonlyArray<string | undefined>): Promise<string[]> {
  if (snapshot.complete.size <= keep) return [];
  const manifests = await readManifests(s3, bucket, snapshot.complete);
  return releasesToPrune(manifests, keep, protectedReleases(manifests, live, also)).reverse();
}
