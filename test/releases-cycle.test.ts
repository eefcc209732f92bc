// Site releases against the emulator (with the CloudFront Functions stand-in): a deploy builds
// `releases/<id>/` by copying what did not change, switches the function with zero invalidations,
// `rollback` switches back with one function update, `up` keeps a rollback, old releases are
// pruned, a root-layout site migrates, and `releases --json` lists them.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteObjectsCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Aws } from '../src/aws/clients.ts';
import { writeAndPublish, readStage } from '../src/edge/function-api.ts';
import { edgeFunctionComment } from '../src/edge/code.ts';
import { ROOT_ERROR_PAGE } from '../src/site/cache-control.ts';
import { makeProject, type CliRun, type TestProject } from './helpers/cli.ts';
import { useEmulator } from './helpers/emulator.ts';
import { assertComplete, bucketObjects, callsOf, completeIds, liveRelease, readManifest, releaseDirs, served, siteCalls, type StoredSite } from './helpers/releases.ts';
import { readJson, readText, stateBucket } from './helpers/s3.ts';
import { md5 } from './helpers/md5.ts';

const PROJECT = 'rel-resume';
const REGION = 'eu-west-1';
const FUNCTION = `${PROJECT}-edge`;
const STATE_KEY = `${PROJECT}/state.json`;

const emulator = await useEmulator();
const s3 = new S3Client({ endpoint: emulator.endpoint, region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, forcePathStyle: true, maxAttempts: 1 });

const SITE: Record<string, string> = {
  'site/index.html': '<!doctype html><title>A</title><link rel="stylesheet" href="/style.css"><h1>Release A</h1>\n',
  'site/404.html': '<!doctype html><title>Not found</title><h1>Not found A</h1>\n',
  'site/style.css': 'body { color: black; }\n',
  'site/about/index.html': '<!doctype html><title>About</title>\n',
  'site/resume.pdf': '%PDF-1.4 jane\n',
};

interface StoredState {
  site?: StoredSite;
  resources: Record<string, { outputs: Record<string, string> }>;
}

function ok(run: CliRun, what: string): CliRun {
  assert.equal(run.code, 0, `${what} failed (exit ${run.code})\nstdout: ${run.stdout.slice(-2000)}\nstderr: ${run.stderr.slice(-3000)}`);
  return run;
}

async function state(): Promise<StoredState> {
  return readJson<StoredState>(s3, stateBucket(REGION), STATE_KEY);
}

async function siteBucket(): Promise<string> {
  const bucket = (await state()).resources.siteBucket?.outputs.bucketName;
  assert.ok(bucket, 'the state records no site bucket');
  return bucket;
}

async function edit(project: TestProject, path: string, content: string): Promise<void> {
  await writeFile(join(project.dir, path), content);
}

/** A project deployed once (release A). */
async function deployedProject(config: Record<string, unknown> = {}): Promise<{ project: TestProject; bucket: string; a: string }> {
  await emulator.reset();
  const project = await makeProject(emulator.endpoint, { project: PROJECT, region: REGION, ...config }, SITE);
  ok(await project.run('up', '--yes'), 'the first up');
  const bucket = await siteBucket();
  const a = await liveRelease(emulator.endpoint, FUNCTION);
  assert.match(a, /^[0-9a-f]{16}$/, 'the first up did not switch the function to a release');
  return { project, bucket, a };
}

describe('a release cycle', () => {
  let project: TestProject;
  let bucket: string;
  let a: string;
  let b: string;
  let deployB: CliRun;

  before(async () => {
    ({ project, bucket, a } = await deployedProject());
    await edit(project, 'site/style.css', 'body { color: navy; }\n');
    deployB = ok(await project.run('up', '--yes'), 'up after editing style.css');
    b = await liveRelease(emulator.endpoint, FUNCTION);
  });

  test('the first up makes a complete release A, and copies its 404 page to the bucket root', async () => {
    const manifest = await assertComplete(s3, bucket, a, 'release A');
    assert.deepEqual(manifest.files.map((file) => file.key), ['404.html', 'about/index.html', 'config.json', 'index.html', 'resume.pdf', 'style.css']);
    assert.equal(manifest.fileCount, 6);
    assert.equal(manifest.bytes, manifest.files.reduce((total, file) => total + file.size, 0));
    assert.equal(await readText(s3, bucket, '404.html'), SITE['site/404.html']);
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: '404.html' }));
    assert.equal(head.CacheControl, ROOT_ERROR_PAGE);
    const html = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `releases/${a}/index.html` }));
    assert.equal(html.CacheControl, 'max-age=0, s-maxage=31536000');
    assert.equal(html.ContentType, 'text/html; charset=utf-8');
  });

  test('editing one file uploads only it (and the manifest), copies the rest inside S3, and invalidates nothing', async () => {
    assert.notEqual(b, a, 'the function still serves release A');
    assert.equal(siteCalls(deployB, bucket, 'PutObject', `releases/${b}/`), 1, 'content PutObjects');
    assert.equal(siteCalls(deployB, bucket, 'PutObject', 'release-manifests/'), 1, 'manifest PutObjects');
    assert.equal(siteCalls(deployB, bucket, 'PutObject'), 2, 'PutObjects on the site bucket');
    assert.equal(siteCalls(deployB, bucket, 'CopyObject', `releases/${b}/`), 5, 'files copied from release A');
    assert.equal(callsOf(deployB, 'CreateInvalidation'), 0);
    assert.equal(callsOf(deployB, 'UpdateFunction'), 1);
    assert.equal(callsOf(deployB, 'PublishFunction'), 1);
    await assertComplete(s3, bucket, b, 'release B');
    assert.equal(await served(emulator.endpoint, FUNCTION, s3, bucket, '/style.css'), 'body { color: navy; }\n');
    assert.equal(await served(emulator.endpoint, FUNCTION, s3, bucket, '/about'), SITE['site/about/index.html']);
    // A copied file keeps the current rules' headers (REPLACE), not whatever the source had.
    const copied = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: `releases/${b}/resume.pdf` }));
    assert.equal(copied.ContentType, 'application/pdf');
    assert.equal(copied.CacheControl, 'public, max-age=300, s-maxage=31536000');
    assert.deepEqual((await state()).site?.live, b);
    assert.deepEqual((await state()).site?.previous, a);
  });

  test('rollback goes back to A with one function update and no upload; up with B\'s files keeps it and says how to return', async () => {
    const rollback = ok(await project.run('rollback'), 'rollback');
    assert.equal(await liveRelease(emulator.endpoint, FUNCTION), a);
    assert.equal(await served(emulator.endpoint, FUNCTION, s3, bucket, '/style.css'), SITE['site/style.css']);
    assert.equal(callsOf(rollback, 'UpdateFunction'), 1);
    assert.equal(callsOf(rollback, 'PublishFunction'), 1);
    assert.equal(siteCalls(rollback, bucket, 'PutObject'), 0);
    assert.equal(callsOf(rollback, 'CreateInvalidation'), 0);
    assert.match(rollback.stdout, new RegExp(`release ${a} is live \\(was ${b}\\)`));
    const recorded = (await state()).site;
    assert.equal(recorded?.live, a);
    assert.equal(recorded?.previous, b);
    assert.equal(recorded?.rolledBackFrom, b);
    assert.match(ok(await project.run('status'), 'status').stdout, new RegExp(`^Site release: ${a} \\(rolled back from ${b};`, 'm'));
    assert.equal(await readText(s3, bucket, '404.html'), SITE['site/404.html']);

    // WHEN up runs with B's files, THEN A stays live and one line says how to return to B
    const up = ok(await project.run('up', '--yes'), 'up after the rollback');
    assert.equal(await liveRelease(emulator.endpoint, FUNCTION), a);
    assert.equal(callsOf(up, 'UpdateFunction') + callsOf(up, 'PublishFunction'), 0);
    assert.equal(siteCalls(up, bucket, 'PutObject') + siteCalls(up, bucket, 'CopyObject'), 0);
    const lines = up.stdout.split('\n').filter((line) => line.includes('rolled back'));
    assert.equal(lines.length, 1, up.stdout);
    assert.match(lines[0] ?? '', new RegExp(`npx resume-infra .*rollback ${b}`));
    const plan = await project.run('plan');
    assert.equal(plan.code, 0, `plan after up kept the rollback wants changes\n${plan.stdout}`);

    // WHEN the user runs the printed rollback, THEN B is live and the marker is gone
    ok(await project.run('rollback', b.slice(0, 6)), 'rollback to B by prefix');
    assert.equal(await liveRelease(emulator.endpoint, FUNCTION), b);
    assert.equal((await state()).site?.rolledBackFrom, undefined);
  });

  test('up with unchanged files makes no release and no write to the site or the function; plan is clean', async () => {
    const before = await bucketObjects(s3, bucket);
    const up = ok(await project.run('up', '--yes'), 'a no-change up');
    assert.deepEqual(await bucketObjects(s3, bucket), before);
    const siteWrites = up.calls.filter((call) => call.mutating && (call.target ?? '').startsWith(`${bucket}/`));
    assert.deepEqual(siteWrites, []);
    assert.equal(callsOf(up, 'UpdateFunction') + callsOf(up, 'PublishFunction') + callsOf(up, 'CreateInvalidation'), 0);
    const plan = await project.run('plan');
    assert.equal(plan.code, 0, `plan after a no-change up wants changes\n${plan.stdout}`);
  });

  test('after a rollback, up with files unlike both releases deploys a new release and clears the marker', async () => {
    ok(await project.run('rollback', a), 'rollback to A');
    assert.equal((await state()).site?.rolledBackFrom, b);
    await edit(project, 'site/index.html', '<!doctype html><title>C</title><h1>Release C</h1>\n');
    const up = ok(await project.run('up', '--yes'), 'up with new files');
    const c = await liveRelease(emulator.endpoint, FUNCTION);
    assert.ok(c !== a && c !== b, 'no new release');
    assert.equal(siteCalls(up, bucket, 'PutObject', `releases/${c}/`), 2, 'index.html changed, and style.css is not in the live release A');
    assert.equal((await state()).site?.rolledBackFrom, undefined);
    assert.equal((await state()).site?.previous, a);
  });

  test('releases --json lists every release, newest first, with the live one marked', async () => {
    const listed = ok(await project.run('releases', '--json'), 'releases --json');
    const document = JSON.parse(listed.stdout) as { live: string; releases: Array<{ id: string; createdAt: string; fileCount: number; bytes: number; live: boolean }> };
    const live = await liveRelease(emulator.endpoint, FUNCTION);
    assert.equal(document.live, live);
    assert.deepEqual(document.releases.map((release) => release.id), [live, b, a]);
    assert.deepEqual(document.releases.map((release) => release.live), [true, false, false]);
    assert.ok(document.releases.every((release) => release.fileCount === 6 && release.bytes > 0));
    const text = ok(await project.run('releases'), 'releases');
    assert.match(text.stdout, new RegExp(`^\\*\\s+${live}\\s`, 'm'));
  });

  test('rollback refuses an unknown id in one line that names `releases`', async () => {
    const run = await project.run('rollback', 'ffffffff');
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^error: "ffffffff" is not a complete release of this site; run `npx resume-infra .*releases` to list them\n$/);
  });
});

describe('retention', () => {
  test('after 7 deploys 5 releases remain, and the live release and the one before it are kept', async () => {
    const { project, bucket, a } = await deployedProject();
    const ids = [a];
    for (let n = 2; n <= 7; n++) {
      await edit(project, 'site/style.css', `body { margin: ${n}px; }\n`);
      ok(await project.run('deploy-site'), `deploy ${n}`);
      ids.push(await liveRelease(emulator.endpoint, FUNCTION));
    }
    assert.equal(new Set(ids).size, 7);
    const objects = await bucketObjects(s3, bucket);
    assert.deepEqual(completeIds(objects), ids.slice(2).sort());
    assert.deepEqual(releaseDirs(objects), ids.slice(2).sort(), 'the pruned releases left objects');
  });
});

describe('migration', () => {
  test('a site at the bucket root moves into its first release by copying, switches, then loses its root files but not 404.html', async () => {
    // GIVEN a site as the previous version deployed it: files at the bucket root, the function serving ''
    const { project, bucket } = await deployedProject();
    const aws = new Aws({ region: 'us-east-1', endpointUrl: emulator.endpoint, maxAttempts: 1 });
    const live = await readStage(aws, FUNCTION, 'LIVE');
    assert.ok(live?.settings);
    const files = Object.entries(SITE).map(([path, body]) => ({ key: path.slice('site/'.length), body }));
    const config = await readText(s3, bucket, `releases/${live.settings.release}/config.json`);
    for (const { key, body } of [...files, { key: 'config.json', body: config }]) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    }
    await writeAndPublish(aws, FUNCTION, edgeFunctionComment(PROJECT), { ...live.settings, release: '' });
    aws.destroy();
    const before = await bucketObjects(s3, bucket);
    const releaseKeys = [...before.keys()].filter((key) => key.startsWith('release'));
    await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: releaseKeys.map((Key) => ({ Key })) } }));

    const plan = await project.run('plan');
    assert.equal(plan.code, 2);
    assert.match(plan.stdout, /new release [0-9a-f]{16}: 0 to upload, 6 to copy; live the bucket root → [0-9a-f]{16} \(moves the site from the bucket root/);

    // WHEN up runs
    const up = ok(await project.run('up', '--yes'), 'the migrating up');

    // THEN the release was built only by copies, the switch came after the manifest and before any delete
    const id = await liveRelease(emulator.endpoint, FUNCTION);
    assert.equal(siteCalls(up, bucket, 'PutObject', 'releases/'), 0);
    assert.equal(siteCalls(up, bucket, 'CopyObject', `releases/${id}/`), 6);
    const order = up.calls.map((call) => call.operation);
    const manifestAt = up.calls.findIndex((call) => call.operation === 'PutObject' && (call.target ?? '').includes('release-manifests/'));
    assert.ok(manifestAt < order.indexOf('PublishFunction') && order.indexOf('PublishFunction') < order.indexOf('DeleteObjects'), order.join(' '));
    await assertComplete(s3, bucket, id, 'the migrated release');
    assert.equal(await served(emulator.endpoint, FUNCTION, s3, bucket, '/'), SITE['site/index.html']);
    const after = await bucketObjects(s3, bucket);
    assert.deepEqual([...after.keys()].filter((key) => !key.startsWith('release')), ['404.html']);
    assert.equal(after.get('404.html'), md5(SITE['site/404.html'] ?? ''));
    assert.equal((await readManifest(s3, bucket, id)).fileCount, 6);
    const clean = await project.run('plan');
    assert.equal(clean.code, 0, `plan after the migration wants changes\n${clean.stdout}`);
  });
});
