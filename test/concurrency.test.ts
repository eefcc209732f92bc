// src/site/concurrency.ts: bounded concurrency (no emulator needed).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mapBounded } from '../src/site/concurrency.ts';

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
