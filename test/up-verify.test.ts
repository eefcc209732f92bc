// `up --verify` with a deliberately broken release, on the emulator: verify fails, up rolls the
// site back to the previous release, verifies again, exits 1, and the page serves the previous
// release. The site is checked through the preview's server (src/dev/server.ts) in this process:
// the live release from the emulator's bucket, chosen by the deployed function's LIVE code.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { CloudFrontClient, GetFunctionCommand } from '@aws-sdk/client-cloudfront';
import { parseConfig } from '../src/config.ts';
import { startPreviewServer } from '../src/dev/server.ts';
import { useEmulator } from './helpers/emulator.ts';
import { makeProject } from './helpers/cli.ts';

const emulator = await useEmulator();
const region = 'us-east-1';
const PROJECT = 'verify-resume';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const s3 = new S3Client({ endpoint: emulator.endpoint, region, credentials, forcePathStyle: true, maxAttempts: 1 });
const cloudfront = new CloudFrontClient({ endpoint: emulator.endpoint, region, credentials, maxAttempts: 1 });
const PAGE_A = '<!doctype html><html lang="en"><head><title>Release A</title></head><body><h1>A</h1></body></html>\n';
const NOT_FOUND = '<!doctype html><html lang="en"><head><title>Not found</title></head><body><h1>Not found</h1></body></html>\n';

const project = await makeProject(emulator.endpoint, { project: PROJECT, region }, { 'site/index.html': PAGE_A, 'site/404.html': NOT_FOUND });
const preview = await startPreviewServer({
  s3,
  bucket: `${PROJECT}-site-123456789012`,
  port: 0,
  // The counter is not under test here: /count answers totals as the handler's GET does.
  handler: () => async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: '{"views":0,"visitors":0}' }),
  edgeCode: async () => {
    const live = await cloudfront.send(new GetFunctionCommand({ Name: `${PROJECT}-edge`, Stage: 'LIVE' }));
    return Buffer.from(live.FunctionCode ?? new Uint8Array()).toString('utf8');
  },
  headers: parseConfig({ project: PROJECT }, 'c', '/tmp').headers,
});
after(() => new Promise<void>((done) => {
  preview.close(() => done());
  preview.closeAllConnections();
}));
const siteUrl = `http://localhost:${(preview.address() as AddressInfo).port}`;

interface Report {
  ok: boolean;
  verify?: { ok: boolean; checks: Array<{ name: string; status: string; seen: string }> };
  rollback?: { from: string; to: string };
  verifyAfterRollback?: { ok: boolean };
}

test('up --verify keeps a good release, and rolls a broken one back, exits 1, and the page serves the previous release', async () => {
  const first = await project.run('up', '--yes', '--verify', '--verify-url', siteUrl, '--json');
  assert.equal(first.code, 0, first.stdout + first.stderr);
  const good = JSON.parse(first.stdout) as Report;
  assert.equal(good.ok, true);
  assert.equal(good.verify?.ok, true, JSON.stringify(good.verify));
  assert.equal(good.rollback, undefined);

  // Release B's 404 page is not a page: a missing path answers 404 with text that is no HTML document.
  await writeFile(join(project.dir, 'site', '404.html'), 'oops\n');
  const second = await project.run('up', '--yes', '--verify', '--verify-url', siteUrl, '--json');
  assert.equal(second.code, 1, second.stdout + second.stderr);
  assert.ok(second.stdout.trim(), second.stderr);
  const report = JSON.parse(second.stdout) as Report;
  assert.equal(report.ok, false);
  const notFound = report.verify?.checks.find((check) => check.name === 'not-found');
  assert.equal(notFound?.status, 'failed', JSON.stringify(report.verify));
  assert.match(notFound?.seen ?? '', /^404 with text\/html/);
  assert.deepEqual(report.verify?.checks.filter((check) => check.status === 'failed').map((check) => check.name), ['not-found']);
  assert.ok(report.rollback?.to && report.rollback.from && report.rollback.to !== report.rollback.from, JSON.stringify(report.rollback));
  assert.equal(report.verifyAfterRollback?.ok, true);
  assert.match(second.stderr, /verify failed: rolling the site back to the previous release/);

  const page = await fetch(siteUrl);
  assert.equal(page.status, 200);
  assert.equal(await page.text(), PAGE_A);
  const missing = await fetch(new URL('/no/such/page', siteUrl));
  assert.equal(missing.status, 404);
  assert.equal(await missing.text(), NOT_FOUND);
});

test('--verify-url without --verify is a one-line error', async () => {
  const run = await project.run('up', '--verify-url', siteUrl);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /--verify-url is used only with --verify; add --verify/);
});
