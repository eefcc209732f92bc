// `releases`: the site's complete releases, newest first: id, time, files, size, git commit, and
// which one is live. Read-only: no lock.
import { S3Client } from '@aws-sdk/client-s3';
import { EXIT_OK, type GlobalOptions, type Io } from '../ui/io.ts';
import { openProject } from '../project/project.ts';
import { jsonDocument } from '../ui/render.ts';
import { liveSettings } from '../site/release-plan.ts';
import { listManifests, type Manifest } from '../site/releases.ts';
import { recordedSiteBucket } from '../site/rollback.ts';
import { emptyState } from '../state/document.ts';

function size(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function commit(manifest: Manifest): string {
  return manifest.git ? `${manifest.git.commit.slice(0, 12)}${manifest.git.dirty ? '+dirty' : ''}` : '-';
}

export async function releases(options: GlobalOptions, io: Io): Promise<number> {
  const project = await openProject(options, io);
  const loaded = await project.store.read(project.config.project);
  const document = loaded?.document ?? emptyState(project.config.project, project.account, project.region);
  const bucket = recordedSiteBucket(project, { recorded: (name) => document.resources[name] });
  const [settings, manifests] = await Promise.all([liveSettings(project, { missingOk: true }), listManifests(project.aws.client(S3Client), bucket)]);
  const live = settings?.release ?? '';
  const newestFirst = [...manifests].reverse();
  const rolledBackFrom = document.site?.rolledBackFrom;
  if (options.json) {
    io.out(jsonDocument({
      command: 'releases',
      live,
      ...(rolledBackFrom ? { rolledBackFrom } : {}),
      releases: newestFirst.map((manifest) => ({
        id: manifest.id, createdAt: manifest.createdAt, fileCount: manifest.fileCount, bytes: manifest.bytes, live: manifest.id === live, ...(manifest.git ? { git: manifest.git } : {}),
      })),
    }));
    return EXIT_OK;
  }
  if (newestFirst.length === 0) {
    io.out(live === '' ? `No releases yet: the site is served from the bucket root. \`${project.hint('up')}\` makes the first one.\n` : 'No complete releases.\n');
    return EXIT_OK;
  }
  const rows = newestFirst.map((manifest) => [
    manifest.id === live ? '*' : ' ', manifest.id, manifest.createdAt.replace(/\.\d+Z$/, 'Z'), String(manifest.fileCount), size(manifest.bytes), commit(manifest),
  ]);
  const header = [' ', 'release', 'created', 'files', 'size', 'commit'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]) => row.map((cell, column) => (column === 3 || column === 4 ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd();
  const notes = [`* live${rolledBackFrom ? `; rolled back from ${rolledBackFrom} (return with \`${project.hint('rollback', rolledBackFrom)}\`)` : ''}`];
  io.out(`${[line(header), ...rows.map(line), ...notes].join('\n')}\n`);
  return EXIT_OK;
}
