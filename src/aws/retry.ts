// The retry policy of every SDK client: the SDK's standard one (retry throttling, transient and
// server errors only, exponential backoff with full jitter, 20 s cap), except that throttling gets far
// more attempts than other errors. AWS control planes allow a few requests per second per account
// (Route 53 five, CloudFront and IAM not many more), so a deploy next to a teammate's or a CI job
// can be throttled for a while; giving up after the SDK's 8 attempts then fails a run that would
// have worked, and leaves the stack half updated. An outage or a wrong endpoint (5xx, connection
// errors) still fails after `maxAttempts`, in seconds. Unlike the SDK's, no retry quota: one run
// makes a few hundred calls, and with the site's concurrent uploads a burst of throttling drained
// the quota's 100 throttled retries and failed calls on their second attempt.
import type { RetryErrorInfo, RetryStrategyV2, RetryToken } from '@smithy/types';

/** Attempts for a throttled call (the Terraform AWS provider retries 25 times by default). */
export const THROTTLING_MAX_ATTEMPTS = 20;
const THROTTLING_BASE_DELAY_MS = 1000;
const TRANSIENT_BASE_DELAY_MS = 50;
const MAX_DELAY_MS = 20_000;
/** How far past the computed delay a server's Retry-After hint may push the next attempt. */
const MAX_RETRY_AFTER_EXTRA_MS = 5_000;

class Token implements RetryToken {
  constructor(private readonly count: number, private readonly delay: number) {}
  getRetryCount(): number {
    return this.count;
  }
  getRetryDelay(): number {
    return this.delay;
  }
}

export class ThrottlingTolerantRetryStrategy implements RetryStrategyV2 {
  readonly mode = 'standard';

  /** `maxAttempts` bounds every retryable error except throttling, which gets at least THROTTLING_MAX_ATTEMPTS. */
  constructor(private readonly maxAttempts: number) {}

  async acquireInitialRetryToken(): Promise<RetryToken> {
    return new Token(0, 0);
  }

  async refreshRetryTokenForRetry(token: RetryToken, errorInfo: RetryErrorInfo): Promise<RetryToken> {
    const throttled = errorInfo.errorType === 'THROTTLING';
    // As the SDK's standard strategy: throttling, transient (timeouts, resets) and 5xx server errors.
    const retryable = throttled || errorInfo.errorType === 'TRANSIENT' || errorInfo.errorType === 'SERVER_ERROR';
    const attempts = token.getRetryCount() + 1;
    const limit = throttled ? Math.max(this.maxAttempts, THROTTLING_MAX_ATTEMPTS) : this.maxAttempts;
    // The SDK's retry middleware rethrows the call's own error when this throws.
    if (!retryable || attempts >= limit) throw new Error('no retry left');
    const base = throttled ? THROTTLING_BASE_DELAY_MS : TRANSIENT_BASE_DELAY_MS;
    let delay = Math.floor(Math.random() * Math.min(base * 2 ** token.getRetryCount(), MAX_DELAY_MS));
    if (errorInfo.retryAfterHint) {
      delay = Math.max(delay, Math.min(errorInfo.retryAfterHint.getTime() - Date.now(), delay + MAX_RETRY_AFTER_EXTRA_MS));
    }
    return new Token(attempts, delay);
  }

  recordSuccess(): void {
    // No quota to refill.
  }
}
