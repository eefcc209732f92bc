// Site releases (issue 15): the calls and seconds of a one-file release (copy the unchanged files
// inside S3, upload one, write the manifest, switch the function) against the sync this tool did
// before releases (upload the changed file to the bucket root, then invalidate its paths), and of
// a rollback. Both site steps run in this process on the same warm emulator, with the same
// project and files; the legacy sync writes to a bucket of its own so it cannot touch the
// releases. Each figure is the median of --reps runs; calls are counted by the SDK call log, the
// state writes apart from the site's and CloudFront's calls.
//
//   npx tsx bench/releases.ts [--reps 5] [--files 20]
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { main } from '../cli/main.ts';
import { quietSdkNode20Notice } from '../cli/node-version.mjs';
import type { CallLogEntry } from '../src/aws/call-log.ts';
import { startEmulator } from '../src/emulator.ts';
import { openProject, withLockedState, type Project } from '../src/project/project.ts';
import { siteConfigJson } from '../src/site/generate.ts';
import { invalidationPaths } from '../src/site/invalidation-paths.ts';
import { createInvalidation } from '../src/site/invalidation.ts';
import { publishSite, siteTarget } from '../src/site/publish.ts';
import { rollbackSite } from '../src/site/rollback.ts';
import { syncSite } from '../src/site/sync.ts';
import type { Io } from '../src/ui/io.ts';
import { median } from './stats.ts';

const { values } = parseArgs({ options: { reps: { type: 'string', default: '5' }, files: { type: 'string', default: '20' } } });
const reps = Number(values.reps);
const fileCount = Number(values.files);

process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
delete process.env.AWS_PROFILE;
quietSdkNode20Notice();

const emulator = await startEmulator();
const dir = await mkdtemp(join(tmpdir(), 'bench-releases-'));
const configPath = join(dir, 'resume-infra.json');
await mkdir(join(dir, 'site', 'img'), { recursive: true });
await writeFile(configPath, JSON.stringify({ project: 'bench-releases', region: 'eu-west-1', site: { keepReleases: 1000 } }));
await writeFile(join(dir, 'site', 'index.html'), '<!doctype html><html lang="en"><title>Jane</title><h1>Jane</h1></html>\n');
await writeFile(join(dir, 'site', '404.html'), '<!doctype html><html lang="en"><title>Not found</title></html>\n');
for (let n = 0; n < fileCount - 2; n++) await writeFile(join(dir, 'site', 'img', `photo-${n}.svg`), `<svg xmlns="http://www.w3.org/2000/svg"><text>${n}</text></svg>\n`);

const io: Io = { out: () => undefined, err: () => undefined, errIsTTY: false };
const options = { config: configPath, endpointUrl: emulator.endpoint };

interface Figure {
  ms: number;
  /** Calls to the site bucket and CloudFront; the state writes are counted apart (the legacy sync has no state). */
  calls: number;
  stateCalls: number;
  mutating: number;
  byOperation: Record<string, number>;
}

async function measured(project: Project, work: () => Promise<unknown>): Promise<Figure> {
  const first = project.aws.callLog.entries.length;
  const started = performance.now();
  await work();
  const ms = performance.now() - started;
  const all: CallLogEntry[] = project.aws.callLog.entries.slice(first);
  const calls = all.filter((call) => !(call.target ?? '').startsWith(`${project.names.stateBucket}/`));
  const byOperation: Record<string, number> = {};
  for (const call of calls) byOperation[call.operation] = (byOperation[call.operation] ?? 0) + 1;
  return { ms, calls: calls.length, stateCalls: all.length - calls.length, mutating: calls.filter((call) => call.mutating).length, byOperation };
}

let edits = 0;
async function editOneFile(): Promise<void> {
  edits += 1;
  await writeFile(join(dir, 'site', 'index.html'), `<!doctype html><html lang="en"><title>Jane</title><h1>Jane, edit ${edits}</h1></html>\n`);
}

function summary(label: string, figures: Figure[]): string {
  const last = figures.at(-1);
  const ops = last ? Object.entries(last.byOperation).sort().map(([operation, count]) => `${operation} ${count}`).join(', ') : '';
  return `${label.padEnd(40)} ${((median(figures.map((figure) => figure.ms)) ?? NaN) / 1000).toFixed(3)} s  ${median(figures.map((figure) => figure.calls))} calls (${median(figures.map((figure) => figure.mutating))} mutating) + ${median(figures.map((figure) => figure.stateCalls))} state: ${ops}`;
}

try {
  const up = await main(['-c', configPath, '--endpoint-url', emulator.endpoint, 'up', '--yes'], io);
  if (up !== 0) throw new Error(`up failed with exit ${up}`);
  const project = await openProject(options, io);
  const loaded = await project.store.read(project.config.project);
  const target = siteTarget((name) => loaded?.document.resources[name]?.outputs);
  if (!target) throw new Error('up recorded no site bucket and distribution');
  const legacyBucket = `${target.bucket}-legacy`;
  await project.aws.client(S3Client).send(new CreateBucketCommand({ Bucket: legacyBucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
  const legacy = async (): Promise<void> => {
    const result = await syncSite({ s3: project.aws.client(S3Client), bucket: legacyBucket, siteDir: project.config.siteDir, generated: [siteConfigJson(target.apiUrl)], cacheControl: project.config.cacheControl });
    const paths = invalidationPaths(result.changedKeys, project.config.cdn.invalidationThreshold);
    if (paths.length > 0) await createInvalidation(project.aws.globalClient(CloudFrontClient), target.distributionId, paths);
  };
  await legacy();

  const release: Figure[] = [];
  const sync: Figure[] = [];
  const rollback: Figure[] = [];
  for (let rep = 0; rep < reps; rep++) {
    await editOneFile();
    // Alternate which goes first.
    const order = rep % 2 === 0 ? ['release', 'legacy'] : ['legacy', 'release'];
    for (const which of order) {
      if (which === 'legacy') sync.push(await measured(project, legacy));
      else release.push(await withLockedState(project, 'bench', io, (state) => measured(project, () => publishSite(project, target, state))));
    }
    let newest = '';
    rollback.push(await withLockedState(project, 'bench', io, (state) => measured(project, async () => {
      newest = (await rollbackSite(project, state, undefined)).from;
    })));
    // Back to the newest release, outside the measurement.
    await withLockedState(project, 'bench', io, (state) => rollbackSite(project, state, newest));
  }
  console.log(`site of ${fileCount} files, one file changed per deploy; warm emulator (moto_server + the CloudFront Functions stand-in); median of ${reps}`);
  console.log(summary('one-file release (copy + switch)', release));
  console.log(summary('legacy sync + invalidation', sync));
  console.log(summary('rollback', rollback));
} finally {
  await emulator.stop();
}
