// The site step of `up` and `deploy-site`: sync the files, then invalidate what changed.
import { S3Client } from '@aws-sdk/client-s3';
// ../site/invalidation.ts, and with it the CloudFront client, is imported below only when there
// is something to invalidate.
import { siteConfigJson } from './generate.ts';
import { invalidationPaths } from './invalidation-paths.ts';
import { assertSiteDirectory, type LocalFile } from './scan.ts';
import { planSiteSync, syncSite } from './sync.ts';
import type { Project } from '../project/project.ts';

export interface SiteTarget {
  bucket: string;
  distributionId: string;
  apiUrl: string | undefined;
}

export interface SitePublishResult {
  uploaded: string[];
  deleted: string[];
  unchanged: number;
  bytesUploaded: number;
  invalidatedPaths: string[];
  invalidationId?: string;
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

/** `scanned`: the site directory's files when the caller started scanning it already. */
export async function publishSite(project: Project, target: SiteTarget, scanned?: Promise<LocalFile[]>): Promise<SitePublishResult> {
  const result = await syncSite({
    s3: project.aws.client(S3Client),
    bucket: target.bucket,
    siteDir: project.config.siteDir,
    ...(scanned ? { scanned } : {}),
    generated: [siteConfigJson(target.apiUrl)],
    cacheControl: project.config.cacheControl,
  });
  const paths = invalidationPaths(result.changedKeys, project.config.cdn.invalidationThreshold);
  let invalidationId: string | undefined;
  if (paths.length > 0) {
    const { CloudFrontClient, createInvalidation } = await import('./invalidation.ts');
    invalidationId = await createInvalidation(project.aws.globalClient(CloudFrontClient), target.distributionId, paths);
  }
  return {
    uploaded: result.uploaded,
    deleted: result.deleted,
    unchanged: result.unchanged,
    bytesUploaded: result.bytesUploaded,
    invalidatedPaths: paths,
    ...(invalidationId ? { invalidationId } : {}),
  };
}

/** What the site step would do, for `plan`. Read-only. */
export async function planSite(project: Project, target: SiteTarget): Promise<{ upload: string[]; delete: string[] }> {
  const plan = await planSiteSync({ s3: project.aws.client(S3Client), bucket: target.bucket, siteDir: project.config.siteDir, generated: [siteConfigJson(target.apiUrl)] });
  return { upload: plan.uploads.map((upload) => upload.file.key), delete: plan.deletes };
}

export function renderSitePublish(result: SitePublishResult): string {
  const kib = (result.bytesUploaded / 1024).toFixed(1);
  const invalidated = result.invalidatedPaths.length === 0 ? 'nothing invalidated' : `invalidated ${result.invalidatedPaths.join(' ')}`;
  return `Site: ${result.uploaded.length} uploaded (${kib} KiB), ${result.deleted.length} deleted, ${result.unchanged} unchanged; ${invalidated}.`;
}
