// src/site/plan.ts: planning the site sync by ETag (no emulator needed).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { etagMd5, planSync, type SourceFile } from '../src/site/plan.ts';
import { md5 } from './helpers/md5.ts';

function source(key: string, content: string): SourceFile {
  return { key, body: Buffer.from(content), size: Buffer.byteLength(content), md5: md5(content) };
}

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
