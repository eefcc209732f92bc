// The site step's cost does not grow with the site (issue 17): a no-change `up` makes the same AWS
// requests for a site of 6 files and for one of 1,206 (whose bucket holds more than 1,000 objects,
// a whole-bucket listing's page), and the few listings it makes instead still find what a crashed
// deploy left (a stale root 404 page, root-layout files, a release without a manifest, a release
// past `site.keepReleases`) and finish it.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { CallLogEntry } from '../src/aws/call-log.ts';
import { buildManifest } from '../src/site/releases.ts';
import { makeProject, type CliRun, type TestProject } from './helpers/cli.ts';
import { useEmulator } from './helpers/emulator.ts';
import { bucketObjects, callsOf, completeIds, liveRelease, releaseDirs } from './helpers/releases.ts';
import { md5 } from './helpers/md5.ts';
import { readJson, readText, stateBucket } from './helpers/s3.ts';

const PROJECT = 'scale-resume';
const REGION = 'eu-west-1';
const FUNCTION = `${PROJECT}-edge`;
const EXTRA_FILES = 1200;

const emulator = await useEmulator();
const s3 = new S3Client({ endpoint: emulator.endpoint, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true, maxAttempts: 1 });

const SITE: Record<string, string> = {
  'site/index.html': '<!doctype html><title>Scale</title><h1>Scale</h1>\n',
  'site/404.html': '<!doctype html><title>Not found</title><h1>Not found</h1>\n',
  'site/style.css': 'body { color: black; }\n',
  'site/about/index.html': '<!doctype html><title>About</title>\n',
  'site/resume.pdf': '%PDF-1.4 jane\n',
};

function ok(run: CliRun, what: string): CliRun {
  assert.equal(run.code, 0, `${what} failed (exit ${run.code})\nstdout: ${run.stdout.slice(-2000)}\nstderr: ${run.stderr.slice(-3000)}`);
  return run;
}

/** How many calls of each operation a run made, e.g. `S3.ListObjectsV2` → 3. */
function operations(calls: readonly CallLogEntry[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) {
    const name = `${call.service}.${call.operation}`;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function siteWrites(run: CliRun, bucket: string): CallLogEntry[] {
  return run.calls.filter((call) => call.mutating && (call.target ?? '').startsWith(`${bucket}/`));
}

function siteReads(run: CliRun, bucket: string): number {
  return run.calls.filter((call) => (call.target ?? '').startsWith(`${bucket}/`) || call.target === bucket).length;
}

async function siteBucket(): Promise<string> {
  const state = await readJson<{ resources: Record<string, { outputs: Record<string, string> }> }>(s3, stateBucket(REGION), `${PROJECT}/state.json`);
  const bucket = state.resources.siteBucket?.outputs.bucketName;
  assert.ok(bucket, 'the state records no site bucket');
  return bucket;
}

describe('a no-change up as the site grows', () => {
  let project: TestProject;
  let bucket: string;

  before(async () => {
    await emulator.reset();
    project = await makeProject(emulator.endpoint, { project: PROJECT, region: REGION, site: { keepReleases: 2 } }, SITE);
    ok(await project.run('up', '--yes'), 'the first up');
    bucket = await siteBucket();
  });

  test('makes the same requests, operation by operation, with 6 files and with 1,206, and so does plan', async (t) => {
    // GIVEN a deployed site of 6 files (config.json included)
    const small = ok(await project.run('up', '--yes'), 'a no-change up of 6 files');
    assert.match(small.stdout, /Site: no change/);
    const smallPlan = await project.run('plan');
    assert.equal(smallPlan.code, 0, `plan after a no-change up wants changes\n${smallPlan.stdout}`);

    // WHEN 1,200 files are added and deployed, so that the bucket holds more than one listing page
    for (let index = 0; index < EXTRA_FILES; index++) {
      const dir = join(project.dir, 'site', 'pages', String(Math.floor(index / 100)));
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, `page-${index}.html`), `<!doctype html><title>Page ${index}</title><p>${index}</p>\n`);
    }
    ok(await project.run('up', '--yes'), 'the up that deploys 1,206 files');
    const objects = await bucketObjects(s3, bucket);
    assert.ok(objects.size > 1000, `the bucket holds only ${objects.size} objects`);
    assert.equal(completeIds(objects).length, 2);

    // THEN a no-change up makes exactly the requests it made for 6 files, and writes nothing
    const large = ok(await project.run('up', '--yes'), 'a no-change up of 1,206 files');
    assert.match(large.stdout, /Site: no change/);
    t.diagnostic(`no-change up: ${small.calls.length} requests at 6 files (${siteReads(small, bucket)} on the site bucket), ${large.calls.length} at 1,206 (${siteReads(large, bucket)})`);
    // Every operation the same number of times. The edge function's read of LIVE and the site
    // step's are one GetFunction: until `up` takes the lock its stage reads are kept.
    assert.deepEqual(operations(large.calls), operations(small.calls));
    assert.equal(large.calls.length, small.calls.length);
    for (const run of [small, large]) assert.equal(operations(run.calls)['CloudFront.GetFunction'], 1, 'one GetFunction of LIVE in a no-change up');
    assert.deepEqual(siteWrites(small, bucket), []);
    assert.deepEqual(siteWrites(large, bucket), []);
    assert.equal(callsOf(large, 'UpdateFunction') + callsOf(large, 'PublishFunction') + callsOf(large, 'CreateInvalidation'), 0);
    // AND so does plan
    const largePlan = await project.run('plan');
    assert.equal(largePlan.code, 0, `plan after a no-change up wants changes\n${largePlan.stdout}`);
    assert.deepEqual(operations(largePlan.calls), operations(smallPlan.calls));
  });

  test('still finds what a crashed deploy left, and the next no-change up finishes it', async () => {
    const live = await liveRelease(emulator.endpoint, FUNCTION);
    const liveErrorPage = await readText(s3, bucket, `releases/${live}/404.html`);
    // GIVEN what crashes leave: a release without a manifest, a stale root 404 page, root-layout
    // files (one in a folder) after a migration, and a third complete release past keepReleases (2)
    const incomplete = 'e'.repeat(16);
    const old = 'f'.repeat(16);
    const put = (Key: string, Body: string): Promise<unknown> => s3.send(new PutObjectCommand({ Bucket: bucket, Key, Body }));
    await put(`releases/${incomplete}/index.html`, 'half a release');
    await put('404.html', 'a stale error page');
    await put('index.html', 'the root layout');
    await put('blog/post.html', 'the root layout, in a folder');
    await put(`releases/${old}/index.html`, 'an old release');
    const oldFile = { key: 'index.html', md5: md5('an old release'), size: 14, contentType: 'text/html; charset=utf-8', cacheControl: 'max-age=0, s-maxage=31536000' };
    await put(`release-manifests/${old}.json`, JSON.stringify(buildManifest(old, [oldFile], undefined, new Date(Date.UTC(2020, 0, 1)))));

    // WHEN plan runs, THEN it names the tidying and the prune
    const plan = await project.run('plan');
    assert.equal(plan.code, 2, `plan found nothing to do\n${plan.stdout}`);
    assert.match(plan.stdout, new RegExp(`release ${live} is live; 4 objects left by an interrupted deploy to tidy`));
    assert.match(plan.stdout, new RegExp(`prune 1 old releases \\(${old}\\)`));

    // WHEN a no-change up runs, THEN it finishes all of it and switches nothing
    const up = ok(await project.run('up', '--yes'), 'the no-change up after a crash');
    assert.equal(await liveRelease(emulator.endpoint, FUNCTION), live);
    assert.equal(callsOf(up, 'UpdateFunction') + callsOf(up, 'PublishFunction'), 0);
    assert.equal(await readText(s3, bucket, '404.html'), liveErrorPage);
    const objects = await bucketObjects(s3, bucket);
    assert.deepEqual([...objects.keys()].filter((key) => !key.startsWith('release')), ['404.html']);
    assert.deepEqual(releaseDirs(objects), completeIds(objects));
    assert.equal(completeIds(objects).length, 2);
    assert.ok(!completeIds(objects).includes(old), 'the release past keepReleases is still there');
    const clean = await project.run('plan');
    assert.equal(clean.code, 0, `plan after the up wants changes\n${clean.stdout}`);
  });

  test('a live release deleted from the bucket (emptied by hand) is planned and uploaded again, with no switch', async () => {
    const live = await liveRelease(emulator.endpoint, FUNCTION);
    // GIVEN the bucket emptied behind the tool's back
    const objects = await bucketObjects(s3, bucket);
    for (const key of objects.keys()) await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    // THEN plan says the live release is to be made again
    const plan = await project.run('plan');
    assert.equal(plan.code, 2, `plan found nothing to do in an empty bucket\n${plan.stdout}`);
    assert.match(plan.stdout, new RegExp(`site: new release ${live}: \\d+ to upload`));
    // AND up uploads it under the same id, without touching the function
    const up = ok(await project.run('up', '--yes'), 'the up after the bucket was emptied');
    assert.equal(callsOf(up, 'UpdateFunction') + callsOf(up, 'PublishFunction'), 0);
    assert.equal(await liveRelease(emulator.endpoint, FUNCTION), live);
    const after = await bucketObjects(s3, bucket);
    assert.ok(after.has(`release-manifests/${live}.json`) && after.has(`releases/${live}/index.html`) && after.has('404.html'));
    const clean = await project.run('plan');
    assert.equal(clean.code, 0, `plan after the up wants changes\n${clean.stdout}`);
  });
});
