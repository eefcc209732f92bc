// The site step of `up` and `deploy-site`: publish the site directory as a release and switch the
// viewer-request function to it. No invalidation: a release's objects have keys of their own, so
// CloudFront's cache keys change with the switch (see docs/decisions.md).
//
// Order, so that the function only ever points at a complete release:
// 1. the release's files: copied on S3's side from the live layout when the content is there
//    already, uploaded otherwise (a file a crashed earlier attempt wrote is kept);
// 2. its manifest, last: a release without one is incomplete and never switched to;
// 3. the switch (UpdateFunction + PublishFunction, each with IfMatch);
// 4. then the work a switch leaves (finishSwitch): the root copy of the 404 page, the state's
//    record, the root layout's files after a migration, incomplete releases, and releases past
//    `site.keepReleases`. Each deploy finishes what a crashed one left of these. A release's files
//    are listed only when it is deleted, so a deploy with nothing new makes the same requests
//    however large the site is.
import { CopyObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { edgeFunctionComment, type EdgeSettings } from '../edge/code.ts';
import { writeAndPublish } from '../edge/function-api.ts';
import type { Project } from '../project/project.ts';
import type { SiteRecord } from '../state/document.ts';
import type { StateSession } from '../state/session.ts';
import { ROOT_ERROR_PAGE } from './cache-control.ts';
import { mapBounded } from './concurrency.ts';
import {
  errorPageOf, leftovers, planRelease, type EarlySiteReads, prunable, releaseObjectKeys, type BucketSnapshot, type LocalRelease, type ReleasePlan, type SiteStep, type SiteTarget,
} from './release-plan.ts';
import { buildManifest, ERROR_PAGE_KEY, gitInfo, manifestKey, releaseKey } from './releases.ts';
import { assertSiteDirectory, type LocalFile } from './scan.ts';
import { assertUploadable, DEFAULT_CONCURRENCY, deleteKeys, putSourceFile } from './sync.ts';

export type { SiteTarget };

export interface SitePublishResult {
  /** The live release after the deploy. */
  release: string;
  /** The release live before it ('' = the bucket root). */
  previous: string;
  action: 'unchanged' | 'kept-rollback' | 'switched' | 'created';
  uploaded: string[];
  copied: number;
  bytesUploaded: number;
  /** The root layout's files were moved into this first release. */
  migrated: boolean;
  /** Root-layout objects deleted (after a migration, or left by a crashed one). */
  rootFilesDeleted: number;
  pruned: string[];
  /** Set when the live release was rolled back from the local files' release (kept-rollback). */
  rolledBackFrom?: string;
}

/** Fails before anything is changed when the site directory is missing. */
export async function assertSiteDir(project: Project): Promise<void> {
  await assertSiteDirectory(project.config.siteDir);
}

/** The site step's target, from the outputs of the stack; undefined when the stack has no site. */
export function siteTarget(outputs: (name: string) => Record<string, string> | undefined): SiteTarget | undefined {
  const distributionId = outputs('distribution')?.distributionId;
  const bucket = outputs('siteBucket')?.bucketName;
  if (!distributionId || !bucket) return undefined;
  return { bucket, distributionId, apiUrl: outputs('api')?.apiUrl };
}

/** `a/b c` → `bucket/a/b%20c`: CopySource is URL-encoded, with the key's slashes kept. */
export function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

/** CopyObject on S3's side with the headers set explicitly (REPLACE), never taken from the source. */
export async function copyObject(s3: S3Client, bucket: string, from: string, to: string, headers: { contentType: string; cacheControl: string }): Promise<void> {
  await s3.send(new CopyObjectCommand({
    Bucket: bucket, Key: to, CopySource: copySource(bucket, from), MetadataDirective: 'REPLACE', ContentType: headers.contentType, CacheControl: headers.cacheControl,
  }));
}

/** Writes `releases/<id>/` and then its manifest. */
async function buildRelease(project: Project, bucket: string, local: LocalRelease, step: SiteStep & { kind: 'build' }): Promise<void> {
  const s3 = project.aws.client(S3Client);
  step.upload.forEach((file) => assertUploadable(file.source));
  const work = [
    ...step.copy.map(({ file, sourceKey }) => () => copyObject(s3, bucket, sourceKey, releaseKey(local.id, file.key), file)),
    ...step.upload.map((file) => () => putSourceFile(s3, bucket, releaseKey(local.id, file.key), file.source, file)),
  ];
  await mapBounded(work, DEFAULT_CONCURRENCY, (task) => task());
  const manifest = buildManifest(local.id, local.files.map(({ source: _source, ...file }) => file), await gitInfo(project.config.siteDir));
  await s3.send(new PutObjectCommand({
    Bucket: bucket, Key: manifestKey(local.id), Body: `${JSON.stringify(manifest, null, 2)}\n`, ContentType: 'application/json', CacheControl: 'no-store',
  }));
}

/** Points the viewer-request function at `release`: one UpdateFunction and one PublishFunction. */
export async function switchRelease(project: Project, settings: EdgeSettings, release: string): Promise<void> {
  await writeAndPublish(project.aws, project.names.edgeFunction, edgeFunctionComment(project.config.project), { ...settings, release });
}

/** The root copy of a release's 404 page, which CloudFront fetches without running the function. */
export async function copyErrorPage(project: Project, bucket: string, release: string): Promise<void> {
  await copyObject(project.aws.client(S3Client), bucket, releaseKey(release, ERROR_PAGE_KEY), ERROR_PAGE_KEY, { contentType: 'text/html; charset=utf-8', cacheControl: ROOT_ERROR_PAGE });
}

interface Finished {
  rootFilesDeleted: number;
  pruned: string[];
}

/** Where a switch lands: the release, and the MD5 of its 404 page (undefined when it has none). */
interface Landing {
  live: string;
  errorPage: string | undefined;
}

/**
 * What a switch to `landing.live` leaves, done (or finished after a crash): the 404 page's root
 * copy first, then `record` (the state), then the root layout's files, incomplete releases, and
 * releases past `keepReleases`. `snapshot` must already show the release as built.
 */
async function finishSwitch(project: Project, bucket: string, snapshot: BucketSnapshot, landing: Landing, record: () => Promise<void>, protect: ReadonlyArray<string | undefined>): Promise<Finished> {
  const s3 = project.aws.client(S3Client);
  const { live } = landing;
  const left = leftovers(snapshot, live, landing.errorPage);
  if (left.errorPage) await copyErrorPage(project, bucket, live);
  await record();
  await deleteKeys(s3, bucket, left.rootFiles);
  for (const id of left.incomplete) await deleteKeys(s3, bucket, await releaseObjectKeys(s3, bucket, id));
  const pruned = await prunable(s3, bucket, snapshot, live, project.config.site.keepReleases, protect);
  for (const id of pruned) {
    // The manifest first: a release half deleted is incomplete, never a target of a switch.
    await deleteKeys(s3, bucket, [manifestKey(id)]);
    await deleteKeys(s3, bucket, await releaseObjectKeys(s3, bucket, id));
  }
  return { rootFilesDeleted: left.rootFiles.length, pruned };
}

/** The snapshot as it is once `local` is built, and where a switch to it lands. */
function withBuilt(snapshot: BucketSnapshot, local: LocalRelease): { snapshot: BucketSnapshot; landing: Landing } {
  return {
    snapshot: { ...snapshot, releases: new Set([...snapshot.releases, local.id]), complete: new Set([...snapshot.complete, local.id]) },
    landing: { live: local.id, errorPage: errorPageOf(local) },
  };
}

/** Where the site stays or lands, and the snapshot as it is then. */
function outcome(plan: ReleasePlan, stays: boolean): { snapshot: BucketSnapshot; landing: Landing } {
  return stays ? { snapshot: plan.snapshot, landing: { live: plan.live, errorPage: plan.liveErrorPage } } : withBuilt(plan.snapshot, plan.local);
}

function planned(plan: ReleasePlan): Pick<SitePublishResult, 'uploaded' | 'copied' | 'bytesUploaded'> {
  const step = plan.step;
  if (step.kind !== 'build') return { uploaded: [], copied: 0, bytesUploaded: 0 };
  return { uploaded: step.upload.map((file) => file.key), copied: step.copy.length, bytesUploaded: step.upload.reduce((total, file) => total + file.size, 0) };
}

/** `scanned`: the site directory's files when the caller started scanning it already. */
export async function publishSite(project: Project, target: SiteTarget, state: StateSession, scanned?: Promise<LocalFile[]>): Promise<SitePublishResult> {
  const recorded = state.document.site;
  const plan = await planRelease(project, target, recorded?.rolledBackFrom, scanned);
  const { local, live, step } = plan;
  if (step.kind === 'unchanged' || step.kind === 'kept-rollback') {
    // A crash after an earlier switch may have left its record or its cleanup undone.
    const site: Omit<SiteRecord, 'updatedAt'> = recorded?.live === live ? recorded : { live, ...(recorded?.live ? { previous: recorded.live } : {}) };
    const { snapshot, landing } = outcome(plan, true);
    const finished = await finishSwitch(project, target.bucket, snapshot, landing, () => state.setSite(site), [site.rolledBackFrom, site.previous]);
    return {
      release: live, previous: live, action: step.kind, uploaded: [], copied: 0, bytesUploaded: 0, migrated: false, ...finished,
      ...(step.kind === 'kept-rollback' ? { rolledBackFrom: local.id } : {}),
    };
  }
  if (step.kind === 'build') await buildRelease(project, target.bucket, local, step);
  // The live release built again (it was deleted from the bucket): the function points at it already.
  const rebuilt = local.id === live;
  if (!rebuilt) await switchRelease(project, plan.settings, local.id);
  const previous = rebuilt ? recorded?.previous : live === '' ? undefined : live;
  const { snapshot, landing } = outcome(plan, false);
  const finished = await finishSwitch(project, target.bucket, snapshot, landing, () => state.setSite({ live: local.id, ...(previous ? { previous } : {}) }), [previous]);
  return {
    release: local.id, previous: live, action: step.kind === 'build' ? 'created' : 'switched', ...planned(plan), migrated: plan.migrates, ...finished,
  };
}

export interface SitePlan {
  release: string;
  live: string;
  action: SitePublishResult['action'];
  upload: string[];
  copy: number;
  migrates: boolean;
  /** Cleanup a crashed deploy left: root files, incomplete releases, a stale 404 copy. */
  cleanup: number;
  prune: string[];
}

/** What the site step would do, for `plan`. Read-only. */
export async function planSite(project: Project, target: SiteTarget, rolledBackFrom: string | undefined, early?: EarlySiteReads): Promise<SitePlan> {
  const plan = await planRelease(project, target, rolledBackFrom, undefined, { missingFunctionOk: true, ...(early ? { early } : {}) });
  const { step } = plan;
  const action: SitePlan['action'] = step.kind === 'build' ? 'created' : step.kind === 'switch' ? 'switched' : step.kind;
  const stays = action === 'unchanged' || action === 'kept-rollback';
  const { snapshot, landing } = outcome(plan, stays);
  const left = leftovers(snapshot, landing.live, landing.errorPage);
  const prune = await prunable(project.aws.client(S3Client), target.bucket, snapshot, landing.live, project.config.site.keepReleases, [rolledBackFrom, stays ? undefined : plan.live]);
  return {
    release: plan.local.id,
    live: plan.live,
    action,
    upload: step.kind === 'build' ? step.upload.map((file) => file.key) : [],
    copy: step.kind === 'build' ? step.copy.length : 0,
    migrates: plan.migrates && !stays,
    cleanup: stays ? (left.errorPage ? 1 : 0) + left.rootFiles.length + left.incomplete.length : 0,
    prune,
  };
}

/** Whether `up` would change anything in the site bucket or the function. */
export function sitePlanChanges(plan: SitePlan): boolean {
  return !(plan.action === 'unchanged' || plan.action === 'kept-rollback') || plan.cleanup > 0 || plan.prune.length > 0;
}

function shown(release: string): string {
  return release === '' ? 'the bucket root' : release;
}

/** The plan's site lines. */
export function renderSitePlan(plan: SitePlan, hint: Project['hint']): string[] {
  const lines: string[] = [];
  if (plan.action === 'created') {
    lines.push(`  site: new release ${plan.release}: ${plan.upload.length} to upload, ${plan.copy} to copy; live ${shown(plan.live)} → ${plan.release}${plan.migrates ? ' (moves the site from the bucket root into its first release, then deletes the root files)' : ''}`);
    for (const key of plan.upload) lines.push(`      + ${key}`);
  } else if (plan.action === 'switched') {
    lines.push(`  site: switch to existing release ${plan.release}; live ${shown(plan.live)} → ${plan.release}`);
  } else if (plan.action === 'kept-rollback') {
    lines.push(`  site: no change (live release ${plan.live} was rolled back from ${plan.release}, the local files; to return to it run \`${hint('rollback', plan.release)}\`)`);
  } else if (plan.cleanup > 0) {
    lines.push(`  site: release ${plan.live} is live; ${plan.cleanup} objects left by an interrupted deploy to tidy`);
  }
  if (plan.prune.length > 0) lines.push(`  site: prune ${plan.prune.length} old releases (${plan.prune.join(', ')})`);
  return lines;
}

export function renderSitePublish(result: SitePublishResult, hint: Project['hint']): string {
  const pruned = result.pruned.length > 0 ? `; pruned ${result.pruned.length} old releases` : '';
  switch (result.action) {
    case 'unchanged':
      return `Site: no change; release ${shown(result.release)} is live${pruned}.`;
    case 'kept-rollback':
      return `Site: the live release was rolled back to ${result.release} from ${result.rolledBackFrom ?? '?'} (your files); nothing deployed. To return to it: \`${hint('rollback', result.rolledBackFrom ?? '')}\`.`;
    case 'switched':
      return `Site: switched to existing release ${result.release} (was ${shown(result.previous)}), nothing uploaded${pruned}.`;
    case 'created': {
      const kib = (result.bytesUploaded / 1024).toFixed(1);
      const migrated = result.migrated ? `; moved from the bucket root, ${result.rootFilesDeleted} root files deleted` : '';
      return `Site: release ${result.release} is live (was ${shown(result.previous)}): ${result.uploaded.length} uploaded (${kib} KiB), ${result.copied} copied${migrated}${pruned}; no invalidation needed.`;
    }
  }
}
