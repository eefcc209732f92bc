// src/site/invalidation-paths.ts: the CloudFront invalidation paths and their validation (no emulator needed).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { UserError } from '../src/errors.ts';
import { callerReference, encodePath, invalidationPaths, validateInvalidationPaths } from '../src/site/invalidation-paths.ts';

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
