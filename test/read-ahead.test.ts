// src/resources/read-ahead.ts: reads started beside the one they usually wait on, used only when
// that one agrees.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readAhead, readAheadById } from '../src/resources/read-ahead.ts';

describe('readAhead', () => {
  test('started now, it is read once, and every call gives that read', async () => {
    const reads: string[] = [];
    const read = readAhead(true, async () => { reads.push('read'); return 7; });
    assert.deepEqual(reads, ['read']);
    assert.equal(read(), read());
    assert.equal(await read(), 7);
    assert.deepEqual(reads, ['read']);
  });

  test('not started now, it is read on the first call only', async () => {
    const reads: string[] = [];
    const read = readAhead(false, async () => { reads.push('read'); return 'x'; });
    assert.deepEqual(reads, []);
    assert.equal(await read(), 'x');
    assert.equal(await read(), 'x');
    assert.deepEqual(reads, ['read']);
  });

  test('an early read that fails and is never asked for raises nothing; asked for, it raises its error', async () => {
    const unhandled: unknown[] = [];
    const listener = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', listener);
    try {
      readAhead(true, () => Promise.reject(new Error('ResourceNotFoundException')));
      const asked = readAhead(true, () => Promise.reject(new Error('AccessDenied')));
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.deepEqual(unhandled, []);
      await assert.rejects(asked(), /AccessDenied/);
    } finally {
      process.off('unhandledRejection', listener);
    }
  });
});

describe('readAheadById', () => {
  test('with the recorded id found, the early read answers; with another, that one is read', async () => {
    const reads: string[] = [];
    const tagsOf = readAheadById('arn:recorded', async (arn) => { reads.push(arn); return `tags of ${arn}`; });
    assert.deepEqual(reads, ['arn:recorded'], 'started at once');
    assert.equal(await tagsOf('arn:recorded'), 'tags of arn:recorded');
    assert.deepEqual(reads, ['arn:recorded']);
    assert.equal(await tagsOf('arn:found'), 'tags of arn:found');
    assert.deepEqual(reads, ['arn:recorded', 'arn:found']);
  });

  test('with no recorded id, nothing is read until the id is found', async () => {
    const reads: string[] = [];
    const tagsOf = readAheadById(undefined, async (arn) => { reads.push(arn); return arn.length; });
    assert.deepEqual(reads, []);
    assert.equal(await tagsOf('arn:found'), 9);
    assert.deepEqual(reads, ['arn:found']);
  });
});
