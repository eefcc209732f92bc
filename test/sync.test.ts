// src/site/sync.ts: the site sync against the emulator's S3.
import { after, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CompleteMultipartUploadCommand, CreateBucketCommand, CreateMultipartUploadCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, S3Client, UploadPartCommand,
} from '@aws-sdk/client-s3';
import { UserError } from '../src/errors.ts';
import { IMMUTABLE, REVALIDATE, SHORT_CACHE } from '../src/site/cache-control.ts';
import { siteConfigJson } from '../src/site/generate.ts';
import { invalidationPaths } from '../src/site/invalidation-paths.ts';
import { planSiteSync, syncSite, type SyncOptions } from '../src/site/sync.ts';
import { useEmulator } from './helpers/emulator.ts';
import { md5 } from './helpers/md5.ts';

const REGION = 'us-east-1';
const BUCKET = 'jane-resume-site';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

const emulator = await useEmulator();

interface CallEvent {
  operation: string;
  key: string | undefined;
  phase: 'start' | 'end';
}

/** An S3 client against the emulator that records every call's start and end, and each PutObject's Content-MD5 header. */
function recordingS3(): { s3: S3Client; events: CallEvent[]; contentMd5: Map<string, string>; count(operation: string): number; reset(): void } {
  const s3 = new S3Client({ endpoint: emulator.endpoint, region: REGION, credentials, forcePathStyle: true, maxAttempts: 1 });
  const events: CallEvent[] = [];
  const contentMd5 = new Map<string, string>();
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? '').replace(/Command$/, '');
      const key = (args.input as { Key?: string }).Key;
      events.push({ operation, key, phase: 'start' });
      const result = await next(args);
      events.push({ operation, key, phase: 'end' });
      return result;
    },
    { step: 'initialize', name: 'testRecorder' },
  );
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
      const key = (args.input as { Key?: string }).Key;
      if (context.commandName === 'PutObjectCommand' && key !== undefined) contentMd5.set(key, headers['content-md5'] ?? '');
      return next(args);
    },
    { step: 'finalizeRequest', name: 'testHeaderRecorder' },
  );
  return {
    s3,
    events,
    contentMd5,
    count: (operation) => events.filter((event) => event.phase === 'start' && event.operation === operation).length,
    reset: () => {
      events.length = 0;
      contentMd5.clear();
    },
  };
}

const tempDirs: string[] = [];
after(() => Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function writeFiles(dir: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

async function siteWith(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'resume-infra-sync-'));
  tempDirs.push(dir);
  await writeFiles(dir, files);
  return dir;
}

async function bodyOf(s3: S3Client, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}

async function bucketKeys(s3: S3Client): Promise<string[]> {
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));
  return (listing.Contents ?? []).map((object) => object.Key ?? '').sort();
}

const SITE = {
  'index.html': '<!doctype html><title>Jane</title><script src="/assets/app.3f9a2c1b.js"></script>',
  'blog/index.html': '<h1>blog</h1>',
  'blog/posts/first-post.html': '<p>first</p>',
  'assets/app.3f9a2c1b.js': 'console.log("hi")',
  'css/site.css': 'body { margin: 0 }',
  'img/photo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]),
  'resume.pdf': '%PDF-1.4',
  '.DS_Store': 'junk',
};

describe('site sync', () => {
  let recorder: ReturnType<typeof recordingS3>;
  let siteDir: string;
  let options: SyncOptions;

  beforeEach(async () => {
    await emulator.reset();
    recorder = recordingS3();
    await recorder.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    recorder.reset();
    siteDir = await siteWith(SITE);
    options = { s3: recorder.s3, bucket: BUCKET, siteDir };
  });

  test('a cold sync uploads every file with its Content-Type, Cache-Control and Content-MD5', async () => {
    const result = await syncSite(options);

    const expected: Record<string, [string, string]> = {
      'index.html': ['text/html; charset=utf-8', REVALIDATE],
      'blog/index.html': ['text/html; charset=utf-8', REVALIDATE],
      'blog/posts/first-post.html': ['text/html; charset=utf-8', REVALIDATE],
      'assets/app.3f9a2c1b.js': ['text/javascript; charset=utf-8', IMMUTABLE],
      'css/site.css': ['text/css; charset=utf-8', SHORT_CACHE],
      'img/photo.png': ['image/png', SHORT_CACHE],
      'resume.pdf': ['application/pdf', SHORT_CACHE],
    };
    assert.deepEqual([...result.uploaded].sort(), Object.keys(expected).sort());
    assert.deepEqual(await bucketKeys(recorder.s3), Object.keys(expected).sort());
    for (const [key, [contentType, cacheControl]] of Object.entries(expected)) {
      const head = await recorder.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
      assert.equal(head.ContentType, contentType, key);
      assert.equal(head.CacheControl, cacheControl, key);
      const content = SITE[key as keyof typeof SITE];
      assert.equal(recorder.contentMd5.get(key), Buffer.from(md5(content), 'hex').toString('base64'), key);
    }
    assert.equal(await bodyOf(recorder.s3, 'css/site.css'), SITE['css/site.css']);
    assert.equal(result.puts, 7);
    assert.equal(result.deletes, 0);
    assert.equal(result.unchanged, 0);
    const totalBytes = Object.keys(expected).reduce((sum, key) => sum + Buffer.byteLength(SITE[key as keyof typeof SITE]), 0);
    assert.equal(result.bytesUploaded, totalBytes);
  });

  test('a second sync of an unchanged site makes no PutObject or DeleteObjects call', async () => {
    await syncSite(options);
    recorder.reset();

    const result = await syncSite(options);

    assert.equal(recorder.count('PutObject'), 0);
    assert.equal(recorder.count('DeleteObjects'), 0);
    assert.equal(recorder.count('ListObjectsV2'), 1);
    assert.deepEqual(result.changedKeys, []);
    assert.equal(result.unchanged, 7);
    assert.equal(result.puts, 0);
    assert.equal(result.deletes, 0);
  });

  test('changing one file uploads that file alone', async () => {
    await syncSite(options);
    await writeFiles(siteDir, { 'css/site.css': 'body { margin: 1rem }' });
    recorder.reset();

    const result = await syncSite(options);

    assert.deepEqual(result.uploaded, ['css/site.css']);
    assert.deepEqual(result.changedKeys, ['css/site.css']);
    assert.deepEqual(recorder.events.filter((event) => event.phase === 'start' && event.operation === 'PutObject').map((event) => event.key), ['css/site.css']);
    assert.equal(await bodyOf(recorder.s3, 'css/site.css'), 'body { margin: 1rem }');
  });

  test('deleting a local file deletes its object with one quiet DeleteObjects call', async () => {
    await syncSite(options);
    await unlink(join(siteDir, 'resume.pdf'));
    await unlink(join(siteDir, 'blog/posts/first-post.html'));
    recorder.reset();

    const result = await syncSite(options);

    assert.deepEqual(result.deleted, ['blog/posts/first-post.html', 'resume.pdf']);
    assert.deepEqual(result.changedKeys, ['blog/posts/first-post.html', 'resume.pdf']);
    assert.equal(recorder.count('DeleteObjects'), 1);
    assert.equal(recorder.count('PutObject'), 0);
    const keys = await bucketKeys(recorder.s3);
    assert.equal(keys.includes('resume.pdf'), false);
    assert.equal(keys.includes('blog/posts/first-post.html'), false);
    assert.equal(keys.includes('index.html'), true);
  });

  test('HTML is uploaded only after every other upload has finished', async () => {
    await syncSite({ ...options, concurrency: 4 });

    const puts = recorder.events.filter((event) => event.operation === 'PutObject');
    const isHtmlKey = (key: string | undefined) => key?.endsWith('.html') === true;
    const firstHtmlStart = puts.findIndex((event) => event.phase === 'start' && isHtmlKey(event.key));
    const lastAssetEnd = puts.findLastIndex((event) => event.phase === 'end' && !isHtmlKey(event.key));
    assert.ok(firstHtmlStart > 0, 'an HTML upload happened');
    assert.ok(lastAssetEnd < firstHtmlStart, `an asset upload ended at ${lastAssetEnd}, after the first HTML upload started at ${firstHtmlStart}`);
    assert.equal(puts.filter((event) => event.phase === 'start' && isHtmlKey(event.key)).length, 3);
  });

  test('the generated config.json is uploaded with the revalidate rule, replaces a committed one and is re-uploaded only when it changes', async () => {
    await writeFiles(siteDir, { 'config.json': '{"apiUrl":"committed"}' });
    const generated = [siteConfigJson('https://abc.execute-api.us-east-1.amazonaws.com/prod')];

    const first = await syncSite({ ...options, generated });

    assert.ok(first.uploaded.includes('config.json'));
    const head = await recorder.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'config.json' }));
    assert.equal(head.CacheControl, REVALIDATE);
    assert.equal(head.ContentType, 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(await bodyOf(recorder.s3, 'config.json')), { apiUrl: 'https://abc.execute-api.us-east-1.amazonaws.com/prod' });

    const same = await syncSite({ ...options, generated: [siteConfigJson('https://abc.execute-api.us-east-1.amazonaws.com/prod')] });
    assert.deepEqual(same.changedKeys, []);

    const changed = await syncSite({ ...options, generated: [siteConfigJson('https://new.execute-api.us-east-1.amazonaws.com/prod')] });
    assert.deepEqual(changed.uploaded, ['config.json']);
    assert.deepEqual(JSON.parse(await bodyOf(recorder.s3, 'config.json')), { apiUrl: 'https://new.execute-api.us-east-1.amazonaws.com/prod' });
  });

  test('files in subdirectories keep their posix keys in the bucket', async () => {
    await syncSite(options);
    assert.deepEqual(await bucketKeys(recorder.s3), [
      'assets/app.3f9a2c1b.js', 'blog/index.html', 'blog/posts/first-post.html', 'css/site.css', 'img/photo.png', 'index.html', 'resume.pdf',
    ]);
    assert.equal(await bodyOf(recorder.s3, 'blog/posts/first-post.html'), '<p>first</p>');
  });

  test('cacheControl globs from the config override the built-in rules on upload', async () => {
    await syncSite({ ...options, cacheControl: { '*.pdf': 'public, max-age=60', '**/*.html': 'public, max-age=30' } });
    assert.equal((await recorder.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'resume.pdf' }))).CacheControl, 'public, max-age=60');
    assert.equal((await recorder.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'blog/index.html' }))).CacheControl, 'public, max-age=30');
    assert.equal((await recorder.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'index.html' }))).CacheControl, 'public, max-age=30');
  });

  test('a 20-file change invalidates /* with a threshold of 15', async () => {
    await syncSite(options);
    await writeFiles(siteDir, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`notes/note-${i}.txt`, `note ${i}`])));

    const result = await syncSite(options);

    assert.equal(result.uploaded.length, 20);
    assert.deepEqual(invalidationPaths(result.changedKeys, 15), ['/*']);
    assert.equal(invalidationPaths(result.changedKeys, 20).length, 20);
  });

  test('a file larger than the stream threshold is streamed from disk and arrives intact', async () => {
    const big = Buffer.alloc(256 * 1024, 'abc');
    await writeFiles(siteDir, { 'media/talk.mp4': big });

    const result = await syncSite({ ...options, streamThresholdBytes: 1024 });

    assert.ok(result.uploaded.includes('media/talk.mp4'));
    const object = await recorder.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'media/talk.mp4' }));
    const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
    assert.equal(md5(bytes), md5(big));
    assert.equal(object.ContentType, 'video/mp4');
  });

  test('an object uploaded in parts by another tool is uploaded once and then counts as unchanged', async () => {
    const { UploadId } = await recorder.s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: 'resume.pdf' }));
    const part = await recorder.s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: 'resume.pdf', UploadId, PartNumber: 1, Body: SITE['resume.pdf'] }));
    const completed = await recorder.s3.send(new CompleteMultipartUploadCommand({
      Bucket: BUCKET, Key: 'resume.pdf', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
    }));
    assert.match(completed.ETag ?? '', /-1"$/, 'the emulator gives a multipart ETag');

    const plan = await planSiteSync(options);
    assert.deepEqual(plan.uploads.filter((upload) => upload.file.key === 'resume.pdf').map((upload) => upload.reason), ['etag is not an md5']);
    await syncSite(options);
    const second = await syncSite(options);
    assert.deepEqual(second.changedKeys, []);
  });

  test('an empty site directory is refused instead of deleting the whole site', async () => {
    await syncSite(options);
    const empty = await siteWith({ '.DS_Store': 'junk' });
    recorder.reset();

    await assert.rejects(syncSite({ ...options, siteDir: empty }), (error: unknown) => error instanceof UserError && error.message.includes('has no files'));
    assert.equal(recorder.count('DeleteObjects'), 0);
    assert.equal((await bucketKeys(recorder.s3)).length, 7);
  });

  test('a missing bucket is a user error naming it', async () => {
    await assert.rejects(
      syncSite({ ...options, bucket: 'no-such-bucket-here' }),
      (error: unknown) => error instanceof UserError && error.message.includes('"no-such-bucket-here"'),
    );
  });
});
