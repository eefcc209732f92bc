// Pure rules of the site sync: Content-Type, Cache-Control, fingerprints, glob overrides,
// planning by ETag, invalidation paths, plus the local file scan (no emulator needed).
import { after, test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../src/errors.ts';
import { cacheControlFor, cacheRules, IMMUTABLE, isFingerprinted, looksLikeHash, NO_CACHE, SHORT_CACHE } from '../src/site/cache-control.ts';
import { mapBounded } from '../src/site/concurrency.ts';
import { contentTypeFor, isHtml } from '../src/site/content-type.ts';
import { siteConfigJson } from '../src/site/generate.ts';
import { callerReference, encodePath, invalidationPaths, validateInvalidationPaths } from '../src/site/invalidation-paths.ts';
import { etagMd5, planSync, type SourceFile } from '../src/site/plan.ts';
import { scanSite } from '../src/site/scan.ts';

const md5 = (text: string | Buffer): string => createHash('md5').update(text).digest('hex');

function source(key: string, content: string): SourceFile {
  return { key, body: Buffer.from(content), size: Buffer.byteLength(content), md5: md5(content) };
}

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

describe('content types', () => {
  test('textual types carry a utf-8 charset and binary types do not', () => {
    assert.equal(contentTypeFor('index.html'), 'text/html; charset=utf-8');
    assert.equal(contentTypeFor('assets/app.js'), 'text/javascript; charset=utf-8');
    assert.equal(contentTypeFor('css/site.css'), 'text/css; charset=utf-8');
    assert.equal(contentTypeFor('config.json'), 'application/json; charset=utf-8');
    assert.equal(contentTypeFor('logo.svg'), 'image/svg+xml; charset=utf-8');
    assert.equal(contentTypeFor('sitemap.xml'), 'application/xml; charset=utf-8');
    assert.equal(contentTypeFor('site.webmanifest'), 'application/manifest+json; charset=utf-8');
    assert.equal(contentTypeFor('photo.png'), 'image/png');
    assert.equal(contentTypeFor('fonts/inter.woff2'), 'font/woff2');
    assert.equal(contentTypeFor('resume.pdf'), 'application/pdf');
  });

  test('an upper-case extension gets the same type as a lower-case one', () => {
    assert.equal(contentTypeFor('PHOTO.JPG'), 'image/jpeg');
    assert.equal(contentTypeFor('About.HTML'), 'text/html; charset=utf-8');
  });

  test('a name without a known extension is served as application/octet-stream', () => {
    assert.equal(contentTypeFor('LICENSE'), 'application/octet-stream');
    assert.equal(contentTypeFor('data.unknownext'), 'application/octet-stream');
  });

  test('html and htm files count as HTML and other text does not', () => {
    assert.equal(isHtml('index.html'), true);
    assert.equal(isHtml('blog/old.htm'), true);
    assert.equal(isHtml('notes.txt'), false);
    assert.equal(isHtml('app.js'), false);
  });
});

describe('fingerprint detection', () => {
  const fingerprinted = [
    'app.3f9a2c1b.js',
    'app-3f9a2c1b8e.css',
    'assets/index-BfY2c3kQ.js',
    'assets/index-B-x9aB3c.js',
    'assets/app.3f9a2c1b.js.map',
    'chunk-5UHVSP5X.js',
    'fonts/inter.0a1b2c3d4e5f.woff2',
    'vendor~main.3f9a2c1b.js',
  ];
  const plain = [
    'styles.css',
    'app.min.js',
    'jquery-3.7.1.min.js',
    'bootstrap-5.3.3.css',
    'logo-dark-v2.svg',
    'photo-20240115.jpg',
    'photo-Summer24.jpg',
    'my-Photo-Summer24.png',
    'deadbeef-deadbeef.js',
    'index-abcdefgh.js',
    '3f9a2c1b.js',
    'roboto-v30-latin-regular.woff2',
    'resume-3f9a2c1b.pdf',
    'index.3f9a2c1b.html',
  ];

  for (const key of fingerprinted) {
    test(`"${key}" is a fingerprinted asset`, () => assert.equal(isFingerprinted(key), true));
  }
  for (const key of plain) {
    test(`"${key}" is not a fingerprinted asset`, () => assert.equal(isFingerprinted(key), false));
  }

  test('a hash segment must be at least 8 characters long', () => {
    assert.equal(looksLikeHash('3f9a2c1'), false);
    assert.equal(looksLikeHash('3f9a2c1b'), true);
  });
});

describe('cache rules', () => {
  const rules = cacheRules();

  test('HTML is no-cache, fingerprinted assets are immutable for a year, the rest gets a short max-age', () => {
    assert.equal(rules('index.html'), NO_CACHE);
    assert.equal(rules('blog/post.html'), NO_CACHE);
    assert.equal(rules('assets/app.3f9a2c1b.js'), IMMUTABLE);
    assert.equal(IMMUTABLE, 'public, max-age=31536000, immutable');
    assert.equal(rules('css/site.css'), SHORT_CACHE);
    assert.equal(rules('resume.pdf'), SHORT_CACHE);
  });

  test('a generated file is no-cache whatever its name', () => {
    assert.equal(rules('config.json', true), NO_CACHE);
    assert.equal(rules('config.json', false), SHORT_CACHE);
  });

  test('a config glob beats the built-in rule for HTML, fingerprints and generated files', () => {
    const overridden = cacheRules({ '**/*.html': 'max-age=60', '*.js': 'max-age=1', 'config.json': 'max-age=5' });
    assert.equal(overridden('blog/index.html'), 'max-age=60');
    assert.equal(overridden('app.3f9a2c1b.js'), 'max-age=1');
    assert.equal(overridden('config.json', true), 'max-age=5');
  });

  test('the first matching glob in object order wins', () => {
    const ordered = cacheRules({ 'docs/*.pdf': 'first', '**/*.pdf': 'second' });
    assert.equal(ordered('docs/resume.pdf'), 'first');
    assert.equal(ordered('resume.pdf'), 'second');
    const reversed = cacheRules({ '**/*.pdf': 'second', 'docs/*.pdf': 'first' });
    assert.equal(reversed('docs/resume.pdf'), 'second');
  });

  test('a glob is matched against the whole key, so a bare *.pdf only matches top-level files', () => {
    const bare = cacheRules({ '*.pdf': 'max-age=60' });
    assert.equal(bare('resume.pdf'), 'max-age=60');
    assert.equal(bare('docs/resume.pdf'), SHORT_CACHE);
  });

  test('globs match dot-directories such as .well-known', () => {
    assert.equal(cacheControlFor('.well-known/security.txt', { '**/*.txt': 'max-age=86400' }), 'max-age=86400');
  });

  test('an empty glob is reported as a user error naming it', () => {
    assert.throws(() => cacheRules({ '': 'max-age=1' }), (error: unknown) => error instanceof UserError && error.message.includes('glob ""'));
  });
});

describe('planning by content hash', () => {
  test('ETags are compared as unquoted lower-case MD5s and multipart ETags are not MD5s', () => {
    assert.equal(etagMd5('"D41D8CD98F00B204E9800998ECF8427E"'), 'd41d8cd98f00b204e9800998ecf8427e');
    assert.equal(etagMd5('"d41d8cd98f00b204e9800998ecf8427e-2"'), undefined);
  });

  test('new, changed, unchanged, multipart and removed keys are each sorted into the right list', () => {
    const local = [source('new.html', 'new'), source('changed.css', 'v2'), source('same.js', 'same'), source('multi.png', 'big')];
    const remote = [
      { key: 'changed.css', etag: `"${md5('v1')}"` },
      { key: 'same.js', etag: `"${md5('same')}"` },
      { key: 'multi.png', etag: `"${md5('big')}-1"` },
      { key: 'gone.txt', etag: `"${md5('gone')}"` },
    ];
    const plan = planSync(local, remote);
    assert.deepEqual(plan.uploads.map((upload) => [upload.file.key, upload.reason]), [
      ['new.html', 'new'],
      ['changed.css', 'changed'],
      ['multi.png', 'etag is not an md5'],
    ]);
    assert.deepEqual(plan.unchanged.map((file) => file.key), ['same.js']);
    assert.deepEqual(plan.deletes, ['gone.txt']);
  });
});

describe('generated config.json', () => {
  test('it holds the API URL as JSON under the key config.json', () => {
    const file = siteConfigJson('https://abc.execute-api.eu-west-1.amazonaws.com/prod');
    assert.equal(file.key, 'config.json');
    assert.deepEqual(JSON.parse(file.body.toString('utf8')), { apiUrl: 'https://abc.execute-api.eu-west-1.amazonaws.com/prod' });
  });

  test('without an API yet the URL is an empty string', () => {
    assert.deepEqual(JSON.parse(siteConfigJson(undefined).body.toString('utf8')), { apiUrl: '' });
  });

  test('the same API URL always gives the same bytes', () => {
    assert.equal(md5(siteConfigJson('https://x').body), md5(siteConfigJson('https://x').body));
  });
});

describe('invalidation paths', () => {
  test('an empty change list needs no invalidation', () => {
    assert.deepEqual(invalidationPaths([]), []);
  });

  test('the root index.html also invalidates /', () => {
    assert.deepEqual(invalidationPaths(['index.html']), ['/', '/index.html']);
  });

  test('a directory index.html also invalidates its directory with a trailing slash', () => {
    assert.deepEqual(invalidationPaths(['blog/index.html', 'css/site.css']), ['/blog/', '/blog/index.html', '/css/site.css']);
  });

  test('a file merely ending in index.html is not a directory index', () => {
    assert.deepEqual(invalidationPaths(['myindex.html']), ['/myindex.html']);
  });

  test('spaces, reserved and non-ASCII characters are percent-encoded and slashes kept', () => {
    assert.deepEqual(invalidationPaths(['docs/my resume.pdf']), ['/docs/my%20resume.pdf']);
    assert.equal(encodePath('/café/ü.html'), '/caf%C3%A9/%C3%BC.html');
    assert.equal(encodePath('/a#b?c%d.txt'), '/a%23b%3Fc%25d.txt');
    assert.equal(encodePath('/a*b.txt'), '/a%2Ab.txt');
    assert.equal(encodePath('/keep-these_.~(1).txt'), '/keep-these_.~(1).txt');
  });

  test('duplicate keys give one path each', () => {
    assert.deepEqual(invalidationPaths(['a.css', 'a.css', 'b.css']), ['/a.css', '/b.css']);
  });

  test('more paths than the threshold collapse to /*', () => {
    const keys = Array.from({ length: 16 }, (_, i) => `file-${i}.txt`);
    assert.deepEqual(invalidationPaths(keys, 15), ['/*']);
    assert.equal(invalidationPaths(keys.slice(0, 15), 15).length, 15);
  });

  test('an index.html counts as two paths toward the threshold', () => {
    assert.deepEqual(invalidationPaths(['index.html', 'a.css'], 2), ['/*']);
    assert.deepEqual(invalidationPaths(['index.html', 'a.css'], 3), ['/', '/a.css', '/index.html']);
  });
});

describe('invalidation path validation', () => {
  const rejects = (paths: string[], fragment: string) =>
    assert.throws(() => validateInvalidationPaths(paths), (error: unknown) => error instanceof UserError && error.message.includes(fragment));

  test('valid paths and wildcards pass', () => {
    validateInvalidationPaths(['/', '/index.html', '/blog/*', '/*']);
  });

  test('a path without a leading slash is rejected with the fixed path', () => rejects(['/ok.html', 'index.html'], 'use "/index.html"'));
  test('an empty list is rejected', () => rejects([], 'no invalidation paths'));
  test('a wildcard before the end is rejected', () => rejects(['/img/*.png'], '"/img/*.png"'));
  test('more than 3,000 paths are rejected', () => rejects(Array.from({ length: 3001 }, (_, i) => `/f${i}`), '3001 invalidation paths'));
  test('more than 15 wildcard paths are rejected', () => rejects(Array.from({ length: 16 }, (_, i) => `/d${i}/*`), '16 wildcard'));

  test('the caller reference depends on the paths, not their order', () => {
    const now = new Date(1_700_000_000_000);
    assert.equal(callerReference(['/a', '/b'], now), callerReference(['/b', '/a'], now));
    assert.notEqual(callerReference(['/a'], now), callerReference(['/b'], now));
    assert.notEqual(callerReference(['/a'], now), callerReference(['/a'], new Date(1_700_000_000_001)));
  });
});

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

describe('bounded concurrency', () => {
  test('no more than the limit run at once and results keep their order', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapBounded([5, 1, 4, 2, 3, 0], 2, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, n));
      running--;
      return n * 10;
    });
    assert.equal(peak, 2);
    assert.deepEqual(results, [50, 10, 40, 20, 30, 0]);
  });

  test('the first failure is rethrown and no new task starts after it', async () => {
    const started: number[] = [];
    await assert.rejects(
      mapBounded([1, 2, 3, 4, 5], 1, async (n) => {
        started.push(n);
        if (n === 2) throw new Error('boom');
      }),
      /boom/,
    );
    assert.deepEqual(started, [1, 2]);
  });
});
