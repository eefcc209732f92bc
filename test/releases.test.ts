// src/site/releases.ts and src/site/release-plan.ts: release ids, what a build copies or uploads,
// what a switch leaves to tidy, which releases are pruned, and the site's git commit. No AWS.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RELEASE_ID_PATTERN } from '../src/edge/code.ts';
import { buildStep, leftovers, protectedReleases, type BucketSnapshot, type BuildListing, type LocalRelease } from '../src/site/release-plan.ts';
import { buildManifest, gitInfo, isRootLayoutKey, predecessorOf, releaseId, releasesToPrune, type Manifest, type ReleaseFile } from '../src/site/releases.ts';

function file(key: string, md5: string, cacheControl = 'max-age=0, s-maxage=31536000'): ReleaseFile {
  return { key, md5, size: 10, contentType: 'text/html; charset=utf-8', cacheControl };
}

const A = [file('index.html', 'a'.repeat(32)), file('404.html', 'b'.repeat(32)), file('style.css', 'c'.repeat(32))];

function local(files: ReleaseFile[]): LocalRelease {
  return { id: releaseId(files), files: files.map((entry) => ({ ...entry, source: { key: entry.key, body: Buffer.from(''), size: entry.size, md5: entry.md5 } })) };
}

function snapshot(parts: Partial<{ root: Record<string, string>; releases: string[]; complete: string[] }>): BucketSnapshot {
  return { root: new Map(Object.entries(parts.root ?? {})), releases: new Set(parts.releases ?? []), complete: new Set(parts.complete ?? []) };
}

function listing(live: Record<string, string>, built: Record<string, string> = {}): BuildListing {
  return { live: new Map(Object.entries(live)), built: new Map(Object.entries(built)) };
}

function manifest(id: string, minute: number): Manifest {
  return { ...buildManifest(id, [], undefined, new Date(Date.UTC(2026, 0, 1, 0, minute))) };
}

describe('release id', () => {
  test('is 16 hex digits that the function accepts, the same for the same files in any order', () => {
    const id = releaseId(A);
    assert.match(id, /^[0-9a-f]{16}$/);
    assert.ok(RELEASE_ID_PATTERN.test(id));
    assert.equal(releaseId([...A].reverse()), id);
  });

  test('changes with a file\'s content, its name, or the headers it is served with', () => {
    const id = releaseId(A);
    assert.notEqual(releaseId([file('index.html', 'd'.repeat(32)), ...A.slice(1)]), id);
    assert.notEqual(releaseId([file('home.html', 'a'.repeat(32)), ...A.slice(1)]), id);
    assert.notEqual(releaseId([file('index.html', 'a'.repeat(32), 'no-store'), ...A.slice(1)]), id);
    assert.notEqual(releaseId(A.slice(1)), id);
  });
});

describe('building a release', () => {
  test('copies what the live release holds (by content, under any name), uploads the rest, keeps what a crashed attempt wrote', () => {
    const next = local([file('index.html', 'e'.repeat(32)), file('404.html', 'b'.repeat(32)), file('style.css', 'c'.repeat(32)), file('copy.css', 'c'.repeat(32))]);
    const step = buildStep(next, listing({ 'index.html': 'a'.repeat(32), '404.html': 'b'.repeat(32), 'style.css': 'c'.repeat(32) }, { 'style.css': 'c'.repeat(32) }), 'live1');
    assert.deepEqual(step.upload.map((entry) => entry.key), ['index.html']);
    assert.deepEqual(step.copy.map((entry) => [entry.file.key, entry.sourceKey]), [['404.html', 'releases/live1/404.html'], ['copy.css', 'releases/live1/style.css']]);
    assert.equal(step.present, 1);
  });

  test('from the root layout copies the root objects under their own keys', () => {
    const next = local(A);
    const step = buildStep(next, listing({ 'index.html': 'a'.repeat(32), '404.html': 'b'.repeat(32) }), '');
    assert.deepEqual(step.copy.map((entry) => entry.sourceKey).sort(), ['404.html', 'index.html']);
    assert.deepEqual(step.upload.map((entry) => entry.key), ['style.css']);
  });

  test('an object whose ETag is not an MD5 is uploaded, not copied', () => {
    const next = local(A);
    const step = buildStep(next, listing({ 'index.html': '', '404.html': '', 'style.css': '' }), '');
    assert.equal(step.copy.length, 0);
    assert.equal(step.upload.length, 3);
  });
});

describe('after a switch', () => {
  test('the root 404 page is stale until it holds the live release\'s, and the root layout\'s other files go', () => {
    const left = leftovers(snapshot({ root: { 'index.html': 'a'.repeat(32), 'about/index.html': 'c'.repeat(32), '404.html': 'x'.repeat(32) }, releases: ['r1'], complete: ['r1'] }), 'r1', 'b'.repeat(32));
    assert.deepEqual(left, { errorPage: true, rootFiles: ['about/index.html', 'index.html'], incomplete: [] });
    const missing = leftovers(snapshot({ releases: ['r1'], complete: ['r1'] }), 'r1', 'b'.repeat(32));
    assert.equal(missing.errorPage, true);
    const done = leftovers(snapshot({ root: { '404.html': 'b'.repeat(32) }, releases: ['r1'], complete: ['r1'] }), 'r1', 'b'.repeat(32));
    assert.deepEqual(done, { errorPage: false, rootFiles: [], incomplete: [] });
    const none = leftovers(snapshot({ root: { '404.html': 'b'.repeat(32) }, releases: ['r1'], complete: ['r1'] }), 'r1', undefined);
    assert.equal(none.errorPage, false, 'a release without a 404 page has nothing to copy');
  });

  test('a release without a manifest is incomplete and goes, unless it is live', () => {
    const left = leftovers(snapshot({ releases: ['r1', 'half'], complete: ['r1'] }), 'r1', undefined);
    assert.deepEqual(left.incomplete, ['half']);
  });

  test('while the root layout is live, nothing is left to tidy', () => {
    assert.deepEqual(leftovers(snapshot({ root: { 'index.html': 'a'.repeat(32) }, releases: ['half'] }), '', undefined), { errorPage: false, rootFiles: [], incomplete: [] });
  });

  test('tells the root layout\'s keys from release keys and manifests', () => {
    assert.equal(isRootLayoutKey('index.html'), true);
    assert.equal(isRootLayoutKey('releases/abc/index.html'), false);
    assert.equal(isRootLayoutKey('release-manifests/abc.json'), false);
  });
});

describe('retention', () => {
  const seven = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7'].map((id, index) => manifest(id, index));

  test('keeps the newest keepReleases and prunes the oldest', () => {
    assert.deepEqual(releasesToPrune(seven, 5, protectedReleases(seven, 'r7', [])).sort(), ['r1', 'r2']);
  });

  test('never prunes the live release, the one made before it, or the one a rollback left', () => {
    // r2 is live after a rollback from r7; r1 is the one before it.
    const pruned = releasesToPrune(seven, 2, protectedReleases(seven, 'r2', ['r7']));
    assert.deepEqual(pruned.sort(), ['r3', 'r4', 'r5']);
  });

  test('the release before another is the one created just before it', () => {
    assert.equal(predecessorOf([...seven].reverse(), 'r4')?.id, 'r3');
    assert.equal(predecessorOf(seven, 'r1'), undefined);
  });
});

describe('the site\'s git commit', () => {
  const dirs: string[] = [];
  after(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

  test('is the commit and whether the site directory has uncommitted changes; none outside a repository', async () => {
    const repo = await mkdtemp(join(tmpdir(), 'resume-infra-git-'));
    dirs.push(repo);
    const site = join(repo, 'site');
    await mkdir(site);
    await writeFile(join(site, 'index.html'), 'a');
    assert.equal(await gitInfo(site), undefined);
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: repo });
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'site');
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    assert.deepEqual(await gitInfo(site), { commit: head, dirty: false });
    await writeFile(join(repo, 'notes.txt'), 'outside the site');
    assert.deepEqual(await gitInfo(site), { commit: head, dirty: false });
    await writeFile(join(site, 'index.html'), 'b');
    assert.deepEqual(await gitInfo(site), { commit: head, dirty: true });
  });
});
