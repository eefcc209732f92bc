// Creating a CloudFront invalidation and waiting for it. The paths themselves are worked out in
// invalidation-paths.ts.
import { isInvalidationCompleted } from '../aws/emulator-quirks.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { CloudFrontClient, CreateInvalidationCommand, GetInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { UserError } from '../errors.ts';
import { callerReference, validateInvalidationPaths } from './invalidation-paths.ts';

export { CloudFrontClient };

/** Starts an invalidation and returns its id. */
export async function createInvalidation(cloudfront: CloudFrontClient, distributionId: string, paths: readonly string[], now = new Date()): Promise<string> {
  validateInvalidationPaths(paths);
  const response = await cloudfront.send(new CreateInvalidationCommand({
    DistributionId: distributionId,
    InvalidationBatch: { CallerReference: callerReference(paths, now), Paths: { Quantity: paths.length, Items: [...paths] } },
  }));
  const id = response.Invalidation?.Id;
  if (!id) throw new Error(`creating CloudFront invalidation on distribution ${distributionId}: the response has no invalidation id`);
  return id;
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/**
 * Polls GetInvalidation until the status is Completed. Hand-written rather than the SDK's
 * `waitUntilInvalidationCompleted` because that waiter matches the status `Completed` exactly,
 * and the local emulator (moto) reports `COMPLETED`, so the waiter never finishes there. The
 * comparison is case-insensitive, which is also right for AWS.
 */
export async function waitForInvalidation(cloudfront: CloudFrontClient, distributionId: string, invalidationId: string, options: WaitOptions = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 15 * 60_000;
  const intervalMs = options.intervalMs ?? 5_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await cloudfront.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: invalidationId }));
    const status = response.Invalidation?.Status ?? 'unknown';
    if (isInvalidationCompleted(status)) return;
    if (Date.now() + intervalMs > deadline) {
      throw new UserError(`invalidation ${invalidationId} of distribution ${distributionId} is still ${status} after ${Math.round(timeoutMs / 1000)} s; it carries on in CloudFront, check it later with \`aws cloudfront get-invalidation\``);
    }
    await sleep(intervalMs);
  }
}
