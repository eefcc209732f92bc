// What a site deploy will do, from reads only: the local files and their release id, the live
// release (from the function itself), and one listing of the site bucket. `plan` prints it, and
// publish.ts carries it out, so the two never disagree.
import { UserError } from '../errors.ts';
import { readStage } from '../edge/function-api.ts';
import type { EdgeSettings } from '../edge/code.ts';
import type { Project } from '../project/project.ts';
import { S3Client } from '@aws-sdk/client-s3';
import { cacheRules } from './cache-control.ts';
import { contentTypeFor } from './content-type.ts';
import { siteConfigJson } from './generate.ts';
import { etagMd5, type SourceFile } from './plan.ts';
import {
  ERROR_PAGE_KEY, isRootLayoutKey, listObjects, manifestId, MANIFEST_PREFIX, predecessorOf, readManifests, releasesToPrune, releaseId, RELEASES_PREFIX,
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

/** What the site bucket holds, from one listing: the root layout's objects, each release's objects, the complete releases. */
export interface BucketSnapshot {
  /** Keys outside `releases/` and `release-manifests/` → MD5 ('' when the ETag is not one). */
  root: Map<string, string>;
  /** Release id → (file key → MD5), complete or not. */
  releases: Map<string, Map<string, string>>;
  /** Ids with a manifest. */
  complete: Set<string>;
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

export async function snapshotBucket(s3: S3Client, bucket: string): Promise<BucketSnapshot> {
  const { objects } = await listObjects(s3, bucket, '');
  const snapshot: BucketSnapshot = { root: new Map(), releases: new Map(), complete: new Set() };
  for (const { key, etag } of objects) {
    const md5 = etagMd5(etag) ?? '';
    if (isRootLayoutKey(key)) {
      snapshot.root.set(key, md5);
    } else if (key.startsWith(MANIFEST_PREFIX)) {
      const id = manifestId(key);
      if (id !== undefined) snapshot.complete.add(id);
    } else {
      const rest = key.slice(RELEASES_PREFIX.length);
      const slash = rest.indexOf('/');
      if (slash <= 0) continue;
      const id = rest.slice(0, slash);
      const files = snapshot.releases.get(id) ?? new Map<string, string>();
      files.set(rest.slice(slash + 1), md5);
      snapshot.releases.set(id, files);
    }
  }
  return snapshot;
}

/** The objects of the live layout (a release, or the bucket root) by MD5, for copies on S3's side. */
function copySources(snapshot: BucketSnapshot, live: string): Map<string, string> {
  const byMd5 = new Map<string, string>();
  const objects = live === '' ? snapshot.root : snapshot.releases.get(live) ?? new Map<string, string>();
  for (const [key, md5] of objects) {
    if (md5 === '') continue;
    byMd5.set(md5, live === '' ? key : `${RELEASES_PREFIX}${live}/${key}`);
  }
  return byMd5;
}

/**
 * A new release's files: what a crashed earlier attempt already wrote stays, a file whose content
 * the live layout holds (under any name) is copied, the rest is uploaded.
 */
export function buildStep(local: LocalRelease, snapshot: BucketSnapshot, live: string): SiteStep & { kind: 'build' } {
  const already = snapshot.releases.get(local.id) ?? new Map<string, string>();
  const sources = copySources(snapshot, live);
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
export async function liveSettings(project: Project, options: { missingOk?: boolean } = {}): Promise<EdgeSettings | undefined> {
  const name = project.names.edgeFunction;
  const stage = await readStage(project.aws, name, 'LIVE');
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
 * Reads what the site step needs and decides it. `settings` undefined: the function does not
 * exist yet (only `plan` before the first `up`), so the whole release is new.
 */
export async function planRelease(project: Project, target: SiteTarget, rolledBackFrom: string | undefined, scanned?: Promise<LocalFile[]>, options: { missingFunctionOk?: boolean } = {}): Promise<ReleasePlan> {
  const s3 = project.aws.client(S3Client);
  const [local, found, snapshot] = await Promise.all([
    localRelease(project, target, scanned),
    liveSettings(project, { missingOk: options.missingFunctionOk === true }),
    snapshotBucket(s3, target.bucket),
  ]);
  const settings = found ?? { domain: null, redirectFrom: [], release: '' };
  const live = settings.release;
  const migrates = live === '' && snapshot.root.size > (snapshot.root.has(ERROR_PAGE_KEY) ? 1 : 0);
  let step: SiteStep;
  if (local.id === live) step = { kind: 'unchanged' };
  else if (local.id === rolledBackFrom) step = { kind: 'kept-rollback' };
  else if (snapshot.complete.has(local.id)) step = { kind: 'switch' };
  else step = buildStep(local, snapshot, live);
  return { local, live, settings, rolledBackFrom, snapshot, step, migrates };
}

/**
 * What a finished switch to `live` would still have to do in the bucket. `errorPageMd5`: the live
 * release's 404 page, when the snapshot was taken before that release was built.
 */
export function leftovers(snapshot: BucketSnapshot, live: string, errorPageMd5 = snapshot.releases.get(live)?.get(ERROR_PAGE_KEY)): Leftovers {
  if (live === '') return { errorPage: false, rootFiles: [], incomplete: [] };
  const rootErrorPage = snapshot.root.get(ERROR_PAGE_KEY);
  return {
    errorPage: errorPageMd5 !== undefined && rootErrorPage !== errorPageMd5,
    rootFiles: [...snapshot.root.keys()].filter((key) => key !== ERROR_PAGE_KEY).sort(),
    incomplete: [...snapshot.releases.keys()].filter((id) => !snapshot.complete.has(id) && id !== live).sort(),
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
