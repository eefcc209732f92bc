// bench/waves.ts: the number of waves on a run's critical path, from the proxy's timeline.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { criticalWaves } from '../bench/waves.ts';

test('counts no waves for no requests', () => {
  assert.equal(criticalWaves([]), 0);
});

test('counts requests in flight together as one wave', () => {
  assert.equal(criticalWaves([{ start: 0, end: 50 }, { start: 1, end: 52 }, { start: 2, end: 49 }]), 1);
});

test('counts each request that starts after the previous answer as a wave of its own', () => {
  assert.equal(criticalWaves([{ start: 0, end: 10 }, { start: 11, end: 20 }, { start: 21, end: 30 }]), 3);
});

test('follows the longest chain, not the request count', () => {
  // A: 0–10, then B and C together after A, then D after C only; E overlaps everything.
  const timeline = [
    { start: 0, end: 10 }, // A
    { start: 12, end: 30 }, // B
    { start: 12, end: 15 }, // C
    { start: 16, end: 25 }, // D, after C
    { start: 1, end: 40 }, // E
  ];
  assert.equal(criticalWaves(timeline), 3);
});

test('takes the timeline in any order', () => {
  const timeline = [{ start: 21, end: 30 }, { start: 0, end: 10 }, { start: 11, end: 20 }];
  assert.equal(criticalWaves(timeline), 3);
});
