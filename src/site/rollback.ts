// Rolling the site back (or forward) to a complete release: one function update, no upload. The
// release's files are all in the bucket already; only the function's live id and the root copy of
// the 404 page change.
import { S3Client } from '@aws-sdk/client-s3';
import { UserError } from '../errors.ts';
import type { Project } from '../project/project.ts';
import type { StateSession } from '../state/session.ts';
import { liveSettings } from './release-plan.ts';
import { ERROR_PAGE_KEY, listManifests, predecessorOf, type Manifest } from './releases.ts';
import { copyErrorPage, switchRelease } from './publish.ts';

export interface RollbackResult {
  /** The release live before. */
  from: string;
  /** The release live now. */
  to: string;
  /** False when `to` was live already (nothing to switch; a rerun after a crash). */
  switched: boolean;
  /** The release `up` leaves alone from now on, until a deploy of other files or a rollback to it. */
  rolledBackFrom: string | undefined;
}

/** The site bucket recorded by `up`; a UserError naming the fix when there is none. */
export function recordedSiteBucket(project: Project, state: { recorded(name: string): { outputs: Record<string, string> } | undefined }): string {
  const bucket = state.recorded('siteBucket')?.outputs.bucketName;
  if (!bucket) throw new UserError(`the state has no site bucket for ${project.config.project}; run \`${project.hint('up')}\` first`);
  return bucket;
}

function byPrefix(project: Project, manifests: readonly Manifest[], requested: string): Manifest {
  const prefix = requested.toLowerCase();
  const matches = /^[0-9a-f]{1,64}$/.test(prefix) ? manifests.filter((manifest) => manifest.id.startsWith(prefix)) : [];
  const [match, ...others] = matches;
  if (!match) throw new UserError(`"${requested}" is not a complete release of this site; run \`${project.hint('releases')}\` to list them`);
  if (others.length > 0) throw new UserError(`"${requested}" matches ${matches.length} releases (${matches.map((manifest) => manifest.id).join(', ')}); give more of the id, as \`${project.hint('releases')}\` lists them`);
  return match;
}

/** Switches to release `requested` (a unique id prefix), or to the one made before the live one. */
export async function rollbackSite(project: Project, state: StateSession, requested: string | undefined): Promise<RollbackResult> {
  const bucket = recordedSiteBucket(project, state);
  const s3 = project.aws.client(S3Client);
  const [settings, manifests] = await Promise.all([liveSettings(project), listManifests(s3, bucket)]);
  const live = settings?.release ?? '';
  if (live === '') throw new UserError(`the site has no releases yet (it is served from the bucket root); run \`${project.hint('up')}\` to make its first one`);
  const recorded = state.document.site;
  // A rollback killed after its switch but before its state write: the recorded live release is where it started.
  const from = recorded?.live !== undefined && manifests.some((manifest) => manifest.id === recorded.live) ? recorded.live : live;
  let target: Manifest;
  if (requested !== undefined) {
    target = byPrefix(project, manifests, requested);
  } else {
    const before = predecessorOf(manifests, from);
    if (!before) throw new UserError(`release ${from} is the oldest complete release, there is none before it; run \`${project.hint('releases')}\` to list them`);
    target = before;
  }
  const switched = target.id !== live;
  if (switched && settings) await switchRelease(project, settings, target.id);
  if (target.files.some((file) => file.key === ERROR_PAGE_KEY)) await copyErrorPage(project, bucket, target.id);
  const marker = recorded?.rolledBackFrom ?? (from === target.id ? undefined : from);
  const rolledBackFrom = marker === target.id ? undefined : marker;
  const previous = from === target.id ? recorded?.previous : from;
  await state.setSite({ live: target.id, ...(previous ? { previous } : {}), ...(rolledBackFrom ? { rolledBackFrom } : {}) });
  return { from, to: target.id, switched, rolledBackFrom };
}
