// src/site/cache-control.ts: fingerprint detection and the Cache-Control rules, glob overrides included (no emulator needed).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../src/errors.ts';
import { cacheControlFor, cacheRules, IMMUTABLE, isFingerprinted, looksLikeHash, REVALIDATE, SHORT_CACHE } from '../src/site/cache-control.ts';

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

  test('HTML is revalidated by browsers and kept at the edge, fingerprinted assets are immutable for a year, the rest gets a short max-age', () => {
    assert.equal(rules('index.html'), REVALIDATE);
    assert.equal(rules('blog/post.html'), REVALIDATE);
    assert.equal(rules('assets/app.3f9a2c1b.js'), IMMUTABLE);
    assert.equal(IMMUTABLE, 'public, max-age=31536000, immutable');
    assert.equal(rules('css/site.css'), SHORT_CACHE);
    assert.equal(rules('resume.pdf'), SHORT_CACHE);
  });

  test('a generated file is revalidated by browsers whatever its name', () => {
    assert.equal(rules('config.json', true), REVALIDATE);
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
