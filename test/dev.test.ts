// `resume-infra dev` as a user runs it: the real binary, from a project directory with its own copy
// of site/ and no --endpoint-url, so it starts (and must stop) its own emulator.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudFrontClient, GetFunctionCommand } from '@aws-sdk/client-cloudfront';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { readFunctionSettings } from '../src/edge/code.ts';
import { emulatorInstalled, EMULATOR_INSTALL_HINT } from '../src/emulator.ts';
import { ABOUT_PAGE, descendants, isRunning, makeDevProject, pollUntil, runPreviewCommand, startDev, type ProcessInfo } from './helpers/dev.ts';
import './helpers/emulator.ts';

if (!emulatorInstalled()) throw new Error(`${EMULATOR_INSTALL_HINT} (resume-infra dev needs it)`);
// A domain at its zone's apex: the preview drops it from the stack it deploys, and runs the
// function with it, so www.example.com is redirected as in production.
const DOMAIN = 'example.com';
const project = await makeDevProject('dev-test', 'us-east-1', { config: { domain: DOMAIN }, files: { 'about/index.html': ABOUT_PAGE } });
const dev = await startDev(project);
after(async () => {
  await dev.stop();
  await rm(project.dir, { recursive: true, force: true });
});

const ownEmulator = /local AWS emulator at (http:\/\/127\.0\.0\.1:\d+)/.exec(dev.stderr());
const emulatorEndpoint = ownEmulator?.[1] ?? '';
const siteBucket = `${project.project}-site-123456789012`;
const s3 = new S3Client({
  endpoint: emulatorEndpoint,
  region: project.region,
  forcePathStyle: true,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  maxAttempts: 1,
});

const cloudfront = new CloudFrontClient({ endpoint: emulatorEndpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });

async function get(path: string, init?: RequestInit): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(new URL(path, dev.url), init);
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

/** A GET with a chosen Host header (fetch does not let a caller set Host). */
function getWithHost(path: string, host: string): Promise<{ status: number; location: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(new URL(path, dev.url), { headers: { host } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, location: response.headers.location, body }));
    });
    outgoing.once('error', reject);
    outgoing.end();
  });
}

/** The release the deployed function's LIVE code serves, read from the emulator ('' for the bucket root). */
async function liveRelease(): Promise<string> {
  const live = await cloudfront.send(new GetFunctionCommand({ Name: `${project.project}-edge`, Stage: 'LIVE' }));
  const release = readFunctionSettings(Buffer.from(live.FunctionCode ?? new Uint8Array()).toString('utf8'))?.release;
  assert.ok(release !== undefined, 'the LIVE code is the tool\'s, with its settings');
  return release;
}

/** The bucket key of a site file in the live release. */
async function liveKey(file: string): Promise<string> {
  const release = await liveRelease();
  return release === '' ? file : `releases/${release}/${file}`;
}

test('dev without --endpoint-url starts its own emulator and serves each file from the site bucket with the headers up gave it', async () => {
  assert.match(dev.stdout(), new RegExp(`^Preview ready at http://localhost:${dev.port} `, 'm'));
  assert.ok(ownEmulator, `stderr names the emulator dev started:\n${dev.stderr()}`);
  // The printed endpoint is the emulator's stand-in, which runs inside dev; moto_server is behind it.
  assert.ok(descendants(dev.child.pid ?? -1).some((info) => info.command.includes('moto_server')), 'moto_server runs as a child of dev');

  for (const [path, key] of [['/', 'index.html'], ['/css/style.css', 'css/style.css'], ['/js/counter.js', 'js/counter.js'], ['/favicon.svg', 'favicon.svg']] as const) {
    const served = await get(path);
    const object = await s3.send(new HeadObjectCommand({ Bucket: siteBucket, Key: await liveKey(key) }));
    assert.equal(served.status, 200, path);
    assert.deepEqual(served.body, await readFile(join(project.siteDir, key)), `${path} is ${key} as saved`);
    assert.deepEqual(
      { contentType: served.headers.get('content-type'), cacheControl: served.headers.get('cache-control') },
      { contentType: object.ContentType, cacheControl: object.CacheControl },
      `${path} carries the bucket object's headers`,
    );
  }
});

test("dev answers /count with the deployed handler: POST counts, GET reads, and config.json points the page at the preview's own /count", async () => {
  const config = JSON.parse((await get('/config.json')).body.toString('utf8')) as { apiUrl?: string };
  const posted = await get('/count', { method: 'POST' });
  const read = await get('/count');

  assert.equal(config.apiUrl, new URL('/count', dev.url).href);
  assert.equal(posted.status, 200);
  assert.deepEqual(JSON.parse(posted.body.toString('utf8')), { views: 1, visitors: 1 });
  assert.equal(read.headers.get('cache-control'), 'no-store');
  assert.deepEqual(JSON.parse(read.body.toString('utf8')), { views: 1, visitors: 1 }, 'GET counts nothing');
});

test('/, /about/ and /about serve index.html and about/index.html of the live release, through the function in the vm', async () => {
  for (const [path, file] of [['/', 'index.html'], ['/about/', 'about/index.html'], ['/about', 'about/index.html'], ['/index.html', 'index.html']] as const) {
    const served = await get(path);
    assert.equal(served.status, 200, path);
    assert.deepEqual(served.body, await readFile(join(project.siteDir, file)), `${path} is ${file} as saved`);
    const key = await liveKey(file);
    const object = await s3.send(new HeadObjectCommand({ Bucket: siteBucket, Key: key }));
    assert.equal(served.headers.get('etag'), object.ETag, `${path} comes from ${key}`);
  }
  assert.equal((await get('/no-such-page')).status, 404);
});

test(`Host: www.${DOMAIN} gets a 301 to https://${DOMAIN} with the path and the query kept; Host: ${DOMAIN} is served`, async () => {
  const cases: Array<[string, string]> = [
    ['/', `https://${DOMAIN}/`],
    ['/about/', `https://${DOMAIN}/about/`],
    ['/about?ref=mail&tag=a&tag=b&preview', `https://${DOMAIN}/about?ref=mail&tag=a&tag=b&preview`],
  ];
  for (const [path, location] of cases) {
    const answer = await getWithHost(path, `www.${DOMAIN}`);
    assert.deepEqual({ status: answer.status, location: answer.location }, { status: 301, location }, path);
  }
  const withPort = await getWithHost('/about', `www.${DOMAIN}:${dev.port}`);
  assert.deepEqual({ status: withPort.status, location: withPort.location }, { status: 301, location: `https://${DOMAIN}/about` }, 'the port of the preview is not part of the name');
  const apex = await getWithHost('/about', DOMAIN);
  assert.equal(apex.status, 200);
  assert.equal(apex.body, ABOUT_PAGE);
});

test('rollback run as dev printed it, against the preview\'s emulator, shows the previous release on the next request', async () => {
  const index = join(project.siteDir, 'index.html');
  const before = await readFile(index, 'utf8');
  const first = await liveRelease();
  const marker = `Release B ${Date.now()}`;
  await writeFile(index, before.replace(/<h1>[^<]*<\/h1>/, `<h1>${marker}</h1>`));
  const shown = await pollUntil(async () => ((await get('/')).body.toString('utf8').includes(marker) ? true : undefined), 15_000);
  assert.ok(shown, `the edit did not show within 15 s; dev's stderr:\n${dev.stderr()}`);
  assert.notEqual(await liveRelease(), first, 'the edit is a new release');

  const rolledBack = await runPreviewCommand(dev, 'rollback');
  assert.equal(rolledBack.code, 0, rolledBack.stderr);
  const page = await get('/');

  assert.deepEqual(page.body, Buffer.from(before), 'the next request serves the previous release');
  assert.equal(await liveRelease(), first);
  const missing = await get('/no/such/page');
  assert.equal(missing.status, 404);
  assert.match(missing.body.toString('utf8'), /<h1>Page not found<\/h1>/);
  const listed = await runPreviewCommand(dev, 'releases');
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, new RegExp(first));
});

test('a saved change to a site file, a new file and a deleted file show on the next requests within a few seconds', async (t) => {
  const index = join(project.siteDir, 'index.html');
  const marker = `Edited ${Date.now()}`;
  const saved = performance.now();
  await writeFile(index, (await readFile(index, 'utf8')).replace(/<h1>[^<]*<\/h1>/, `<h1>${marker}</h1>`));
  await writeFile(join(project.siteDir, 'new-page.html'), '<!doctype html><title>New</title><h1>New page</h1>\n');

  // The watcher waits 150 ms for more saves, then runs deploy-site; nothing to await but the result.
  const edited = await pollUntil(async () => ((await get('/')).body.toString('utf8').includes(marker) ? performance.now() - saved : undefined), 10_000);
  const added = await pollUntil(async () => ((await get('/new-page.html')).status === 200 ? true : undefined), 10_000);
  t.diagnostic(`edit visible after ${Math.round(edited ?? -1)} ms`);
  assert.ok(edited !== undefined, `the edit did not show within 10 s; dev's stderr:\n${dev.stderr()}`);
  assert.ok(added, 'the new file is served');

  await rm(join(project.siteDir, 'new-page.html'));
  const removed = await pollUntil(async () => ((await get('/new-page.html')).status === 404 ? true : undefined), 10_000);
  assert.ok(removed, 'the deleted file is gone: 404');
});

test('live reload follows every kind of save: rename over, write in place, delete and recreate, then in place again', async () => {
  const index = join(project.siteDir, 'index.html');
  const original = await readFile(index, 'utf8');
  const withMarker = (marker: string) => original.replace(/<h1>[^<]*<\/h1>/, `<h1>${marker}</h1>`);
  const saves: Array<[string, (marker: string) => Promise<void>]> = [
    // `sed -i` and many editors: write a new file, rename it over the old one.
    ['rename over', async (marker) => {
      const temporary = join(project.siteDir, '.index.html.swp-new');
      await writeFile(temporary, withMarker(marker));
      await rename(temporary, index);
    }],
    ['write in place', (marker) => writeFile(index, withMarker(marker))],
    ['delete and recreate', async (marker) => {
      await rm(index);
      await new Promise((done) => setTimeout(done, 300));
      await writeFile(index, withMarker(marker));
    }],
    ['write in place after the others', (marker) => writeFile(index, withMarker(marker))],
  ];
  for (const [kind, save] of saves) {
    const marker = `${kind} ${Date.now()}`;
    await save(marker);
    const shown = await pollUntil(async () => ((await get('/')).body.toString('utf8').includes(marker) ? true : undefined), 15_000);
    assert.ok(shown, `after a save by ${kind}, the preview did not serve the new content within 15 s; dev's stderr:\n${dev.stderr()}`);
  }
});

test('SIGINT stops dev, the emulator it started and its esbuild services, leaving no process behind', async () => {
  const tree: ProcessInfo[] = descendants(dev.child.pid ?? -1);
  assert.ok(tree.some((info) => info.command.includes('moto_server')), 'moto_server is running before');
  assert.ok(tree.some((info) => info.command.includes('esbuild')), 'an esbuild service is running before');

  const stopped = await dev.stop();

  // 130 = 128 + SIGINT, what a shell reports after Ctrl-C; `forced` would mean it needed SIGKILL.
  assert.deepEqual(stopped, { code: 130, signal: null, forced: false }, dev.stderr());
  assert.doesNotMatch(dev.stderr(), /hit a bug|Error:/);
  const running = (): string[] => tree.filter((info) => isRunning(info.pid)).map((info) => `${info.pid} ${info.command}`);
  // The esbuild services exit when their stdin, a pipe from dev, closes: a moment after dev exits.
  await pollUntil(async () => (running().length === 0 ? true : undefined), 5_000);
  assert.deepEqual(running(), [], 'processes dev started are still running');
  assert.equal(isRunning(dev.child.pid ?? -1), false);
  await assert.rejects(fetch(dev.url), 'nothing answers on the preview port');
  await assert.rejects(fetch(`${emulatorEndpoint}/moto-api/`), 'nothing answers on the emulator port');
});
