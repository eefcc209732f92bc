// src/site/content-type.ts: the Content-Type each site file is served with (no emulator needed).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { contentTypeFor, isHtml } from '../src/site/content-type.ts';

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
