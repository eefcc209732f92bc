// Progress: live lines with elapsed time on a terminal, plain lines otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProgressReporter } from '../src/engine/progress.ts';
import type { ProgressEvent } from '../src/engine/engine.ts';

const event = (phase: ProgressEvent['phase'], elapsedMs: number, message?: string): ProgressEvent => ({
  resource: 'table', title: 'DynamoDB table', label: 'jane-counter', action: 'create', phase, elapsedMs, ...(message ? { message } : {}),
});

test('without a terminal each step is a plain line with its elapsed time', () => {
  let text = '';
  const reporter = new ProgressReporter({ write: (chunk) => { text += chunk; }, isTTY: false });
  reporter.onProgress(event('start', 0));
  reporter.onProgress(event('note', 800, 'waiting for ACTIVE'));
  reporter.onProgress(event('done', 1234));
  assert.equal(text, 'creating DynamoDB table jane-counter…\n  DynamoDB table jane-counter: waiting for ACTIVE (0.8s)\n✓ created DynamoDB table jane-counter (1.2s)\n');
  assert.doesNotMatch(text, /\x1b\[/);
});

test('on a terminal a live line shows the running step and is replaced by its result', async () => {
  let text = '';
  const reporter = new ProgressReporter({ write: (chunk) => { text += chunk; }, isTTY: true });
  reporter.onProgress(event('start', 0));
  await new Promise((resolve) => setTimeout(resolve, 250));
  assert.match(text, /creating DynamoDB table jane-counter \d+\.\ds\n/);
  assert.match(text, /\x1b\[1A\x1b\[J/, 'the live line is redrawn in place');
  reporter.onProgress(event('failed', 300, 'AccessDenied'));
  reporter.stop();
  assert.match(text, /✗ creating DynamoDB table jane-counter failed after 0\.3s: AccessDenied\n$/);
});
