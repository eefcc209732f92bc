// src/site/scan.ts: the local scan of the site directory (no emulator needed).
import { after, test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../src/errors.ts';
import { scanSite } from '../src/site/scan.ts';
import { md5 } from './helpers/md5.ts';

const tempDirs: string[] = [];

after(() => Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function siteWith(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'resume-infra-site-'));
  tempDirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

describe('scanning the site directory', () => {
  test('keys are posix paths of every file in subdirectories, with their size and MD5, sorted', async () => {
    const dir = await siteWith({ 'index.html': '<h1>hi</h1>', 'blog/posts/first.html': 'first', 'css/site.css': 'body{}' });
    const files = await scanSite(dir);
    assert.deepEqual(files.map((file) => file.key), ['blog/posts/first.html', 'css/site.css', 'index.html']);
    const index = files.find((file) => file.key === 'index.html');
    assert.equal(index?.md5, md5('<h1>hi</h1>'));
    assert.equal(index?.size, 11);
    assert.equal(index?.path, join(dir, 'index.html'));
  });

  test('dotfiles and dot-directories are skipped but .well-known is kept', async () => {
    const dir = await siteWith({ 'index.html': 'x', '.DS_Store': 'junk', '.git/HEAD': 'ref', 'img/.DS_Store': 'junk', '.well-known/security.txt': 'contact' });
    assert.deepEqual((await scanSite(dir)).map((file) => file.key), ['.well-known/security.txt', 'index.html']);
  });

  test('a committed config.json at the root is skipped but one in a subdirectory is kept', async () => {
    const dir = await siteWith({ 'index.html': 'x', 'config.json': '{"apiUrl":"stale"}', 'data/config.json': '{}' });
    assert.deepEqual((await scanSite(dir)).map((file) => file.key), ['data/config.json', 'index.html']);
  });

  test('a file larger than a stream chunk hashes to the MD5 of its whole content', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const dir = await siteWith({ 'video.bin': big });
    assert.equal((await scanSite(dir))[0]?.md5, md5(big));
  });

  test('symlinked directories are followed and a link that loops back is skipped', async () => {
    const dir = await siteWith({ 'index.html': 'x', 'shared/logo.svg': '<svg/>' });
    await symlink(join(dir, 'shared'), join(dir, 'assets'));
    await symlink(dir, join(dir, 'shared', 'loop'));
    assert.deepEqual((await scanSite(dir)).map((file) => file.key), ['assets/logo.svg', 'index.html', 'shared/logo.svg']);
  });

  test('a missing site directory is a user error naming it', async () => {
    const missing = join(tmpdir(), 'resume-infra-no-such-site-dir');
    await assert.rejects(scanSite(missing), (error: unknown) => error instanceof UserError && error.message.includes(missing));
  });
});
