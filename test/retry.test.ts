// src/aws/retry.ts: throttled calls are retried past maxAttempts, other retryable errors are not (no emulator).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { THROTTLING_MAX_ATTEMPTS, ThrottlingTolerantRetryStrategy } from '../src/aws/retry.ts';

describe('throttling', () => {
  test('a throttled call is retried well past maxAttempts, while other retryable errors stop at maxAttempts', async () => {
    const strategy = new ThrottlingTolerantRetryStrategy(8);
    const retries = async (errorType: 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR'): Promise<{ attempts: number; maxDelay: number }> => {
      let token = await strategy.acquireInitialRetryToken();
      let maxDelay = 0;
      for (;;) {
        try {
          token = await strategy.refreshRetryTokenForRetry(token, { errorType });
        } catch {
          return { attempts: token.getRetryCount() + 1, maxDelay };
        }
        maxDelay = Math.max(maxDelay, token.getRetryDelay());
      }
    };
    assert.equal((await retries('THROTTLING')).attempts, THROTTLING_MAX_ATTEMPTS);
    assert.ok(THROTTLING_MAX_ATTEMPTS > 8);
    assert.ok((await retries('THROTTLING')).maxDelay <= 20_000, 'a backoff delay exceeds the 20 s cap');
    assert.equal((await retries('TRANSIENT')).attempts, 8);
    assert.equal((await retries('SERVER_ERROR')).attempts, 8, 'a 5xx is retried like the SDK does');
    assert.equal((await retries('CLIENT_ERROR')).attempts, 1);
  });
});
