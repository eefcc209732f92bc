// src/site/invalidation.ts: creating and waiting for a CloudFront invalidation against the emulator.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CloudFrontClient, CreateDistributionCommand, GetInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { UserError } from '../src/errors.ts';
import { createInvalidation, waitForInvalidation } from '../src/site/invalidation.ts';
import { invalidationPaths } from '../src/site/invalidation-paths.ts';
import { useEmulator } from './helpers/emulator.ts';

const REGION = 'us-east-1';
const BUCKET = 'jane-resume-site';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

const emulator = await useEmulator();

describe('invalidation', () => {
  let cloudfront: CloudFrontClient;
  let distributionId: string;

  beforeEach(async () => {
    await emulator.reset();
    cloudfront = new CloudFrontClient({ endpoint: emulator.endpoint, region: REGION, credentials, maxAttempts: 1 });
    const created = await cloudfront.send(new CreateDistributionCommand({
      DistributionConfig: {
        CallerReference: `site-sync-test-${Date.now()}`,
        Comment: 'site sync test',
        Enabled: true,
        Origins: { Quantity: 1, Items: [{ Id: 'site', DomainName: `${BUCKET}.s3.us-east-1.amazonaws.com`, S3OriginConfig: { OriginAccessIdentity: '' } }] },
        DefaultCacheBehavior: { TargetOriginId: 'site', ViewerProtocolPolicy: 'redirect-to-https', CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6' },
      },
    }));
    distributionId = created.Distribution?.Id ?? '';
    assert.ok(distributionId, 'the emulator returned a distribution id');
  });

  test('an invalidation of the changed paths is created and waited for until it completes', async () => {
    const paths = invalidationPaths(['index.html', 'css/site.css']);

    const id = await createInvalidation(cloudfront, distributionId, paths);
    await waitForInvalidation(cloudfront, distributionId, id, { timeoutMs: 5_000, intervalMs: 50 });

    const { Invalidation } = await cloudfront.send(new GetInvalidationCommand({ DistributionId: distributionId, Id: id }));
    assert.deepEqual([...(Invalidation?.InvalidationBatch?.Paths?.Items ?? [])].sort(), ['/', '/css/site.css', '/index.html']);
    // moto reports COMPLETED where AWS says Completed: the wait must not depend on the case.
    assert.equal(Invalidation?.Status?.toLowerCase(), 'completed');
  });

  test('an invalid path is refused before any call to CloudFront', async () => {
    let calls = 0;
    cloudfront.middlewareStack.add((next) => async (args) => {
      calls++;
      return next(args);
    }, { step: 'initialize', name: 'countCalls' });
    await assert.rejects(createInvalidation(cloudfront, distributionId, ['index.html']), (error: unknown) => error instanceof UserError);
    assert.equal(calls, 0);
  });

  // The emulator completes invalidations at once, so an in-progress status is simulated by
  // rewriting the first responses of GetInvalidation on their way back.
  function reportInProgress(times: number): { polls: () => number } {
    let polls = 0;
    cloudfront.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName !== 'GetInvalidationCommand') return result;
        polls++;
        const output = result.output as { Invalidation?: { Status?: string } };
        if (polls <= times && output.Invalidation) output.Invalidation.Status = 'InProgress';
        return result;
      },
      { step: 'initialize', name: 'simulateInProgress' },
    );
    return { polls: () => polls };
  }

  test('waiting polls again while the invalidation is in progress', async () => {
    const id = await createInvalidation(cloudfront, distributionId, ['/*']);
    const simulated = reportInProgress(2);

    await waitForInvalidation(cloudfront, distributionId, id, { timeoutMs: 5_000, intervalMs: 10 });

    assert.equal(simulated.polls(), 3);
  });

  test('waiting past the timeout is a user error naming the invalidation', async () => {
    const id = await createInvalidation(cloudfront, distributionId, ['/*']);
    reportInProgress(Number.POSITIVE_INFINITY);

    await assert.rejects(
      waitForInvalidation(cloudfront, distributionId, id, { timeoutMs: 100, intervalMs: 20 }),
      (error: unknown) => error instanceof UserError && error.message.includes(id) && error.message.includes('InProgress'),
    );
  });
});
